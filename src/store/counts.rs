//! Reads behind the leaderboard: pair counts per scope, and the counted votes
//! in the order they were stored.

use anyhow::Context;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::entities::{battles, pair_counts, votes};
use crate::domain::{BattleMode, BattleStatus, Scope, Verdict};

/// How often one ordered pair of models got one verdict in a scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PairCount {
    pub model_a: i32,
    pub model_b: i32,
    pub verdict: Verdict,
    pub count: u64,
}

/// A counted vote: its id (the order votes were stored in) and its battle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountedVote {
    pub id: i64,
    pub model_a: i32,
    pub model_b: i32,
    pub verdict: Verdict,
}

/// The pair counts of one scope.
///
/// # Errors
/// On a database error, or a stored verdict that is not one of the four.
pub async fn pair_counts<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
) -> anyhow::Result<Vec<PairCount>> {
    let key = scope.key();
    let rows = pair_counts::Entity::find()
        .filter(pair_counts::Column::Scope.eq(&key))
        .all(db)
        .await
        .with_context(|| format!("failed to load pair counts of scope {key}"))?;
    rows.into_iter()
        .map(|r| {
            Ok(PairCount {
                model_a: r.model_a,
                model_b: r.model_b,
                verdict: Verdict::parse(&r.verdict).map_err(anyhow::Error::msg)?,
                count: u64::try_from(r.count).unwrap_or(0),
            })
        })
        .collect()
}

/// The counted votes of anonymous battles stored after vote `after_id` (and
/// not voided by an operator since), in
/// id order: the input of online Elo, read a slice at a time.
///
/// # Errors
/// On a database error.
pub async fn counted_votes_after<C: ConnectionTrait>(
    db: &C,
    after_id: i64,
) -> anyhow::Result<Vec<CountedVote>> {
    let stmt = Query::select()
        .column((votes::Entity, votes::Column::Id))
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
        .and_where(Expr::col((battles::Entity, battles::Column::Mode)).eq(BattleMode::Anonymous))
        .and_where(Expr::col((battles::Entity, battles::Column::Status)).eq(BattleStatus::Voted))
        .and_where(Expr::col((votes::Entity, votes::Column::Id)).gt(after_id))
        .order_by((votes::Entity, votes::Column::Id), Order::Asc)
        .to_owned();
    let rows = db
        .query_all(&stmt)
        .await
        .context("failed to load counted votes")?;
    rows.iter()
        .map(|r| {
            Ok(CountedVote {
                id: r.try_get_by_index(0).context("bad vote id")?,
                model_a: r.try_get_by_index(1).context("bad model_a")?,
                model_b: r.try_get_by_index(2).context("bad model_b")?,
                verdict: r.try_get_by_index(3).context("bad verdict")?,
            })
        })
        .collect()
}
