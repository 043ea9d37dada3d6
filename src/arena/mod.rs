//! Battles: question-bank battles, live battles, votes and what a voter sees.
//! Decides policy; stores through `store`, answers through `providers`.

mod answer_facts;
mod bank;
mod bank_index;
mod error;
pub mod live;
mod open_battles;
mod recent_questions;
pub mod sampling;
mod view;
mod vote;

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::domain::IdentityWords;
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
    identity_words: Arc<IdentityWords>,
    /// What votes read of answers' texts, kept per text.
    facts: Arc<answer_facts::FactsCache>,
    integrity: Arc<Integrity>,
    on_counted_vote: OnCountedVote,
    /// Which questions are playable, by whom (cached).
    bank: Arc<bank_index::BankCache>,
    /// Starting battles and recording votes, in batches.
    writer: crate::store::writer::Writer,
    /// Question-bank battles started here that wait for a vote.
    open_battles: Arc<open_battles::OpenBattles>,
    /// The questions each voter saw last.
    recent: Arc<recent_questions::RecentQuestions>,
    /// The answer streams open per battle.
    streams: Arc<live::stream::OpenStreams>,
}

impl Arena {
    /// Must be called within a Tokio runtime (the writer's task starts).
    /// `writes` is the connection the writer stores battles and votes
    /// through ([`crate::store::db::writer_connection`]); `db` serves the
    /// rest.
    #[must_use]
    pub fn new(
        db: DatabaseConnection,
        writes: crate::store::db::Writes,
        live: Arc<LiveModels>,
        identity_words: Vec<String>,
        integrity: Arc<Integrity>,
        on_counted_vote: OnCountedVote,
    ) -> Self {
        Self {
            writer: crate::store::writer::Writer::new(writes),
            db,
            live,
            hub: Arc::new(Hub::default()),
            identity_words: Arc::new(IdentityWords::new(&identity_words)),
            facts: Arc::default(),
            integrity,
            on_counted_vote,
            bank: Arc::default(),
            open_battles: Arc::default(),
            recent: Arc::default(),
            streams: Arc::default(),
        }
    }
}

impl Arena {
    /// Stores a new battle with its messages, through the writer.
    async fn store_battle(&self, battle: crate::store::battles::NewBattle) -> anyhow::Result<()> {
        self.writer.insert_battle(battle).await
    }
}
