//! Live battles: the voter's own prompt, answered by two live models; then
//! follow-up turns, regeneration and the stop switch, which only the voter
//! who started the battle may use.

mod breaker;
pub mod generation;
mod models;
pub(super) mod stream;

use std::collections::HashMap;
use std::sync::Arc;

use uuid::Uuid;

use super::sampling::{Candidate, draw_pair};
use super::{Arena, ArenaError, BattleView};
use crate::domain::{BattleMode, BattleStatus, Prompt, Scope, Side, VoterId, detect_language};
use crate::integrity::{Client, LiveSlots, prompt_key};
use crate::providers::ChatMessage;
use crate::store;
use crate::store::battles::{AppendError, NewBattle, NewMessage};
use crate::store::entities::{battles, messages};
use generation::SideJob;
pub use models::{LiveModel, LiveModels, boosted_weight, check_dates, registration};
pub use stream::{INTERRUPTED_REASON, SHUTDOWN_REASON, StreamEvent};

/// How the two models of a live battle are chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LivePick {
    /// Drawn at random, hidden until the vote; counts on the leaderboard.
    Anonymous,
    /// Chosen by the voter (`model_a`, `model_b`); never counted.
    Named(String, String),
}

/// What the page needs to know about live battles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveInfo {
    pub enabled: bool,
    pub available_models: usize,
    pub max_prompt_chars: usize,
    pub max_turns: usize,
    /// Every live model as `(name, display name)`, for named battles.
    pub models: Vec<LiveChoice>,
}

/// A live model a voter may choose for a named battle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveChoice {
    pub name: String,
    pub display_name: String,
    /// `false` while the model sits out a failure cool-down.
    pub available: bool,
}

impl Arena {
    #[must_use]
    pub fn live_info(&self) -> LiveInfo {
        let s = self.live.settings();
        let available = self.live.available();
        let available_models = available.len();
        LiveInfo {
            enabled: self.live.len() >= 2,
            available_models,
            max_prompt_chars: s.max_prompt_chars,
            max_turns: s.max_turns,
            models: self
                .live
                .names()
                .into_iter()
                .map(|(name, display_name)| LiveChoice {
                    available: available.iter().any(|m| m.name == name),
                    name,
                    display_name,
                })
                .collect(),
        }
    }

    fn check_prompt(&self, prompt: &str) -> Result<String, ArenaError> {
        let prompt = Prompt::parse(prompt, self.live.settings().max_prompt_chars)?;
        Ok(prompt.into_string())
    }

    /// Starts a live battle on the voter's prompt and begins generating both
    /// answers in the background; follow them with [`Arena::stream`].
    ///
    /// # Errors
    /// `Prompt`, `NoLiveModels`, `LiveModelsBusy`, `ModelNotFound`,
    /// `SameModel`, or a database error.
    #[tracing::instrument(skip(self, prompt))]
    pub async fn start_live_battle(
        &self,
        prompt: &str,
        pick: LivePick,
        client: &Client,
    ) -> Result<BattleView, ArenaError> {
        let prompt = self.check_prompt(prompt)?;
        let (mode, a, b) = match pick {
            LivePick::Anonymous => {
                let (a, b) = self.draw_live_pair().await?;
                (BattleMode::Anonymous, a, b)
            }
            LivePick::Named(a, b) => {
                if a == b {
                    return Err(ArenaError::SameModel);
                }
                let available = self.live.available();
                let find = |n: &str| {
                    let model = self
                        .live
                        .by_name(n)
                        .ok_or_else(|| ArenaError::ModelNotFound(n.to_owned()))?;
                    if available.iter().any(|m| m.id == model.id) {
                        Ok(model)
                    } else {
                        Err(ArenaError::ModelUnavailable(n.to_owned()))
                    }
                };
                (BattleMode::Named, find(&a)?, find(&b)?)
            }
        };
        let slots = self
            .live_budget(Some(client.voter), mode == BattleMode::Named)
            .await?;
        let id = Uuid::now_v7();
        self.store_battle(NewBattle {
            id,
            mode,
            model_a: a.id,
            model_b: b.id,
            voter_id: Some(client.voter),
            ip_hash: Some(client.ip_hash.clone()),
            question_chosen: false,
            prompt_key: Some(prompt_key(&prompt)),
            language: Some(detect_language(&prompt)),
            category: None,
            question_id: None,
            created_at: crate::store::battles::started_now(),
            messages: vec![
                NewMessage::prompt(0, prompt.clone()),
                NewMessage::placeholder(0, Side::A),
                NewMessage::placeholder(0, Side::B),
            ],
        })
        .await?;
        let jobs = [a, b].map(|model| SideJob {
            model,
            conversation: vec![ChatMessage::user(prompt.clone())],
        });
        self.spawn_generation(id, 0, jobs, slots);
        self.battle(id).await
    }

