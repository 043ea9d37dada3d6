//! Persistence: sea-orm entities and the query functions over them. The only place
//! that talks to the database; it stores and fetches, and never decides policy.

pub mod battles;
pub mod db;
pub mod entities;
pub mod leaderboard;
pub mod models;
pub mod questions;
pub mod votes;

pub use db::{connect, migrate, ping};
