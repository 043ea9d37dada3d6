//! The pair counts behind the leaderboard (read per scope, and added to by
//! votes and imports), and the counted votes in the order they were stored.

use anyhow::Context;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Order, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryTrait, Set, Statement,
};

use super::entities::{battles, pair_counts, votes};
use crate::domain::{BattleMode, BattleStatus, Scope, StyleFeatures, Verdict};

/// A pair count's key: scope key, model A, model B, verdict.
pub type PairKey = (String, i32, i32, Verdict);

/// Adds each count to its pair count, in key order (so that concurrent
/// writers take the rows' locks in one order), one statement per
/// [`super::ROWS_PER_STATEMENT`] keys (which differ, so no two rows of one
/// statement touch the same count).
///
/// # Errors
/// On a database error.
pub async fn add<C: ConnectionTrait>(
    db: &C,
    counts: &std::collections::BTreeMap<PairKey, i64>,
) -> anyhow::Result<()> {
    for statement in add_statements(db.get_database_backend(), counts) {
        db.execute_raw(statement)
            .await
            .context("failed to add to the pair counts")?;
    }
    Ok(())
}

/// The statements of [`add`], to run in order.
#[must_use]
pub fn add_statements(
    backend: DbBackend,
    counts: &std::collections::BTreeMap<PairKey, i64>,
) -> Vec<Statement> {
    let rows: Vec<pair_counts::ActiveModel> = counts
        .iter()
        .map(|((scope, a, b, verdict), n)| pair_counts::ActiveModel {
            scope: Set(scope.clone()),
            model_a: Set(*a),
            model_b: Set(*b),
            verdict: Set(verdict.as_str().to_owned()),
            count: Set(*n),
        })
        .collect();
    super::runs(rows)
        .map(|run| {
            pair_counts::Entity::insert_many(run)
                .on_conflict(
                    OnConflict::columns([
                        pair_counts::Column::Scope,
                        pair_counts::Column::ModelA,
                        pair_counts::Column::ModelB,
                        pair_counts::Column::Verdict,
                    ])
                    .value(
                        pair_counts::Column::Count,
                        Expr::col((pair_counts::Entity, pair_counts::Column::Count)).add(
                            Expr::col((Alias::new("excluded"), pair_counts::Column::Count)),
                        ),
                    )
                    .to_owned(),
                )
                .build(backend)
        })
        .collect()
}

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
    if let Scope::CategoryLanguage(..) = scope {
        return pair_counts_from_votes(db, scope).await;
    }
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

/// The counted votes of anonymous, still-voted battles in `scope` (its
/// category and language filters), as a query to add columns to.
fn counted_in(scope: &Scope) -> sea_orm::sea_query::SelectStatement {
    let mut q = Query::select();
    q.from(votes::Entity)
        .inner_join(
            battles::Entity,
            Expr::col((battles::Entity, battles::Column::Id))
                .equals((votes::Entity, votes::Column::BattleId)),
        )
        .and_where(Expr::col((votes::Entity, votes::Column::Counted)).eq(true))
        .and_where(Expr::col((battles::Entity, battles::Column::Mode)).eq(BattleMode::Anonymous))
        .and_where(Expr::col((battles::Entity, battles::Column::Status)).eq(BattleStatus::Voted));
    let (category, language) = scope.filters();
    if let Some(c) = category {
        q.and_where(Expr::col((battles::Entity, battles::Column::Category)).eq(c));
    }
    if let Some(l) = language {
        q.and_where(Expr::col((battles::Entity, battles::Column::Language)).eq(l));
    }
    q
}

