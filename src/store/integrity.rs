//! Reads and writes behind the vote-integrity rules: the day's counted votes
//! per voter and per address, flagged voters, live-prompt counts, and the
//! tally of uncounted votes by reason.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryTrait, Set, Statement,
};

use super::entities::{battles, daily_vote_counts, prompt_counts, voter_flags, votes};
use crate::domain::{BattleStatus, VoterId};

/// The key of a voter's daily counter.
#[must_use]
pub fn voter_key(voter: VoterId) -> String {
    format!("voter {voter}")
}

/// The key of an address's daily counter (its hash of the day).
#[must_use]
pub fn address_key(ip_hash: &str) -> String {
    format!("address {ip_hash}")
}

/// The counter's day: the UTC date, `YYYY-MM-DD`.
#[must_use]
pub fn day_of(at: DateTime<Utc>) -> String {
    at.date_naive().format("%Y-%m-%d").to_string()
}

/// What a vote's counting rules read, in one statement (one round trip):
/// whether the voter is flagged, and the counted votes of the voter's and
/// the address's daily counters on `day` (0 for a key not given or not
/// counted yet).
///
/// # Errors
/// On a database error.
pub async fn vote_checks<C: ConnectionTrait>(
    db: &C,
    voter: Option<VoterId>,
    day: &str,
    voter_key: Option<&str>,
    address_key: Option<&str>,
) -> anyhow::Result<VoteChecks> {
    let backend = db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            "SELECT CASE WHEN EXISTS (SELECT 1 FROM voter_flags WHERE voter_id = $1) \
             THEN 1 ELSE 0 END, \
             (SELECT \"count\" FROM daily_vote_counts WHERE day = $2 AND \"key\" = $3), \
             (SELECT \"count\" FROM daily_vote_counts WHERE day = $2 AND \"key\" = $4)"
        }
        _ => {
            "SELECT CASE WHEN EXISTS (SELECT 1 FROM voter_flags WHERE voter_id = ?1) \
             THEN 1 ELSE 0 END, \
             (SELECT \"count\" FROM daily_vote_counts WHERE day = ?2 AND \"key\" = ?3), \
             (SELECT \"count\" FROM daily_vote_counts WHERE day = ?2 AND \"key\" = ?4)"
        }
    };
    let statement = sea_orm::Statement::from_sql_and_values(
        backend,
        sql,
        [
            voter.map(|v| v.to_string()).into(),
            day.into(),
            voter_key.map(str::to_owned).into(),
            address_key.map(str::to_owned).into(),
        ],
    );
    let row = db
        .query_one_raw(statement)
        .await
        .context("failed to read the vote's counting checks")?
        .context("the vote's counting checks returned no row")?;
    let flagged: i32 = row
        .try_get_by_index(0)
        .context("failed to read the voter's flag")?;
    let count = |i: usize| -> anyhow::Result<u64> {
        let n: Option<i64> = row
            .try_get_by_index(i)
            .context("failed to read a daily vote count")?;
        Ok(n.map_or(0, |n| u64::try_from(n).unwrap_or(0)))
    };
    Ok(VoteChecks {
        flagged: flagged != 0,
        voter_count: count(1)?,
        address_count: count(2)?,
    })
}

/// What [`vote_checks`] read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoteChecks {
    pub flagged: bool,
    pub voter_count: u64,
    pub address_count: u64,
}

/// Drops the daily counters of days before `day` (see [`day_of`]): no cap
/// reads them. Returns how many went.
///
/// # Errors
/// On a database error.
pub async fn prune_daily_counts<C: ConnectionTrait>(db: &C, day: &str) -> anyhow::Result<u64> {
    let gone = daily_vote_counts::Entity::delete_many()
        .filter(daily_vote_counts::Column::Day.lt(day))
        .exec(db)
        .await
        .context("failed to drop old daily vote counts")?;
    Ok(gone.rows_affected)
}

/// Adds to the daily counters, `(day, key) -> votes`, in key order.
///
/// # Errors
/// On a database error.
pub async fn add_daily_counts<C: ConnectionTrait>(
    db: &C,
    counts: &std::collections::BTreeMap<(String, String), i64>,
) -> anyhow::Result<()> {
    for statement in add_daily_counts_statements(db.get_database_backend(), counts) {
        db.execute_raw(statement)
            .await
            .context("failed to add to the daily vote counts")?;
    }
    Ok(())
}