    /// Adds a follow-up prompt; both models answer it with the whole
    /// conversation so far (each seeing its own earlier answers).
    ///
    /// # Errors
    /// `BattleNotFound`, `NotYourBattle`, `BattleClosed`, `BattleExpired`,
    /// `NotLive`, `AnswersPending`, `TurnLimit`, `Prompt`, or a database error.
    #[tracing::instrument(skip(self, prompt, voter_id))]
    pub async fn add_turn(
        &self,
        battle_id: Uuid,
        prompt: &str,
        voter_id: Option<VoterId>,
    ) -> Result<BattleView, ArenaError> {
        // Whose battle it is first: another voter hears 403 whatever they sent.
        let (battle, models, messages) = self.live_battle(battle_id, voter_id).await?;
        let prompt = self.check_prompt(prompt)?;
        if super::view::latest_turn_failed(&messages) {
            return Err(ArenaError::TurnFailed(battle_id));
        }
        let turn = messages.iter().map(|m| m.turn).max().unwrap_or(0) + 1;
        let max = self.live.settings().max_turns;
        if usize::try_from(turn).unwrap_or(usize::MAX) >= max {
            return Err(ArenaError::TurnLimit { max });
        }
        let slots = self
            .live_budget(voter_id, battle.mode == BattleMode::Named)
            .await?;
        store::battles::append_generation(&self.db, battle.id, turn, Some(prompt.clone()))
            .await
            .map_err(|e| append_error(battle_id, e))?;
        let jobs = [(models.0, Side::A), (models.1, Side::B)].map(|(model, side)| {
            let mut conversation = conversation(&messages, side, turn);
            conversation.push(ChatMessage::user(prompt.clone()));
            SideJob {
                model,
                conversation,
            }
        });
        self.spawn_generation(battle_id, turn, jobs, slots);
        self.battle(battle_id).await
    }

    /// Answers the latest turn again with the same two models. The earlier
    /// answers stay stored; the new ones are shown and voted on.
    ///
    /// # Errors
    /// `BattleNotFound`, `NotYourBattle`, `BattleClosed`, `BattleExpired`,
    /// `NotLive`, `AnswersPending`, `BattleChanged`, `RegenerateLimit`, or a
    /// database error.
    #[tracing::instrument(skip(self, voter_id))]
    pub async fn regenerate(
        &self,
        battle_id: Uuid,
        voter_id: Option<VoterId>,
    ) -> Result<BattleView, ArenaError> {
        let (battle, models, messages) = self.live_battle(battle_id, voter_id).await?;
        let turn = messages.iter().map(|m| m.turn).max().unwrap_or(0);
        // Every generation costs two paid answers: bound them per battle.
        let answers_a = messages.iter().filter(|m| m.side == Some(Side::A)).count();
        let turns = usize::try_from(turn).unwrap_or(0) + 1;
        let max = self.live.settings().max_regenerations;
        if answers_a.saturating_sub(turns) >= max {
            return Err(ArenaError::RegenerateLimit { max });
        }
        let slots = self
            .live_budget(voter_id, battle.mode == BattleMode::Named)
            .await?;
        store::battles::append_generation(&self.db, battle.id, turn, None)
            .await
            .map_err(|e| append_error(battle_id, e))?;
        let jobs = [(models.0, Side::A), (models.1, Side::B)].map(|(model, side)| {
            let mut conversation = conversation(&messages, side, turn);
            let prompt = messages
                .iter()
                .find(|m| m.turn == turn && m.side.is_none())
                .map(|m| m.content.clone())
                .unwrap_or_default();
            conversation.push(ChatMessage::user(prompt));
            SideJob {
                model,
                conversation,
            }
        });
        self.spawn_generation(battle_id, turn, jobs, slots);
        self.battle(battle_id).await
    }

