//! Custom rubrics: an operator's TOML rubric, stored under its versioned id
//! (`pharmacy-v1`). A rubric never changes once stored: a changed one gets a
//! new id, so every judgment's `rubric_version` keeps its meaning.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Rubrics {
    Table,
    Id,
    Definition,
    CreatedBy,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Rubrics::Table)
                    .if_not_exists()
                    .col(string(Rubrics::Id).primary_key())
                    .col(text(Rubrics::Definition))
                    .col(string(Rubrics::CreatedBy))
                    .col(timestamp_with_time_zone(Rubrics::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Rubrics::Table).to_owned())
            .await
    }
}
