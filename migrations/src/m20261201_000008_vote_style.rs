//! Style features of the two answers a vote was cast on (for style control):
//! the token estimate and the Markdown headers, list items and bold spans of
//! each side, over every turn. Null for votes cast before this migration.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Votes {
    Table,
    StyleTokensA,
    StyleTokensB,
    StyleHeadersA,
    StyleHeadersB,
    StyleListsA,
    StyleListsB,
    StyleBoldA,
    StyleBoldB,
}

const COLUMNS: [Votes; 8] = [
    Votes::StyleTokensA,
    Votes::StyleTokensB,
    Votes::StyleHeadersA,
    Votes::StyleHeadersB,
    Votes::StyleListsA,
    Votes::StyleListsB,
    Votes::StyleBoldA,
    Votes::StyleBoldB,
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        for column in COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table(Votes::Table)
                        .add_column(integer_null(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table(Votes::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
