//! Rating snapshots: stored once, read many times, never changed. There is
//! no query here that updates or deletes one.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter,
    QueryOrder, Set, Statement,
};

use super::entities::rating_snapshots;

/// A snapshot to store.
#[derive(Debug, Clone)]
pub struct NewSnapshot {
    pub taken_at: DateTime<Utc>,
    pub label: Option<String>,
    pub slot: Option<String>,
    pub scope: String,
    pub method: String,
    pub ci_method: String,
    pub seed: i64,
    pub bootstrap_rounds: i32,
    pub min_votes: i64,
    pub filters: String,
    pub software_version: String,
    pub vote_count: i64,
    pub input_sha256: String,
    pub reference_model: Option<String>,
    pub rows: String,
}

/// On PostgreSQL, takes the transaction-scoped advisory lock of the snapshot
/// schedule if no other session holds it (`false`: another instance is
/// taking the scheduled snapshot). On SQLite the write lock and the unique
/// slot do the same, so it is always `true`.
///
/// # Errors
/// On a database error.
pub async fn try_schedule_lock<C: ConnectionTrait>(txn: &C) -> anyhow::Result<bool> {
    if txn.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(true);
    }
    // Any constant, the same on every instance.
    let row = txn
        .query_one_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            "SELECT pg_try_advisory_xact_lock(474153)".to_owned(),
        ))
        .await
        .context("failed to try the snapshot lock")?;
    Ok(match row {
        Some(r) => r.try_get_by_index::<bool>(0).context("bad lock result")?,
        None => false,
    })
}

/// Whether a snapshot fills `slot` already.
///
/// # Errors
/// On a database error.
pub async fn slot_taken<C: ConnectionTrait>(db: &C, slot: &str) -> anyhow::Result<bool> {
    Ok(super::first(
        db,
        rating_snapshots::Entity::find().filter(rating_snapshots::Column::Slot.eq(slot)),
    )
    .await
    .context("failed to look up the snapshot slot")?
    .is_some())
}

/// Stores a snapshot; returns its id.
///
/// # Errors
/// On a database error (a second snapshot for the same slot is one).
pub async fn insert<C: ConnectionTrait>(db: &C, s: NewSnapshot) -> anyhow::Result<i32> {
    let stored = rating_snapshots::ActiveModel {
        taken_at: Set(s.taken_at),
        label: Set(s.label),
        slot: Set(s.slot),
        scope: Set(s.scope),
        method: Set(s.method),
        ci_method: Set(s.ci_method),
        seed: Set(s.seed),
        bootstrap_rounds: Set(s.bootstrap_rounds),
        min_votes: Set(s.min_votes),
        filters: Set(s.filters),
        software_version: Set(s.software_version),
        vote_count: Set(s.vote_count),
        input_sha256: Set(s.input_sha256),
        reference_model: Set(s.reference_model),
        rows: Set(s.rows),
        ..Default::default()
    }
    .insert(db)
    .await
    .context("failed to store the snapshot")?;
    Ok(stored.id)
}

/// # Errors
/// On a database error.
pub async fn find<C: ConnectionTrait>(
    db: &C,
    id: i32,
) -> anyhow::Result<Option<rating_snapshots::Model>> {
    super::first(db, rating_snapshots::Entity::find_by_id(id))
        .await
        .context("failed to load the snapshot")
}

/// The snapshots taken in `[from, to]` (either end open), oldest first.
///
/// # Errors
/// On a database error.
pub async fn between<C: ConnectionTrait>(
    db: &C,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> anyhow::Result<Vec<rating_snapshots::Model>> {
    let mut q = rating_snapshots::Entity::find();
    if let Some(from) = from {
        q = q.filter(rating_snapshots::Column::TakenAt.gte(from));
    }
    if let Some(to) = to {
        q = q.filter(rating_snapshots::Column::TakenAt.lte(to));
    }
    q.order_by_asc(rating_snapshots::Column::TakenAt)
        .order_by_asc(rating_snapshots::Column::Id)
        .all(db)
        .await
        .context("failed to list the snapshots")
}
