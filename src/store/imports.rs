//! Writes behind `goldarena import battles`: battles with their votes, and
//! their pair counts, in the caller's transaction.

use std::collections::HashSet;

use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use uuid::Uuid;

use super::entities::{battles, votes};
use crate::domain::{BattleMode, BattleStatus, StyleFeatures, Verdict};

/// An imported battle and its vote.
#[derive(Debug, Clone)]
pub struct ImportedBattle {
    pub id: Uuid,
    pub mode: BattleMode,
    pub model_a: i32,
    pub model_b: i32,
    pub language: Option<String>,
    pub at: DateTime<Utc>,
    pub verdict: Verdict,
    pub counted: bool,
    pub not_counted_reason: Option<String>,
    pub style: Option<[StyleFeatures; 2]>,
}

/// Which of `ids` are stored already.
///
/// # Errors
/// On a database error.
pub async fn existing<C: ConnectionTrait>(db: &C, ids: &[Uuid]) -> anyhow::Result<HashSet<Uuid>> {
    let mut out = HashSet::new();
    for chunk in ids.chunks(500) {
        let found: Vec<Uuid> = battles::Entity::find()
            .select_only()
            .column(battles::Column::Id)
            .filter(battles::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await
            .context("failed to look up battles")?;
        out.extend(found);
    }
    Ok(out)
}

/// Stores the battles (voted) and their votes.
///
/// # Errors
/// On a database error.
pub async fn insert<C: ConnectionTrait>(db: &C, list: &[ImportedBattle]) -> anyhow::Result<()> {
    let value = |s: &Option<[StyleFeatures; 2]>, side: usize, f: fn(&StyleFeatures) -> u32| {
        s.map(|s| i32::try_from(f(&s[side])).unwrap_or(i32::MAX))
    };
    for chunk in list.chunks(200) {
        battles::Entity::insert_many(chunk.iter().map(|b| battles::ActiveModel {
            id: Set(b.id),
            mode: Set(b.mode),
            model_a: Set(b.model_a),
            model_b: Set(b.model_b),
            voter_id: Set(None),
            ip_hash: Set(None),
            language: Set(b.language.clone()),
            category: Set(None),
            question_id: Set(None),
            campaign_id: Set(None),
            status: Set(BattleStatus::Voted),
            void_reason: Set(None),
            created_at: Set(b.at),
            question_chosen: Set(false),
        }))
        .exec_without_returning(db)
        .await
        .context("failed to store imported battles")?;
        votes::Entity::insert_many(chunk.iter().map(|b| {
            votes::ActiveModel {
                battle_id: Set(b.id),
                verdict: Set(b.verdict),
                voter_id: Set(None),
                rubric: Set(None),
                comment: Set(None),
                counted: Set(b.counted),
                not_counted_reason: Set(b.not_counted_reason.clone()),
                not_counted_detail: Set(b
                    .not_counted_reason
                    .as_ref()
                    .map(|_| "imported as not counted".to_owned())),
                created_at: Set(b.at),
                style_tokens_a: Set(value(&b.style, 0, |f| f.tokens)),
                style_tokens_b: Set(value(&b.style, 1, |f| f.tokens)),
                style_headers_a: Set(value(&b.style, 0, |f| f.headers)),
                style_headers_b: Set(value(&b.style, 1, |f| f.headers)),
                style_lists_a: Set(value(&b.style, 0, |f| f.list_items)),
                style_lists_b: Set(value(&b.style, 1, |f| f.list_items)),
                style_bold_a: Set(value(&b.style, 0, |f| f.bold)),
                style_bold_b: Set(value(&b.style, 1, |f| f.bold)),
                ..Default::default()
            }
        }))
        .exec_without_returning(db)
        .await
        .context("failed to store imported votes")?;
    }
    Ok(())
}
