//! Live answers: a message row is inserted empty when generation starts and
//! filled in when it ends, so `finish_reason IS NULL` now means "still being
//! generated". Answers stored before this migration came from answer sets and
//! were complete when stored, so they are marked `answer_set`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Messages {
    Table,
    Role,
    FinishReason,
    FirstTokenMs,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Messages::Table)
                    .add_column(integer_null(Messages::FirstTokenMs))
                    .to_owned(),
            )
            .await?;
        let backfill = Query::update()
            .table(Messages::Table)
            .value(Messages::FinishReason, "answer_set")
            .and_where(Expr::col(Messages::Role).eq("assistant"))
            .and_where(Expr::col(Messages::FinishReason).is_null())
            .to_owned();
        manager.exec_stmt(backfill).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Messages::Table)
                    .drop_column(Messages::FirstTokenMs)
                    .to_owned(),
            )
            .await
    }
}
