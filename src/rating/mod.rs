//! The rating engine. Pure: no IO, no async, no database. Every function takes plain
//! data and returns plain data, so the statistics can be tested on their own.

pub mod elo;
pub mod rank;

pub use elo::{EloConfig, online_elo};
pub use rank::rank_upper_bound;
