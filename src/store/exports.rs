//! Reads behind the exports: every vote with its battle, in the order the
//! votes were stored, and the battles' conversations.

use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::entities::{battles, messages, models, votes};
use crate::domain::{BattleMode, BattleStatus, Scope, Side, StyleFeatures, Verdict};

/// Which votes an export holds.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportFilter {
    /// Votes cast at or after / before this time.
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// `Overall` for every vote; a category and/or language otherwise.
    pub scope: Scope,
}

/// One vote with its battle.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportedVote {
    pub battle_id: Uuid,
    pub mode: BattleMode,
    pub status: BattleStatus,
    pub model_a: String,
    pub model_b: String,
    pub verdict: Verdict,
    pub voted_at: DateTime<Utc>,
    pub language: Option<String>,
    pub category: Option<String>,
    pub question_id: Option<i32>,
    pub counted: bool,
    pub not_counted_reason: Option<String>,
    pub style: Option<[StyleFeatures; 2]>,
}

/// The votes `filter` selects, oldest first.
///
/// # Errors
/// On a database error.
pub async fn votes<C: ConnectionTrait>(
    db: &C,
    filter: &ExportFilter,
) -> anyhow::Result<Vec<ExportedVote>> {
    let (ma, mb) = (Alias::new("ma"), Alias::new("mb"));
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
    let mut q = Query::select();
    q.column((battles::Entity, battles::Column::Id))
        .column((battles::Entity, battles::Column::Mode))
        .column((battles::Entity, battles::Column::Status))
        .expr(Expr::col((ma.clone(), models::Column::Name)))
        .expr(Expr::col((mb.clone(), models::Column::Name)))
        .column((votes::Entity, votes::Column::Verdict))
        .column((votes::Entity, votes::Column::CreatedAt))
        .column((battles::Entity, battles::Column::Language))
        .column((battles::Entity, battles::Column::Category))
        .column((battles::Entity, battles::Column::QuestionId))
        .column((votes::Entity, votes::Column::Counted))
        .column((votes::Entity, votes::Column::NotCountedReason));
    for c in style {
        q.column((votes::Entity, c));
    }
    q.from(votes::Entity)
        .inner_join(
            battles::Entity,
            Expr::col((battles::Entity, battles::Column::Id))
                .equals((votes::Entity, votes::Column::BattleId)),
        )
        .join_as(
            sea_orm::sea_query::JoinType::InnerJoin,
            models::Entity,
            ma.clone(),
            Expr::col((ma, models::Column::Id)).equals((battles::Entity, battles::Column::ModelA)),
        )
        .join_as(
            sea_orm::sea_query::JoinType::InnerJoin,
            models::Entity,
            mb.clone(),
            Expr::col((mb, models::Column::Id)).equals((battles::Entity, battles::Column::ModelB)),
        )
        .order_by((votes::Entity, votes::Column::Id), Order::Asc);
    if let Some(t) = filter.since {
        q.and_where(Expr::col((votes::Entity, votes::Column::CreatedAt)).gte(t));
    }
    if let Some(t) = filter.until {
        q.and_where(Expr::col((votes::Entity, votes::Column::CreatedAt)).lt(t));
    }
    let (category, language) = filter.scope.filters();
    if let Some(c) = category {
        q.and_where(Expr::col((battles::Entity, battles::Column::Category)).eq(c));
    }
    if let Some(l) = language {
        q.and_where(Expr::col((battles::Entity, battles::Column::Language)).eq(l));
    }
    let rows = db
        .query_all(&q)
        .await
        .context("failed to load the votes to export")?;
    rows.iter()
        .map(|r| {
            let n = |i: usize| -> anyhow::Result<Option<u32>> {
                let v: Option<i32> = r.try_get_by_index(i).context("bad style feature")?;
                Ok(v.map(|v| u32::try_from(v).unwrap_or(0)))
            };
            let side = |o: usize| -> anyhow::Result<Option<StyleFeatures>> {
                Ok(match (n(o)?, n(o + 1)?, n(o + 2)?, n(o + 3)?) {
                    (Some(tokens), Some(headers), Some(list_items), Some(bold)) => {
                        Some(StyleFeatures {
                            tokens,
                            headers,
                            list_items,
                            bold,
                        })
                    }
                    _ => None,
                })
            };
            let style = match (side(12)?, side(16)?) {
                (Some(a), Some(b)) => Some([a, b]),
                _ => None,
            };
            Ok(ExportedVote {
                battle_id: r.try_get_by_index(0).context("bad battle id")?,
                mode: r.try_get_by_index(1).context("bad mode")?,
                status: r.try_get_by_index(2).context("bad status")?,
                model_a: r.try_get_by_index(3).context("bad model_a")?,
                model_b: r.try_get_by_index(4).context("bad model_b")?,
                verdict: r.try_get_by_index(5).context("bad verdict")?,
                voted_at: r.try_get_by_index(6).context("bad time")?,
                language: r.try_get_by_index(7).context("bad language")?,
                category: r.try_get_by_index(8).context("bad category")?,
                question_id: r.try_get_by_index(9).context("bad question id")?,
                counted: r.try_get_by_index(10).context("bad counted")?,
                not_counted_reason: r.try_get_by_index(11).context("bad reason")?,
                style,
            })
        })
        .collect()
}

/// Each battle's shown messages: (turn, side or `None` for the prompt, text).
pub type Conversations = HashMap<Uuid, Vec<(i32, Option<Side>, String)>>;

/// The shown messages of `battles`, by battle, in turn order: the prompt
/// and the answer of each side per turn.
///
/// # Errors
/// On a database error.
pub async fn conversations<C: ConnectionTrait>(
    db: &C,
    battle_ids: &[Uuid],
) -> anyhow::Result<Conversations> {
    let mut out = Conversations::new();
    for chunk in battle_ids.chunks(500) {
        let rows = messages::Entity::find()
            .filter(messages::Column::BattleId.is_in(chunk.iter().copied()))
            .order_by_asc(messages::Column::Id)
            .all(db)
            .await
            .context("failed to load the conversations")?;
        for m in rows {
            let list = out.entry(m.battle_id).or_default();
            // A regenerated answer replaces the one before it.
            list.retain(|(t, s, _)| !(*t == m.turn && *s == m.side && m.side.is_some()));
            list.push((m.turn, m.side, m.content));
        }
    }
    for list in out.values_mut() {
        list.sort_by_key(|(t, s, _)| (*t, s.map_or(0, |s| if s == Side::A { 1 } else { 2 })));
    }
    Ok(out)
}

/// The number of turns of each of `battles`.
///
/// # Errors
/// On a database error.
pub async fn turns<C: ConnectionTrait>(
    db: &C,
    battle_ids: &[Uuid],
) -> anyhow::Result<HashMap<Uuid, i32>> {
    let mut out = HashMap::new();
    for chunk in battle_ids.chunks(500) {
        let stmt = Query::select()
            .column(messages::Column::BattleId)
            .expr(Expr::col(messages::Column::Turn).max())
            .from(messages::Entity)
            .and_where(Expr::col(messages::Column::BattleId).is_in(chunk.iter().copied()))
            .group_by_col(messages::Column::BattleId)
            .to_owned();
        for r in db.query_all(&stmt).await.context("failed to count turns")? {
            let id: Uuid = r.try_get_by_index(0).context("bad battle id")?;
            let max: i32 = r.try_get_by_index(1).context("bad turn")?;
            out.insert(id, max + 1);
        }
    }
    Ok(out)
}
