//! The first schema: models, question bank, battles, messages, votes, pair counts.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Models {
    Table,
    Id,
    Name,
    DisplayName,
    Organization,
    License,
    Provider,
    BaseUrl,
    UpstreamModel,
    ApiKeyEnv,
    SamplingWeight,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
enum QuestionSets {
    Table,
    Id,
    Name,
    Source,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Questions {
    Table,
    Id,
    QuestionSetId,
    ExternalId,
    Category,
    Language,
    Turns,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Answers {
    Table,
    Id,
    QuestionId,
    ModelId,
    Turns,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Battles {
    Table,
    Id,
    Mode,
    ModelA,
    ModelB,
    VoterId,
    IpHash,
    Language,
    Category,
    QuestionId,
    CampaignId,
    Status,
    VoidReason,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    Id,
    BattleId,
    Turn,
    Side,
    Role,
    Content,
    LatencyMs,
    PromptTokens,
    CompletionTokens,
    FinishReason,
    Error,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Votes {
    Table,
    Id,
    BattleId,
    Verdict,
    VoterId,
    Rubric,
    Comment,
    Counted,
    NotCountedReason,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PairCounts {
    Table,
    Scope,
    ModelA,
    ModelB,
    Verdict,
    Count,
}

fn fk(
    from_table: impl IntoIden,
    from_col: impl IntoIden,
    to_table: impl IntoIden,
    to_col: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from_col)
        .to(to_table, to_col)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Models::Table)
                    .col(pk_auto(Models::Id))
                    .col(string_uniq(Models::Name))
                    .col(string(Models::DisplayName))
                    .col(string_null(Models::Organization))
                    .col(string_null(Models::License))
                    .col(string(Models::Provider))
                    .col(string_null(Models::BaseUrl))
                    .col(string_null(Models::UpstreamModel))
                    .col(string_null(Models::ApiKeyEnv))
                    .col(double(Models::SamplingWeight).default(1.0))
                    .col(boolean(Models::Active).default(true))
                    .col(timestamp_with_time_zone(Models::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(QuestionSets::Table)
                    .col(pk_auto(QuestionSets::Id))
                    .col(string_uniq(QuestionSets::Name))
                    .col(string_null(QuestionSets::Source))
                    .col(timestamp_with_time_zone(QuestionSets::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Questions::Table)
                    .col(pk_auto(Questions::Id))
                    .col(integer(Questions::QuestionSetId))
                    .col(string(Questions::ExternalId))
                    .col(string(Questions::Category))
                    .col(string(Questions::Language))
                    .col(text(Questions::Turns))
                    .col(timestamp_with_time_zone(Questions::CreatedAt))
                    .foreign_key(&mut fk(
                        Questions::Table,
                        Questions::QuestionSetId,
                        QuestionSets::Table,
                        QuestionSets::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_questions_set_external")
                    .table(Questions::Table)
                    .col(Questions::QuestionSetId)
                    .col(Questions::ExternalId)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Answers::Table)
                    .col(pk_auto(Answers::Id))
                    .col(integer(Answers::QuestionId))
                    .col(integer(Answers::ModelId))
                    .col(text(Answers::Turns))
                    .col(timestamp_with_time_zone(Answers::CreatedAt))
                    .foreign_key(&mut fk(
                        Answers::Table,
                        Answers::QuestionId,
                        Questions::Table,
                        Questions::Id,
                    ))
                    .foreign_key(&mut fk(
                        Answers::Table,
                        Answers::ModelId,
                        Models::Table,
                        Models::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_answers_question_model")
                    .table(Answers::Table)
                    .col(Answers::QuestionId)
                    .col(Answers::ModelId)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Battles::Table)
                    .col(pk_uuid(Battles::Id))
                    .col(string(Battles::Mode))
                    .col(integer(Battles::ModelA))
                    .col(integer(Battles::ModelB))
                    .col(string_null(Battles::VoterId))
                    .col(string_null(Battles::IpHash))
                    .col(string_null(Battles::Language))
                    .col(string_null(Battles::Category))
                    .col(integer_null(Battles::QuestionId))
                    .col(integer_null(Battles::CampaignId))
                    .col(string(Battles::Status))
                    .col(string_null(Battles::VoidReason))
                    .col(timestamp_with_time_zone(Battles::CreatedAt))
                    .foreign_key(&mut fk(
                        Battles::Table,
                        Battles::ModelA,
                        Models::Table,
                        Models::Id,
                    ))
                    .foreign_key(&mut fk(
                        Battles::Table,
                        Battles::ModelB,
                        Models::Table,
                        Models::Id,
                    ))
                    .foreign_key(&mut fk(
                        Battles::Table,
                        Battles::QuestionId,
                        Questions::Table,
                        Questions::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_battles_created_at")
                    .table(Battles::Table)
                    .col(Battles::CreatedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Messages::Table)
                    .col(big_pk_auto(Messages::Id))
                    .col(uuid(Messages::BattleId))
                    .col(integer(Messages::Turn))
                    .col(string_null(Messages::Side))
                    .col(string(Messages::Role))
                    .col(text(Messages::Content))
                    .col(integer_null(Messages::LatencyMs))
                    .col(integer_null(Messages::PromptTokens))
                    .col(integer_null(Messages::CompletionTokens))
                    .col(string_null(Messages::FinishReason))
                    .col(text_null(Messages::Error))
                    .col(timestamp_with_time_zone(Messages::CreatedAt))
                    .foreign_key(&mut fk(
                        Messages::Table,
                        Messages::BattleId,
                        Battles::Table,
                        Battles::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_messages_battle")
                    .table(Messages::Table)
                    .col(Messages::BattleId)
                    .col(Messages::Turn)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Votes::Table)
                    .col(big_pk_auto(Votes::Id))
                    .col(uuid_uniq(Votes::BattleId))
                    .col(string(Votes::Verdict))
                    .col(string_null(Votes::VoterId))
                    .col(text_null(Votes::Rubric))
                    .col(text_null(Votes::Comment))
                    .col(boolean(Votes::Counted))
                    .col(string_null(Votes::NotCountedReason))
                    .col(timestamp_with_time_zone(Votes::CreatedAt))
                    .foreign_key(&mut fk(
                        Votes::Table,
                        Votes::BattleId,
                        Battles::Table,
                        Battles::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_votes_created_at")
                    .table(Votes::Table)
                    .col(Votes::CreatedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PairCounts::Table)
                    .col(string(PairCounts::Scope))
                    .col(integer(PairCounts::ModelA))
                    .col(integer(PairCounts::ModelB))
                    .col(string(PairCounts::Verdict))
                    .col(big_integer(PairCounts::Count))
                    .primary_key(
                        Index::create()
                            .col(PairCounts::Scope)
                            .col(PairCounts::ModelA)
                            .col(PairCounts::ModelB)
                            .col(PairCounts::Verdict),
                    )
                    .foreign_key(&mut fk(
                        PairCounts::Table,
                        PairCounts::ModelA,
                        Models::Table,
                        Models::Id,
                    ))
                    .foreign_key(&mut fk(
                        PairCounts::Table,
                        PairCounts::ModelB,
                        Models::Table,
                        Models::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PairCounts::Table.into_iden(),
            Votes::Table.into_iden(),
            Messages::Table.into_iden(),
            Battles::Table.into_iden(),
            Answers::Table.into_iden(),
            Questions::Table.into_iden(),
            QuestionSets::Table.into_iden(),
            Models::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
