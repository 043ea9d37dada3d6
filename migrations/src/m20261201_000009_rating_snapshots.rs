//! Rating snapshots: the leaderboard as it stood at a moment, kept forever
//! and never changed. The history behind "rating over time", against a
//! reference model that itself may change.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RatingSnapshots {
    Table,
    Id,
    TakenAt,
    Label,
    /// The schedule slot a scheduled snapshot fills (unique: one per slot,
    /// however many instances race for it); null for one taken on demand.
    Slot,
    Scope,
    Method,
    CiMethod,
    Seed,
    BootstrapRounds,
    MinVotes,
    Filters,
    SoftwareVersion,
    VoteCount,
    InputSha256,
    ReferenceModel,
    Rows,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RatingSnapshots::Table)
                    .if_not_exists()
                    .col(pk_auto(RatingSnapshots::Id))
                    .col(timestamp_with_time_zone(RatingSnapshots::TakenAt))
                    .col(string_null(RatingSnapshots::Label))
                    .col(string_null(RatingSnapshots::Slot).unique_key())
                    .col(string(RatingSnapshots::Scope))
                    .col(string(RatingSnapshots::Method))
                    .col(string(RatingSnapshots::CiMethod))
                    .col(big_integer(RatingSnapshots::Seed))
                    .col(integer(RatingSnapshots::BootstrapRounds))
                    .col(big_integer(RatingSnapshots::MinVotes))
                    .col(text(RatingSnapshots::Filters))
                    .col(string(RatingSnapshots::SoftwareVersion))
                    .col(big_integer(RatingSnapshots::VoteCount))
                    .col(string(RatingSnapshots::InputSha256))
                    .col(string_null(RatingSnapshots::ReferenceModel))
                    .col(text(RatingSnapshots::Rows))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_rating_snapshots_taken_at")
                    .table(RatingSnapshots::Table)
                    .col(RatingSnapshots::TakenAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RatingSnapshots::Table).to_owned())
            .await
    }
}
