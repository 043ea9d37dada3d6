//! Battles: question-bank battles, live battles, votes and what a voter sees.
//! Decides policy; stores through `store`, answers through `providers`.

mod bank;
mod error;
pub mod live;
pub mod sampling;
mod view;
mod vote;

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::integrity::Integrity;

pub use error::ArenaError;
pub use live::{INTERRUPTED_REASON, LiveChoice, LiveInfo, LivePick, StreamEvent};
pub use view::{BattleView, Revealed, Turn};
pub use vote::VoteOutcome;

use live::LiveModels;
use live::generation::Hub;

/// Called after each counted vote (the leaderboard marks itself stale).
pub type OnCountedVote = Arc<dyn Fn() + Send + Sync>;

/// The arena service, cheap to clone.
#[derive(Clone)]
pub struct Arena {
    db: DatabaseConnection,
    live: Arc<LiveModels>,
    hub: Arc<Hub>,
    /// Words that give any model away in an answer (question-bank and live).
    identity_words: Arc<[String]>,
    integrity: Arc<Integrity>,
    on_counted_vote: OnCountedVote,
}

impl Arena {
    #[must_use]
    pub fn new(
        db: DatabaseConnection,
        live: Arc<LiveModels>,
        identity_words: Vec<String>,
        integrity: Arc<Integrity>,
        on_counted_vote: OnCountedVote,
    ) -> Self {
        Self {
            db,
            live,
            hub: Arc::new(Hub::default()),
            identity_words: identity_words.into(),
            integrity,
            on_counted_vote,
        }
    }
}
