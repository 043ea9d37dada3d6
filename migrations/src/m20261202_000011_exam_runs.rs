//! Exam runs and contamination: a model's release date (beside its knowledge
//! cutoff, from migration 3), and the tokens each exam answer used, so that a
//! resumed run still reports the whole run's tokens and cost.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Models {
    Table,
    ReleaseDate,
}

#[derive(DeriveIden, Clone, Copy)]
enum ExamAnswers {
    Table,
    PromptTokens,
    CompletionTokens,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Models::Table)
                    .add_column(string_null(Models::ReleaseDate))
                    .to_owned(),
            )
            .await?;
        // One column per statement: SQLite alters one column at a time.
        for column in [ExamAnswers::PromptTokens, ExamAnswers::CompletionTokens] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ExamAnswers::Table)
                        .add_column(integer_null(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [ExamAnswers::PromptTokens, ExamAnswers::CompletionTokens] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ExamAnswers::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Models::Table)
                    .drop_column(Models::ReleaseDate)
                    .to_owned(),
            )
            .await
    }
}
