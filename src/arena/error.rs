//! Why the arena refused a request.

use uuid::Uuid;

use crate::domain::{BattleStatus, PromptError};

#[derive(Debug, thiserror::Error)]
pub enum ArenaError {
    #[error("no battle with id {0}")]
    BattleNotFound(Uuid),
    #[error("battle {id} is {status}; only open battles take a vote")]
    BattleClosed { id: Uuid, status: BattleStatus },
    #[error("no question with id {0}")]
    QuestionNotFound(i32),
    #[error("question {0} has answers from fewer than two active models")]
    QuestionNotPlayable(i32),
    #[error(
        "no question has answers from two active models yet; import an answer set or activate models"
    )]
    NoBattleAvailable,
    #[error(transparent)]
    Prompt(#[from] PromptError),
    #[error("fewer than two live models are available right now; try again in a moment")]
    LiveModelsBusy,
    #[error(
        "this arena has no live models; start a battle without a prompt for a question-bank battle"
    )]
    NoLiveModels,
    #[error(
        "today's budget of live answers for this voter is spent; try again tomorrow, or vote on question-bank battles"
    )]
    TokenBudget,
    #[error("no live model called {0:?}")]
    ModelNotFound(String),
    #[error("{0} is resting after failures; choose another model, or try again in a few minutes")]
    ModelUnavailable(String),
    #[error("a model cannot battle itself; choose two different models")]
    SameModel,
    #[error("battle {0} is not a live battle; it takes no follow-up or regeneration")]
    NotLive(Uuid),
    #[error("the battle has reached its limit of {max} turns; start a new round")]
    TurnLimit { max: usize },
    #[error("the answers of battle {0} are still being generated; wait until both are done")]
    AnswersPending(Uuid),
    #[error(
        "battle {0} belongs to another voter; only the voter who started it can vote on it or continue it"
    )]
    NotYourBattle(Uuid),
    #[error("battle {0} is too old to take a vote; start a new round")]
    BattleExpired(Uuid),
    #[error(
        "one of the models could not answer the latest turn of battle {0}; try that turn again before you vote"
    )]
    TurnFailed(Uuid),
    #[error("battle {0} changed meanwhile (another turn or regeneration); reload it")]
    BattleChanged(Uuid),
    #[error("the answers were regenerated {max} times already; vote, or start a new round")]
    RegenerateLimit { max: usize },
    #[error(
        "battle {id} has {max} answer streams open already (other tabs?); close one and try again"
    )]
    TooManyStreams { id: Uuid, max: usize },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}
