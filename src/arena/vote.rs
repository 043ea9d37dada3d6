//! Votes: whether a vote counts (an answer that gives its model away, an
//! answer stopped before it began), recording it, and revealing the models.

use std::collections::HashMap;

use uuid::Uuid;

use super::view::{reveal, shown_answers};
use super::{Arena, ArenaError, Revealed};
use crate::domain::{BattleMode, FinishReason, Scope, Side, Verdict, VoterId, find_identity_word};
use crate::store;
use crate::store::entities::{battles, messages, models};
use crate::store::votes::{RecordVote, RecordVoteError};

/// The result of a vote, with the two models revealed.
#[derive(Debug, Clone)]
pub struct VoteOutcome {
    pub battle_id: Uuid,
    pub verdict: Verdict,
    pub counted: bool,
    pub not_counted_reason: Option<String>,
    pub model_a: Revealed,
    pub model_b: Revealed,
}

impl Arena {
    /// Records a vote on an open battle and reveals its models. Anonymous
    /// battles count towards the overall, category and language leaderboards.
    ///
    /// The battle, its messages and its two models are read once, before the
    /// write; the write re-checks in its own conditional update that the
    /// battle is still open and fully answered.
    ///
    /// # Errors
    /// `BattleNotFound`, `BattleClosed` (already voted or void),
    /// `AnswersPending`, or a database error.
    #[tracing::instrument(skip(self))]
    pub async fn vote(
        &self,
        battle_id: Uuid,
        verdict: Verdict,
        voter_id: Option<VoterId>,
    ) -> Result<VoteOutcome, ArenaError> {
        let battle = store::battles::find(&self.db, battle_id)
            .await?
            .ok_or(ArenaError::BattleNotFound(battle_id))?;
        let by_id = store::models::by_ids(&self.db, &[battle.model_a, battle.model_b]).await?;
        let not_counted_reason = if battle.mode == BattleMode::Anonymous {
            let messages = store::battles::messages(&self.db, battle.id).await?;
            self.identity_leak(&battle, &messages, &by_id)
                .or_else(|| stopped_before_writing(&messages))
        } else {
            Some(format!("{} battle", battle.mode))
        };
        let counted = not_counted_reason.is_none();
        let scopes = Scope::of_battle(battle.category.as_deref(), battle.language.as_deref());
        store::votes::record(
            &self.db,
            RecordVote {
                battle_id,
                model_a: battle.model_a,
                model_b: battle.model_b,
                verdict,
                voter_id,
                counted,
                not_counted_reason: not_counted_reason.clone(),
                scopes,
            },
        )
        .await
        .map_err(|e| match e {
            RecordVoteError::NotFound => ArenaError::BattleNotFound(battle_id),
            RecordVoteError::Pending => ArenaError::AnswersPending(battle_id),
            RecordVoteError::NotOpen { status } => ArenaError::BattleClosed {
                id: battle_id,
                status,
            },
            RecordVoteError::Database(e) => ArenaError::Unexpected(e),
        })?;
        if counted {
            (self.on_counted_vote)();
        }
        let (model_a, model_b) = reveal(&battle, &by_id)?;
        Ok(VoteOutcome {
            battle_id,
            verdict,
            counted,
            not_counted_reason,
            model_a,
            model_b,
        })
    }

    /// Why a vote on this battle must not count because an answer gives its
    /// model away (its name, display name, organisation, upstream id, or a
    /// configured identity word), or `None`.
    fn identity_leak(
        &self,
        battle: &battles::Model,
        messages: &[messages::Model],
        by_id: &HashMap<i32, models::Model>,
    ) -> Option<String> {
        for (side, model_id) in [(Side::A, battle.model_a), (Side::B, battle.model_b)] {
            let mut words: Vec<&str> = self.identity_words.iter().map(String::as_str).collect();
            if let Some(m) = by_id.get(&model_id) {
                words.extend([m.name.as_str(), m.display_name.as_str()]);
                words.extend(m.organization.as_deref());
                words.extend(m.upstream_model.as_deref());
            }
            let live = self.live.get(model_id);
            if let Some(l) = &live {
                words.extend(l.identity_words.iter().map(String::as_str));
            }
            let answers = messages.iter().filter(|m| m.side == Some(side));
            for answer in answers {
                if let Some(word) = find_identity_word(&answer.content, words.iter().copied()) {
                    return Some(format!(
                        "anonymity: the answer on side {} names {word:?}",
                        side.as_str().to_uppercase()
                    ));
                }
            }
        }
        None
    }
}

/// Why a vote must not count because an answer the voter saw was stopped
/// before the model wrote anything: there was nothing of it to judge. An
/// answer stopped part-way counts, as the voter read what there was.
fn stopped_before_writing(messages: &[messages::Model]) -> Option<String> {
    shown_answers(messages)
        .values()
        .any(|m| m.finish_reason == Some(FinishReason::Stopped) && m.content.trim().is_empty())
        .then(|| "an answer was stopped before the model wrote anything".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(id: i64, side: Side, content: &str, reason: FinishReason) -> messages::Model {
        messages::Model {
            id,
            battle_id: Uuid::nil(),
            turn: 0,
            side: Some(side),
            role: "assistant".to_owned(),
            content: content.to_owned(),
            latency_ms: None,
            first_token_ms: None,
            prompt_tokens: None,
            completion_tokens: None,
            finish_reason: Some(reason),
            error: None,
            created_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn only_a_shown_answer_stopped_before_its_first_word_voids_the_count() {
        let empty_then_regenerated = [
            answer(1, Side::A, "", FinishReason::Stopped),
            answer(2, Side::B, "fine", FinishReason::Stop),
            answer(3, Side::A, "partial", FinishReason::Stopped),
        ];
        assert_eq!(stopped_before_writing(&empty_then_regenerated), None);
        let shown_empty = [
            answer(1, Side::A, "  ", FinishReason::Stopped),
            answer(2, Side::B, "fine", FinishReason::Stop),
        ];
        assert!(stopped_before_writing(&shown_empty).is_some());
    }
}
