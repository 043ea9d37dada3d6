//! An index on unfinished answers: the sweep of interrupted generations looks
//! for answers without a finish reason older than its grace, once a minute,
//! and must not read every message to find the few that are unfinished.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Messages {
    Table,
    FinishReason,
    CreatedAt,
}

const NAME: &str = "idx_messages_unfinished";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(NAME)
                    .table(Messages::Table)
                    .col(Messages::FinishReason)
                    .col(Messages::CreatedAt)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(NAME).table(Messages::Table).to_owned())
            .await
    }
}
