//! Queries on battles and their messages.

use super::db::BeginWrite;
use anyhow::Context;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QueryTrait, Set, Statement, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use super::entities::{battles, messages};
use crate::domain::{BattleMode, BattleStatus, FinishReason, Side, VoterId};

/// The role of a prompt message; answers are the `assistant`'s.
const ROLE_USER: &str = "user";
const ROLE_ASSISTANT: &str = "assistant";

fn role(side: Option<Side>) -> &'static str {
    if side.is_some() {
        ROLE_ASSISTANT
    } else {
        ROLE_USER
    }
}

/// A battle to store, with its conversation so far.
#[derive(Debug, Clone)]
pub struct NewBattle {
    pub id: Uuid,
    pub mode: BattleMode,
    pub model_a: i32,
    pub model_b: i32,
    pub voter_id: Option<VoterId>,
    /// The client's address, hashed (never the address itself).
    pub ip_hash: Option<String>,
    /// The client chose the question.
    pub question_chosen: bool,
    /// The normalised live prompt's key, to count how often it was seen.
    pub prompt_key: Option<String>,
    pub language: Option<String>,
    pub category: Option<String>,
    pub question_id: Option<i32>,
    /// When the battle started ([`started_now`]): its row's and its
    /// messages' `created_at`.
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub messages: Vec<NewMessage>,
}

/// The time a battle starts now, to the microsecond, which both databases
/// keep exactly: a copy of the rows made before the write
/// ([`NewBattle::rows`]) then equals what a read returns after it.
#[must_use]
pub fn started_now() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(6)
}

impl NewBattle {
    /// The battle's row and its messages as they read once stored, open:
    /// everything but the messages' ids, which the database assigns (0
    /// here; nothing that works on the copy reads them).
    #[must_use]
    pub fn rows(&self) -> (battles::Model, Vec<messages::Model>) {
        let battle = battles::Model {
            id: self.id,
            mode: self.mode,
            model_a: self.model_a,
            model_b: self.model_b,
            voter_id: self.voter_id,
            ip_hash: self.ip_hash.clone(),
            question_chosen: self.question_chosen,
            language: self.language.clone(),
            category: self.category.clone(),
            question_id: self.question_id,
            campaign_id: None,
            status: BattleStatus::Open,
            void_reason: None,
            created_at: self.created_at,
        };
        let messages = self
            .messages
            .iter()
            .map(|m| messages::Model {
                id: 0,
                battle_id: self.id,
                turn: m.turn,
                side: m.side,
                role: role(m.side).to_owned(),
                content: m.content.clone(),
                latency_ms: None,
                first_token_ms: None,
                prompt_tokens: None,
                completion_tokens: None,
                finish_reason: m.finish_reason.clone(),
                error: None,
                created_at: self.created_at,
            })
            .collect();
        (battle, messages)
    }
}

/// One message: a user prompt (`side` = `None`) or one side's answer. An
/// answer with `finish_reason` = `None` is a placeholder for one being
/// generated.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub turn: i32,
    pub side: Option<Side>,
    pub content: String,
    pub finish_reason: Option<FinishReason>,
}

impl NewMessage {
    /// The user's prompt of a turn.
    #[must_use]
    pub fn prompt(turn: i32, content: String) -> Self {
        Self {
            turn,
            side: None,
            content,
            finish_reason: None,
        }
    }

    /// A finished answer, such as one from an answer set.
    #[must_use]
    pub fn answer(turn: i32, side: Side, content: String, finish_reason: FinishReason) -> Self {
        Self {
            turn,
            side: Some(side),
            content,
            finish_reason: Some(finish_reason),
        }
    }

    /// An empty answer, to be filled in by [`finish_answer`].
    #[must_use]
    pub fn placeholder(turn: i32, side: Side) -> Self {
        Self {
            turn,
            side: Some(side),
            content: String::new(),
            finish_reason: None,
        }
    }

