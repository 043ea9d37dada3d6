//! Recording a vote: the battle's state change, the vote and the pair counts, in
//! one transaction.

use super::db::BeginWrite;
use anyhow::Context;
use std::collections::{BTreeMap, HashMap};

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, DbBackend, EntityTrait, QueryFilter, QueryResult, QueryTrait, Set, Statement,
    TransactionSession, TransactionTrait,
};
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
    let backend = txn.get_database_backend();
    let mut rows = Vec::new();
    for statement in close_statements(backend, all) {
        rows.extend(
            txn.query_all_raw(statement)
                .await
                .context("failed to close battles")?,
        );
    }
    let mut decided = Decided::of(all, &rows)?;
    for i in decided.refused() {
        let battle = super::battles::find(txn, all[i].battle_id).await?;
        decided.refuse(i, battle.as_ref());
    }
    for statement in decided.statements(backend) {
        txn.execute_raw(statement)
            .await
            .context("failed to record votes")?;
    }
    Ok(decided.outcomes())
}

/// The statements that close the open, fully answered battles of `all`'s
/// votes, in id order, and return each closed battle's `id` and `ip_hash`
/// (one per [`super::ROWS_PER_STATEMENT`] battles).
#[must_use]
pub fn close_statements(backend: DbBackend, all: &[RecordVote]) -> Vec<Statement> {
    let mut ids: Vec<Uuid> = all.iter().map(|v| v.battle_id).collect();
    ids.sort_unstable();
    ids.dedup();
    ids.chunks(super::ROWS_PER_STATEMENT)
        .map(|chunk| {
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
            let mut update = battles::Entity::update_many()
                .col_expr(battles::Column::Status, Expr::value(BattleStatus::Voted))
                .filter(battles::Column::Id.is_in(chunk.iter().copied()))
                .filter(battles::Column::Status.eq(BattleStatus::Open))
                .filter(Expr::exists(unfinished).not())
                .into_query();
            update.returning(
                Query::returning().columns([battles::Column::Id, battles::Column::IpHash]),
            );
            backend.build(&update)
        })
        .collect()
}

/// A batch of votes once their battles were closed (or not): each vote's
/// outcome, and the rows and counts to write for those recorded.
pub struct Decided {
    /// `None`: the battle was not closed, and why is not known yet.
    outcomes: Vec<Option<Result<(), RecordVoteError>>>,
    rows: Vec<votes::ActiveModel>,
    counts: BTreeMap<PairKey, i64>,
    daily: BTreeMap<(String, String), i64>,
}

impl Decided {
    /// Decides each vote of `all` by the rows [`close_statements`] returned.
    /// Of several votes on one battle, the first takes it.
    ///
    /// # Errors
    /// When a row lacks its columns.
    pub fn of(all: &[RecordVote], closed_rows: &[QueryResult]) -> anyhow::Result<Self> {
        let mut closed: HashMap<Uuid, Option<String>> = HashMap::with_capacity(closed_rows.len());
        for row in closed_rows {
            let id: Uuid = row.try_get("", "id").context("a closed battle's id")?;
            let ip_hash: Option<String> = row
                .try_get("", "ip_hash")
                .context("a closed battle's address")?;
            closed.insert(id, ip_hash);
        }
        let mut decided = Self {
            outcomes: Vec::with_capacity(all.len()),
            rows: Vec::with_capacity(closed.len()),
            counts: BTreeMap::new(),
            daily: BTreeMap::new(),
        };
        let now = chrono::Utc::now();
        let today = super::integrity::day_of(now);
        for vote in all {
            let Some(ip_hash) = closed.remove(&vote.battle_id) else {
                decided.outcomes.push(None);
                continue;
            };
            decided.rows.push(vote_row(vote, now));
            if vote.counted {
                for scope in &vote.scopes {
                    *decided
                        .counts
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
                    *decided.daily.entry((today.clone(), key)).or_default() += 1;
                }
            }
            decided.outcomes.push(Some(Ok(())));
        }
        Ok(decided)
    }

    /// The votes (their places in the batch) whose battle was not closed:
    /// read each battle ([`super::battles::find`]) and pass it to
    /// [`Decided::refuse`], after the close and before the commit.
    #[must_use]
    pub fn refused(&self) -> Vec<usize> {
        (0..self.outcomes.len())
            .filter(|&i| self.outcomes[i].is_none())
            .collect()
    }

    /// Why vote `i` was refused, its battle as read in the transaction.
    pub fn refuse(&mut self, i: usize, battle: Option<&battles::Model>) {
        self.outcomes[i] = Some(Err(why_not_open(battle)));
    }

    /// The statements that write the recorded votes, in order: the votes,
    /// the pair counts (in key order), the daily counters (in key order).
    #[must_use]
    pub fn statements(&self, backend: DbBackend) -> Vec<Statement> {
        let mut statements: Vec<Statement> = super::runs(self.rows.clone())
            .map(|run| votes::Entity::insert_many(run).build(backend))
            .collect();
        statements.extend(super::counts::add_statements(backend, &self.counts));
        statements.extend(super::integrity::add_daily_counts_statements(
            backend,
            &self.daily,
        ));
        statements
    }

    /// Each vote's outcome, in order.
    #[must_use]
    pub fn outcomes(self) -> Vec<Result<(), RecordVoteError>> {
        self.outcomes
            .into_iter()
            .map(|o| {
                o.unwrap_or_else(|| {
                    Err(RecordVoteError::Database(anyhow::anyhow!(
                        "why the vote's battle was not closed was not read"
                    )))
                })
            })
            .collect()
    }
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

/// Why the battle could not be flipped to voted, as read after the attempt.
fn why_not_open(battle: Option<&battles::Model>) -> RecordVoteError {
    match battle {
        None => RecordVoteError::NotFound,
        Some(b) if b.status != BattleStatus::Open => RecordVoteError::NotOpen { status: b.status },
        Some(_) => RecordVoteError::Pending,
    }
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
