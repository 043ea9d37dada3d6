//! Recording a vote: the battle's state change, the vote and the pair counts, in
//! one transaction.

use super::db::BeginWrite;
use anyhow::Context;
use std::collections::{BTreeMap, HashMap};

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set, TransactionSession, TransactionTrait};
use uuid::Uuid;

use super::counts::PairKey;
use super::entities::{battles, messages, pair_counts, votes};
use crate::domain::{BattleStatus, NotCounted, Scope, StyleFeatures, Verdict, VoterId};

/// A vote to record. `counted` and `scopes` are the caller's decision: a vote that
/// is not counted is stored with its reason and touches no pair count. The
/// models are the battle's, as the caller read it (they never change).
#[derive(Debug, Clone)]
pub struct RecordVote {
    pub battle_id: Uuid,
    pub model_a: i32,
    pub model_b: i32,
    pub verdict: Verdict,
    pub voter_id: Option<VoterId>,
    pub counted: bool,
    pub not_counted: Option<(NotCounted, String)>,
    pub scopes: Vec<Scope>,
    /// The style features of answers A and B, when known.
    pub style: Option<[StyleFeatures; 2]>,
}

/// Why a vote was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum RecordVoteError {
    #[error("battle not found")]
    NotFound,
    #[error("battle is {status}, not open")]
    NotOpen { status: BattleStatus },
    #[error("answers of the battle are still being generated")]
    Pending,
    #[error(transparent)]
    Database(#[from] anyhow::Error),
}

/// Closes the open battle, stores the vote and, if it counts, adds one to the pair
/// count of every scope and to the daily counters of its voter and address:
/// all of it or none of it, in five statements.
///
/// The first statement flips the battle from `open` to `voted` only if no
/// answer of it is still being generated, so two concurrent votes cannot both
/// succeed, a vote cannot slip in before a new turn's answers, and on SQLite
/// the transaction holds the write lock from its first statement on. Only when
/// the flip fails is the battle read again, to say why.
///
/// # Errors
/// `NotFound`, `NotOpen` or `Pending` when the battle cannot take a vote;
/// `Database` otherwise. Nothing is written then.
pub async fn record<C: TransactionTrait>(db: &C, vote: RecordVote) -> Result<(), RecordVoteError> {
    let txn = db
        .begin_write()
        .await
        .context("failed to begin transaction")?;
    record_all_in(&txn, std::slice::from_ref(&vote))
        .await?
        .pop()
        .unwrap_or(Ok(()))?;
    txn.commit().await.context("failed to commit vote")?;
    Ok(())
}

