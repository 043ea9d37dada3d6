//! The served leaderboard: Bradley-Terry ratings with bootstrap intervals and
//! ranks, computed from the overall pair counts (plus the online Elo over the
//! votes in order), in the background, and cached.
//!
//! Requests only read the cached snapshot. A counted vote marks it stale; the
//! refresher waits a short debounce (so a burst of votes costs one recompute),
//! then recomputes off the async threads, and afterwards rests four times as long
//! as the recompute took, so recomputing never takes more than a fifth of the
//! machine however fast the votes come. A periodic check of the vote total
//! picks up votes cast on other instances sharing the database.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use tokio::sync::Notify;

use crate::domain::{Scope, Verdict};
use crate::rating::{Comparisons, EloConfig, TableOptions, bradley_terry_table, online_elo};
use crate::store;

/// One row of the leaderboard (serialised as a row of `GET /api/v1/leaderboard`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Row {
    pub model: String,
    pub display_name: String,
    pub rating: f64,
    pub ci_lower: f64,
    pub ci_upper: f64,
    pub votes: u64,
    pub rank: usize,
    pub elo: f64,
    /// Won or lost every battle against the main group: not pinned down yet.
    pub provisional: bool,
}

/// A computed leaderboard: rows by rating, best first.
#[derive(Debug, Clone, PartialEq)]
pub struct Leaderboard {
    pub method: &'static str,
    pub total_votes: u64,
    pub bootstrap_rounds: usize,
    pub computed_at: DateTime<Utc>,
    pub rows: Vec<Row>,
}

/// How the refresher works.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RefreshPolicy {
    pub bootstrap_rounds: usize,
    pub seed: u64,
    /// Wait this long after a vote before recomputing.
    pub debounce: Duration,
    /// Check this often whether votes arrived through another instance.
    pub poll: Duration,
}

/// The cached leaderboard and the signal that it is stale.
pub struct LeaderboardCache {
    current: RwLock<Option<Arc<Leaderboard>>>,
    stale: Notify,
}

impl Default for LeaderboardCache {
    fn default() -> Self {
        Self {
            current: RwLock::new(None),
            stale: Notify::new(),
        }
    }
}

impl LeaderboardCache {
    /// The latest snapshot, if one has been computed.
    #[must_use]
    pub fn get(&self) -> Option<Arc<Leaderboard>> {
        self.current.read().map_or(None, |g| g.clone())
    }

    fn set(&self, board: Leaderboard) {
        if let Ok(mut g) = self.current.write() {
            *g = Some(Arc::new(board));
        }
    }

    /// Marks the snapshot stale; the refresher recomputes it soon.
    pub fn invalidate(&self) {
        self.stale.notify_one();
    }

    /// Computes a snapshot now and stores it (used once at start-up).
    ///
    /// # Errors
    /// On a database error.
    pub async fn refresh(
        &self,
        db: &DatabaseConnection,
        policy: &RefreshPolicy,
    ) -> anyhow::Result<()> {
        let board = compute(db, policy).await?;
        self.set(board);
        Ok(())
    }

    /// Runs forever: recompute after each invalidation (debounced) and whenever
    /// the vote total in the database differs from the snapshot's.
    pub async fn run_refresher(self: Arc<Self>, db: DatabaseConnection, policy: RefreshPolicy) {
        loop {
            let woken = tokio::time::timeout(policy.poll, self.stale.notified())
                .await
                .is_ok();
            if woken {
                tokio::time::sleep(policy.debounce).await;
            } else {
                let known = self.get().map(|b| b.total_votes);
                match total_votes(&db).await {
                    Ok(n) if Some(n) == known => continue,
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = format!("{e:#}"), "leaderboard poll failed");
                        continue;
                    }
                }
            }
            let started = std::time::Instant::now();
            if let Err(e) = self.refresh(&db, &policy).await {
                tracing::error!(error = format!("{e:#}"), "leaderboard recompute failed");
            }
            // Under a steady stream of votes, recomputing back to back would keep
            // every core busy (a 200-model bootstrap takes seconds). Resting four
            // times as long as the recompute took caps it at a fifth of the time;
            // votes that arrive meanwhile leave a wake-up that is taken right after.
            let took = started.elapsed();
            tracing::debug!(seconds = took.as_secs_f64(), "leaderboard recomputed");
            tokio::time::sleep(took * 4).await;
        }
    }
}

