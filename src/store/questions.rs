//! Queries on question sets, questions and pre-generated answers.

use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set,
};

use super::entities::{answers, models, question_sets, questions};

/// What an upsert did to a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Inserted,
    Updated,
    Unchanged,
}

/// A question to store: its id within its set, category, language and user turns.
#[derive(Debug, Clone)]
pub struct QuestionRow {
    pub external_id: String,
    pub category: String,
    pub language: String,
    pub turns: Vec<String>,
}

/// A question as the arena uses it.
#[derive(Debug, Clone)]
pub struct Question {
    pub id: i32,
    pub set_name: String,
    pub external_id: String,
    pub category: String,
    pub language: String,
    pub turns: Vec<String>,
}

fn decode_turns(json: &str, what: &str) -> anyhow::Result<Vec<String>> {
    serde_json::from_str(json)
        .with_context(|| format!("stored turns of {what} are not a JSON list"))
}

fn encode_turns(turns: &[String]) -> anyhow::Result<String> {
    serde_json::to_string(turns).context("failed to encode turns")
}

/// The id of the question set called `name`, created if it is new.
///
/// # Errors
/// On a database error.
pub async fn ensure_set<C: ConnectionTrait>(
    db: &C,
    name: &str,
    source: Option<&str>,
) -> anyhow::Result<i32> {
    let existing = super::first(
        db,
        question_sets::Entity::find().filter(question_sets::Column::Name.eq(name)),
    )
    .await
    .with_context(|| format!("failed to look up question set {name}"))?;
    if let Some(set) = existing {
        return Ok(set.id);
    }
    let set = question_sets::ActiveModel {
        name: Set(name.to_owned()),
        source: Set(source.map(str::to_owned)),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .with_context(|| format!("failed to create question set {name}"))?;
    Ok(set.id)
}

/// Inserts the question, updates it if its content changed, or leaves it alone.
/// Returns the question's id and what happened.
///
/// # Errors
/// On a database error.
pub async fn upsert_question<C: ConnectionTrait>(
    db: &C,
    set_id: i32,
    row: &QuestionRow,
) -> anyhow::Result<(i32, Change)> {
    let turns = encode_turns(&row.turns)?;
    let existing = super::first(
        db,
        questions::Entity::find()
            .filter(questions::Column::QuestionSetId.eq(set_id))
            .filter(questions::Column::ExternalId.eq(row.external_id.as_str())),
    )
    .await
    .context("failed to look up question")?;
    match existing {
        Some(q) if q.category == row.category && q.language == row.language && q.turns == turns => {
            Ok((q.id, Change::Unchanged))
        }
        Some(q) => {
            let id = q.id;
            let mut active = q.into_active_model();
            active.category = Set(row.category.clone());
            active.language = Set(row.language.clone());
            active.turns = Set(turns);
            active
                .update(db)
                .await
                .context("failed to update question")?;
            Ok((id, Change::Updated))
        }
        None => {
            let q = questions::ActiveModel {
                question_set_id: Set(set_id),
                external_id: Set(row.external_id.clone()),
                category: Set(row.category.clone()),
                language: Set(row.language.clone()),
                turns: Set(turns),
                created_at: Set(chrono::Utc::now()),
                ..Default::default()
            }
            .insert(db)
            .await
            .context("failed to insert question")?;
            Ok((q.id, Change::Inserted))
        }
    }
}

/// Inserts a model's answer to a question, updates it if its text changed, or
/// leaves it alone.
///
/// # Errors
/// On a database error.
pub async fn upsert_answer<C: ConnectionTrait>(
    db: &C,
    question_id: i32,
    model_id: i32,
    turns: &[String],
) -> anyhow::Result<Change> {
    let turns = encode_turns(turns)?;
    let existing = stored_answer(db, question_id, model_id).await?;
    match existing {
        Some(a) if a.turns == turns => Ok(Change::Unchanged),
        Some(a) => {
            let mut active = a.into_active_model();
            active.turns = Set(turns);
            active.update(db).await.context("failed to update answer")?;
            bank_changed();
            Ok(Change::Updated)
        }
        None => {
            answers::ActiveModel {
                question_id: Set(question_id),
                model_id: Set(model_id),
                turns: Set(turns),
                created_at: Set(chrono::Utc::now()),
                ..Default::default()
            }
            .insert(db)
            .await
            .context("failed to insert answer")?;
            bank_changed();
            Ok(Change::Inserted)
        }
    }
}

/// Bumped by every change to stored answers or to the models that answer
/// them, so a cached index of playable questions knows to reload.
static BANK_GENERATION: AtomicU64 = AtomicU64::new(0);

/// The generation of the question bank's answers and models in this process.
#[must_use]
pub fn bank_generation() -> u64 {
    BANK_GENERATION.load(Ordering::Acquire)
}

/// Marks the bank changed (an answer stored, a model's activity or weight
/// changed). The store's writers call it after their write; a caller that
/// writes in a transaction calls it again after the commit, since an index
/// reloaded between the two would hold the old rows.
pub fn bank_changed() {
    BANK_GENERATION.fetch_add(1, Ordering::AcqRel);
}

/// Every stored answer of an active model, as `(question_id, model_id,
/// sampling_weight)`: who can be drawn for which question.
///
/// # Errors
/// On a database error.
pub async fn active_answerers<C: ConnectionTrait>(db: &C) -> anyhow::Result<Vec<(i32, i32, f64)>> {
    let stmt = Query::select()
        .column((answers::Entity, answers::Column::QuestionId))
        .column((models::Entity, models::Column::Id))
        .column((models::Entity, models::Column::SamplingWeight))
        .from(answers::Entity)
        .inner_join(
            models::Entity,
            Expr::col((models::Entity, models::Column::Id))
                .equals((answers::Entity, answers::Column::ModelId)),
        )
        .and_where(Expr::col((models::Entity, models::Column::Active)).eq(true))
        .to_owned();
    let rows = db
        .query_all(&stmt)
        .await
        .context("failed to list the answering models")?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get_by_index::<i32>(0).context("bad question id")?,
                r.try_get_by_index::<i32>(1).context("bad model id")?,
                r.try_get_by_index::<f64>(2)
                    .context("bad sampling weight")?,
            ))
        })
        .collect()
}

