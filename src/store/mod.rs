//! Persistence: sea-orm entities and the query functions over them. The only place
//! that talks to the database; it stores and fetches, and never decides policy.

pub mod audit;
pub mod battles;
pub mod campaigns;
pub mod counts;
pub mod db;
pub mod entities;
pub mod exams;
pub mod exports;
pub mod imports;
pub mod integrity;
pub mod models;
pub mod questions;
pub mod rubrics;
pub mod snapshots;
pub mod text;
pub mod users;
pub mod votes;
pub mod writer;

pub use db::{connect, migrate, ping};
