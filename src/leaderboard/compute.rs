//! Computing the overall leaderboard from the database.

use std::collections::HashMap;

use anyhow::Context;
use chrono::Utc;
use sea_orm::DatabaseConnection;

use super::{Leaderboard, RefreshPolicy, Row, Standing, arrange};
use crate::domain::{Scope, Verdict};
use crate::rating::{Comparisons, EloConfig, OnlineElo, TableOptions, bradley_terry_table};
use crate::store;
use crate::store::counts::PairCount;

/// The online Elo as of the last vote applied. Each refresh reads only the
/// votes stored since, so its cost follows the new votes, not every vote ever
/// cast.
#[derive(Debug, Clone)]
pub struct EloTracker {
    elo: OnlineElo<i32>,
    last_vote_id: i64,
    /// The votes applied, as pair counts (shown pair and verdict).
    applied: HashMap<(i32, i32, Verdict), u64>,
    /// The latest void or restore of a battle when the votes were read.
    moderation: Option<i64>,
}

impl Default for EloTracker {
    fn default() -> Self {
        Self {
            elo: OnlineElo::new(EloConfig::default()),
            last_vote_id: 0,
            applied: HashMap::new(),
            moderation: None,
        }
    }
}

impl EloTracker {
    /// Applies the counted votes stored since the last call, in the order they
    /// were stored. Replays them all instead when an operator voided or
    /// restored a battle since (on any instance: the audit log says so; a
    /// battle voted long ago may leave or come back, and Elo depends on the
    /// order), or when the votes applied then differ from the overall pair
    /// `counts` (on PostgreSQL a vote may commit after one with a higher id
    /// was read, and it must not be skipped).
    async fn catch_up(
        &mut self,
        db: &DatabaseConnection,
        counts: &[PairCount],
    ) -> anyhow::Result<()> {
        let moderation = latest_moderation(db).await?;
        if moderation == self.moderation {
            self.apply(store::counts::counted_votes_after(db, self.last_vote_id).await?);
            if self.matches(counts) {
                return Ok(());
            }
            tracing::debug!(
                applied = self.elo.battles(),
                expected = counts.iter().map(|c| c.count).sum::<u64>(),
                "online Elo out of step with the pair counts; replaying every vote"
            );
        }
        *self = Self {
            moderation,
            ..Self::default()
        };
        self.apply(store::counts::counted_votes_after(db, 0).await?);
        Ok(())
    }

    /// The latest void or restore the votes applied were read after.
    pub(super) fn moderation(&self) -> Option<i64> {
        self.moderation
    }

    fn matches(&self, counts: &[PairCount]) -> bool {
        let stored = counts.iter().filter(|c| c.count > 0);
        stored.clone().count() == self.applied.len()
            && stored
                .into_iter()
                .all(|c| self.applied.get(&(c.model_a, c.model_b, c.verdict)) == Some(&c.count))
    }

    fn apply(&mut self, votes: Vec<store::counts::CountedVote>) {
        for v in votes {
            self.elo.update(v.model_a, v.model_b, v.verdict.score_a());
            self.last_vote_id = self.last_vote_id.max(v.id);
            *self
                .applied
                .entry((v.model_a, v.model_b, v.verdict))
                .or_default() += 1;
        }
    }
}

/// The latest void or restore of a battle, by its audit entry (`None`
/// before the first).
///
/// # Errors
/// On a database error.
pub(super) async fn latest_moderation(db: &DatabaseConnection) -> anyhow::Result<Option<i64>> {
    store::audit::latest_of(
        db,
        &[store::audit::BATTLE_VOID, store::audit::BATTLE_RESTORE],
    )
    .await
}

/// What identifies a scope's pair counts (model ids, verdict, count), in
/// this process: boards built on equal counts are equal.
pub(super) fn counts_fingerprint(counts: &[PairCount]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut rows: Vec<(i32, i32, Verdict, u64)> = counts
        .iter()
        .filter(|c| c.count > 0)
        .map(|c| (c.model_a, c.model_b, c.verdict, c.count))
        .collect();
    rows.sort_unstable();
    let mut hasher = std::hash::DefaultHasher::new();
    rows.hash(&mut hasher);
    hasher.finish()
}