/// One question with its set's name.
///
/// # Errors
/// On a database error or a corrupt stored row.
pub async fn find<C: ConnectionTrait>(db: &C, id: i32) -> anyhow::Result<Option<Question>> {
    // `all` (the key is unique), not `one`, whose bound `LIMIT 1` SQLite
    // prepares again on every run: see `recent_questions_of_voter`.
    let Some((q, set)) = questions::Entity::find_by_id(id)
        .find_also_related(question_sets::Entity)
        .all(db)
        .await
        .context("failed to load question")?
        .pop()
    else {
        return Ok(None);
    };
    let set = set.with_context(|| format!("question {id} has no question set"))?;
    Ok(Some(Question {
        id: q.id,
        turns: decode_turns(&q.turns, &format!("question {id}"))?,
        set_name: set.name,
        external_id: q.external_id,
        category: q.category,
        language: q.language,
    }))
}

/// A question with the stored answer turns of two models to it, in one
/// query (a battle's start reads nothing else of the bank): `None` when
/// there is no such question, and each answer `None` when that model has
/// none.
///
/// # Errors
/// On a database error or a corrupt stored row.
pub async fn with_answer_pair<C: ConnectionTrait>(
    db: &C,
    question_id: i32,
    model_a: i32,
    model_b: i32,
) -> anyhow::Result<Option<(Question, [Option<Vec<String>>; 2])>> {
    let query = Query::select()
        .column((questions::Entity, questions::Column::Turns))
        .column((questions::Entity, questions::Column::ExternalId))
        .column((questions::Entity, questions::Column::Category))
        .column((questions::Entity, questions::Column::Language))
        .expr_as(
            Expr::col((question_sets::Entity, question_sets::Column::Name)),
            "set_name",
        )
        .expr_as(
            Expr::col((answers::Entity, answers::Column::ModelId)),
            "answer_model",
        )
        .expr_as(
            Expr::col((answers::Entity, answers::Column::Turns)),
            "answer_turns",
        )
        .from(questions::Entity)
        .inner_join(
            question_sets::Entity,
            Expr::col((question_sets::Entity, question_sets::Column::Id))
                .equals((questions::Entity, questions::Column::QuestionSetId)),
        )
        .left_join(
            answers::Entity,
            Expr::col((answers::Entity, answers::Column::QuestionId))
                .equals((questions::Entity, questions::Column::Id))
                .and(
                    Expr::col((answers::Entity, answers::Column::ModelId))
                        .is_in([model_a, model_b]),
                ),
        )
        .and_where(Expr::col((questions::Entity, questions::Column::Id)).eq(question_id))
        .to_owned();
    let rows = db
        .query_all(&query)
        .await
        .context("failed to load the question and its answers")?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let what = format!("question {question_id}");
    let question = Question {
        id: question_id,
        turns: decode_turns(
            &first.try_get::<String>("", "turns").context("turns")?,
            &what,
        )?,
        set_name: first.try_get("", "set_name").context("set name")?,
        external_id: first.try_get("", "external_id").context("external id")?,
        category: first.try_get("", "category").context("category")?,
        language: first.try_get("", "language").context("language")?,
    };
    let mut pair = [None, None];
    for row in &rows {
        let Some(model) = row
            .try_get::<Option<i32>>("", "answer_model")
            .context("answer model")?
        else {
            continue;
        };
        let turns: String = row.try_get("", "answer_turns").context("answer turns")?;
        let turns = decode_turns(&turns, &format!("model {model}'s answer to {what}"))?;
        if model == model_a {
            pair[0] = Some(turns);
        } else {
            pair[1] = Some(turns);
        }
    }
    Ok(Some((question, pair)))
}