/// Records many votes in the caller's transaction with four statements
/// whatever their number (more only past [`super::ROWS_PER_STATEMENT`]): the open,
/// fully answered battles are closed, in id order, by one conditional update
/// that returns the ones it closed; their votes are inserted; the pair
/// counts of the counted ones are added, summed per (scope, pair, verdict),
/// in key order; and so are the daily counters of their voters and
/// addresses (the daily caps'), per (day, key). A vote whose battle was not closed is told why (one more
/// read each, only then). Of several votes on one battle, the first takes it
/// and the others find it voted, as if they had come after it.
///
/// Returns each vote's outcome, in order: recorded, or `NotFound`, `NotOpen`
/// or `Pending`.
///
/// # Errors
/// A database error, after which the caller must roll back what this wrote.
pub async fn record_all_in<C: sea_orm::ConnectionTrait>(
    txn: &C,
    all: &[RecordVote],
) -> anyhow::Result<Vec<Result<(), RecordVoteError>>> {
    let mut ids: Vec<Uuid> = all.iter().map(|v| v.battle_id).collect();
    ids.sort_unstable();
    ids.dedup();
    // The closed battles, with the address each was started from.
    let mut closed: HashMap<Uuid, Option<String>> = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(super::ROWS_PER_STATEMENT) {
        let unfinished = Query::select()
            .expr(Expr::val(1))
            .from(messages::Entity)
            .and_where(
                Expr::col((messages::Entity, messages::Column::BattleId))
                    .equals((battles::Entity, battles::Column::Id)),
            )
            .and_where(Expr::col((messages::Entity, messages::Column::Side)).is_not_null())
            .and_where(Expr::col((messages::Entity, messages::Column::FinishReason)).is_null())
            .to_owned();
        let rows = battles::Entity::update_many()
            .col_expr(battles::Column::Status, Expr::value(BattleStatus::Voted))
            .filter(battles::Column::Id.is_in(chunk.iter().copied()))
            .filter(battles::Column::Status.eq(BattleStatus::Open))
            .filter(Expr::exists(unfinished).not())
            .exec_with_returning(txn)
            .await
            .context("failed to close battles")?;
        closed.extend(rows.into_iter().map(|b| (b.id, b.ip_hash)));
    }
    let mut outcomes = Vec::with_capacity(all.len());
    let mut rows = Vec::with_capacity(closed.len());
    let mut counts: BTreeMap<PairKey, i64> = BTreeMap::new();
    let mut daily: BTreeMap<(String, String), i64> = BTreeMap::new();
    let now = chrono::Utc::now();
    let today = super::integrity::day_of(now);
    for vote in all {
        if let Some(ip_hash) = closed.remove(&vote.battle_id) {
            rows.push(vote_row(vote, now));
            if vote.counted {
                for scope in &vote.scopes {
                    *counts
                        .entry((scope.key(), vote.model_a, vote.model_b, vote.verdict))
                        .or_default() += 1;
                }
                // The daily caps' counters: the voter's and the address's.
                let keys = vote
                    .voter_id
                    .map(super::integrity::voter_key)
                    .into_iter()
                    .chain(ip_hash.as_deref().map(super::integrity::address_key));
                for key in keys {
                    *daily.entry((today.clone(), key)).or_default() += 1;
                }
            }
            outcomes.push(Ok(()));
        } else {
            outcomes.push(Err(match why_not_open(txn, vote.battle_id).await {
                RecordVoteError::Database(e) => return Err(e),
                refused => refused,
            }));
        }
    }
    for run in super::runs(rows) {
        votes::Entity::insert_many(run)
            .exec_without_returning(txn)
            .await
            .context("failed to insert votes")?;
    }
    super::counts::add(txn, &counts).await?;
    super::integrity::add_daily_counts(txn, &daily).await?;
    Ok(outcomes)
}

/// A vote's row.
fn vote_row(vote: &RecordVote, now: chrono::DateTime<chrono::Utc>) -> votes::ActiveModel {
    votes::ActiveModel {
        battle_id: Set(vote.battle_id),
        verdict: Set(vote.verdict),
        voter_id: Set(vote.voter_id),
        rubric: Set(None),
        comment: Set(None),
        counted: Set(vote.counted),
        not_counted_reason: Set(vote
            .not_counted
            .as_ref()
            .map(|(r, _)| r.as_str().to_owned())),
        not_counted_detail: Set(vote.not_counted.as_ref().map(|(_, d)| d.clone())),
        created_at: Set(now),
        style_tokens_a: Set(style_value(vote.style, 0, |f| f.tokens)),
        style_tokens_b: Set(style_value(vote.style, 1, |f| f.tokens)),
        style_headers_a: Set(style_value(vote.style, 0, |f| f.headers)),
        style_headers_b: Set(style_value(vote.style, 1, |f| f.headers)),
        style_lists_a: Set(style_value(vote.style, 0, |f| f.list_items)),
        style_lists_b: Set(style_value(vote.style, 1, |f| f.list_items)),
        style_bold_a: Set(style_value(vote.style, 0, |f| f.bold)),
        style_bold_b: Set(style_value(vote.style, 1, |f| f.bold)),
        ..Default::default()
    }
}

/// One stored style feature: side `side`'s value, saturated to the column.
fn style_value(
    style: Option<[StyleFeatures; 2]>,
    side: usize,
    get: impl Fn(&StyleFeatures) -> u32,
) -> Option<i32> {
    style.map(|s| i32::try_from(get(&s[side])).unwrap_or(i32::MAX))
}

/// Why the battle could not be flipped to voted.
async fn why_not_open<C: sea_orm::ConnectionTrait>(txn: &C, battle_id: Uuid) -> RecordVoteError {
    let battle = match super::battles::find(txn, battle_id).await {
        Ok(Some(b)) => b,
        Ok(None) => return RecordVoteError::NotFound,
        Err(e) => return e.into(),
    };
    if battle.status != BattleStatus::Open {
        return RecordVoteError::NotOpen {
            status: battle.status,
        };
    }
    RecordVoteError::Pending
}

