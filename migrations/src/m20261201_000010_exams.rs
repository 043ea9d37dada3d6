//! Exam banks beside the arena: exams, their questions, and the models'
//! answers (from runs or imported predictions), each read and scored.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Exams {
    Table,
    Id,
    Name,
    Format,
    Language,
    ExamDate,
    PassMark,
    ContentSha256,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ExamQuestions {
    Table,
    Id,
    ExamId,
    Position,
    SourceRef,
    Subject,
    Kind,
    Question,
    Options,
    Answer,
}

#[derive(DeriveIden)]
enum ExamAnswers {
    Table,
    Id,
    QuestionId,
    Model,
    Sample,
    Output,
    Extracted,
    Method,
    Origin,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Exams::Table)
                    .if_not_exists()
                    .col(pk_auto(Exams::Id))
                    .col(string(Exams::Name).unique_key())
                    .col(string(Exams::Format))
                    .col(string_null(Exams::Language))
                    .col(string_null(Exams::ExamDate))
                    .col(double_null(Exams::PassMark))
                    .col(string(Exams::ContentSha256))
                    .col(timestamp_with_time_zone(Exams::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ExamQuestions::Table)
                    .if_not_exists()
                    .col(pk_auto(ExamQuestions::Id))
                    .col(integer(ExamQuestions::ExamId))
                    .col(integer(ExamQuestions::Position))
                    .col(string(ExamQuestions::SourceRef))
                    .col(string(ExamQuestions::Subject))
                    .col(string(ExamQuestions::Kind))
                    .col(text(ExamQuestions::Question))
                    .col(text(ExamQuestions::Options))
                    .col(string(ExamQuestions::Answer))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ExamQuestions::Table, ExamQuestions::ExamId)
                            .to(Exams::Table, Exams::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_exam_questions_exam_position")
                    .table(ExamQuestions::Table)
                    .col(ExamQuestions::ExamId)
                    .col(ExamQuestions::Position)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ExamAnswers::Table)
                    .if_not_exists()
                    .col(big_pk_auto(ExamAnswers::Id))
                    .col(integer(ExamAnswers::QuestionId))
                    .col(string(ExamAnswers::Model))
                    .col(integer(ExamAnswers::Sample))
                    .col(text(ExamAnswers::Output))
                    .col(string_null(ExamAnswers::Extracted))
                    .col(string(ExamAnswers::Method))
                    .col(string(ExamAnswers::Origin))
                    .col(timestamp_with_time_zone(ExamAnswers::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ExamAnswers::Table, ExamAnswers::QuestionId)
                            .to(ExamQuestions::Table, ExamQuestions::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_exam_answers_question_model_sample")
                    .table(ExamAnswers::Table)
                    .col(ExamAnswers::QuestionId)
                    .col(ExamAnswers::Model)
                    .col(ExamAnswers::Sample)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            ExamAnswers::Table.into_iden(),
            ExamQuestions::Table.into_iden(),
            Exams::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        Ok(())
    }
}
