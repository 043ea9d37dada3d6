//! The periodic anomaly check: scores every voter with enough recent counted
//! votes against the crowd's current ratings (see [`super::anomaly`]) and
//! flags those past the threshold.

use std::time::Duration;

use chrono::Utc;

use super::{Integrity, anomaly};
use crate::store;

impl Integrity {
    /// Scores every voter with enough recent counted votes against the
    /// crowd's current ratings and flags those past the threshold. Returns
    /// how many voters were flagged.
    ///
    /// # Errors
    /// On a database error.
    pub async fn check_anomalies(&self) -> anyhow::Result<usize> {
        use crate::domain::{Scope, Verdict};
        use crate::rating::{BtConfig, Comparisons, fit};

        let counts = store::counts::pair_counts(&self.db, &Scope::Overall).await?;
        let names: Vec<(String, String, Verdict, u64)> = counts
            .iter()
            .map(|c| {
                (
                    c.model_a.to_string(),
                    c.model_b.to_string(),
                    c.verdict,
                    c.count,
                )
            })
            .collect();
        let total: u64 = counts.iter().map(|c| c.count).sum();
        let ties: u64 = counts
            .iter()
            .filter(|c| matches!(c.verdict, Verdict::Tie | Verdict::TieBothBad))
            .map(|c| c.count)
            .sum();
        let since = Utc::now() - chrono::Duration::days(30);
        let votes = store::integrity::counted_votes_with_voters(&self.db, since).await?;
        let min_votes = usize::try_from(self.settings.anomaly_min_votes).unwrap_or(usize::MAX);
        let threshold = self.settings.anomaly_threshold;
        let flagged = tokio::task::spawn_blocking(move || {
            let comparisons = Comparisons::from_counts(
                names
                    .iter()
                    .map(|(a, b, v, n)| (a.as_str(), b.as_str(), *v, *n)),
            );
            let beta = fit(&comparisons, &BtConfig::default(), None).beta;
            let tie = if total == 0 {
                0.2
            } else {
                ties as f64 / total as f64
            };
            let mut by_voter: std::collections::HashMap<String, Vec<anomaly::ScoredVote>> =
                std::collections::HashMap::new();
            for v in votes {
                let (Some(a), Some(b)) = (
                    comparisons.index_of(&v.model_a.to_string()),
                    comparisons.index_of(&v.model_b.to_string()),
                ) else {
                    continue;
                };
                by_voter
                    .entry(v.voter)
                    .or_default()
                    .push(anomaly::ScoredVote {
                        a,
                        b,
                        score_a: v.verdict.score_a(),
                    });
            }
            by_voter
                .into_iter()
                .filter(|(_, votes)| votes.len() >= min_votes)
                .filter_map(|(voter, votes)| {
                    let a = anomaly::score(&votes, &beta, tie)?;
                    (a.score > threshold).then(|| {
                        let model = comparisons
                            .models()
                            .get(a.target)
                            .cloned()
                            .unwrap_or_default();
                        (voter, a, model)
                    })
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|e| anyhow::anyhow!("anomaly check panicked: {e}"))?;
        for (voter, a, model) in &flagged {
            let reason = format!(
                "log-likelihood ratio {:.1} over {} votes for pushing model id {model}",
                a.score, a.votes
            );
            store::integrity::flag(
                &self.db,
                voter,
                a.score,
                i32::try_from(a.votes).unwrap_or(i32::MAX),
                &reason,
            )
            .await?;
        }
        Ok(flagged.len())
    }
}

/// Runs the anomaly check every `anomaly_interval_secs`.
pub async fn run_anomaly_checks(integrity: std::sync::Arc<Integrity>, beat: crate::tasks::Beat) {
    let every = Duration::from_secs(integrity.settings.anomaly_interval_secs.max(10));
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticker.tick().await;
    loop {
        ticker.tick().await;
        // The daily caps' counters of days before yesterday are read by no
        // one (kept a day more for a clock near midnight).
        let yesterday = store::integrity::day_of(Utc::now() - chrono::Duration::days(1));
        if let Err(e) = store::integrity::prune_daily_counts(&integrity.db, &yesterday).await {
            tracing::warn!(
                error = format!("{e:#}"),
                "dropping old daily vote counts failed"
            );
        }
        if !integrity.enabled() {
            beat.ok();
            continue;
        }
        match integrity.check_anomalies().await {
            Ok(0) => beat.ok(),
            Ok(n) => {
                tracing::warn!(voters = n, "anomaly check flagged voters");
                beat.ok();
            }
            Err(e) => tracing::warn!(error = format!("{e:#}"), "anomaly check failed"),
        }
    }
}