/// Why an operator could not void or restore a battle.
#[derive(Debug, thiserror::Error)]
pub enum ModerateError {
    #[error("battle not found")]
    NotFound,
    /// Only a voted battle can be voided, and only a voided battle with a
    /// vote can be restored.
    #[error("battle is {status}")]
    WrongStatus { status: BattleStatus },
    #[error(transparent)]
    Database(#[from] anyhow::Error),
}

/// Voids a voted battle (`restore = false`) or restores a voided one that has
/// a vote (`restore = true`). A counted vote's counts leave, or come back to,
/// the pair counts of `scopes` in the same transaction. Returns the battle's
/// row as it was before.
///
/// # Errors
/// `NotFound`, `WrongStatus`, or `Database`; nothing changes then.
pub async fn moderate<C: TransactionTrait>(
    db: &C,
    battle_id: Uuid,
    restore: bool,
    reason: Option<&str>,
    scopes: impl FnOnce(&battles::Model) -> Vec<Scope>,
) -> Result<(battles::Model, Option<votes::Model>), ModerateError> {
    let (from, to) = if restore {
        (BattleStatus::Void, BattleStatus::Voted)
    } else {
        (BattleStatus::Voted, BattleStatus::Void)
    };
    let txn = db
        .begin_write()
        .await
        .context("failed to begin transaction")?;
    let Some(battle) = super::battles::find(&txn, battle_id).await? else {
        return Err(ModerateError::NotFound);
    };
    let vote = super::first(
        &txn,
        votes::Entity::find().filter(votes::Column::BattleId.eq(battle_id)),
    )
    .await
    .context("failed to load the vote")?;
    if battle.status != from || vote.is_none() {
        return Err(ModerateError::WrongStatus {
            status: battle.status,
        });
    }
    let flipped = battles::Entity::update_many()
        .col_expr(battles::Column::Status, Expr::value(to))
        .col_expr(
            battles::Column::VoidReason,
            Expr::value(if restore {
                None
            } else {
                reason.map(str::to_owned)
            }),
        )
        .filter(battles::Column::Id.eq(battle_id))
        .filter(battles::Column::Status.eq(from))
        .exec(&txn)
        .await
        .context("failed to change the battle")?;
    if flipped.rows_affected != 1 {
        return Err(ModerateError::WrongStatus {
            status: battle.status,
        });
    }
    if let Some(v) = vote.as_ref().filter(|v| v.counted) {
        let scopes = scopes(&battle);
        if restore {
            add_one(&txn, &scopes, battle.model_a, battle.model_b, v.verdict).await?;
        } else {
            let keys: Vec<String> = scopes.iter().map(Scope::key).collect();
            pair_counts::Entity::update_many()
                .col_expr(
                    pair_counts::Column::Count,
                    Expr::col(pair_counts::Column::Count).sub(1),
                )
                .filter(pair_counts::Column::Scope.is_in(keys))
                .filter(pair_counts::Column::ModelA.eq(battle.model_a))
                .filter(pair_counts::Column::ModelB.eq(battle.model_b))
                .filter(pair_counts::Column::Verdict.eq(v.verdict.as_str()))
                .exec(&txn)
                .await
                .context("failed to take the vote out of the pair counts")?;
            // A count that reached zero names a pair with no battle left.
            pair_counts::Entity::delete_many()
                .filter(pair_counts::Column::Count.lte(0))
                .exec(&txn)
                .await
                .context("failed to drop empty pair counts")?;
        }
    }
    txn.commit().await.context("failed to commit")?;
    Ok((battle, vote))
}

/// Adds one to the pair count of every scope.
async fn add_one<C: sea_orm::ConnectionTrait>(
    txn: &C,
    scopes: &[Scope],
    model_a: i32,
    model_b: i32,
    verdict: Verdict,
) -> anyhow::Result<()> {
    let counts: BTreeMap<PairKey, i64> = scopes
        .iter()
        .map(|s| ((s.key(), model_a, model_b, verdict), 1))
        .collect();
    super::counts::add(txn, &counts).await
}
