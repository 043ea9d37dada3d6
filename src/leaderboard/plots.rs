//! The data behind the plots (`crate::plots`), gathered from a board, the
//! overall pair counts and the snapshots: shared by `GET /plots/{kind}` and
//! `goldarena plot`.

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use serde::Serialize;

use super::{Leaderboard, Row, Snapshots, Standing};
use crate::domain::Scope;
use crate::plots::{self, Kind, Rated, Series, SeriesPoint};
use crate::rating::{Comparisons, matrices};
use crate::store;

/// Models one history plot draws at most (besides the reference).
pub const MAX_HISTORY_MODELS: usize = 6;

/// What a plot is asked for besides its kind.
#[derive(Debug, Clone, Default)]
pub struct PlotQuery {
    /// The models of a history plot.
    pub models: Vec<String>,
    /// A history plot's reference model, drawn dashed.
    pub reference: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Deprecated models too (they are hidden from the board otherwise).
    pub show_deprecated: bool,
}

/// Why a plot cannot be drawn.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error("{0}")]
    Invalid(String),
    #[error("no model called {0:?}")]
    ModelNotFound(String),
    #[error("the leaderboard is being computed; try again in a moment")]
    NotReady,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Draws plot `kind`. `board` is the board the ratings come from (the
/// live one, or a snapshot's); the win-fraction and battle-count heatmaps
/// count the battles as they are now, in the board's order.
///
/// # Errors
/// A history without models or with an unknown one, a board not computed
/// yet, or a database error.
pub async fn render(
    db: &DatabaseConnection,
    board: Option<&Leaderboard>,
    snapshots: &Snapshots,
    kind: Kind,
    query: &PlotQuery,
) -> Result<String, PlotError> {
    if kind == Kind::History {
        return history(db, snapshots, query).await;
    }
    let board = board.ok_or(PlotError::NotReady)?;
    Ok(match kind {
        Kind::Ratings => plots::ratings(
            &ranked(board, query.show_deprecated)
                .iter()
                .map(|r| Rated {
                    model: r.model.clone(),
                    rating: r.rating,
                    ci_lower: r.ci_lower,
                    ci_upper: r.ci_upper,
                })
                .collect::<Vec<_>>(),
        )?,
        Kind::PredictedWin => {
            let rows = ranked(board, query.show_deprecated);
            plots::predicted_win(
                &rows.iter().map(|r| r.model.clone()).collect::<Vec<_>>(),
                &rows.iter().map(|r| r.rating).collect::<Vec<_>>(),
            )?
        }
        Kind::BattleCount => {
            let m = matrix(db, board, kind, query.show_deprecated).await?;
            let counts: Vec<Vec<u64>> = m
                .cells
                .iter()
                .map(|row| row.iter().map(|c| c.unwrap_or(0.0) as u64).collect())
                .collect();
            plots::battle_count(&m.models, &counts)?
        }
        Kind::WinFraction => {
            let m = matrix(db, board, kind, query.show_deprecated).await?;
            plots::win_fraction(&m.models, &m.cells)?
        }
        Kind::History => return history(db, snapshots, query).await,
    })
}

/// The board's rows as shown (deprecated ones only when asked for).
fn shown(board: &Leaderboard, show_deprecated: bool) -> Vec<&Row> {
    board
        .rows
        .iter()
        .filter(|r| show_deprecated || !r.deprecated)
        .collect()
}

/// The ranked rows shown, best first: the only ones whose rating means
/// something against the others.
fn ranked(board: &Leaderboard, show_deprecated: bool) -> Vec<&Row> {
    shown(board, show_deprecated)
        .into_iter()
        .filter(|r| r.standing == Standing::Ranked)
        .collect()
}

/// A heatmap's numbers: `cells[i][j]` for row model `models[i]` against
/// column model `models[j]`, in the board's order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Matrix {
    pub kind: &'static str,
    pub models: Vec<String>,
    pub cells: Vec<Vec<Option<f64>>>,
}

