//! Recording a vote: the battle's state change, the vote and the pair counts, in
//! one transaction.

use anyhow::Context;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionSession,
    TransactionTrait,
};
use uuid::Uuid;

use super::entities::{battles, pair_counts, votes};

/// A vote to record. `counted` and `scopes` are the caller's decision: a vote that
/// is not counted is stored with its reason and touches no pair count.
#[derive(Debug, Clone)]
pub struct RecordVote {
    pub battle_id: Uuid,
    pub verdict: String,
    pub voter_id: Option<String>,
    pub counted: bool,
    pub not_counted_reason: Option<String>,
    pub scopes: Vec<String>,
}

/// Why a vote was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum RecordVoteError {
    #[error("battle not found")]
    NotFound,
    #[error("battle is {status}, not open")]
    NotOpen { status: String },
    #[error("answers of the battle are still being generated")]
    Pending,
    #[error(transparent)]
    Database(#[from] anyhow::Error),
}

/// Closes the open battle, stores the vote and, if it counts, adds one to the pair
/// count of every scope: all of it or none of it.
///
/// The first statement flips the battle from `open` to `voted` with a conditional
/// update, so two concurrent votes cannot both succeed, and on SQLite the
/// transaction holds the write lock from its first statement on.
///
/// # Errors
/// `NotFound` or `NotOpen` when the battle cannot take a vote; `Database` otherwise.
pub async fn record<C: TransactionTrait>(
    db: &C,
    vote: RecordVote,
) -> Result<battles::Model, RecordVoteError> {
    let txn = db.begin().await.context("failed to begin transaction")?;
    let flipped = battles::Entity::update_many()
        .col_expr(battles::Column::Status, Expr::value("voted"))
        .filter(battles::Column::Id.eq(vote.battle_id))
        .filter(battles::Column::Status.eq("open"))
        .exec(&txn)
        .await
        .context("failed to close battle")?;
    let battle = battles::Entity::find_by_id(vote.battle_id)
        .one(&txn)
        .await
        .context("failed to load battle")?;
    let Some(battle) = battle else {
        return Err(RecordVoteError::NotFound);
    };
    if flipped.rows_affected != 1 {
        return Err(RecordVoteError::NotOpen {
            status: battle.status,
        });
    }
    // Checked after the flip, which holds the battle's lock: a new turn
    // started concurrently either committed its placeholders already (seen
    // here) or waits and then finds the battle voted.
    if super::battles::pending_answers(&txn, vote.battle_id).await? > 0 {
        return Err(RecordVoteError::Pending);
    }
    votes::ActiveModel {
        battle_id: Set(vote.battle_id),
        verdict: Set(vote.verdict.clone()),
        voter_id: Set(vote.voter_id),
        rubric: Set(None),
        comment: Set(None),
        counted: Set(vote.counted),
        not_counted_reason: Set(vote.not_counted_reason),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .context("failed to insert vote")?;
    if vote.counted {
        for scope in &vote.scopes {
            pair_counts::Entity::insert(pair_counts::ActiveModel {
                scope: Set(scope.clone()),
                model_a: Set(battle.model_a),
                model_b: Set(battle.model_b),
                verdict: Set(vote.verdict.clone()),
                count: Set(1),
            })
            .on_conflict(
                OnConflict::columns([
                    pair_counts::Column::Scope,
                    pair_counts::Column::ModelA,
                    pair_counts::Column::ModelB,
                    pair_counts::Column::Verdict,
                ])
                .value(
                    pair_counts::Column::Count,
                    Expr::col((pair_counts::Entity, pair_counts::Column::Count)).add(1),
                )
                .to_owned(),
            )
            .exec_without_returning(&txn)
            .await
            .with_context(|| format!("failed to update pair count for scope {scope}"))?;
        }
    }
    txn.commit().await.context("failed to commit vote")?;
    Ok(battles::Model {
        status: "voted".to_owned(),
        ..battle
    })
}
