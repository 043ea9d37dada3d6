//! Vote integrity: whether the client chose a battle's question, a short
//! machine-readable reason beside the human one on uncounted votes, how often
//! each normalised live prompt was seen, and the voters flagged as anomalous.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Battles {
    Table,
    QuestionChosen,
    VoterId,
    IpHash,
}

#[derive(DeriveIden)]
enum Votes {
    Table,
    NotCountedDetail,
    VoterId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PromptCounts {
    Table,
    Hash,
    Count,
}

#[derive(DeriveIden)]
enum VoterFlags {
    Table,
    VoterId,
    Score,
    Votes,
    Reason,
    FlaggedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Battles::Table)
                    .add_column(boolean(Battles::QuestionChosen).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Votes::Table)
                    .add_column(text_null(Votes::NotCountedDetail))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PromptCounts::Table)
                    .col(string(PromptCounts::Hash).primary_key())
                    .col(big_integer(PromptCounts::Count).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(VoterFlags::Table)
                    .col(string(VoterFlags::VoterId).primary_key())
                    .col(double(VoterFlags::Score))
                    .col(integer(VoterFlags::Votes))
                    .col(text(VoterFlags::Reason))
                    .col(timestamp_with_time_zone(VoterFlags::FlaggedAt))
                    .to_owned(),
            )
            .await?;
        // The daily caps count a voter's and an address's votes of the day.
        manager
            .create_index(
                Index::create()
                    .name("idx_votes_voter_created")
                    .table(Votes::Table)
                    .col(Votes::VoterId)
                    .col(Votes::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_battles_ip_hash")
                    .table(Battles::Table)
                    .col(Battles::IpHash)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_battles_voter")
                    .table(Battles::Table)
                    .col(Battles::VoterId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "idx_votes_voter_created",
            "idx_battles_ip_hash",
            "idx_battles_voter",
        ] {
            manager
                .drop_index(Index::drop().name(name).to_owned())
                .await?;
        }
        manager
            .drop_table(Table::drop().table(VoterFlags::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(PromptCounts::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Votes::Table)
                    .drop_column(Votes::NotCountedDetail)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Battles::Table)
                    .drop_column(Battles::QuestionChosen)
                    .to_owned(),
            )
            .await
    }
}
