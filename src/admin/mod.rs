//! The operator's actions: changing a model, voiding or restoring a voted
//! battle, reading the audit log. Each action and its audit entry are
//! written in one transaction.

use crate::store::db::BeginWrite;
use std::sync::Arc;

use anyhow::Context;
use sea_orm::DatabaseConnection;
use serde_json::json;
use uuid::Uuid;

use crate::auth::Actor;
use crate::auth::users::audit;
use crate::domain::{BattleStatus, Scope};
use crate::store;
use crate::store::entities::{audit_log, models};
use crate::store::models::ModelChange;
use crate::store::votes::ModerateError;

/// Why an operator action was refused.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("no model called {0:?}")]
    ModelNotFound(String),
    #[error("no battle with id {0}")]
    BattleNotFound(Uuid),
    #[error(
        "battle {id} is {status}; only a voted battle can be voided, and only a voided battle with a vote restored"
    )]
    WrongStatus { id: Uuid, status: BattleStatus },
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// The operator service.
#[derive(Clone)]
pub struct Admin {
    db: DatabaseConnection,
    /// Called when pair counts changed (the leaderboard marks itself stale).
    on_counts_changed: Arc<dyn Fn() + Send + Sync>,
}

/// What the audit log keeps of a model.
fn model_snapshot(m: &models::Model) -> serde_json::Value {
    json!({
        "active": m.active,
        "deprecated": m.deprecated,
        "weight": m.sampling_weight,
        "display_name": m.display_name,
        "organization": m.organization,
        "license": m.license,
        "knowledge_cutoff": m.knowledge_cutoff,
        "release_date": m.release_date,
    })
}

impl Admin {
    #[must_use]
    pub fn new(db: DatabaseConnection, on_counts_changed: Arc<dyn Fn() + Send + Sync>) -> Self {
        Self {
            db,
            on_counts_changed,
        }
    }

    /// Every registered model, by name.
    ///
    /// # Errors
    /// On a database error.
    pub async fn models(&self) -> anyhow::Result<Vec<models::Model>> {
        store::models::list(&self.db).await
    }

    /// Changes a model's operator fields.
    ///
    /// # Errors
    /// `ModelNotFound`, `Invalid` (a weight that is not a positive number, an
    /// empty display name), or a database error.
    pub async fn update_model(
        &self,
        actor: &Actor,
        name: &str,
        change: ModelChange,
    ) -> Result<models::Model, AdminError> {
        if let Some(w) = change.sampling_weight
            && !(w.is_finite() && w > 0.0)
        {
            return Err(AdminError::Invalid(
                "weight must be a positive number; set active to false to stop drawing a model"
                    .to_owned(),
            ));
        }
        if change
            .display_name
            .as_deref()
            .is_some_and(|d| d.trim().is_empty())
        {
            return Err(AdminError::Invalid(
                "display_name must not be empty".to_owned(),
            ));
        }
        let txn = self
            .db
            .begin_write()
            .await
            .context("failed to begin transaction")?;
        let (before, after) = store::models::update(&txn, name, change)
            .await?
            .ok_or_else(|| AdminError::ModelNotFound(name.to_owned()))?;
        audit(
            &txn,
            actor,
            "model.update",
            name,
            Some(model_snapshot(&before)),
            Some(model_snapshot(&after)),
        )
        .await?;
        txn.commit().await.context("failed to commit")?;
        store::questions::bank_changed();
        // The board shows names, organisations, licences and the deprecated
        // flag: recompute it now rather than at the next vote.
        (self.on_counts_changed)();
        Ok(after)
    }

    /// Voids a voted battle: its vote stays stored, its counts leave the
    /// leaderboard.
    ///
    /// # Errors
    /// `BattleNotFound`, `WrongStatus`, `Invalid` (an empty reason), or a
    /// database error.
    pub async fn void_battle(
        &self,
        actor: &Actor,
        id: Uuid,
        reason: &str,
    ) -> Result<(), AdminError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AdminError::Invalid(
                "give a reason for voiding the battle".to_owned(),
            ));
        }
        self.moderate(actor, id, false, Some(reason)).await
    }

    /// Restores a battle an operator voided: its counts come back.
    ///
    /// # Errors
    /// `BattleNotFound`, `WrongStatus`, or a database error.
    pub async fn restore_battle(&self, actor: &Actor, id: Uuid) -> Result<(), AdminError> {
        self.moderate(actor, id, true, None).await
    }

    async fn moderate(
        &self,
        actor: &Actor,
        id: Uuid,
        restore: bool,
        reason: Option<&str>,
    ) -> Result<(), AdminError> {
        let txn = self
            .db
            .begin_write()
            .await
            .context("failed to begin transaction")?;
        let (before, vote) = store::votes::moderate(&txn, id, restore, reason, |b| {
            Scope::of_battle(b.category.as_deref(), b.language.as_deref())
        })
        .await
        .map_err(|e| match e {
            ModerateError::NotFound => AdminError::BattleNotFound(id),
            ModerateError::WrongStatus { status } => AdminError::WrongStatus { id, status },
            ModerateError::Database(e) => AdminError::Unexpected(e),
        })?;
        let counted = vote.as_ref().is_some_and(|v| v.counted);
        let (action, after) = if restore {
            (
                store::audit::BATTLE_RESTORE,
                json!({"status": "voted", "counted": counted}),
            )
        } else {
            (
                store::audit::BATTLE_VOID,
                json!({"status": "void", "reason": reason, "counted": counted}),
            )
        };
        audit(
            &txn,
            actor,
            action,
            &id.to_string(),
            Some(json!({"status": before.status.as_str(), "void_reason": before.void_reason})),
            Some(after),
        )
        .await?;
        txn.commit().await.context("failed to commit")?;
        if counted {
            (self.on_counts_changed)();
        }
        Ok(())
    }

    /// Voids every battle the voter's counted votes of the last 30 days were
    /// cast in (each voiding audited). Returns how many were voided.
    ///
    /// # Errors
    /// `Invalid` (an empty reason), or a database error.
    pub async fn void_voter(
        &self,
        actor: &Actor,
        voter: crate::domain::VoterId,
        reason: &str,
    ) -> Result<usize, AdminError> {
        let since = chrono::Utc::now() - chrono::Duration::days(30);
        let battles = store::integrity::counted_battles_of_voter(&self.db, voter, since).await?;
        let mut voided = 0;
        for id in battles {
            match self.void_battle(actor, id, reason).await {
                Ok(()) => voided += 1,
                // Voided meanwhile, by another operator or call.
                Err(AdminError::WrongStatus { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(voided)
    }

    /// Up to `limit` audit entries older than entry `before`, newest first.
    ///
    /// # Errors
    /// On a database error.
    pub async fn audit_log(
        &self,
        limit: u64,
        before: Option<i64>,
    ) -> anyhow::Result<Vec<audit_log::Model>> {
        store::audit::page(&self.db, limit.clamp(1, 500), before).await
    }
}
