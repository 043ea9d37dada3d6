//! Queries on exams, their questions and the models' answers.

use anyhow::Context;
use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use super::entities::{exam_answers, exam_questions, exams};

/// An exam to store.
#[derive(Debug, Clone)]
pub struct NewExam {
    pub name: String,
    pub format: String,
    pub language: Option<String>,
    pub exam_date: Option<String>,
    pub pass_mark: Option<f64>,
    pub content_sha256: String,
}

/// A question to store (its position is its index).
#[derive(Debug, Clone)]
pub struct NewQuestion {
    pub source_ref: String,
    pub subject: String,
    pub kind: String,
    pub question: String,
    pub options: String,
    pub answer: String,
}

/// # Errors
/// On a database error.
pub async fn find<C: ConnectionTrait>(db: &C, name: &str) -> anyhow::Result<Option<exams::Model>> {
    super::first(
        db,
        exams::Entity::find().filter(exams::Column::Name.eq(name)),
    )
    .await
    .context("failed to look up the exam")
}

/// # Errors
/// On a database error.
pub async fn list<C: ConnectionTrait>(db: &C) -> anyhow::Result<Vec<exams::Model>> {
    exams::Entity::find()
        .order_by_asc(exams::Column::Name)
        .all(db)
        .await
        .context("failed to list the exams")
}

/// Stores an exam and its questions; returns its id.
///
/// # Errors
/// On a database error.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    exam: NewExam,
    questions: &[NewQuestion],
) -> anyhow::Result<i32> {
    let stored = exams::ActiveModel {
        name: Set(exam.name),
        format: Set(exam.format),
        language: Set(exam.language),
        exam_date: Set(exam.exam_date),
        pass_mark: Set(exam.pass_mark),
        content_sha256: Set(exam.content_sha256),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .context("failed to store the exam")?;
    for (start, chunk) in (0..).step_by(200).zip(questions.chunks(200)) {
        exam_questions::Entity::insert_many(chunk.iter().enumerate().map(|(i, q)| {
            exam_questions::ActiveModel {
                exam_id: Set(stored.id),
                position: Set(start + i32::try_from(i).unwrap_or(0)),
                source_ref: Set(q.source_ref.clone()),
                subject: Set(q.subject.clone()),
                kind: Set(q.kind.clone()),
                question: Set(q.question.clone()),
                options: Set(q.options.clone()),
                answer: Set(q.answer.clone()),
                ..Default::default()
            }
        }))
        .exec_without_returning(db)
        .await
        .context("failed to store the exam's questions")?;
    }
    Ok(stored.id)
}

/// The questions of an exam, in order.
///
/// # Errors
/// On a database error.
pub async fn questions<C: ConnectionTrait>(
    db: &C,
    exam_id: i32,
) -> anyhow::Result<Vec<exam_questions::Model>> {
    exam_questions::Entity::find()
        .filter(exam_questions::Column::ExamId.eq(exam_id))
        .order_by_asc(exam_questions::Column::Position)
        .all(db)
        .await
        .context("failed to load the exam's questions")
}

/// An answer to store.
#[derive(Debug, Clone)]
pub struct NewAnswer {
    pub question_id: i32,
    pub model: String,
    pub sample: i32,
    pub output: String,
    pub extracted: Option<String>,
    pub method: String,
    pub origin: String,
    pub prompt_tokens: Option<i32>,
    pub completion_tokens: Option<i32>,
}

/// Stores answers; an answer already stored for the same question, model
/// and sample is replaced.
///
/// # Errors
/// On a database error.
pub async fn put_answers<C: ConnectionTrait>(db: &C, answers: &[NewAnswer]) -> anyhow::Result<()> {
    for chunk in answers.chunks(200) {
        exam_answers::Entity::insert_many(chunk.iter().map(|a| exam_answers::ActiveModel {
            question_id: Set(a.question_id),
            model: Set(a.model.clone()),
            sample: Set(a.sample),
            output: Set(a.output.clone()),
            extracted: Set(a.extracted.clone()),
            method: Set(a.method.clone()),
            origin: Set(a.origin.clone()),
            prompt_tokens: Set(a.prompt_tokens),
            completion_tokens: Set(a.completion_tokens),
            created_at: Set(Utc::now()),
            ..Default::default()
        }))
        .on_conflict(
            OnConflict::columns([
                exam_answers::Column::QuestionId,
                exam_answers::Column::Model,
                exam_answers::Column::Sample,
            ])
            .update_columns([
                exam_answers::Column::Output,
                exam_answers::Column::Extracted,
                exam_answers::Column::Method,
                exam_answers::Column::Origin,
                exam_answers::Column::PromptTokens,
                exam_answers::Column::CompletionTokens,
                exam_answers::Column::CreatedAt,
            ])
            .to_owned(),
        )
        .exec_without_returning(db)
        .await
        .context("failed to store the answers")?;
    }
    Ok(())
}

/// Every answer to the questions of an exam.
///
/// # Errors
/// On a database error.
pub async fn answers<C: ConnectionTrait>(
    db: &C,
    question_ids: &[i32],
) -> anyhow::Result<Vec<exam_answers::Model>> {
    let mut out = Vec::new();
    for chunk in question_ids.chunks(500) {
        out.extend(
            exam_answers::Entity::find()
                .filter(exam_answers::Column::QuestionId.is_in(chunk.iter().copied()))
                .order_by_asc(exam_answers::Column::Id)
                .all(db)
                .await
                .context("failed to load the answers")?,
        );
    }
    Ok(out)
}
