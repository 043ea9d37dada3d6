//! Queries on the `models` table.

use std::collections::HashMap;

use anyhow::Context;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set, TryIntoModel,
};

use super::entities::models;
use crate::domain::ProviderKind;

/// Descriptive fields an operator or an import may set on a model.
#[derive(Debug, Clone, Default)]
pub struct ModelMetadata {
    pub display_name: Option<String>,
    pub organization: Option<String>,
    pub license: Option<String>,
}

/// Every model, by name.
///
/// # Errors
/// On a database error.
pub async fn list<C: ConnectionTrait>(db: &C) -> anyhow::Result<Vec<models::Model>> {
    models::Entity::find()
        .order_by_asc(models::Column::Name)
        .all(db)
        .await
        .context("failed to list models")
}

/// The model called `name`.
///
/// # Errors
/// On a database error.
pub async fn find_by_name<C: ConnectionTrait>(
    db: &C,
    name: &str,
) -> anyhow::Result<Option<models::Model>> {
    super::first(
        db,
        models::Entity::find().filter(models::Column::Name.eq(name)),
    )
    .await
    .context("failed to look up the model")
}

/// How many models are registered.
///
/// # Errors
/// On a database error.
pub async fn count<C: ConnectionTrait>(db: &C) -> anyhow::Result<u64> {
    models::Entity::find()
        .count(db)
        .await
        .context("failed to count models")
}

