//! What a voter sees of a battle: the conversation, and the models once they
//! may be revealed.

use std::collections::HashMap;

use anyhow::Context;
use uuid::Uuid;

use super::{Arena, ArenaError};
use crate::domain::{BattleMode, BattleStatus, FinishReason, Side};
use crate::store;
use crate::store::entities::{battles, messages, models};

/// One turn of a battle: the prompt and both answers (Markdown source).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Turn {
    pub prompt: String,
    pub a: String,
    pub b: String,
}

impl Turn {
    fn answer_mut(&mut self, side: Side) -> &mut String {
        match side {
            Side::A => &mut self.a,
            Side::B => &mut self.b,
        }
    }
}

/// A model as revealed after the vote.
#[derive(Debug, Clone, PartialEq)]
pub struct Revealed {
    pub name: String,
    pub display_name: String,
}

/// A battle as a voter may see it: the models stay hidden while it is open.
#[derive(Debug, Clone)]
pub struct BattleView {
    pub id: Uuid,
    pub status: BattleStatus,
    pub mode: BattleMode,
    /// Answered live by models (not from an answer set).
    pub live: bool,
    /// An answer of the latest turn is still being generated.
    pub pending: bool,
    /// A model could not answer the latest turn; it can be generated again.
    pub failed: bool,
    pub void_reason: Option<String>,
    pub question_id: Option<i32>,
    pub question_set: Option<String>,
    pub category: Option<String>,
    pub language: Option<String>,
    pub turns: Vec<Turn>,
    /// `Some` once the battle is no longer open, and in named battles.
    pub models: Option<(Revealed, Revealed)>,
}

impl Arena {
    /// A battle as its voter sees it; the models are revealed once it is closed.
    ///
    /// # Errors
    /// `BattleNotFound`, or a database error.
    pub async fn battle(&self, id: Uuid) -> Result<BattleView, ArenaError> {
        let (battle, messages) = store::battles::with_messages(&self.db, id)
            .await?
            .ok_or(ArenaError::BattleNotFound(id))?;
        let pending = messages
            .iter()
            .any(|m| m.side.is_some() && m.finish_reason.is_none());
        let failed = battle.status == BattleStatus::Open && latest_turn_failed(&messages);
        let turns = turns(messages)?;
        let question = match battle.question_id {
            Some(q) => store::questions::find(&self.db, q).await?,
            None => None,
        };
        let hidden = battle.status == BattleStatus::Open && battle.mode != BattleMode::Named;
        let models = if hidden {
            None
        } else {
            let by_id = self
                .bank
                .models(&self.db, &[battle.model_a, battle.model_b])
                .await?;
            Some(reveal(&battle, &by_id)?)
        };
        Ok(BattleView {
            id,
            status: battle.status,
            live: battle.question_id.is_none() && battle.mode != BattleMode::Campaign,
            mode: battle.mode,
            pending,
            failed,
            void_reason: battle.void_reason,
            question_id: battle.question_id,
            question_set: question.map(|q| q.set_name),
            category: battle.category,
            language: battle.language,
            turns,
            models,
        })
    }
}

/// The conversation as the voter sees it: each turn's prompt and the answer
/// shown on each side (the newest, after a regeneration).
fn turns(messages: Vec<messages::Model>) -> Result<Vec<Turn>, ArenaError> {
    let mut turns: Vec<Turn> = Vec::new();
    for m in messages {
        let index = usize::try_from(m.turn).context("negative turn index")?;
        if turns.len() <= index {
            turns.resize(index + 1, Turn::default());
        }
        let slot = &mut turns[index];
        match m.side {
            None => slot.prompt = m.content,
            Some(side) => *slot.answer_mut(side) = m.content,
        }
    }
    Ok(turns)
}

/// The battle's two models by name, from models loaded by id.
pub(super) fn reveal(
    battle: &battles::Model,
    by_id: &HashMap<i32, models::Model>,
) -> Result<(Revealed, Revealed), ArenaError> {
    let revealed = |id: i32| -> Result<Revealed, ArenaError> {
        let m = by_id
            .get(&id)
            .with_context(|| format!("battle {} names missing model {id}", battle.id))?;
        Ok(Revealed {
            name: m.name.clone(),
            display_name: m.display_name.clone(),
        })
    };
    Ok((revealed(battle.model_a)?, revealed(battle.model_b)?))
}

/// The answer the voter sees for each `(turn, side)`: the newest, since a
/// regeneration adds rows and keeps the older ones. `messages` must be in
/// conversation order, as `store::battles::messages` returns them.
pub(super) fn shown_answers(
    messages: &[messages::Model],
) -> HashMap<(i32, Side), &messages::Model> {
    let mut shown = HashMap::new();
    for m in messages {
        if let Some(side) = m.side {
            shown.insert((m.turn, side), m);
        }
    }
    shown
}

/// Whether an answer shown in the latest turn failed (the battle stays open
/// for a retry of that turn).
pub(super) fn latest_turn_failed(messages: &[messages::Model]) -> bool {
    let last_turn = messages.iter().map(|m| m.turn).max().unwrap_or(0);
    shown_answers(messages).iter().any(|((turn, _), m)| {
        *turn == last_turn
            && matches!(
                m.finish_reason,
                Some(FinishReason::Error | FinishReason::Cancelled)
            )
    })
}
