//! The served leaderboard: Bradley-Terry ratings with bootstrap intervals and
//! ranks, computed from the overall pair counts, plus the online Elo kept up
//! to date vote by vote. A peer of the arena: it reads the store and calls the
//! rating engine; requests only ever read the cached result.

mod cache;
mod compute;
mod refresher;

use chrono::{DateTime, Utc};

pub use cache::LeaderboardCache;
pub use compute::{EloTracker, compute};
pub use refresher::RefreshPolicy;

/// One model's row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub model: String,
    pub display_name: String,
    pub rating: f64,
    pub ci_lower: f64,
    pub ci_upper: f64,
    pub votes: u64,
    pub rank: usize,
    pub elo: f64,
    /// Won or lost every battle against the main group: not pinned down yet.
    pub provisional: bool,
}

/// A computed leaderboard: rows by rating, best first.
#[derive(Debug, Clone, PartialEq)]
pub struct Leaderboard {
    pub method: &'static str,
    pub total_votes: u64,
    pub bootstrap_rounds: usize,
    pub computed_at: DateTime<Utc>,
    pub rows: Vec<Row>,
}