    fn into_active(
        self,
        battle_id: Uuid,
        now: chrono::DateTime<chrono::Utc>,
    ) -> messages::ActiveModel {
        messages::ActiveModel {
            battle_id: Set(battle_id),
            turn: Set(self.turn),
            side: Set(self.side),
            role: Set(role(self.side).to_owned()),
            content: Set(self.content),
            finish_reason: Set(self.finish_reason),
            created_at: Set(now),
            ..Default::default()
        }
    }
}

/// A generated answer, as stored when it completes.
#[derive(Debug, Clone)]
pub struct FinishedAnswer {
    pub content: String,
    pub finish_reason: FinishReason,
    pub latency_ms: Option<i32>,
    pub first_token_ms: Option<i32>,
    pub prompt_tokens: Option<i32>,
    pub completion_tokens: Option<i32>,
}

/// Why a new turn or a regeneration could not start.
#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    #[error("battle not found")]
    NotFound,
    #[error("battle is {status}, not open")]
    NotOpen { status: BattleStatus },
    #[error("answers of the battle are still being generated")]
    Pending,
    #[error("the battle gained a turn meanwhile")]
    Changed,
    #[error(transparent)]
    Database(#[from] anyhow::Error),
}

/// Stores the battle, open, with its messages, in one transaction.
///
/// # Errors
/// On a database error; nothing is stored then.
pub async fn insert<C: TransactionTrait>(db: &C, battle: NewBattle) -> anyhow::Result<()> {
    let txn = db
        .begin_write()
        .await
        .context("failed to begin transaction")?;
    insert_all_in(&txn, std::slice::from_ref(&battle)).await?;
    txn.commit().await.context("failed to commit battle")?;
    Ok(())
}

/// Stores the battles, open, with their messages, in the caller's
/// transaction: one statement for the battles and one for their messages
/// (more only past [`super::ROWS_PER_STATEMENT`] rows), plus one per live prompt
/// to count. Nothing is read back: the caller has the battles.
///
/// # Errors
/// On a database error; the caller must then roll back.
pub async fn insert_all_in<C: ConnectionTrait>(txn: &C, all: &[NewBattle]) -> anyhow::Result<()> {
    for statement in insert_statements(txn.get_database_backend(), all) {
        txn.execute_raw(statement)
            .await
            .context("failed to insert battles")?;
    }
    Ok(())
}

/// The statements of [`insert_all_in`], to run in order: the battles, the
/// live prompts' counts, the messages.
#[must_use]
pub fn insert_statements(backend: DbBackend, all: &[NewBattle]) -> Vec<Statement> {
    let rows: Vec<battles::ActiveModel> = all
        .iter()
        .map(|battle| battles::ActiveModel {
            id: Set(battle.id),
            mode: Set(battle.mode),
            model_a: Set(battle.model_a),
            model_b: Set(battle.model_b),
            voter_id: Set(battle.voter_id),
            ip_hash: Set(battle.ip_hash.clone()),
            question_chosen: Set(battle.question_chosen),
            language: Set(battle.language.clone()),
            category: Set(battle.category.clone()),
            question_id: Set(battle.question_id),
            campaign_id: Set(None),
            status: Set(BattleStatus::Open),
            void_reason: Set(None),
            created_at: Set(battle.created_at),
        })
        .collect();
    let mut statements: Vec<Statement> = super::runs(rows)
        .map(|run| battles::Entity::insert_many(run).build(backend))
        .collect();
    statements.extend(
        all.iter()
            .filter_map(|b| b.prompt_key.as_deref())
            .map(|key| super::integrity::bump_prompt_statement(backend, key)),
    );
    let messages: Vec<messages::ActiveModel> = all
        .iter()
        .flat_map(|b| {
            b.messages
                .iter()
                .map(|m| m.clone().into_active(b.id, b.created_at))
        })
        .collect();
    statements
        .extend(super::runs(messages).map(|run| messages::Entity::insert_many(run).build(backend)));
    statements
}

