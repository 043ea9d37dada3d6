//! The battle lifecycle: drawing a question and a pair, recording the vote,
//! revealing the models. Decides policy; stores through `store`.

pub mod leaderboard;
pub mod sampling;

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context;
use rand::seq::IndexedRandom;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::domain::{BattleMode, BattleStatus, Scope, Side, Verdict};
use crate::store;
use crate::store::battles::{NewBattle, NewMessage};
use crate::store::entities::{battles, models};
use crate::store::votes::{RecordVote, RecordVoteError};
use leaderboard::{Leaderboard, LeaderboardCache};
use sampling::{Candidate, draw_pair};

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
    pub question_id: Option<i32>,
    pub question_set: Option<String>,
    pub category: Option<String>,
    pub language: Option<String>,
    pub turns: Vec<Turn>,
    /// `Some` only once the battle is no longer open.
    pub models: Option<(Revealed, Revealed)>,
}

/// The result of a vote, with the two models revealed.
#[derive(Debug, Clone)]
pub struct VoteOutcome {
    pub battle_id: Uuid,
    pub verdict: Verdict,
    pub counted: bool,
    pub model_a: Revealed,
    pub model_b: Revealed,
}

/// The arena service, cheap to clone.
#[derive(Clone)]
pub struct Arena {
    db: DatabaseConnection,
    leaderboard: Arc<LeaderboardCache>,
}

impl Arena {
    #[must_use]
    pub fn new(db: DatabaseConnection, leaderboard: Arc<LeaderboardCache>) -> Self {
        Self { db, leaderboard }
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
        let models = if battle.status == BattleStatus::Open.as_str() {
            None
        } else {
            Some(self.reveal(&battle).await?)
        };
        Ok(BattleView {
            id,
            status: battle.status,
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
        let counted = battle.mode == BattleMode::Anonymous.as_str();
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
                not_counted_reason: (!counted).then(|| format!("{} battle", battle.mode)),
                scopes,
            },
        )
        .await
        .map_err(|e| match e {
            RecordVoteError::NotFound => ArenaError::BattleNotFound(battle_id),
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
            model_a,
            model_b,
        })
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
