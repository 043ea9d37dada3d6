//! Question-bank battles: a question from the bank, answered ahead of time by
//! two models of an answer set.

use anyhow::Context;
use rand::seq::IndexedRandom;
use uuid::Uuid;

use super::sampling::{Candidate, draw_pair};
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
        let question_id = match question_id {
            Some(id) => id,
            None => {
                let ids = store::questions::playable_question_ids(&self.db).await?;
                *ids.choose(&mut rand::rng())
                    .ok_or(ArenaError::NoBattleAvailable)?
            }
        };
        let question = store::questions::find(&self.db, question_id)
            .await?
            .ok_or(ArenaError::QuestionNotFound(question_id))?;
        let candidates: Vec<Candidate> = store::questions::answering_models(&self.db, question_id)
            .await?
            .into_iter()
            .map(|(model_id, weight)| Candidate { model_id, weight })
            .collect();
        let (model_a, model_b) = draw_pair(&candidates, &mut rand::rng())
            .ok_or(ArenaError::QuestionNotPlayable(question_id))?;
        let answer_a = store::questions::answer_turns(&self.db, question_id, model_a)
            .await?
            .context("drawn model has no answer")?;
        let answer_b = store::questions::answer_turns(&self.db, question_id, model_b)
            .await?
            .context("drawn model has no answer")?;

        // Imports guarantee at least one turn each; a shorter answer set ends the
        // conversation where its answers end.
        let turns: Vec<Turn> = question
            .turns
            .iter()
            .zip(answer_a)
            .zip(answer_b)
            .map(|((prompt, a), b)| Turn {
                prompt: prompt.clone(),
                a,
                b,
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
        store::battles::insert(
            &self.db,
            NewBattle {
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
                messages,
            },
        )
        .await?;
        Ok(BattleView {
            id,
            status: BattleStatus::Open,
            mode: BattleMode::Anonymous,
            live: false,
            pending: false,
            void_reason: None,
            question_id: Some(question.id),
            question_set: Some(question.set_name),
            category: Some(question.category),
            language: Some(question.language),
            turns,
            models: None,
        })
    }
}
