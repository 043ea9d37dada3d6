//! The append-only audit log. There is no query here that changes or deletes
//! an entry, and nothing else writes the table.

use anyhow::Context;
use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::entities::audit_log;

/// The action of voiding a battle (its vote leaves the counts).
pub const BATTLE_VOID: &str = "battle.void";
/// The action of restoring a voided battle (its vote comes back).
pub const BATTLE_RESTORE: &str = "battle.restore";

/// One operator action.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub actor: String,
    pub action: String,
    pub target: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub request_id: Option<String>,
}

/// Appends an entry; run it in the transaction of the action it records.
///
/// # Errors
/// On a database error.
pub async fn append<C: ConnectionTrait>(db: &C, entry: NewEntry) -> anyhow::Result<()> {
    audit_log::Entity::insert(audit_log::ActiveModel {
        at: Set(Utc::now()),
        actor: Set(entry.actor),
        action: Set(entry.action),
        target: Set(entry.target),
        before: Set(entry.before.map(|v| v.to_string())),
        after: Set(entry.after.map(|v| v.to_string())),
        request_id: Set(entry.request_id),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await
    .context("failed to write the audit log")?;
    Ok(())
}

/// Up to `limit` entries older than entry `before` (all, without it), newest
/// first.
///
/// # Errors
/// On a database error.
pub async fn page<C: ConnectionTrait>(
    db: &C,
    limit: u64,
    before: Option<i64>,
) -> anyhow::Result<Vec<audit_log::Model>> {
    let mut query = audit_log::Entity::find().order_by_desc(audit_log::Column::Id);
    if let Some(b) = before {
        query = query.filter(audit_log::Column::Id.lt(b));
    }
    query
        .limit(limit)
        .all(db)
        .await
        .context("failed to read the audit log")
}

/// The id of the latest entry with one of `actions` (`None` before the
/// first).
///
/// # Errors
/// On a database error.
pub async fn latest_of<C: ConnectionTrait>(
    db: &C,
    actions: &[&str],
) -> anyhow::Result<Option<i64>> {
    let latest: Option<Option<i64>> = audit_log::Entity::find()
        .select_only()
        .column_as(audit_log::Column::Id.max(), "latest")
        .filter(audit_log::Column::Action.is_in(actions.iter().copied()))
        .into_tuple()
        .one(db)
        .await
        .context("failed to read the audit log")?;
    Ok(latest.flatten())
}