/// One battle by id.
///
/// # Errors
/// On a database error.
pub async fn find<C: ConnectionTrait>(db: &C, id: Uuid) -> anyhow::Result<Option<battles::Model>> {
    // `all` (the key is unique), not `one`, whose bound `LIMIT 1` SQLite
    // prepares again on every run (see `questions::recent_questions_of_voter`).
    Ok(battles::Entity::find_by_id(id)
        .all(db)
        .await
        .context("failed to load battle")?
        .pop())
}

/// A battle's messages in conversation order.
///
/// # Errors
/// On a database error.
pub async fn messages<C: ConnectionTrait>(
    db: &C,
    battle_id: Uuid,
) -> anyhow::Result<Vec<messages::Model>> {
    messages::Entity::find()
        .filter(messages::Column::BattleId.eq(battle_id))
        .order_by_asc(messages::Column::Turn)
        .order_by_asc(messages::Column::Id)
        .all(db)
        .await
        .context("failed to load battle messages")
}

/// One battle by id with its messages in conversation order, in one query.
///
/// # Errors
/// On a database error.
pub async fn with_messages<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
) -> anyhow::Result<Option<(battles::Model, Vec<messages::Model>)>> {
    let mut rows = battles::Entity::find_by_id(id)
        .find_with_related(messages::Entity)
        .order_by_asc(messages::Column::Turn)
        .order_by_asc(messages::Column::Id)
        .all(db)
        .await
        .context("failed to load battle")?;
    Ok(rows.pop())
}

/// How many answers of the battle are still being generated.
///
/// # Errors
/// On a database error.
pub async fn pending_answers<C: ConnectionTrait>(db: &C, battle_id: Uuid) -> anyhow::Result<u64> {
    messages::Entity::find()
        .filter(messages::Column::BattleId.eq(battle_id))
        .filter(messages::Column::Side.is_not_null())
        .filter(messages::Column::FinishReason.is_null())
        .count(db)
        .await
        .context("failed to count pending answers")
}

/// Stores a generated answer in its placeholder. Returns `false` when there was
/// no placeholder left to fill (the battle was voided meanwhile).
///
/// # Errors
/// On a database error.
pub async fn finish_answer<C: ConnectionTrait>(
    db: &C,
    battle_id: Uuid,
    turn: i32,
    side: Side,
    answer: FinishedAnswer,
) -> anyhow::Result<bool> {
    let updated = messages::Entity::update_many()
        .col_expr(messages::Column::Content, Expr::value(answer.content))
        .col_expr(
            messages::Column::FinishReason,
            Expr::value(answer.finish_reason),
        )
        .col_expr(messages::Column::LatencyMs, Expr::value(answer.latency_ms))
        .col_expr(
            messages::Column::FirstTokenMs,
            Expr::value(answer.first_token_ms),
        )
        .col_expr(
            messages::Column::PromptTokens,
            Expr::value(answer.prompt_tokens),
        )
        .col_expr(
            messages::Column::CompletionTokens,
            Expr::value(answer.completion_tokens),
        )
        .filter(messages::Column::BattleId.eq(battle_id))
        .filter(messages::Column::Turn.eq(turn))
        .filter(messages::Column::Side.eq(side))
        .filter(messages::Column::FinishReason.is_null())
        .exec(db)
        .await
        .context("failed to store answer")?;
    Ok(updated.rows_affected > 0)
}

