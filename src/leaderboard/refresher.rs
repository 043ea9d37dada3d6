//! Keeping the cached leaderboard fresh without letting it eat the machine.
//!
//! A counted vote marks the leaderboard stale; the refresher waits a short
//! debounce (so a burst of votes costs one recompute), then recomputes off the
//! async threads, and afterwards rests four times as long as the recompute
//! took, so recomputing never takes more than a fifth of the machine however
//! fast the votes come. A periodic check of the overall pair counts picks up
//! votes cast, and battles voided or restored, on other instances sharing the
//! database.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::DatabaseConnection;

use super::LeaderboardCache;
use crate::domain::Scope;
use crate::store;

/// How the refresher works.
#[derive(Debug, Clone, PartialEq)]
pub struct RefreshPolicy {
    pub bootstrap_rounds: usize,
    /// Battles a model needs before it is ranked.
    pub min_votes: u64,
    pub ci: crate::rating::CiMethod,
    pub seed: u64,
    /// Every row's gap to this model, when it has battles in the scope.
    pub reference_model: Option<String>,
    /// Wait this long after a vote before recomputing.
    pub debounce: Duration,
    /// Check this often whether votes arrived through another instance.
    pub poll: Duration,
}

impl RefreshPolicy {
    /// The policy the settings ask for.
    ///
    /// # Errors
    /// An unknown interval method.
    pub fn from_settings(settings: &crate::config::Settings) -> anyhow::Result<Self> {
        Ok(Self {
            bootstrap_rounds: settings.leaderboard_bootstrap_rounds,
            min_votes: settings.leaderboard.min_votes,
            ci: crate::rating::CiMethod::parse(&settings.leaderboard.ci)
                .map_err(anyhow::Error::msg)?,
            seed: settings.leaderboard_seed,
            reference_model: settings.leaderboard.reference_model.clone(),
            debounce: Duration::from_millis(settings.leaderboard_debounce_ms),
            poll: Duration::from_secs(settings.leaderboard_poll_secs.max(1)),
        })
    }
}

impl LeaderboardCache {
    /// Runs forever: recompute after each invalidation (debounced) and whenever
    /// the overall pair counts in the database differ from the leaderboard's.
    pub async fn run_refresher(
        self: Arc<Self>,
        db: DatabaseConnection,
        policy: RefreshPolicy,
        beat: crate::tasks::Beat,
    ) {
        loop {
            let woken = tokio::time::timeout(policy.poll, self.stale.notified())
                .await
                .is_ok();
            if woken {
                tokio::time::sleep(policy.debounce).await;
            } else {
                // The counts themselves, not their total: a void and a vote
                // (or a restore) through another instance keep the total. And
                // the latest void or restore: one that swapped two votes of one
                // pair keeps the counts, not the online Elo.
                let known = self.get().map(|_| {
                    self.current_counts
                        .load(std::sync::atomic::Ordering::Relaxed)
                });
                let moderation = self.board_moderation();
                match changes(&db).await {
                    Ok((counts, latest)) if Some(counts) == known && latest == moderation => {
                        beat.ok();
                        continue;
                    }
                    // Votes or voids through another instance: recompute (the
                    // scoped and style-controlled boards kept here then follow,
                    // as they are kept for one overall board).
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = format!("{e:#}"), "leaderboard poll failed");
                        continue;
                    }
                }
            }
            let started = std::time::Instant::now();
            match self.refresh(&db, &policy).await {
                Ok(()) => beat.ok(),
                Err(e) => tracing::error!(error = format!("{e:#}"), "leaderboard recompute failed"),
            }
            // Under a steady stream of votes, recomputing back to back would keep
            // every core busy (a 200-model bootstrap takes seconds). Resting four
            // times as long as the recompute took caps it at a fifth of the time;
            // votes that arrive meanwhile leave a wake-up that is taken right after.
            let took = started.elapsed();
            crate::metrics::leaderboard_recomputed(took.as_secs_f64());
            tracing::debug!(seconds = took.as_secs_f64(), "leaderboard recomputed");
            tokio::time::sleep(took * 4).await;
        }
    }
}

/// The fingerprint of the overall pair counts in the database, and the
/// latest void or restore of a battle.
async fn changes(db: &DatabaseConnection) -> anyhow::Result<(u64, Option<i64>)> {
    let counts = store::counts::pair_counts(db, &Scope::Overall).await?;
    let moderation = super::compute::latest_moderation(db).await?;
    Ok((super::compute::counts_fingerprint(&counts), moderation))
}
