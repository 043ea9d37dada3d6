//! Votes: whether a vote counts (an answer that gives its model away, an
//! answer stopped before it began), recording it, and revealing the models.

use std::collections::HashMap;
use std::sync::Arc;

use uuid::Uuid;

use chrono::{DateTime, Utc};

use super::answer_facts::FactsCache;
use super::live::generation::AnswerStats;
use super::open_battles::Stored;
use super::view::{latest_turn_failed, reveal, shown_answers};
use super::{Arena, ArenaError, Revealed};
use crate::domain::{
    BattleMode, BattleStatus, FinishReason, NotCounted, Scope, Side, StyleFeatures, Verdict,
    VoterId, mentions,
};
use crate::integrity::VoteFacts;
use crate::store;
use crate::store::entities::{battles, messages, models};
use crate::store::votes::{RecordVote, RecordVoteError};

/// The result of a vote, with the two models revealed.
#[derive(Debug, Clone)]
pub struct VoteOutcome {
    pub battle_id: Uuid,
    pub verdict: Verdict,
    pub counted: bool,
    /// Why the vote does not count: the code, and what it means here.
    pub not_counted: Option<(NotCounted, String)>,
    pub model_a: Revealed,
    pub model_b: Revealed,
    /// How each answer of the latest turn was generated (live battles only),
    /// shown only now: speed and length must not sway the vote.
    pub stats: Option<[Option<AnswerStats>; 2]>,
}

/// The style features of each side's shown answers, summed over every turn
/// (as [`StyleFeatures::of_turns`] sums them).
fn style_of(messages: &[messages::Model], facts: &FactsCache) -> [StyleFeatures; 2] {
    let shown = shown_answers(messages);
    [Side::A, Side::B].map(|side| {
        shown
            .iter()
            .filter(|(k, _)| k.1 == side)
            .map(|(_, m)| facts.of(&m.content).style)
            .fold(StyleFeatures::default(), StyleFeatures::plus)
    })
}

