//! GoldArena: a human-preference arena for large language models.

pub mod admin;
pub mod answer_sets;
pub mod arena;
pub mod auth;
pub mod campaigns;
pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod error;
pub mod exams;
pub mod export;
pub mod import;
pub mod integrity;
pub mod leaderboard;
pub mod markdown;
pub mod metrics;
pub mod plots;
pub mod providers;
pub mod rating;
pub mod routes;
pub mod startup;
pub mod store;
pub mod tasks;
pub mod telemetry;
