//! The index on unfinished answers holds only unfinished answers. The one of
//! migration 12, on `(finish_reason, created_at)`, also held every prompt (a
//! prompt has no finish reason either): a third of all messages. Under load
//! PostgreSQL used it beside the battle's own index for the vote's check that
//! no answer of the battle is still generating (a bitmap AND), and so read an
//! entry per prompt ever stored on every vote; the profile showed it as the
//! largest cost of the vote path. This index is partial, on answers without
//! a finish reason, so it stays as small as the number of answers being
//! generated, whatever the planner does with it. The sweep's query names the
//! same two conditions, so it still finds it (SQLite and PostgreSQL).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Messages {
    Table,
    Side,
    FinishReason,
    CreatedAt,
}

const NAME: &str = "idx_messages_unfinished_answers";
const OLD: &str = "idx_messages_unfinished";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(NAME)
                    .table(Messages::Table)
                    .col(Messages::CreatedAt)
                    .and_where(Expr::col(Messages::Side).is_not_null())
                    .and_where(Expr::col(Messages::FinishReason).is_null())
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(Index::drop().name(OLD).table(Messages::Table).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(OLD)
                    .table(Messages::Table)
                    .col(Messages::FinishReason)
                    .col(Messages::CreatedAt)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(Index::drop().name(NAME).table(Messages::Table).to_owned())
            .await
    }
}
