//! Schema migrations for GoldArena.
//!
//! Written with the sea-query schema builder only (no raw SQL), so the same
//! migrations run on SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261128_000001_initial;
mod m20261128_000002_live_answers;
mod m20261130_000003_identity;
mod m20261130_000004_integrity;
mod m20261130_000005_campaigns;
mod m20261130_000006_campaign_gold;
mod m20261201_000007_rubrics;
mod m20261201_000008_vote_style;
mod m20261201_000009_rating_snapshots;
mod m20261201_000010_exams;
mod m20261202_000011_exam_runs;
mod m20261202_000012_unfinished_answers;
mod m20261203_000013_voter_history;
mod m20261204_000014_unfinished_answers_only;
mod m20261205_000015_daily_vote_counts;

/// The ordered list of GoldArena migrations.
pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_initial::Migration),
            Box::new(m20261128_000002_live_answers::Migration),
            Box::new(m20261130_000003_identity::Migration),
            Box::new(m20261130_000004_integrity::Migration),
            Box::new(m20261130_000005_campaigns::Migration),
            Box::new(m20261130_000006_campaign_gold::Migration),
            Box::new(m20261201_000007_rubrics::Migration),
            Box::new(m20261201_000008_vote_style::Migration),
            Box::new(m20261201_000009_rating_snapshots::Migration),
            Box::new(m20261201_000010_exams::Migration),
            Box::new(m20261202_000011_exam_runs::Migration),
            Box::new(m20261202_000012_unfinished_answers::Migration),
            Box::new(m20261203_000013_voter_history::Migration),
            Box::new(m20261204_000014_unfinished_answers_only::Migration),
            Box::new(m20261205_000015_daily_vote_counts::Migration),
        ]
    }
}
