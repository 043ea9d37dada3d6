//! The leaderboard as served: online Elo over the counted anonymous battles,
//! ranked, with vote counts from the overall pair counts.

use std::collections::HashMap;

use sea_orm::ConnectionTrait;

use crate::domain::{Scope, Verdict};
use crate::rating::{EloConfig, online_elo, rank_upper_bound};
use crate::store;

/// One row of the leaderboard.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub model: String,
    pub display_name: String,
    pub rating: f64,
    pub ci_lower: Option<f64>,
    pub ci_upper: Option<f64>,
    pub votes: u64,
    pub rank: usize,
    pub elo: f64,
}

/// The leaderboard: rows by rating, best first.
#[derive(Debug, Clone, PartialEq)]
pub struct Leaderboard {
    pub method: &'static str,
    pub total_votes: u64,
    pub rows: Vec<Row>,
}

/// Computes the overall leaderboard. Models with no counted vote are left out.
///
/// Until the Bradley-Terry engine lands, `rating` is the online Elo and the
/// interval is absent; rank is then 1 + the number of strictly higher ratings.
///
/// # Errors
/// On a database error, or a stored verdict that is not one of the four.
pub async fn compute<C: ConnectionTrait>(db: &C) -> anyhow::Result<Leaderboard> {
    let counts = store::leaderboard::pair_counts(db, &Scope::Overall.key()).await?;
    let mut votes: HashMap<i32, u64> = HashMap::new();
    let mut total_votes = 0u64;
    for c in &counts {
        let n = u64::try_from(c.count).unwrap_or(0);
        *votes.entry(c.model_a).or_default() += n;
        *votes.entry(c.model_b).or_default() += n;
        total_votes += n;
    }
    let battles = store::leaderboard::counted_battles_in_order(db).await?;
    let mut scored = Vec::with_capacity(battles.len());
    for (a, b, verdict) in battles {
        let v = Verdict::parse(&verdict).map_err(anyhow::Error::msg)?;
        scored.push((a, b, v.score_a()));
    }
    let elo = online_elo(scored, EloConfig::default());
    let ids: Vec<i32> = votes.keys().copied().collect();
    let models = store::models::by_ids(db, &ids).await?;

    let mut rows: Vec<Row> = votes
        .iter()
        .filter_map(|(id, &n)| {
            let m = models.get(id)?;
            let rating = elo.get(id).copied().unwrap_or(EloConfig::default().initial);
            Some(Row {
                model: m.name.clone(),
                display_name: m.display_name.clone(),
                rating,
                ci_lower: None,
                ci_upper: None,
                votes: n,
                rank: 0,
                elo: rating,
            })
        })
        .collect();
    rows.sort_by(|x, y| y.rating.total_cmp(&x.rating).then(x.model.cmp(&y.model)));
    let intervals: Vec<(f64, f64)> = rows.iter().map(|r| (r.rating, r.rating)).collect();
    for (row, rank) in rows.iter_mut().zip(rank_upper_bound(&intervals)) {
        row.rank = rank;
    }
    Ok(Leaderboard {
        method: "elo",
        total_votes,
        rows,
    })
}
