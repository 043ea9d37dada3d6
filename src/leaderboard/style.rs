//! The style-controlled board (`?style_control=true`): the plain board of the
//! scope, each row with its rating when the answers' style is held equal
//! (contextual Bradley-Terry, sandwich intervals), Rank (StyleCtrl) among
//! the same ranked models, and the style coefficients.

use std::collections::HashMap;

use anyhow::Context;
use sea_orm::DatabaseConnection;

use super::{Leaderboard, StyleRating, StyleSummary};
use crate::domain::Scope;
use crate::rating::contextual::{ContextualConfig, STYLE_FEATURES, StyledBattles, style_matrix};
use crate::rating::{TableOptions, rank_upper_bound, style_control_table};
use crate::store;

/// `plain` with the style-controlled ratings of `scope` added.
///
/// # Errors
/// On a database error.
pub async fn with_style(
    db: &DatabaseConnection,
    scope: &Scope,
    plain: &Leaderboard,
) -> anyhow::Result<Leaderboard> {
    let votes = store::counts::styled_votes(db, scope).await?;
    let mut ids: Vec<i32> = votes.iter().flat_map(|v| [v.model_a, v.model_b]).collect();
    ids.sort_unstable();
    ids.dedup();
    let models = store::models::by_ids(db, &ids).await?;
    let names: Vec<String> = ids
        .iter()
        .map(|id| {
            models
                .get(id)
                .map_or_else(|| format!("model-{id}"), |m| m.name.clone())
        })
        .collect();
    let index: HashMap<i32, u32> = ids
        .iter()
        .enumerate()
        .map(|(i, &id)| (id, u32::try_from(i).unwrap_or(u32::MAX)))
        .collect();
    let raw_a: Vec<[f64; 4]> = votes.iter().map(|v| v.style[0].as_array()).collect();
    let raw_b: Vec<[f64; 4]> = votes.iter().map(|v| v.style[1].as_array()).collect();
    let data = StyledBattles {
        models: names,
        feature_names: STYLE_FEATURES.iter().map(|f| (*f).to_owned()).collect(),
        a: votes.iter().map(|v| index[&v.model_a]).collect(),
        b: votes.iter().map(|v| index[&v.model_b]).collect(),
        score: votes.iter().map(|v| v.verdict.score_a()).collect(),
        x: style_matrix(&raw_a, &raw_b),
    };
    let battles = data.len() as u64;
    // The fit is CPU work: off the async threads.
    let fitted = tokio::task::spawn_blocking(move || {
        style_control_table(
            &data,
            &ContextualConfig::default(),
            &TableOptions::default(),
        )
    })
    .await
    .context("style control panicked")?
    .context("style control table")?;
    let (table, coefficients) = fitted;
    let by_model: HashMap<&str, &crate::rating::RatingRow> =
        table.rows.iter().map(|r| (r.model.as_str(), r)).collect();
    let mut board = plain.clone();
    for row in &mut board.rows {
        row.style = by_model.get(row.model.as_str()).map(|r| StyleRating {
            rating: r.rating,
            ci_lower: r.ci_lower,
            ci_upper: r.ci_upper,
            rank: None,
        });
    }
    // Rank (StyleCtrl) among the models the plain board ranks.
    let ranked: Vec<usize> = (0..board.rows.len())
        .filter(|&i| board.rows[i].rank.is_some() && board.rows[i].style.is_some())
        .collect();
    let intervals: Vec<(f64, f64)> = ranked
        .iter()
        .filter_map(|&i| {
            board.rows[i]
                .style
                .as_ref()
                .map(|s| (s.ci_lower, s.ci_upper))
        })
        .collect();
    for (&i, rank) in ranked.iter().zip(rank_upper_bound(&intervals)) {
        if let Some(s) = board.rows[i].style.as_mut() {
            s.rank = Some(rank);
        }
    }
    board.style = Some(StyleSummary {
        battles,
        coefficients,
    });
    Ok(board)
}