async fn total_votes(db: &DatabaseConnection) -> anyhow::Result<u64> {
    let counts = store::leaderboard::pair_counts(db, &Scope::Overall.key()).await?;
    Ok(counts
        .iter()
        .map(|c| u64::try_from(c.count).unwrap_or(0))
        .sum())
}

/// Computes the overall leaderboard from the database.
///
/// # Errors
/// On a database error, or a stored verdict that is not one of the four.
pub async fn compute(
    db: &DatabaseConnection,
    policy: &RefreshPolicy,
) -> anyhow::Result<Leaderboard> {
    let counts = store::leaderboard::pair_counts(db, &Scope::Overall.key()).await?;
    let battles = store::leaderboard::counted_battles_in_order(db).await?;
    let mut ids: Vec<i32> = counts.iter().flat_map(|c| [c.model_a, c.model_b]).collect();
    ids.sort_unstable();
    ids.dedup();
    let models = store::models::by_ids(db, &ids).await?;
    let name = |id: i32| {
        models
            .get(&id)
            .map_or_else(|| format!("model-{id}"), |m| m.name.clone())
    };
    let mut rows = Vec::with_capacity(counts.len());
    for c in &counts {
        let verdict = Verdict::parse(&c.verdict).map_err(anyhow::Error::msg)?;
        rows.push((
            name(c.model_a),
            name(c.model_b),
            verdict,
            u64::try_from(c.count).unwrap_or(0),
        ));
    }
    let mut scored = Vec::with_capacity(battles.len());
    for (a, b, verdict) in battles {
        let v = Verdict::parse(&verdict).map_err(anyhow::Error::msg)?;
        scored.push((a, b, v.score_a()));
    }
    let display: HashMap<String, String> = models
        .values()
        .map(|m| (m.name.clone(), m.display_name.clone()))
        .collect();
    let names: HashMap<i32, String> = ids.iter().map(|&id| (id, name(id))).collect();
    let options = TableOptions {
        bootstrap_rounds: policy.bootstrap_rounds,
        seed: policy.seed,
        ..TableOptions::default()
    };
    // The fit and the bootstrap are CPU work: keep them off the async threads.
    let (table, elo) = tokio::task::spawn_blocking(move || {
        let comparisons = Comparisons::from_counts(
            rows.iter()
                .map(|(a, b, v, n)| (a.as_str(), b.as_str(), *v, *n)),
        );
        let table = bradley_terry_table(&comparisons, &options, &|| {});
        let elo = online_elo(scored, EloConfig::default());
        (table, elo)
    })
    .await
    .context("leaderboard computation panicked")?;
    let table = table.context("leaderboard table")?;
    let elo_by_name: HashMap<&str, f64> = elo
        .iter()
        .filter_map(|(id, r)| names.get(id).map(|n| (n.as_str(), *r)))
        .collect();
    Ok(Leaderboard {
        method: "bt",
        total_votes: table.battles,
        bootstrap_rounds: table.bootstrap_rounds,
        computed_at: Utc::now(),
        rows: table
            .rows
            .into_iter()
            .map(|r| Row {
                display_name: display
                    .get(&r.model)
                    .cloned()
                    .unwrap_or_else(|| r.model.clone()),
                elo: elo_by_name
                    .get(r.model.as_str())
                    .copied()
                    .unwrap_or(EloConfig::default().initial),
                model: r.model,
                rating: r.rating,
                ci_lower: r.ci_lower,
                ci_upper: r.ci_upper,
                votes: r.votes,
                rank: r.rank,
                provisional: r.provisional,
            })
            .collect(),
    })
}
