//! The served leaderboard: Bradley-Terry ratings with bootstrap intervals and
//! ranks, computed from the overall pair counts, plus the online Elo kept up
//! to date vote by vote. A peer of the arena: it reads the store and calls the
//! rating engine; requests only ever read the cached result.

mod board;
mod cache;
mod compute;
pub mod plots;
mod refresher;
pub mod snapshots;
mod style;

use chrono::{DateTime, Utc};

pub use cache::LeaderboardCache;
pub use compute::{EloTracker, compute};
pub use refresher::RefreshPolicy;
pub use snapshots::{Snapshot, Snapshots};

pub use board::arrange;

/// Where a model stands on the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// In the main group, with enough battles: it has a rank.
    Ranked,
    /// In the main group, but too few battles (or all won or lost) to rank.
    Preliminary,
    /// No battles linking it to the main group: its rating means nothing there.
    NotComparable,
}

impl Standing {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ranked => "ranked",
            Self::Preliminary => "preliminary",
            Self::NotComparable => "not_comparable",
        }
    }

    fn order(self) -> u8 {
        match self {
            Self::Ranked => 0,
            Self::Preliminary => 1,
            Self::NotComparable => 2,
        }
    }
}

/// One model's row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub model: String,
    pub display_name: String,
    pub organization: Option<String>,
    pub license: Option<String>,
    pub rating: f64,
    pub ci_lower: f64,
    pub ci_upper: f64,
    /// Battles this model took part in (each battle counts for both models).
    pub votes: u64,
    pub battles: u64,
    /// Wins, ties counting half, and their share of the battles.
    pub wins: f64,
    pub win_rate: f64,
    /// Rank (UB) among the ranked models; `None` for the others.
    pub rank: Option<usize>,
    pub elo: f64,
    /// Won or lost every battle against the main group: not pinned down yet.
    pub provisional: bool,
    pub standing: Standing,
    /// Why the model is not ranked.
    pub standing_reason: Option<String>,
    /// Hidden from the board unless asked for; still in every fit.
    pub deprecated: bool,
    /// With style control: the rating with style held equal.
    pub style: Option<StyleRating>,
    /// The rating minus the reference model's, with the interval of the
    /// difference.
    pub gap: Option<crate::rating::Gap>,
}

/// A model's rating with style held equal (contextual Bradley-Terry).
#[derive(Debug, Clone, PartialEq)]
pub struct StyleRating {
    pub rating: f64,
    pub ci_lower: f64,
    pub ci_upper: f64,
    /// Rank (StyleCtrl), among the same ranked models as the plain rank.
    pub rank: Option<usize>,
}

/// What style control found: the battles it used and the coefficients.
#[derive(Debug, Clone, PartialEq)]
pub struct StyleSummary {
    /// Counted battles with style features (older votes have none).
    pub battles: u64,
    pub coefficients: Vec<crate::rating::Coefficient>,
}

/// A computed leaderboard: rows by rating, best first.
#[derive(Debug, Clone, PartialEq)]
pub struct Leaderboard {
    pub method: &'static str,
    /// `overall`, `category:medical`, `language:cmn`, ...
    pub scope: String,
    /// `sandwich` or `bootstrap`.
    pub ci_method: &'static str,
    /// Battles a model needs before it is ranked.
    pub min_votes: u64,
    pub total_votes: u64,
    pub bootstrap_rounds: usize,
    pub computed_at: DateTime<Utc>,
    pub rows: Vec<Row>,
    /// Present on a style-controlled board.
    pub style: Option<StyleSummary>,
    /// The reference model of the gaps (when it has battles in this scope).
    pub reference_model: Option<String>,
    /// The random seed of the bootstrap (none used with the sandwich).
    pub seed: u64,
    /// SHA-256 of the input counts: one line `model_a<TAB>model_b<TAB>verdict<TAB>count`
    /// per stored count, by model name, sorted.
    pub input_sha256: String,
}