/// Ends an open battle as void with `reason`, in one transaction: the failed
/// side's placeholder (if any) keeps the error, every other unfinished answer
/// is marked cancelled. Returns `false` when the battle was no longer open.
///
/// # Errors
/// On a database error; nothing changes then.
pub async fn void<C: TransactionTrait>(
    db: &C,
    battle_id: Uuid,
    reason: &str,
    failed: Option<(i32, Side, String)>,
) -> anyhow::Result<bool> {
    let txn = db
        .begin_write()
        .await
        .context("failed to begin transaction")?;
    let flipped = battles::Entity::update_many()
        .col_expr(battles::Column::Status, Expr::value(BattleStatus::Void))
        .col_expr(battles::Column::VoidReason, Expr::value(reason))
        .filter(battles::Column::Id.eq(battle_id))
        .filter(battles::Column::Status.eq(BattleStatus::Open))
        .exec(&txn)
        .await
        .context("failed to void battle")?;
    if flipped.rows_affected == 0 {
        return Ok(false);
    }
    if let Some((turn, side, error)) = failed {
        messages::Entity::update_many()
            .col_expr(
                messages::Column::FinishReason,
                Expr::value(FinishReason::Error),
            )
            .col_expr(messages::Column::Error, Expr::value(error))
            .filter(messages::Column::BattleId.eq(battle_id))
            .filter(messages::Column::Turn.eq(turn))
            .filter(messages::Column::Side.eq(side))
            .filter(messages::Column::FinishReason.is_null())
            .exec(&txn)
            .await
            .context("failed to record the failed answer")?;
    }
    messages::Entity::update_many()
        .col_expr(
            messages::Column::FinishReason,
            Expr::value(FinishReason::Cancelled),
        )
        .filter(messages::Column::BattleId.eq(battle_id))
        .filter(messages::Column::FinishReason.is_null())
        .filter(messages::Column::Side.is_not_null())
        .exec(&txn)
        .await
        .context("failed to cancel unfinished answers")?;
    txn.commit().await.context("failed to commit void battle")?;
    Ok(true)
}

/// Records that `side` failed in `turn` of an open battle, which stays open:
/// the failed answer keeps the error, and the other side's unfinished answer
/// in that turn is cancelled. The turn can then be generated again.
///
/// # Errors
/// On a database error; nothing changes then.
pub async fn fail_turn<C: TransactionTrait>(
    db: &C,
    battle_id: Uuid,
    turn: i32,
    side: Side,
    error: String,
) -> anyhow::Result<()> {
    let txn = db
        .begin_write()
        .await
        .context("failed to begin transaction")?;
    messages::Entity::update_many()
        .col_expr(
            messages::Column::FinishReason,
            Expr::value(FinishReason::Error),
        )
        .col_expr(messages::Column::Error, Expr::value(error))
        .filter(messages::Column::BattleId.eq(battle_id))
        .filter(messages::Column::Turn.eq(turn))
        .filter(messages::Column::Side.eq(side))
        .filter(messages::Column::FinishReason.is_null())
        .exec(&txn)
        .await
        .context("failed to record the failed answer")?;
    messages::Entity::update_many()
        .col_expr(
            messages::Column::FinishReason,
            Expr::value(FinishReason::Cancelled),
        )
        .filter(messages::Column::BattleId.eq(battle_id))
        .filter(messages::Column::Turn.eq(turn))
        .filter(messages::Column::FinishReason.is_null())
        .filter(messages::Column::Side.is_not_null())
        .exec(&txn)
        .await
        .context("failed to cancel the other answer")?;
    txn.commit()
        .await
        .context("failed to commit the failed turn")?;
    Ok(())
}

/// Starts another generation in an open battle: the new turn's prompt (if
/// any) and a placeholder per side, in one transaction that first re-asserts
/// the battle is open, that nothing is being generated, and that `turn` is
/// still the next turn (with a prompt) or the latest one (regeneration), as
/// the caller saw it.
///
/// # Errors
/// `NotFound`, `NotOpen`, `Pending`, `Changed`, or `Database`; nothing
/// changes then.
pub async fn append_generation<C: TransactionTrait>(
    db: &C,
    battle_id: Uuid,
    turn: i32,
    prompt: Option<String>,
) -> Result<(), AppendError> {
    let txn = db
        .begin_write()
        .await
        .context("failed to begin transaction")?;
    lock_open(&txn, battle_id).await?;
    if pending_answers(&txn, battle_id).await? > 0 {
        return Err(AppendError::Pending);
    }
    let latest = messages(&txn, battle_id)
        .await?
        .iter()
        .map(|m| m.turn)
        .max()
        .unwrap_or(0);
    let expected = if prompt.is_some() { turn - 1 } else { turn };
    if latest != expected {
        return Err(AppendError::Changed);
    }
    let now = chrono::Utc::now();
    let rows = prompt
        .map(|p| NewMessage::prompt(turn, p))
        .into_iter()
        .chain(Side::BOTH.map(|side| NewMessage::placeholder(turn, side)))
        .map(|m| m.into_active(battle_id, now));
    messages::Entity::insert_many(rows)
        .exec(&txn)
        .await
        .context("failed to insert messages")?;
    txn.commit().await.context("failed to commit new turn")?;
    Ok(())
}