/// The statements of [`add_daily_counts`], to run in order.
#[must_use]
pub fn add_daily_counts_statements(
    backend: DbBackend,
    counts: &std::collections::BTreeMap<(String, String), i64>,
) -> Vec<Statement> {
    let rows: Vec<daily_vote_counts::ActiveModel> = counts
        .iter()
        .map(|((day, key), n)| daily_vote_counts::ActiveModel {
            day: Set(day.clone()),
            key: Set(key.clone()),
            count: Set(*n),
        })
        .collect();
    super::runs(rows)
        .map(|run| {
            daily_vote_counts::Entity::insert_many(run)
                .on_conflict(
                    OnConflict::columns([
                        daily_vote_counts::Column::Day,
                        daily_vote_counts::Column::Key,
                    ])
                    .value(
                        daily_vote_counts::Column::Count,
                        Expr::col((daily_vote_counts::Entity, daily_vote_counts::Column::Count))
                            .add(Expr::col((
                                Alias::new("excluded"),
                                daily_vote_counts::Column::Count,
                            ))),
                    )
                    .to_owned(),
                )
                .build(backend)
        })
        .collect()
}

/// Flags a voter (or updates the score of one flagged already).
///
/// # Errors
/// On a database error.
pub async fn flag<C: ConnectionTrait>(
    db: &C,
    voter: &str,
    score: f64,
    scored_votes: i32,
    reason: &str,
) -> anyhow::Result<()> {
    voter_flags::Entity::insert(voter_flags::ActiveModel {
        voter_id: Set(voter.to_owned()),
        score: Set(score),
        votes: Set(scored_votes),
        reason: Set(reason.to_owned()),
        flagged_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(voter_flags::Column::VoterId)
            .update_columns([
                voter_flags::Column::Score,
                voter_flags::Column::Votes,
                voter_flags::Column::Reason,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await
    .context("failed to flag a voter")?;
    Ok(())
}

/// Every flagged voter, highest score first.
///
/// # Errors
/// On a database error.
pub async fn flags<C: ConnectionTrait>(db: &C) -> anyhow::Result<Vec<voter_flags::Model>> {
    let mut rows = voter_flags::Entity::find()
        .all(db)
        .await
        .context("failed to list flagged voters")?;
    rows.sort_by(|a, b| b.score.total_cmp(&a.score));
    Ok(rows)
}

/// Adds one sighting of a live prompt (by the hash of its normalised text)
/// and returns how often it has been seen, this one included.
///
/// # Errors
/// On a database error.
pub async fn bump_prompt<C: ConnectionTrait>(db: &C, hash: &str) -> anyhow::Result<u64> {
    db.execute_raw(bump_prompt_statement(db.get_database_backend(), hash))
        .await
        .context("failed to count a prompt")?;
    prompt_count(db, hash).await
}

/// The statement of [`bump_prompt`] that adds one to the prompt's count.
#[must_use]
pub fn bump_prompt_statement(backend: DbBackend, hash: &str) -> Statement {
    prompt_counts::Entity::insert(prompt_counts::ActiveModel {
        hash: Set(hash.to_owned()),
        count: Set(1),
    })
    .on_conflict(
        OnConflict::column(prompt_counts::Column::Hash)
            .value(
                prompt_counts::Column::Count,
                Expr::col((prompt_counts::Entity, prompt_counts::Column::Count)).add(1),
            )
            .to_owned(),
    )
    .build(backend)
}

/// How often a live prompt has been seen.
///
/// # Errors
/// On a database error.
pub async fn prompt_count<C: ConnectionTrait>(db: &C, hash: &str) -> anyhow::Result<u64> {
    let row = super::first(db, prompt_counts::Entity::find_by_id(hash.to_owned()))
        .await
        .context("failed to read a prompt count")?;
    Ok(row.map_or(0, |r| u64::try_from(r.count).unwrap_or(0)))
}

/// Stored votes by whether they count and why not: `(reason, votes)`, the
/// counted ones under `None`.
///
/// # Errors
/// On a database error.
pub async fn votes_by_reason<C: ConnectionTrait>(
    db: &C,
) -> anyhow::Result<Vec<(Option<String>, u64)>> {
    let n = Alias::new("n");
    let stmt = Query::select()
        .column(votes::Column::NotCountedReason)
        .expr_as(Expr::col(votes::Column::Id).count(), n)
        .from(votes::Entity)
        .group_by_col(votes::Column::NotCountedReason)
        .to_owned();
    let rows = db
        .query_all(&stmt)
        .await
        .context("failed to tally votes by reason")?;
    rows.iter()
        .map(|r| {
            let reason: Option<String> = r.try_get_by_index(0).context("bad reason")?;
            let count: i64 = r.try_get_by_index(1).context("bad count")?;
            Ok((reason, u64::try_from(count).unwrap_or(0)))
        })
        .collect()
}

/// One counted vote for the anomaly check.
#[derive(Debug, Clone)]
pub struct VoterVote {
    pub voter: String,
    pub model_a: i32,
    pub model_b: i32,
    pub verdict: crate::domain::Verdict,
}

/// The counted votes since `since` that have a voter and still stand (their
/// battle was not voided since), in id order.
///
/// # Errors
/// On a database error.
pub async fn counted_votes_with_voters<C: ConnectionTrait>(
    db: &C,
    since: DateTime<Utc>,
) -> anyhow::Result<Vec<VoterVote>> {
    let stmt = Query::select()
        .column((votes::Entity, votes::Column::VoterId))
        .column((battles::Entity, battles::Column::ModelA))
        .column((battles::Entity, battles::Column::ModelB))
        .column((votes::Entity, votes::Column::Verdict))
        .from(votes::Entity)
        .inner_join(
            battles::Entity,
            Expr::col((battles::Entity, battles::Column::Id))
                .equals((votes::Entity, votes::Column::BattleId)),
        )
        .and_where(Expr::col((votes::Entity, votes::Column::Counted)).eq(true))
        // A battle voided since (an operator voided the voter's votes) is
        // no longer in the tallies the check compares against.
        .and_where(Expr::col((battles::Entity, battles::Column::Status)).eq(BattleStatus::Voted))
        .and_where(Expr::col((votes::Entity, votes::Column::VoterId)).is_not_null())
        .and_where(Expr::col((votes::Entity, votes::Column::CreatedAt)).gte(since))
        .order_by(
            (votes::Entity, votes::Column::Id),
            sea_orm::sea_query::Order::Asc,
        )
        .to_owned();
    let rows = db
        .query_all(&stmt)
        .await
        .context("failed to load votes for the anomaly check")?;
    rows.iter()
        .map(|r| {
            Ok(VoterVote {
                voter: r.try_get_by_index(0).context("bad voter")?,
                model_a: r.try_get_by_index(1).context("bad model_a")?,
                model_b: r.try_get_by_index(2).context("bad model_b")?,
                verdict: r.try_get_by_index(3).context("bad verdict")?,
            })
        })
        .collect()
}

/// The battles a voter voted on since `since` whose vote counted.
///
/// # Errors
/// On a database error.
pub async fn counted_battles_of_voter<C: ConnectionTrait>(
    db: &C,
    voter: VoterId,
    since: DateTime<Utc>,
) -> anyhow::Result<Vec<uuid::Uuid>> {
    Ok(votes::Entity::find()
        .filter(votes::Column::VoterId.eq(voter))
        .filter(votes::Column::Counted.eq(true))
        .filter(votes::Column::CreatedAt.gte(since))
        .all(db)
        .await
        .context("failed to load the voter's votes")?
        .into_iter()
        .map(|v| v.battle_id)
        .collect())
}

/// Completion tokens of the answers in `voter`'s battles since `since`.
///
/// # Errors
/// On a database error.
pub async fn tokens_used_by_voter<C: ConnectionTrait>(
    db: &C,
    voter: VoterId,
    since: DateTime<Utc>,
) -> anyhow::Result<u64> {
    use super::entities::messages;
    let stmt = Query::select()
        .expr(Expr::col((messages::Entity, messages::Column::CompletionTokens)).sum())
        .from(messages::Entity)
        .inner_join(
            battles::Entity,
            Expr::col((battles::Entity, battles::Column::Id))
                .equals((messages::Entity, messages::Column::BattleId)),
        )
        .and_where(Expr::col((battles::Entity, battles::Column::VoterId)).eq(voter))
        .and_where(Expr::col((messages::Entity, messages::Column::CreatedAt)).gte(since))
        .to_owned();
    let row = db
        .query_one(&stmt)
        .await
        .context("failed to sum the voter's tokens")?;
    let n: Option<i64> = match row {
        Some(r) => r.try_get_by_index(0).context("bad sum")?,
        None => None,
    };
    Ok(n.map_or(0, |n| u64::try_from(n).unwrap_or(0)))
}
