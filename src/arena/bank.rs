//! Question-bank battles: a question from the bank, answered ahead of time by
//! two models of an answer set.

use std::collections::HashSet;

use anyhow::Context;
use rand::seq::IndexedRandom;
use uuid::Uuid;

use super::open_battles::Stored;
use super::sampling::draw_pair;
use super::{Arena, ArenaError, BattleView, Turn};
use crate::domain::{BattleMode, BattleStatus, FinishReason, Side};
use crate::integrity::Client;
use crate::store;
use crate::store::battles::{NewBattle, NewMessage};

impl Arena {
    /// Starts a battle on `question_id`, or on a random playable question: two
    /// different active models that answered it, drawn by sampling weight, on
    /// random sides. A question the client chose is played, but the vote
    /// on it does not count (`chosen_question`): question-bank answers are
    /// fixed, so choosing questions lets a client pick the battles it wants.
    ///
    /// # Errors
    /// `QuestionNotFound`, `QuestionNotPlayable`, `NoBattleAvailable`, or a
    /// database error.
    #[tracing::instrument(skip(self))]
    pub async fn start_battle(
        &self,
        question_id: Option<i32>,
        client: &Client,
    ) -> Result<BattleView, ArenaError> {
        let question_chosen = question_id.is_some();
        let index = self.bank.get(&self.db).await?;
        let question_id = match question_id {
            Some(id) => id,
            None => {
                let recent = self.recent_questions(client, index.playable.len()).await?;
                pick_unseen(&index.playable, &recent, &mut rand::rng())
                    .ok_or(ArenaError::NoBattleAvailable)?
            }
        };
        // The pair is drawn from the index, then the question and both
        // answers are read in one query.
        let Some((model_a, model_b)) = draw_pair(index.candidates(question_id), &mut rand::rng())
        else {
            return Err(match store::questions::find(&self.db, question_id).await? {
                Some(_) => ArenaError::QuestionNotPlayable(question_id),
                None => ArenaError::QuestionNotFound(question_id),
            });
        };
        let (question, [answer_a, answer_b]) = index
            .texts
            .question_with_pair(&self.db, question_id, model_a, model_b)
            .await?
            .ok_or(ArenaError::QuestionNotFound(question_id))?;
        let answer_a = answer_a.context("drawn model has no answer")?;
        let answer_b = answer_b.context("drawn model has no answer")?;

        // Imports guarantee at least one turn each; a shorter answer set ends the
        // conversation where its answers end.
        let turns: Vec<Turn> = question
            .turns
            .iter()
            .zip(answer_a.iter())
            .zip(answer_b.iter())
            .map(|((prompt, a), b)| Turn {
                prompt: prompt.clone(),
                a: a.clone(),
                b: b.clone(),
            })
            .collect();
        let id = Uuid::now_v7();
        let messages = turns
            .iter()
            .zip(0..)
            .flat_map(|(t, turn)| {
                [
                    NewMessage::prompt(turn, t.prompt.clone()),
                    NewMessage::answer(turn, Side::A, t.a.clone(), FinishReason::AnswerSet),
                    NewMessage::answer(turn, Side::B, t.b.clone(), FinishReason::AnswerSet),
                ]
            })
            .collect();
        let battle = NewBattle {
            id,
            mode: BattleMode::Anonymous,
            model_a,
            model_b,
            voter_id: Some(client.voter),
            ip_hash: Some(client.ip_hash.clone()),
            question_chosen,
            prompt_key: None,
            language: Some(question.language.clone()),
            category: Some(question.category.clone()),
            question_id: Some(question.id),
            created_at: store::battles::started_now(),
            messages,
        };
        let (row, messages) = battle.rows();
        self.store_battle(battle).await?;
        self.recent.started(client.voter, question.id);
        self.open_battles.keep(Stored {
            battle: row,
            messages,
        });
        Ok(BattleView {
            id,
            status: BattleStatus::Open,
            mode: BattleMode::Anonymous,
            live: false,
            pending: false,
            failed: false,
            void_reason: None,
            question_id: Some(question.id),
            question_set: Some(question.set_name.clone()),
            category: Some(question.category.clone()),
            language: Some(question.language.clone()),
            turns,
            models: None,
        })
    }

    /// The voter's latest distinct questions, newest first: kept in memory
    /// (see `recent_questions`), read from the database when the list kept
    /// is missing or older than its freshness.
    async fn recent_questions(&self, client: &Client, bank: usize) -> anyhow::Result<Vec<i32>> {
        if client.new_token.is_some() {
            // A voter id made for this request (no valid cookie came) has
            // no battles yet; nothing is kept for it either, so clients
            // that never keep the cookie do not fill the cache.
            return Ok(Vec::new());
        }
        if let Some(recent) = self.recent.fresh(client.voter) {
            return Ok(recent);
        }
        let limit = bank.saturating_mul(2);
        let read_at = std::time::Instant::now();
        let recent =
            store::questions::recent_questions_of_voter(&self.db, client.voter, limit).await?;
        self.recent
            .read(client.voter, recent.clone(), limit, read_at);
        Ok(recent)
    }
}

/// A question the voter has not seen since they last went through the whole
/// bank: the last `playable.len() - 1` distinct questions they saw (`recent`,
/// newest first) are left out, and one of the rest is drawn at random. So no
/// question comes back before every other playable one has come once.
fn pick_unseen(playable: &[i32], recent: &[i32], rng: &mut impl rand::Rng) -> Option<i32> {
    let window = playable.len().saturating_sub(1);
    let bank: HashSet<i32> = playable.iter().copied().collect();
    let mut seen: HashSet<i32> = HashSet::with_capacity(window);
    for q in recent {
        if seen.len() == window {
            break;
        }
        if bank.contains(q) {
            seen.insert(*q);
        }
    }
    let fresh: Vec<i32> = playable
        .iter()
        .copied()
        .filter(|q| !seen.contains(q))
        .collect();
    fresh.choose(rng).copied()
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn no_question_repeats_before_the_bank_is_exhausted() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let bank: Vec<i32> = (1..=7).collect();
        let mut history: Vec<i32> = Vec::new();
        for round in 0..70 {
            let recent: Vec<i32> = history.iter().rev().copied().collect();
            let q = pick_unseen(&bank, &recent, &mut rng).expect("a question");
            let since = &history[history.len().saturating_sub(bank.len() - 1)..];
            assert!(
                !since.contains(&q),
                "round {round}: {q} came back within {since:?}"
            );
            history.push(q);
        }
        // Every question came ten times: the draw stays fair over the long run.
        for q in &bank {
            assert_eq!(history.iter().filter(|h| *h == q).count(), 10);
        }
    }

    #[test]
    fn questions_that_left_the_bank_do_not_block_the_others() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        assert_eq!(pick_unseen(&[5], &[5, 5], &mut rng), Some(5));
        assert_eq!(pick_unseen(&[1, 2], &[9, 8, 1], &mut rng), Some(2));
        assert_eq!(pick_unseen(&[], &[1], &mut rng), None);
    }
}