/// The numbers of heatmap `kind` (`win_fraction`, `battle_count` or
/// `predicted_win`): the pair counts as they are now, the predicted
/// probabilities from `board`'s ratings (ranked models only).
///
/// # Errors
/// Another kind, or a database error.
pub async fn matrix(
    db: &DatabaseConnection,
    board: &Leaderboard,
    kind: Kind,
    show_deprecated: bool,
) -> Result<Matrix, PlotError> {
    if kind == Kind::PredictedWin {
        let rows = ranked(board, show_deprecated);
        let cells = rows
            .iter()
            .enumerate()
            .map(|(i, a)| {
                rows.iter()
                    .enumerate()
                    .map(|(j, b)| {
                        (i != j)
                            .then(|| plots::win_probability(a.rating, b.rating))
                            .filter(|p| p.is_finite())
                    })
                    .collect()
            })
            .collect();
        return Ok(Matrix {
            kind: kind.as_str(),
            models: rows.iter().map(|r| r.model.clone()).collect(),
            cells,
        });
    }
    if !matches!(kind, Kind::WinFraction | Kind::BattleCount) {
        return Err(PlotError::Invalid(format!(
            "{} is not a heatmap",
            kind.as_str()
        )));
    }
    let models: Vec<String> = shown(board, show_deprecated)
        .iter()
        .map(|r| r.model.clone())
        .collect();
    let comparisons = overall_comparisons(db).await?;
    let order: Vec<Option<usize>> = models.iter().map(|m| comparisons.index_of(m)).collect();
    let full: Vec<Vec<Option<f64>>> = if kind == Kind::BattleCount {
        matrices::battle_counts(&comparisons)
            .into_iter()
            .map(|row| row.into_iter().map(|c| Some(c as f64)).collect())
            .collect()
    } else {
        matrices::win_fractions(&comparisons)
    };
    let cells = order
        .iter()
        .enumerate()
        .map(|(a, &i)| {
            order
                .iter()
                .enumerate()
                .map(|(b, &j)| match (i, j) {
                    _ if a == b => None,
                    (Some(i), Some(j)) => full[i][j],
                    _ if kind == Kind::BattleCount => Some(0.0),
                    _ => None,
                })
                .collect()
        })
        .collect();
    Ok(Matrix {
        kind: kind.as_str(),
        models,
        cells,
    })
}

/// The overall pair counts by model name, as the board is fitted on.
async fn overall_comparisons(db: &DatabaseConnection) -> anyhow::Result<Comparisons> {
    let counts = store::counts::pair_counts(db, &Scope::Overall).await?;
    let mut ids: Vec<i32> = counts.iter().flat_map(|c| [c.model_a, c.model_b]).collect();
    ids.sort_unstable();
    ids.dedup();
    let models = store::models::by_ids(db, &ids).await?;
    let name = |id: i32| {
        models
            .get(&id)
            .map_or_else(|| format!("model-{id}"), |m| m.name.clone())
    };
    let rows: Vec<(String, String, crate::domain::Verdict, u64)> = counts
        .iter()
        .map(|c| (name(c.model_a), name(c.model_b), c.verdict, c.count))
        .collect();
    Ok(Comparisons::from_counts(
        rows.iter()
            .map(|(a, b, v, n)| (a.as_str(), b.as_str(), *v, *n)),
    ))
}

async fn history(
    db: &DatabaseConnection,
    snapshots: &Snapshots,
    query: &PlotQuery,
) -> Result<String, PlotError> {
    if query.models.is_empty() {
        return Err(PlotError::Invalid(
            "a history plot needs ?models=NAME[,NAME...]".to_owned(),
        ));
    }
    if query.models.len() > MAX_HISTORY_MODELS {
        return Err(PlotError::Invalid(format!(
            "a history plot draws at most {MAX_HISTORY_MODELS} models"
        )));
    }
    let mut series = Vec::with_capacity(query.models.len());
    for model in &query.models {
        series.push(series_of(db, snapshots, model, query).await?);
    }
    let reference = match &query.reference {
        Some(r) => Some(series_of(db, snapshots, r, query).await?),
        None => None,
    };
    Ok(plots::history(&series, reference.as_ref())?)
}

async fn series_of(
    db: &DatabaseConnection,
    snapshots: &Snapshots,
    model: &str,
    query: &PlotQuery,
) -> Result<Series, PlotError> {
    if store::models::find_by_name(db, model).await?.is_none() {
        return Err(PlotError::ModelNotFound(model.to_owned()));
    }
    let points = snapshots
        .history(model, query.from, query.to)
        .await?
        .into_iter()
        .map(|p| SeriesPoint {
            taken_at: p.taken_at,
            rating: p.rating,
            ci_lower: p.ci_lower,
            ci_upper: p.ci_upper,
        })
        .collect();
    Ok(Series {
        model: model.to_owned(),
        points,
    })
}