/// Takes the battle's row lock (PostgreSQL) or the write lock (SQLite) with a
/// no-op update that only matches an open battle, so a concurrent vote and a
/// new turn are ordered: whichever comes second sees the other's effect.
async fn lock_open<C: ConnectionTrait>(txn: &C, battle_id: Uuid) -> Result<(), AppendError> {
    let touched = battles::Entity::update_many()
        .col_expr(battles::Column::Status, Expr::value(BattleStatus::Open))
        .filter(battles::Column::Id.eq(battle_id))
        .filter(battles::Column::Status.eq(BattleStatus::Open))
        .exec(txn)
        .await
        .context("failed to lock battle")?;
    if touched.rows_affected == 1 {
        return Ok(());
    }
    match find(txn, battle_id).await? {
        Some(b) => Err(AppendError::NotOpen { status: b.status }),
        None => Err(AppendError::NotFound),
    }
}

/// Open battles with an answer that started generating before `cutoff` and
/// never finished: their generating instance is gone.
///
/// # Errors
/// On a database error.
pub async fn stalled<C: ConnectionTrait>(
    db: &C,
    cutoff: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<Vec<Uuid>> {
    let mut ids: Vec<Uuid> = messages::Entity::find()
        .filter(messages::Column::Side.is_not_null())
        .filter(messages::Column::FinishReason.is_null())
        .filter(messages::Column::CreatedAt.lt(cutoff))
        .all(db)
        .await
        .context("failed to look for stalled answers")?
        .into_iter()
        .map(|m| m.battle_id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Whether an answer of the battle is still being generated (no finish
/// reason yet).
///
/// # Errors
/// On a database error.
pub async fn has_unfinished_answers<C: ConnectionTrait>(
    db: &C,
    battle_id: Uuid,
) -> anyhow::Result<bool> {
    let n = messages::Entity::find()
        .filter(messages::Column::BattleId.eq(battle_id))
        .filter(messages::Column::Side.is_not_null())
        .filter(messages::Column::FinishReason.is_null())
        .count(db)
        .await
        .context("failed to look for unfinished answers")?;
    Ok(n > 0)
}

/// How many battles there are of each mode and status.
///
/// # Errors
/// On a database error.
pub async fn tally<C: ConnectionTrait>(
    db: &C,
) -> anyhow::Result<Vec<(BattleMode, BattleStatus, u64)>> {
    use sea_orm::sea_query::{Alias, ExprTrait, Query};
    let stmt = Query::select()
        .column(battles::Column::Mode)
        .column(battles::Column::Status)
        .expr(
            Expr::col(battles::Column::Id)
                .count()
                .cast_as(Alias::new("BIGINT")),
        )
        .from(battles::Entity)
        .group_by_col(battles::Column::Mode)
        .group_by_col(battles::Column::Status)
        .to_owned();
    let rows = db
        .query_all(&stmt)
        .await
        .context("failed to tally the battles")?;
    rows.iter()
        .map(|r| {
            let n: i64 = r.try_get_by_index(2).context("bad count")?;
            Ok((
                r.try_get_by_index(0).context("bad mode")?,
                r.try_get_by_index(1).context("bad status")?,
                u64::try_from(n).unwrap_or(0),
            ))
        })
        .collect()
}
