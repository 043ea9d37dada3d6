//! The battle lifecycle: drawing a question and a pair, recording the vote,
//! revealing the models. Decides policy; stores through `store`.

mod breaker;
pub mod generation;
pub mod leaderboard;
pub mod live;
mod live_battle;
pub mod sampling;
mod stream;

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context;
use rand::seq::IndexedRandom;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::config::LiveSettings;
use crate::domain::{BattleMode, BattleStatus, Scope, Side, Verdict, find_identity_word};
use crate::store;
use crate::store::battles::{NewBattle, NewMessage};
use crate::store::entities::{battles, messages, models};
use crate::store::votes::{RecordVote, RecordVoteError};
use generation::Hub;
use leaderboard::{Leaderboard, LeaderboardCache};
use live::LiveModels;
pub use live_battle::{LiveInfo, LivePick};
use sampling::{Candidate, draw_pair};
pub use stream::{INTERRUPTED_REASON, StreamEvent};

/// The finish reason stored with answers that come from an answer set.
pub const FINISH_ANSWER_SET: &str = "answer_set";

/// Why the arena refused a request.
#[derive(Debug, thiserror::Error)]
pub enum ArenaError {
    #[error("no battle with id {0}")]
    BattleNotFound(Uuid),
    #[error("battle {id} is {status}; only open battles take a vote")]
    BattleClosed { id: Uuid, status: String },
    #[error("no question with id {0}")]
    QuestionNotFound(i32),
    #[error("question {0} has answers from fewer than two active models")]
    QuestionNotPlayable(i32),
    #[error(
        "no question has answers from two active models yet; import an answer set or activate models"
    )]
    NoBattleAvailable,
    #[error("the prompt is empty")]
    EmptyPrompt,
    #[error("the prompt is longer than {max} characters")]
    PromptTooLong { max: usize },
    #[error("fewer than two live models are available; try again later")]
    NoLiveModels,
    #[error(
        "this arena has no live models; start a battle without a prompt for a question-bank battle"
    )]
    LiveDisabled,
    #[error("no live model called {0:?}")]
    ModelNotFound(String),
    #[error("a model cannot battle itself; choose two different models")]
    SameModel,
    #[error("battle {0} is not a live battle; it takes no follow-up or regeneration")]
    NotLive(Uuid),
    #[error("the battle has reached its limit of {max} turns; start a new round")]
    TurnLimit { max: usize },
    #[error("the answers of battle {0} are still being generated; wait until both are done")]
    AnswersPending(Uuid),
    #[error("battle {0} belongs to another voter; only the voter who started it can continue it")]
    NotYourBattle(Uuid),
    #[error("battle {0} changed meanwhile (another turn or regeneration); reload it")]
    BattleChanged(Uuid),
    #[error("the answers were regenerated {max} times already; vote, or start a new round")]
    RegenerateLimit { max: usize },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// One turn of a battle: the prompt and both answers (Markdown source).
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    pub prompt: String,
    pub a: String,
    pub b: String,
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
    pub status: String,
    pub mode: String,
    /// Answered live by models (not from an answer set).
    pub live: bool,
    /// An answer of the latest turn is still being generated.
    pub pending: bool,
    pub void_reason: Option<String>,
    pub question_id: Option<i32>,
    pub question_set: Option<String>,
    pub category: Option<String>,
    pub language: Option<String>,
    pub turns: Vec<Turn>,
    /// `Some` once the battle is no longer open, and in named battles.
    pub models: Option<(Revealed, Revealed)>,
}

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

/// The arena service, cheap to clone.
#[derive(Clone)]
pub struct Arena {
    db: DatabaseConnection,
    leaderboard: Arc<LeaderboardCache>,
    live: Arc<LiveModels>,
    hub: Arc<Hub>,
}

impl Arena {
    #[must_use]
    pub fn new(
        db: DatabaseConnection,
        leaderboard: Arc<LeaderboardCache>,
        live: Arc<LiveModels>,
    ) -> Self {
        Self {
            db,
            leaderboard,
            live,
            hub: Arc::new(Hub::default()),
        }
    }

