//! Queries on custom rubrics.

use anyhow::Context;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, QueryOrder, Set};

use super::entities::rubrics;

/// # Errors
/// On a database error.
pub async fn find<C: ConnectionTrait>(db: &C, id: &str) -> anyhow::Result<Option<rubrics::Model>> {
    super::first(db, rubrics::Entity::find_by_id(id.to_owned()))
        .await
        .context("failed to look up the rubric")
}

/// Every custom rubric, by id.
///
/// # Errors
/// On a database error.
pub async fn list<C: ConnectionTrait>(db: &C) -> anyhow::Result<Vec<rubrics::Model>> {
    rubrics::Entity::find()
        .order_by_asc(rubrics::Column::Id)
        .all(db)
        .await
        .context("failed to list the rubrics")
}

/// Stores a new rubric. The caller checked that the id is free; a race with
/// another insert of the same id fails on the primary key.
///
/// # Errors
/// On a database error.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    id: &str,
    definition: &str,
    created_by: &str,
) -> anyhow::Result<()> {
    rubrics::ActiveModel {
        id: Set(id.to_owned()),
        definition: Set(definition.to_owned()),
        created_by: Set(created_by.to_owned()),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
    .context("failed to store the rubric")?;
    Ok(())
}