/// The models with the given ids, keyed by id.
///
/// # Errors
/// On a database error.
pub async fn by_ids<C: ConnectionTrait>(
    db: &C,
    ids: &[i32],
) -> anyhow::Result<HashMap<i32, models::Model>> {
    let rows = models::Entity::find()
        .filter(models::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await
        .context("failed to load models by id")?;
    Ok(rows.into_iter().map(|m| (m.id, m)).collect())
}

/// The id of the answer-set model called `name`, registering it (active, weight 1)
/// if it is new. Metadata given here fills in a new model and overwrites the
/// descriptive fields of an existing one; sampling weight and status are left alone.
///
/// # Errors
/// On a database error.
pub async fn ensure_answer_set_model<C: ConnectionTrait>(
    db: &C,
    name: &str,
    metadata: &ModelMetadata,
) -> anyhow::Result<i32> {
    let existing = super::first(
        db,
        models::Entity::find().filter(models::Column::Name.eq(name)),
    )
    .await
    .with_context(|| format!("failed to look up model {name}"))?;
    if let Some(model) = existing {
        let mut active: models::ActiveModel = model.clone().into();
        let mut changed = false;
        if let Some(d) = &metadata.display_name
            && *d != model.display_name
        {
            active.display_name = Set(d.clone());
            changed = true;
        }
        if metadata.organization.is_some() && metadata.organization != model.organization {
            active.organization = Set(metadata.organization.clone());
            changed = true;
        }
        if metadata.license.is_some() && metadata.license != model.license {
            active.license = Set(metadata.license.clone());
            changed = true;
        }
        if changed {
            active
                .update(db)
                .await
                .with_context(|| format!("failed to update model {name}"))?;
            super::questions::bank_changed();
        }
        return Ok(model.id);
    }
    let inserted = models::ActiveModel {
        name: Set(name.to_owned()),
        display_name: Set(metadata
            .display_name
            .clone()
            .unwrap_or_else(|| name.to_owned())),
        organization: Set(metadata.organization.clone()),
        license: Set(metadata.license.clone()),
        provider: Set(ProviderKind::AnswerSet),
        base_url: Set(None),
        upstream_model: Set(None),
        api_key_env: Set(None),
        sampling_weight: Set(1.0),
        active: Set(true),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .with_context(|| format!("failed to register model {name}"))?;
    Ok(inserted.id)
}

/// The id of the model called `name`, registered as an imported model
/// (rated from imported battles, never sampled) when it is not known yet.
/// Returns whether it was added.
///
/// # Errors
/// On a database error.
pub async fn ensure_imported_model<C: ConnectionTrait>(
    db: &C,
    name: &str,
) -> anyhow::Result<(i32, bool)> {
    if let Some(m) = find_by_name(db, name).await? {
        return Ok((m.id, false));
    }
    let inserted = models::ActiveModel {
        name: Set(name.to_owned()),
        display_name: Set(name.to_owned()),
        organization: Set(None),
        license: Set(None),
        provider: Set(ProviderKind::Imported),
        base_url: Set(None),
        upstream_model: Set(None),
        api_key_env: Set(None),
        sampling_weight: Set(1.0),
        active: Set(false),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .with_context(|| format!("failed to register model {name}"))?;
    Ok((inserted.id, true))
}

/// How a live model is registered: where it is served (never its key).
#[derive(Debug, Clone)]
pub struct LiveRegistration {
    pub name: String,
    pub display_name: Option<String>,
    pub organization: Option<String>,
    pub base_url: String,
    pub upstream_model: String,
    pub api_key_env: Option<String>,
    pub sampling_weight: f64,
    /// Set from the configuration when given there; otherwise the operator's.
    pub release_date: Option<String>,
    pub knowledge_cutoff: Option<String>,
}

/// Registers a live model or brings its row up to date with the
/// configuration. A model that already has an answer set keeps it and becomes
/// live as well; its active flag is the operator's and is left alone.
///
/// # Errors
/// On a database error.
pub async fn sync_live<C: ConnectionTrait>(
    db: &C,
    live: &LiveRegistration,
) -> anyhow::Result<models::Model> {
    let existing = super::first(
        db,
        models::Entity::find().filter(models::Column::Name.eq(&live.name)),
    )
    .await
    .with_context(|| format!("failed to look up model {}", live.name))?;
    let display_name = live.display_name.clone();
    let mut row: models::ActiveModel = match existing {
        Some(model) => {
            let mut row: models::ActiveModel = model.clone().into();
            if let Some(d) = display_name {
                row.display_name = Set(d);
            }
            if live.organization.is_some() {
                row.organization = Set(live.organization.clone());
            }
            if live.release_date.is_some() {
                row.release_date = Set(live.release_date.clone());
            }
            if live.knowledge_cutoff.is_some() {
                row.knowledge_cutoff = Set(live.knowledge_cutoff.clone());
            }
            row
        }
        None => models::ActiveModel {
            name: Set(live.name.clone()),
            display_name: Set(display_name.unwrap_or_else(|| live.name.clone())),
            organization: Set(live.organization.clone()),
            license: Set(None),
            release_date: Set(live.release_date.clone()),
            knowledge_cutoff: Set(live.knowledge_cutoff.clone()),
            active: Set(true),
            created_at: Set(chrono::Utc::now()),
            ..Default::default()
        },
    };
    row.provider = Set(ProviderKind::OpenAi);
    row.base_url = Set(Some(live.base_url.clone()));
    row.upstream_model = Set(Some(live.upstream_model.clone()));
    row.api_key_env = Set(live.api_key_env.clone());
    row.sampling_weight = Set(live.sampling_weight);
    let saved = row
        .save(db)
        .await
        .with_context(|| format!("failed to register live model {}", live.name))?
        .try_into_model()
        .with_context(|| format!("failed to read back live model {}", live.name))?;
    super::questions::bank_changed();
    Ok(saved)
}

/// What an operator may change on a model; `None` leaves a field alone, and
/// `Some(None)` clears an optional field.
#[derive(Debug, Clone, Default)]
pub struct ModelChange {
    pub active: Option<bool>,
    pub deprecated: Option<bool>,
    pub sampling_weight: Option<f64>,
    pub display_name: Option<String>,
    pub organization: Option<Option<String>>,
    pub license: Option<Option<String>>,
    pub knowledge_cutoff: Option<Option<String>>,
    pub release_date: Option<Option<String>>,
}

/// Applies `change` to the model called `name`; returns it before and after,
/// or `None` when there is no such model.
///
/// # Errors
/// On a database error.
pub async fn update<C: ConnectionTrait>(
    db: &C,
    name: &str,
    change: ModelChange,
) -> anyhow::Result<Option<(models::Model, models::Model)>> {
    let Some(before) = super::first(
        db,
        models::Entity::find().filter(models::Column::Name.eq(name)),
    )
    .await
    .with_context(|| format!("failed to look up model {name}"))?
    else {
        return Ok(None);
    };
    let mut row: models::ActiveModel = before.clone().into();
    if let Some(v) = change.active {
        row.active = Set(v);
    }
    if let Some(v) = change.deprecated {
        row.deprecated = Set(v);
    }
    if let Some(v) = change.sampling_weight {
        row.sampling_weight = Set(v);
    }
    if let Some(v) = change.display_name {
        row.display_name = Set(v);
    }
    if let Some(v) = change.organization {
        row.organization = Set(v);
    }
    if let Some(v) = change.license {
        row.license = Set(v);
    }
    if let Some(v) = change.knowledge_cutoff {
        row.knowledge_cutoff = Set(v);
    }
    if let Some(v) = change.release_date {
        row.release_date = Set(v);
    }
    let after = row
        .save(db)
        .await
        .with_context(|| format!("failed to update model {name}"))?
        .try_into_model()
        .with_context(|| format!("failed to read back model {name}"))?;
    super::questions::bank_changed();
    Ok(Some((before, after)))
}
