//! Expert campaigns: a campaign over a question set and a list of models,
//! its items (a question and an ordered pair of models), the assignments of
//! items to experts (with the side each was shown), and their judgments.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Campaigns {
    Table,
    Id,
    Name,
    QuestionSet,
    Models,
    Baseline,
    RatersPerItem,
    Rubric,
    Experts,
    Specialties,
    Status,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CampaignItems {
    Table,
    Id,
    CampaignId,
    QuestionId,
    ModelA,
    ModelB,
    /// The better model of a gold item (its own orientation), if known.
    Gold,
}

#[derive(DeriveIden)]
enum Assignments {
    Table,
    Id,
    CampaignId,
    ItemId,
    ExpertId,
    ShownSwapped,
    Position,
    Status,
    SkipReason,
    AssignedAt,
}

#[derive(DeriveIden)]
enum Judgments {
    Table,
    Id,
    AssignmentId,
    CampaignId,
    ItemId,
    ExpertId,
    Preference,
    Axes,
    SafetyA,
    SafetyB,
    Comment,
    RubricVersion,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Campaigns::Table)
                    .col(pk_auto(Campaigns::Id))
                    .col(string(Campaigns::Name))
                    .col(string(Campaigns::QuestionSet))
                    .col(text(Campaigns::Models))
                    .col(string_null(Campaigns::Baseline))
                    .col(integer(Campaigns::RatersPerItem))
                    .col(string(Campaigns::Rubric))
                    .col(text_null(Campaigns::Experts))
                    .col(text(Campaigns::Specialties))
                    .col(string(Campaigns::Status))
                    .col(string(Campaigns::CreatedBy))
                    .col(timestamp_with_time_zone(Campaigns::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CampaignItems::Table)
                    .col(pk_auto(CampaignItems::Id))
                    .col(integer(CampaignItems::CampaignId))
                    .col(integer(CampaignItems::QuestionId))
                    .col(integer(CampaignItems::ModelA))
                    .col(integer(CampaignItems::ModelB))
                    .col(string_null(CampaignItems::Gold))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Assignments::Table)
                    .col(pk_auto(Assignments::Id))
                    .col(integer(Assignments::CampaignId))
                    .col(integer(Assignments::ItemId))
                    .col(integer(Assignments::ExpertId))
                    .col(boolean(Assignments::ShownSwapped))
                    .col(integer(Assignments::Position))
                    .col(string(Assignments::Status))
                    .col(text_null(Assignments::SkipReason))
                    .col(timestamp_with_time_zone(Assignments::AssignedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_assignments_item_expert")
                    .table(Assignments::Table)
                    .col(Assignments::ItemId)
                    .col(Assignments::ExpertId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Judgments::Table)
                    .col(pk_auto(Judgments::Id))
                    .col(integer_uniq(Judgments::AssignmentId))
                    .col(integer(Judgments::CampaignId))
                    .col(integer(Judgments::ItemId))
                    .col(integer(Judgments::ExpertId))
                    .col(string(Judgments::Preference))
                    .col(text(Judgments::Axes))
                    .col(text_null(Judgments::SafetyA))
                    .col(text_null(Judgments::SafetyB))
                    .col(text_null(Judgments::Comment))
                    .col(string(Judgments::RubricVersion))
                    .col(timestamp_with_time_zone(Judgments::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Judgments::Table.into_iden(),
            Assignments::Table.into_iden(),
            CampaignItems::Table.into_iden(),
            Campaigns::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