/// The stored answer of `model_id` to `question_id`, if any.
async fn stored_answer<C: ConnectionTrait>(
    db: &C,
    question_id: i32,
    model_id: i32,
) -> anyhow::Result<Option<answers::Model>> {
    super::first(
        db,
        answers::Entity::find()
            .filter(answers::Column::QuestionId.eq(question_id))
            .filter(answers::Column::ModelId.eq(model_id)),
    )
    .await
    .context("failed to load an answer")
}

/// The stored answer turns of `model_id` to `question_id`, if any.
///
/// # Errors
/// On a database error or a corrupt stored row.
pub async fn answer_turns<C: ConnectionTrait>(
    db: &C,
    question_id: i32,
    model_id: i32,
) -> anyhow::Result<Option<Vec<String>>> {
    let row = stored_answer(db, question_id, model_id).await?;
    row.map(|a| decode_turns(&a.turns, &format!("answer {}", a.id)))
        .transpose()
}

/// Whether a question set other than `name` exists.
///
/// # Errors
/// On a database error.
pub async fn has_sets_other_than<C: ConnectionTrait>(db: &C, name: &str) -> anyhow::Result<bool> {
    use sea_orm::PaginatorTrait;
    Ok(question_sets::Entity::find()
        .filter(question_sets::Column::Name.ne(name))
        .count(db)
        .await
        .context("failed to count question sets")?
        > 0)
}

/// The questions of the voter's latest question-bank battles, newest first,
/// without repeats, at most `limit` battles back.
///
/// # Errors
/// On a database error.
pub async fn recent_questions_of_voter<C: ConnectionTrait>(
    db: &C,
    voter: crate::domain::VoterId,
    limit: usize,
) -> anyhow::Result<Vec<i32>> {
    use sea_orm::{QueryOrder, QuerySelect, QueryTrait};

    use super::entities::battles;
    // The limit is written into the statement, not bound: SQLite's planner
    // reads a bound LIMIT's value, so such a statement is prepared again on
    // every run; written in, it is prepared once per bank size.
    let query = battles::Entity::find()
        .select_only()
        .column(battles::Column::QuestionId)
        .filter(battles::Column::VoterId.eq(voter))
        .filter(battles::Column::QuestionId.is_not_null())
        .order_by_desc(battles::Column::CreatedAt)
        .into_query();
    let mut statement = db.get_database_backend().build(&query);
    statement.sql = format!("{} LIMIT {limit}", statement.sql);
    let rows: Vec<Option<i32>> = db
        .query_all_raw(statement)
        .await
        .context("failed to load the voter's recent questions")?
        .iter()
        .map(|row| row.try_get_by_index(0))
        .collect::<Result<_, _>>()
        .context("failed to read the voter's recent questions")?;
    let mut seen = std::collections::HashSet::new();
    Ok(rows
        .into_iter()
        .flatten()
        .filter(|q| seen.insert(*q))
        .collect())
}

/// Whether a question set called `name` exists.
///
/// # Errors
/// On a database error.
pub async fn set_exists<C: ConnectionTrait>(db: &C, name: &str) -> anyhow::Result<bool> {
    Ok(super::first(
        db,
        question_sets::Entity::find().filter(question_sets::Column::Name.eq(name)),
    )
    .await
    .context("failed to look up question set")?
    .is_some())
}

/// The questions of set `set_name` that every one of `model_ids` answered,
/// as `(id, category)`, by id.
///
/// # Errors
/// On a database error.
pub async fn questions_answered_by<C: ConnectionTrait>(
    db: &C,
    set_name: &str,
    model_ids: &[i32],
) -> anyhow::Result<Vec<(i32, String)>> {
    use std::collections::HashMap;

    let Some(set) = super::first(
        db,
        question_sets::Entity::find().filter(question_sets::Column::Name.eq(set_name)),
    )
    .await
    .context("failed to look up question set")?
    else {
        return Ok(Vec::new());
    };
    let questions = questions::Entity::find()
        .filter(questions::Column::QuestionSetId.eq(set.id))
        .all(db)
        .await
        .context("failed to load questions")?;
    let ids: Vec<i32> = questions.iter().map(|q| q.id).collect();
    let mut answered: HashMap<i32, usize> = HashMap::new();
    for a in answers::Entity::find()
        .filter(answers::Column::QuestionId.is_in(ids))
        .filter(answers::Column::ModelId.is_in(model_ids.iter().copied()))
        .all(db)
        .await
        .context("failed to load answers")?
    {
        *answered.entry(a.question_id).or_default() += 1;
    }
    let mut out: Vec<(i32, String)> = questions
        .into_iter()
        .filter(|q| answered.get(&q.id).copied().unwrap_or(0) >= model_ids.len())
        .map(|q| (q.id, q.category))
        .collect();
    out.sort_by_key(|(id, _)| *id);
    Ok(out)
}