    /// Stops the answers being generated for the battle in this process; what
    /// arrived so far is kept as the answer. Returns whether anything was
    /// running here.
    ///
    /// # Errors
    /// `BattleNotFound`, `NotYourBattle`, or a database error.
    pub async fn stop(
        &self,
        battle_id: Uuid,
        voter_id: Option<VoterId>,
    ) -> Result<bool, ArenaError> {
        let battle = store::battles::find(&self.db, battle_id)
            .await?
            .ok_or(ArenaError::BattleNotFound(battle_id))?;
        check_owner(&battle, voter_id)?;
        Ok(match self.hub.get(battle_id) {
            Some(running) => {
                running.stop.send_replace(true);
                true
            }
            None => false,
        })
    }

    fn spawn_generation(
        &self,
        battle_id: Uuid,
        turn: i32,
        jobs: [SideJob; 2],
        slots: Option<LiveSlots>,
    ) {
        generation::spawn(
            self.db.clone(),
            Arc::clone(&self.hub),
            Arc::clone(&self.live),
            battle_id,
            turn,
            jobs,
            slots,
        );
    }

    /// The voter's token budget and two places in the global live budget.
    async fn live_budget(
        &self,
        voter: Option<VoterId>,
        named: bool,
    ) -> Result<Option<LiveSlots>, ArenaError> {
        if let Some(v) = voter
            && self.integrity.tokens_spent(v).await?
        {
            return Err(ArenaError::TokenBudget);
        }
        self.integrity
            .live_slots(named)
            .ok_or(ArenaError::LiveModelsBusy)
    }

    /// An open live battle of this voter, with its two (still configured)
    /// models and its messages.
    async fn live_battle(
        &self,
        battle_id: Uuid,
        voter_id: Option<VoterId>,
    ) -> Result<
        (
            battles::Model,
            (Arc<LiveModel>, Arc<LiveModel>),
            Vec<messages::Model>,
        ),
        ArenaError,
    > {
        let battle = store::battles::find(&self.db, battle_id)
            .await?
            .ok_or(ArenaError::BattleNotFound(battle_id))?;
        check_owner(&battle, voter_id)?;
        if battle.status != BattleStatus::Open {
            return Err(ArenaError::BattleClosed {
                id: battle_id,
                status: battle.status,
            });
        }
        // A battle too old to take a vote is not worth two more paid answers.
        if self.integrity.expired(battle.created_at) {
            return Err(ArenaError::BattleExpired(battle_id));
        }
        let models = match (
            battle.question_id,
            self.live.get(battle.model_a),
            self.live.get(battle.model_b),
        ) {
            (None, Some(a), Some(b)) => (a, b),
            _ => return Err(ArenaError::NotLive(battle_id)),
        };
        let messages = store::battles::messages(&self.db, battle_id).await?;
        Ok((battle, models, messages))
    }