    #[must_use]
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The latest computed leaderboard (`None` until the first one is ready).
    #[must_use]
    pub fn leaderboard(&self) -> Option<Arc<Leaderboard>> {
        self.leaderboard.get()
    }

    /// Starts a battle on `question_id`, or on a random playable question: two
    /// different active models that answered it, drawn by sampling weight, on
    /// random sides.
    ///
    /// # Errors
    /// `QuestionNotFound`, `QuestionNotPlayable`, `NoBattleAvailable`, or a
    /// database error.
    #[tracing::instrument(skip(self))]
    pub async fn start_battle(
        &self,
        question_id: Option<i32>,
        voter_id: Option<String>,
    ) -> Result<BattleView, ArenaError> {
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
                    (None, "user", &t.prompt),
                    (Some(Side::A), "assistant", &t.a),
                    (Some(Side::B), "assistant", &t.b),
                ]
                .map(|(side, role, content)| NewMessage {
                    turn,
                    side: side.map(|s| s.as_str().to_owned()),
                    role: role.to_owned(),
                    content: content.clone(),
                    finish_reason: side.map(|_| FINISH_ANSWER_SET.to_owned()),
                })
            })
            .collect();
        store::battles::insert(
            &self.db,
            NewBattle {
                id,
                mode: BattleMode::Anonymous.as_str().to_owned(),
                model_a,
                model_b,
                voter_id,
                language: Some(question.language.clone()),
                category: Some(question.category.clone()),
                question_id: Some(question.id),
                messages,
            },
        )
        .await?;
        Ok(BattleView {
            id,
            status: BattleStatus::Open.as_str().to_owned(),
            mode: BattleMode::Anonymous.as_str().to_owned(),
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

    /// A battle as its voter sees it; the models are revealed once it is closed.
    ///
    /// # Errors
    /// `BattleNotFound`, or a database error.
    pub async fn battle(&self, id: Uuid) -> Result<BattleView, ArenaError> {
        let battle = store::battles::find(&self.db, id)
            .await?
            .ok_or(ArenaError::BattleNotFound(id))?;
        let messages = store::battles::messages(&self.db, id).await?;
        let pending = messages
            .iter()
            .any(|m| m.role == "assistant" && m.finish_reason.is_none());
        let mut turns: Vec<Turn> = Vec::new();
        for m in messages {
            let index = usize::try_from(m.turn).context("negative turn index")?;
            if turns.len() <= index {
                turns.resize(
                    index + 1,
                    Turn {
                        prompt: String::new(),
                        a: String::new(),
                        b: String::new(),
                    },
                );
            }
            let slot = &mut turns[index];
            match m.side.as_deref() {
                None => slot.prompt = m.content,
                Some("a") => slot.a = m.content,
                Some("b") => slot.b = m.content,
                Some(other) => {
                    return Err(anyhow::anyhow!("message {} has unknown side {other}", m.id).into());
                }
            }
        }
        let question = match battle.question_id {
            Some(q) => store::questions::find(&self.db, q).await?,
            None => None,
        };
        let hidden = battle.status == BattleStatus::Open.as_str()
            && battle.mode != BattleMode::Named.as_str();
        let models = if hidden {
            None
        } else {
            Some(self.reveal(&battle).await?)
        };
        Ok(BattleView {
            id,
            status: battle.status,
            live: battle.question_id.is_none() && battle.mode != BattleMode::Campaign.as_str(),
            mode: battle.mode,
            pending,
            void_reason: battle.void_reason,
            question_id: battle.question_id,
            question_set: question.map(|q| q.set_name),
            category: battle.category,
            language: battle.language,
            turns,
            models,
        })
    }

    /// Records a vote on an open battle and reveals its models. Anonymous
    /// battles count towards the overall, category and language leaderboards.
    ///
    /// # Errors
    /// `BattleNotFound`, `BattleClosed` (already voted or void), or a database error.
    #[tracing::instrument(skip(self))]
    pub async fn vote(
        &self,
        battle_id: Uuid,
        verdict: Verdict,
        voter_id: Option<String>,
    ) -> Result<VoteOutcome, ArenaError> {
        let battle = store::battles::find(&self.db, battle_id)
            .await?
            .ok_or(ArenaError::BattleNotFound(battle_id))?;
        let not_counted_reason = if battle.mode == BattleMode::Anonymous.as_str() {
            let messages = store::battles::messages(&self.db, battle.id).await?;
            match self.identity_leak(&battle, &messages).await? {
                Some(leak) => Some(leak),
                None => stopped_before_writing(&messages),
            }
        } else {
            Some(format!("{} battle", battle.mode))
        };
        let counted = not_counted_reason.is_none();
        let mut scopes = vec![Scope::Overall.key()];
        if let Some(c) = &battle.category {
            scopes.push(Scope::Category(c.clone()).key());
        }
        if let Some(l) = &battle.language {
            scopes.push(Scope::Language(l.clone()).key());
        }
        let recorded = store::votes::record(
            &self.db,
            RecordVote {
                battle_id,
                verdict: verdict.as_str().to_owned(),
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
            self.leaderboard.invalidate();
        }
        let (model_a, model_b) = self.reveal(&recorded).await?;
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
    async fn identity_leak(
        &self,
        battle: &battles::Model,
        messages: &[messages::Model],
    ) -> Result<Option<String>, ArenaError> {
        let by_id = store::models::by_ids(&self.db, &[battle.model_a, battle.model_b]).await?;
        let settings: &LiveSettings = self.live.settings();
        for (side, model_id) in [(Side::A, battle.model_a), (Side::B, battle.model_b)] {
            let mut words: Vec<&str> = settings.identity_words.iter().map(String::as_str).collect();
            if let Some(m) = by_id.get(&model_id) {
                words.extend([m.name.as_str(), m.display_name.as_str()]);
                words.extend(m.organization.as_deref());
                words.extend(m.upstream_model.as_deref());
            }
            let live = self.live.get(model_id);
            if let Some(l) = &live {
                words.extend(l.identity_words.iter().map(String::as_str));
            }
            let answers = messages
                .iter()
                .filter(|m| m.side.as_deref() == Some(side.as_str()));
            for answer in answers {
                if let Some(word) = find_identity_word(&answer.content, words.iter().copied()) {
                    return Ok(Some(format!(
                        "anonymity: the answer on side {} names {word:?}",
                        side.as_str().to_uppercase()
                    )));
                }
            }
        }
        Ok(None)
    }

    async fn reveal(&self, battle: &battles::Model) -> Result<(Revealed, Revealed), ArenaError> {
        let by_id: HashMap<i32, models::Model> =
            store::models::by_ids(&self.db, &[battle.model_a, battle.model_b]).await?;
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
}

/// Why a vote must not count because an answer the voter saw was stopped
/// before the model wrote anything: there was nothing of it to judge. An
/// answer stopped part-way counts, as the voter read what there was.
fn stopped_before_writing(messages: &[messages::Model]) -> Option<String> {
    shown_answers(messages)
        .values()
        .any(|m| {
            m.finish_reason.as_deref() == Some(crate::providers::FINISH_STOPPED)
                && m.content.trim().is_empty()
        })
        .then(|| "an answer was stopped before the model wrote anything".to_owned())
}

/// The answer the voter sees for each `(turn, side)`: the newest, since a
/// regeneration adds rows and keeps the older ones. `messages` must be in
/// conversation order, as `store::battles::messages` returns them.
fn shown_answers(messages: &[messages::Model]) -> HashMap<(i32, &str), &messages::Model> {
    let mut shown = HashMap::new();
    for m in messages {
        if let Some(side) = m.side.as_deref() {
            shown.insert((m.turn, side), m);
        }
    }
    shown
}
