//! The rating engine. Pure: no IO, no async, no database. Every function takes plain
//! data and returns plain data, so the statistics can be tested on their own.
//!
//! Conventions (Chatbot Arena compatible): model A's score is 1 / 0 / 0.5 for a
//! win / loss / either kind of tie; Bradley-Terry by maximum likelihood, logistic
//! in base 10, rating = 400·θ + 1000, mean θ = 0 unless anchored; 95% intervals
//! from the 2.5 / 97.5 percentiles of a seeded bootstrap; Rank (UB); online Elo
//! with K = 4.

pub mod agreement;
pub mod bootstrap;
pub mod bradley_terry;
pub mod comparisons;
pub mod contextual;
pub mod davidson;
pub mod elo;
pub mod matrices;
pub mod proportion;
pub mod rank;
pub mod resample;
pub mod sandwich;
pub mod synthetic;
pub mod table;

pub use bradley_terry::{BtConfig, BtFit, fit};
pub use comparisons::{Comparisons, ComparisonsBuilder, PairCount};
pub use elo::{EloConfig, OnlineElo, online_elo};
pub use rank::rank_upper_bound;
pub use table::{
    CiMethod, Coefficient, Gap, Method, RatingRow, RatingTable, TableError, TableOptions,
    bradley_terry_table, davidson_table, elo_table, style_control_table,
};
