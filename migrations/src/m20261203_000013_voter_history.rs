//! A voter's battles in time order: a new question-bank battle looks up the
//! questions the voter saw last, newest first. The index on `voter_id` alone
//! made that sort every battle the voter ever had, so creating a battle grew
//! slower with the voter's history; this one reads just the newest entries,
//! and holds the question ids, so the rows themselves are not read.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Battles {
    Table,
    VoterId,
    CreatedAt,
    QuestionId,
}

const NAME: &str = "idx_battles_voter_created";
const OLD: &str = "idx_battles_voter";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(NAME)
                    .table(Battles::Table)
                    .col(Battles::VoterId)
                    .col(Battles::CreatedAt)
                    .col(Battles::QuestionId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // The new index serves every lookup by voter the old one did.
        manager
            .drop_index(Index::drop().name(OLD).table(Battles::Table).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(OLD)
                    .table(Battles::Table)
                    .col(Battles::VoterId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(Index::drop().name(NAME).table(Battles::Table).to_owned())
            .await
    }
}