/// Computes the overall leaderboard: Bradley-Terry from the pair counts, and
/// the online Elo brought up to date; with the fingerprint of the counts.
///
/// # Errors
/// On a database error.
pub async fn compute(
    db: &DatabaseConnection,
    policy: &RefreshPolicy,
    elo: &mut EloTracker,
    scope: &Scope,
) -> anyhow::Result<(Leaderboard, u64)> {
    let counts = store::counts::pair_counts(db, scope).await?;
    let fingerprint = counts_fingerprint(&counts);
    // The online Elo is the overall one; a scoped board shows it for reference.
    if *scope == Scope::Overall {
        elo.catch_up(db, &counts).await?;
    }
    let mut ids: Vec<i32> = counts.iter().flat_map(|c| [c.model_a, c.model_b]).collect();
    ids.sort_unstable();
    ids.dedup();
    let models = store::models::by_ids(db, &ids).await?;
    let name = |id: i32| {
        models
            .get(&id)
            .map_or_else(|| format!("model-{id}"), |m| m.name.clone())
    };
    let rows: Vec<_> = counts
        .iter()
        .map(|c| (name(c.model_a), name(c.model_b), c.verdict, c.count))
        .collect();
    let input_sha256 = input_hash(&rows);
    let by_name: HashMap<String, &crate::store::entities::models::Model> =
        models.values().map(|m| (m.name.clone(), m)).collect();
    let mut wins: HashMap<String, f64> = HashMap::new();
    let mut edges: HashMap<(String, String), u64> = HashMap::new();
    for (a, b, v, n) in &rows {
        let n_f = *n as f64;
        *wins.entry(a.clone()).or_default() += n_f * v.score_a();
        *wins.entry(b.clone()).or_default() += n_f * (1.0 - v.score_a());
        *edges.entry((a.clone(), b.clone())).or_default() += n;
    }
    let edges: Vec<(String, String, u64)> =
        edges.into_iter().map(|((a, b), n)| (a, b, n)).collect();
    let elo_by_name: HashMap<String, f64> = ids
        .iter()
        .map(|&id| (name(id), elo.elo.rating(&id)))
        .collect();
    // The reference applies where it has battles.
    let reference = policy
        .reference_model
        .clone()
        .filter(|r| rows.iter().any(|(a, b, _, _)| a == r || b == r));
    let options = TableOptions {
        bootstrap_rounds: policy.bootstrap_rounds,
        seed: policy.seed,
        ci: policy.ci,
        reference: reference.clone(),
        ..TableOptions::default()
    };
    // The fit and the bootstrap are CPU work: keep them off the async threads.
    let table = tokio::task::spawn_blocking(move || {
        let comparisons = Comparisons::from_counts(
            rows.iter()
                .map(|(a, b, v, n)| (a.as_str(), b.as_str(), *v, *n)),
        );
        bradley_terry_table(&comparisons, &options, &|| {})
    })
    .await
    .context("leaderboard computation panicked")?
    .context("leaderboard table")?;
    let rows: Vec<Row> = table
        .rows
        .into_iter()
        .map(|r| {
            let model = by_name.get(&r.model);
            let won = wins.get(&r.model).copied().unwrap_or(0.0);
            Row {
                display_name: model.map_or_else(|| r.model.clone(), |m| m.display_name.clone()),
                organization: model.and_then(|m| m.organization.clone()),
                license: model.and_then(|m| m.license.clone()),
                deprecated: model.is_some_and(|m| m.deprecated),
                elo: elo_by_name
                    .get(&r.model)
                    .copied()
                    .unwrap_or(EloConfig::default().initial),
                wins: won,
                win_rate: if r.votes == 0 {
                    0.0
                } else {
                    won / r.votes as f64
                },
                battles: r.votes,
                model: r.model,
                rating: r.rating,
                ci_lower: r.ci_lower,
                ci_upper: r.ci_upper,
                votes: r.votes,
                rank: Some(r.rank),
                provisional: r.provisional,
                standing: Standing::Ranked,
                standing_reason: None,
                style: None,
                gap: r.gap,
            }
        })
        .collect();
    let board = Leaderboard {
        method: "bt",
        scope: scope.key(),
        ci_method: table.ci_method.as_str(),
        min_votes: policy.min_votes,
        total_votes: table.battles,
        bootstrap_rounds: table.bootstrap_rounds,
        computed_at: Utc::now(),
        rows: arrange(rows, &edges, policy.min_votes),
        style: None,
        reference_model: reference,
        seed: policy.seed,
        input_sha256,
    };
    Ok((board, fingerprint))
}

/// SHA-256 of the counts by model name, one sorted line per count, so that
/// anyone can check an export reproduces a board's input.
fn input_hash(rows: &[(String, String, crate::domain::Verdict, u64)]) -> String {
    let mut lines: Vec<String> = rows
        .iter()
        .map(|(a, b, v, n)| format!("{a}\t{b}\t{}\t{n}\n", v.as_str()))
        .collect();
    lines.sort_unstable();
    crate::export::sha256_hex(lines.concat().as_bytes())
}