impl Arena {
    /// Records a vote on an open battle and reveals its models. Anonymous
    /// battles count towards the overall, category and language leaderboards.
    ///
    /// The battle and its messages are read once before the write (or taken
    /// from the copy kept of a question-bank battle started here), its two
    /// models from the bank index; the write re-checks in its own
    /// conditional update that the battle is still open and fully answered.
    /// (One difference a copy makes: a battle voted through another instance
    /// that has also expired is refused here as expired, not as closed.)
    ///
    /// Only the voter who started the battle may vote on it. A vote that
    /// breaks a counting rule (see [`crate::integrity`]) is stored with the
    /// rule's code and not counted.
    ///
    /// # Errors
    /// `BattleNotFound`, `NotYourBattle`, `BattleExpired`, `BattleClosed`
    /// (already voted or void), `AnswersPending`, or a database error.
    #[tracing::instrument(skip(self))]
    pub async fn vote(
        &self,
        battle_id: Uuid,
        verdict: Verdict,
        voter_id: Option<VoterId>,
    ) -> Result<VoteOutcome, ArenaError> {
        // A question-bank battle started here is kept as stored (see
        // `open_battles`); any other is read.
        let stored = match self.open_battles.get(battle_id) {
            Some(kept) => kept,
            None => {
                let (battle, messages) = store::battles::with_messages(&self.db, battle_id)
                    .await?
                    .ok_or(ArenaError::BattleNotFound(battle_id))?;
                Arc::new(Stored { battle, messages })
            }
        };
        let (battle, messages) = (&stored.battle, stored.messages.as_slice());
        if let Some(owner) = battle.voter_id
            && voter_id != Some(owner)
        {
            return Err(ArenaError::NotYourBattle(battle_id));
        }
        if battle.status == BattleStatus::Open && self.integrity.expired(battle.created_at) {
            return Err(ArenaError::BattleExpired(battle_id));
        }
        let by_id = self
            .bank
            .models(&self.db, &[battle.model_a, battle.model_b])
            .await?;
        if battle.status == BattleStatus::Open && latest_turn_failed(messages) {
            return Err(ArenaError::TurnFailed(battle_id));
        }
        // Held until the vote is committed (see `integrity::CapClaim`).
        let mut claim = None;
        let not_counted = if battle.mode == BattleMode::Anonymous {
            let content = self
                .identity_leak(battle, messages, &by_id)
                .map(|d| (NotCounted::IdentityLeak, d))
                .or_else(|| stopped_before_writing(messages).map(|r| (r, r.describe().to_owned())));
            match content {
                Some(reason) => Some(reason),
                None => {
                    let live_prompt = battle
                        .question_id
                        .is_none()
                        .then(|| messages.iter().find(|m| m.side.is_none()))
                        .flatten()
                        .map(|m| m.content.as_str());
                    let facts = VoteFacts {
                        voter: voter_id,
                        ip_hash: battle.ip_hash.as_deref(),
                        question_chosen: battle.question_chosen,
                        answers_available_at: answers_available_at(battle, messages),
                        live_prompt,
                    };
                    let judged = self.integrity.judge(&facts).await?;
                    claim = judged.claim;
                    judged.not_counted.map(|r| (r, r.describe().to_owned()))
                }
            }
        } else {
            Some((
                NotCounted::NamedBattle,
                NotCounted::NamedBattle.describe().to_owned(),
            ))
        };
        let counted = not_counted.is_none();
        let scopes = Scope::of_battle(battle.category.as_deref(), battle.language.as_deref());
        let record = RecordVote {
            battle_id,
            model_a: battle.model_a,
            model_b: battle.model_b,
            verdict,
            voter_id,
            counted,
            not_counted: not_counted.clone(),
            scopes,
            style: Some(style_of(messages, &self.facts)),
        };
        // The claim is the writer's to drop, once the vote is committed.
        let held = claim.map(|c| Box::new(c) as crate::store::writer::Held);
        let written = self.writer.record_vote_holding(record, held).await;
        if !matches!(written, Err(RecordVoteError::Database(_))) {
            // Voted now, or refused for good: the copy has served.
            self.open_battles.forget(battle_id);
        }
        written.map_err(|e| match e {
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
        let (model_a, model_b) = reveal(battle, &by_id)?;
        let stats = battle.question_id.is_none().then(|| latest_stats(messages));
        Ok(VoteOutcome {
            stats,
            battle_id,
            verdict,
            counted,
            not_counted,
            model_a,
            model_b,
        })
    }

    /// Why a vote on this battle must not count because an answer gives its
    /// model away (a configured identity word, or the model's name, display
    /// name, organisation, upstream id or own identity words), or `None`.
    /// Each answer is searched for the configured words in one pass (their
    /// automaton is built once), then for its model's few own words.
    fn identity_leak(
        &self,
        battle: &battles::Model,
        messages: &[messages::Model],
        by_id: &HashMap<i32, models::Model>,
    ) -> Option<String> {
        for (side, model_id) in [(Side::A, battle.model_a), (Side::B, battle.model_b)] {
            let mut own: Vec<&str> = Vec::new();
            if let Some(m) = by_id.get(&model_id) {
                own.extend([m.name.as_str(), m.display_name.as_str()]);
                own.extend(m.organization.as_deref());
                own.extend(m.upstream_model.as_deref());
            }
            let live = self.live.get(model_id);
            if let Some(l) = &live {
                own.extend(l.identity_words.iter().map(String::as_str));
            }
            let answers = messages.iter().filter(|m| m.side == Some(side));
            for answer in answers {
                let facts = self.facts.of(&answer.content);
                let lowercase = &*facts.lowercase;
                let found = self
                    .identity_words
                    .first_in(lowercase)
                    .or_else(|| own.iter().copied().find(|w| mentions(lowercase, w)));
                if let Some(word) = found {
                    return Some(format!(
                        "the answer on side {} names {word:?}, so the vote would not be blind",
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
fn stopped_before_writing(messages: &[messages::Model]) -> Option<NotCounted> {
    shown_answers(messages)
        .values()
        .any(|m| m.finish_reason == Some(FinishReason::Stopped) && m.content.trim().is_empty())
        .then_some(NotCounted::StoppedBeforeWriting)
}

/// The statistics of each side's shown answer in the latest turn.
fn latest_stats(messages: &[messages::Model]) -> [Option<AnswerStats>; 2] {
    let last_turn = messages.iter().map(|m| m.turn).max().unwrap_or(0);
    let shown = shown_answers(messages);
    Side::BOTH.map(|side| {
        shown.get(&(last_turn, side)).map(|m| AnswerStats {
            finish_reason: m.finish_reason.clone().unwrap_or(FinishReason::Cancelled),
            latency_ms: m.latency_ms,
            first_token_ms: m.first_token_ms,
            prompt_tokens: m.prompt_tokens,
            completion_tokens: m.completion_tokens,
        })
    })
}

/// When the voter could first read both answers of the latest turn: at once
/// for a question-bank battle; when the later of the two finished for a live
/// one.
fn answers_available_at(battle: &battles::Model, messages: &[messages::Model]) -> DateTime<Utc> {
    if battle.question_id.is_some() {
        return battle.created_at;
    }
    let last_turn = messages.iter().map(|m| m.turn).max().unwrap_or(0);
    shown_answers(messages)
        .into_iter()
        .filter(|((turn, _), _)| *turn == last_turn)
        .map(|(_, m)| {
            m.created_at + chrono::Duration::milliseconds(i64::from(m.latency_ms.unwrap_or(0)))
        })
        .max()
        .unwrap_or(battle.created_at)
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
