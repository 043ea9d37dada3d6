//! Reads behind the leaderboard: pair counts and the counted battles in time order.

use anyhow::Context;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::entities::{battles, pair_counts, votes};

/// The pair counts of one scope (`overall`, `category:medical`, ...).
///
/// # Errors
/// On a database error.
pub async fn pair_counts<C: ConnectionTrait>(
    db: &C,
    scope: &str,
) -> anyhow::Result<Vec<pair_counts::Model>> {
    pair_counts::Entity::find()
        .filter(pair_counts::Column::Scope.eq(scope))
        .all(db)
        .await
        .with_context(|| format!("failed to load pair counts of scope {scope}"))
}

/// Every counted anonymous battle as `(model_a, model_b, verdict)`, in the order
/// the votes were cast: the input of online Elo.
///
/// # Errors
/// On a database error.
pub async fn counted_battles_in_order<C: ConnectionTrait>(
    db: &C,
) -> anyhow::Result<Vec<(i32, i32, String)>> {
    let stmt = Query::select()
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
        .and_where(Expr::col((battles::Entity, battles::Column::Mode)).eq("anonymous"))
        .order_by((votes::Entity, votes::Column::CreatedAt), Order::Asc)
        .order_by((votes::Entity, votes::Column::Id), Order::Asc)
        .to_owned();
    let rows = db
        .query_all(&stmt)
        .await
        .context("failed to load counted battles")?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get_by_index::<i32>(0).context("bad model_a")?,
                r.try_get_by_index::<i32>(1).context("bad model_b")?,
                r.try_get_by_index::<String>(2).context("bad verdict")?,
            ))
        })
        .collect()
}