/// Pair counts counted from the votes of `scope` (for scopes without stored
/// counts).
async fn pair_counts_from_votes<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
) -> anyhow::Result<Vec<PairCount>> {
    let stmt = counted_in(scope)
        .column((battles::Entity, battles::Column::ModelA))
        .column((battles::Entity, battles::Column::ModelB))
        .column((votes::Entity, votes::Column::Verdict))
        .expr(Expr::col((votes::Entity, votes::Column::Id)).count())
        .group_by_col((battles::Entity, battles::Column::ModelA))
        .group_by_col((battles::Entity, battles::Column::ModelB))
        .group_by_col((votes::Entity, votes::Column::Verdict))
        .to_owned();
    let rows = db
        .query_all(&stmt)
        .await
        .with_context(|| format!("failed to count the votes of scope {scope}"))?;
    rows.iter()
        .map(|r| {
            let count: i64 = r.try_get_by_index(3).context("bad count")?;
            Ok(PairCount {
                model_a: r.try_get_by_index(0).context("bad model_a")?,
                model_b: r.try_get_by_index(1).context("bad model_b")?,
                verdict: r.try_get_by_index(2).context("bad verdict")?,
                count: u64::try_from(count).unwrap_or(0),
            })
        })
        .collect()
}

/// A counted vote with the style features of its two answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StyledVote {
    pub model_a: i32,
    pub model_b: i32,
    pub verdict: Verdict,
    pub style: [StyleFeatures; 2],
}

/// The counted votes of `scope` that carry style features (votes stored
/// before style features were kept have none, and are left out).
///
/// # Errors
/// On a database error.
pub async fn styled_votes<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
) -> anyhow::Result<Vec<StyledVote>> {
    let style = [
        votes::Column::StyleTokensA,
        votes::Column::StyleHeadersA,
        votes::Column::StyleListsA,
        votes::Column::StyleBoldA,
        votes::Column::StyleTokensB,
        votes::Column::StyleHeadersB,
        votes::Column::StyleListsB,
        votes::Column::StyleBoldB,
    ];
    let mut q = counted_in(scope);
    q.column((battles::Entity, battles::Column::ModelA))
        .column((battles::Entity, battles::Column::ModelB))
        .column((votes::Entity, votes::Column::Verdict));
    for c in style {
        q.column((votes::Entity, c));
    }
    q.and_where(Expr::col((votes::Entity, votes::Column::StyleTokensA)).is_not_null())
        .and_where(Expr::col((votes::Entity, votes::Column::StyleTokensB)).is_not_null());
    let rows = db
        .query_all(&q)
        .await
        .with_context(|| format!("failed to load the styled votes of scope {scope}"))?;
    rows.iter()
        .map(|r| {
            let n = |i: usize| -> anyhow::Result<u32> {
                let v: Option<i32> = r.try_get_by_index(i).context("bad style feature")?;
                Ok(u32::try_from(v.unwrap_or(0)).unwrap_or(0))
            };
            let side = |o: usize| -> anyhow::Result<StyleFeatures> {
                Ok(StyleFeatures {
                    tokens: n(o)?,
                    headers: n(o + 1)?,
                    list_items: n(o + 2)?,
                    bold: n(o + 3)?,
                })
            };
            Ok(StyledVote {
                model_a: r.try_get_by_index(0).context("bad model_a")?,
                model_b: r.try_get_by_index(1).context("bad model_b")?,
                verdict: r.try_get_by_index(2).context("bad verdict")?,
                style: [side(3)?, side(7)?],
            })
        })
        .collect()
}

/// Every scope with stored pair counts and its number of counted votes, by key.
///
/// # Errors
/// On a database error.
pub async fn scope_totals<C: ConnectionTrait>(db: &C) -> anyhow::Result<Vec<(String, u64)>> {
    let stmt = Query::select()
        .column(pair_counts::Column::Scope)
        .expr(
            Expr::col(pair_counts::Column::Count)
                .sum()
                .cast_as(sea_orm::sea_query::Alias::new("BIGINT")),
        )
        .from(pair_counts::Entity)
        .group_by_col(pair_counts::Column::Scope)
        .order_by(pair_counts::Column::Scope, Order::Asc)
        .to_owned();
    let rows = db
        .query_all(&stmt)
        .await
        .context("failed to list the scopes")?;
    rows.iter()
        .map(|r| {
            let scope: String = r.try_get_by_index(0).context("bad scope")?;
            let total: i64 = r.try_get_by_index(1).context("bad total")?;
            Ok((scope, u64::try_from(total).unwrap_or(0)))
        })
        .collect()
}