    /// Two different available live models, by boosted sampling weight.
    async fn draw_live_pair(&self) -> Result<(Arc<LiveModel>, Arc<LiveModel>), ArenaError> {
        if self.live.len() < 2 {
            return Err(ArenaError::NoLiveModels);
        }
        let available = self.live.available();
        let mut votes: HashMap<i32, u64> = HashMap::new();
        for row in store::counts::pair_counts(&self.db, &Scope::Overall).await? {
            *votes.entry(row.model_a).or_default() += row.count;
            *votes.entry(row.model_b).or_default() += row.count;
        }
        let now = chrono::Utc::now();
        let candidates: Vec<Candidate> = available
            .iter()
            .map(|m| Candidate {
                model_id: m.id,
                weight: boosted_weight(
                    m.weight,
                    m.created_at,
                    votes.get(&m.id).copied().unwrap_or(0),
                    now,
                    self.live.settings(),
                ),
            })
            .collect();
        let (a, b) = draw_pair(&candidates, &mut rand::rng()).ok_or(ArenaError::LiveModelsBusy)?;
        let find = |id: i32| {
            available
                .iter()
                .find(|m| m.id == id)
                .cloned()
                .ok_or(ArenaError::LiveModelsBusy)
        };
        Ok((find(a)?, find(b)?))
    }
}

/// Continuing a battle (follow-ups, regenerations, stopping) spends its
/// voter's conversation and the operator's money: only the voter who started
/// it may. Battles started without a voter id are open to any caller.
fn check_owner(battle: &battles::Model, voter_id: Option<VoterId>) -> Result<(), ArenaError> {
    match battle.voter_id {
        Some(owner) if Some(owner) != voter_id => Err(ArenaError::NotYourBattle(battle.id)),
        _ => Ok(()),
    }
}

fn append_error(battle_id: Uuid, e: AppendError) -> ArenaError {
    match e {
        AppendError::NotFound => ArenaError::BattleNotFound(battle_id),
        AppendError::NotOpen { status } => ArenaError::BattleClosed {
            id: battle_id,
            status,
        },
        AppendError::Pending => ArenaError::AnswersPending(battle_id),
        AppendError::Changed => ArenaError::BattleChanged(battle_id),
        AppendError::Database(e) => ArenaError::Unexpected(e),
    }
}

/// What one side has seen before `turn`: each earlier prompt and that side's
/// latest answer to it.
fn conversation(messages: &[messages::Model], side: Side, turn: i32) -> Vec<ChatMessage> {
    let mut turns: Vec<(String, String)> = Vec::new();
    for m in messages.iter().filter(|m| m.turn < turn) {
        let index = usize::try_from(m.turn).unwrap_or(0);
        if turns.len() <= index {
            turns.resize(index + 1, (String::new(), String::new()));
        }
        match m.side {
            None => turns[index].0.clone_from(&m.content),
            Some(s) if s == side => turns[index].1.clone_from(&m.content),
            Some(_) => {}
        }
    }
    turns
        .into_iter()
        .flat_map(|(prompt, answer)| [ChatMessage::user(prompt), ChatMessage::assistant(answer)])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(id: i64, turn: i32, side: Option<Side>, content: &str) -> messages::Model {
        messages::Model {
            id,
            battle_id: Uuid::nil(),
            turn,
            side,
            role: if side.is_some() { "assistant" } else { "user" }.to_owned(),
            content: content.to_owned(),
            latency_ms: None,
            first_token_ms: None,
            prompt_tokens: None,
            completion_tokens: None,
            finish_reason: Some(crate::domain::FinishReason::Stop),
            error: None,
            created_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn each_side_sees_its_own_latest_answers() {
        let messages = vec![
            msg(1, 0, None, "q0"),
            msg(2, 0, Some(Side::A), "a0-old"),
            msg(3, 0, Some(Side::B), "b0"),
            msg(4, 0, Some(Side::A), "a0-new"),
            msg(5, 1, None, "q1"),
            msg(6, 1, Some(Side::A), "a1"),
            msg(7, 1, Some(Side::B), "b1"),
        ];
        let a = conversation(&messages, Side::A, 2);
        assert_eq!(
            a,
            vec![
                ChatMessage::user("q0"),
                ChatMessage::assistant("a0-new"),
                ChatMessage::user("q1"),
                ChatMessage::assistant("a1"),
            ]
        );
        let b = conversation(&messages, Side::B, 1);
        assert_eq!(
            b,
            vec![ChatMessage::user("q0"), ChatMessage::assistant("b0")]
        );
        assert!(conversation(&messages, Side::A, 0).is_empty());
    }
}
