//! Rating snapshots and the history they make: the overall board as it stood,
//! taken on a schedule (`[snapshots] every`) and on demand, stored once and
//! never changed. With several instances on PostgreSQL exactly one takes each
//! scheduled snapshot: it holds the schedule's advisory lock, and the slot is
//! unique besides (which is what guarantees it on SQLite).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, TimeZone, Utc};
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde::{Deserialize, Serialize};

use super::{Leaderboard, LeaderboardCache, RefreshPolicy, Row, Standing};
use crate::rating::Gap;
use crate::store;
use crate::store::entities::rating_snapshots;

/// One row as a snapshot keeps it (the stored JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotRow {
    pub model: String,
    pub display_name: String,
    pub organization: Option<String>,
    pub license: Option<String>,
    pub rating: f64,
    pub ci_lower: f64,
    pub ci_upper: f64,
    pub battles: u64,
    pub wins: f64,
    pub win_rate: f64,
    pub status: String,
    pub status_reason: Option<String>,
    pub rank: Option<usize>,
    pub elo: f64,
    pub provisional: bool,
    pub deprecated: bool,
    pub gap_to_reference: Option<Gap>,
}

impl From<&Row> for SnapshotRow {
    fn from(r: &Row) -> Self {
        Self {
            model: r.model.clone(),
            display_name: r.display_name.clone(),
            organization: r.organization.clone(),
            license: r.license.clone(),
            rating: r.rating,
            ci_lower: r.ci_lower,
            ci_upper: r.ci_upper,
            battles: r.battles,
            wins: r.wins,
            win_rate: r.win_rate,
            status: r.standing.as_str().to_owned(),
            status_reason: r.standing_reason.clone(),
            rank: r.rank,
            elo: r.elo,
            provisional: r.provisional,
            deprecated: r.deprecated,
            gap_to_reference: r.gap,
        }
    }
}

impl SnapshotRow {
    fn to_row(&self) -> Row {
        Row {
            model: self.model.clone(),
            display_name: self.display_name.clone(),
            organization: self.organization.clone(),
            license: self.license.clone(),
            rating: self.rating,
            ci_lower: self.ci_lower,
            ci_upper: self.ci_upper,
            votes: self.battles,
            battles: self.battles,
            wins: self.wins,
            win_rate: self.win_rate,
            rank: self.rank,
            elo: self.elo,
            provisional: self.provisional,
            standing: match self.status.as_str() {
                "ranked" => Standing::Ranked,
                "preliminary" => Standing::Preliminary,
                _ => Standing::NotComparable,
            },
            standing_reason: self.status_reason.clone(),
            deprecated: self.deprecated,
            style: None,
            gap: self.gap_to_reference,
        }
    }
}

/// A stored snapshot, as listed and served.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub id: i32,
    pub taken_at: DateTime<Utc>,
    pub label: Option<String>,
    /// Set for a scheduled snapshot: the start of its slot.
    pub slot: Option<String>,
    pub scope: String,
    pub method: String,
    pub ci_method: String,
    pub seed: u64,
    pub bootstrap_rounds: usize,
    pub min_votes: u64,
    pub filters: serde_json::Value,
    pub software_version: String,
    pub vote_count: u64,
    pub input_sha256: String,
    pub reference_model: Option<String>,
    pub rows: Vec<SnapshotRow>,
}

impl TryFrom<rating_snapshots::Model> for Snapshot {
    type Error = anyhow::Error;

    fn try_from(m: rating_snapshots::Model) -> anyhow::Result<Self> {
        Ok(Self {
            id: m.id,
            taken_at: m.taken_at,
            label: m.label,
            slot: m.slot,
            scope: m.scope,
            method: m.method,
            ci_method: m.ci_method,
            seed: u64::try_from(m.seed).unwrap_or(0),
            bootstrap_rounds: usize::try_from(m.bootstrap_rounds).unwrap_or(0),
            min_votes: u64::try_from(m.min_votes).unwrap_or(0),
            filters: serde_json::from_str(&m.filters).context("stored filters are not JSON")?,
            software_version: m.software_version,
            vote_count: u64::try_from(m.vote_count).unwrap_or(0),
            input_sha256: m.input_sha256,
            reference_model: m.reference_model,
            rows: serde_json::from_str(&m.rows).context("stored rows are not JSON")?,
        })
    }
}

impl Snapshot {
    /// The snapshot as a board, to be served like the live one.
    #[must_use]
    pub fn board(&self) -> Leaderboard {
        Leaderboard {
            method: if self.method == "bt" { "bt" } else { "other" },
            scope: self.scope.clone(),
            ci_method: if self.ci_method == "bootstrap" {
                "bootstrap"
            } else {
                "sandwich"
            },
            min_votes: self.min_votes,
            total_votes: self.vote_count,
            bootstrap_rounds: self.bootstrap_rounds,
            computed_at: self.taken_at,
            rows: self.rows.iter().map(SnapshotRow::to_row).collect(),
            style: None,
            reference_model: self.reference_model.clone(),
            seed: self.seed,
            input_sha256: self.input_sha256.clone(),
        }
    }
}

/// One model at one snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryPoint {
    pub snapshot: i32,
    pub taken_at: DateTime<Utc>,
    pub label: Option<String>,
    pub rating: f64,
    pub ci_lower: f64,
    pub ci_upper: f64,
    pub rank: Option<usize>,
    pub battles: u64,
    pub status: String,
    /// The reference this snapshot used (it may change over time), and the
    /// gap to it with the interval of the difference.
    pub reference_model: Option<String>,
    pub gap_to_reference: Option<Gap>,
}

/// Parses a schedule such as `30m`, `6h`, `1d` or `1w`; `off` (or empty)
/// turns scheduled snapshots off.
///
/// # Errors
/// Names the accepted forms.
pub fn parse_every(text: &str) -> Result<Option<Duration>, String> {
    let t = text.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    let (number, unit) = t.split_at(t.len() - 1);
    let n: u64 = number.parse().map_err(|_| {
        format!("snapshots.every = {text:?}: use e.g. \"30m\", \"6h\", \"1d\", \"1w\" or \"off\"")
    })?;
    let secs = match unit {
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => {
            return Err(format!(
                "snapshots.every = {text:?}: the unit is m, h, d or w"
            ));
        }
    };
    if n == 0 {
        return Err(format!("snapshots.every = {text:?} must be positive"));
    }
    Ok(Some(Duration::from_secs(n * secs)))
}

/// The start of the schedule slot holding `now`, as the slot's key. Slots
/// are counted from Monday 1970-01-05 00:00 UTC, so that weekly slots start
/// on Mondays (ISO weeks), daily ones at midnight, and hourly ones on the
/// hour. (Before, they were counted from 1970-01-01, a Thursday: a weekly
/// schedule takes one extra snapshot in the week it is upgraded.)
#[must_use]
pub fn slot_of(now: DateTime<Utc>, every: Duration) -> String {
    const FIRST_MONDAY: i64 = 4 * 86_400;
    let step = i64::try_from(every.as_secs().max(1)).unwrap_or(i64::MAX);
    let start = (now.timestamp() - FIRST_MONDAY).div_euclid(step) * step + FIRST_MONDAY;
    Utc.timestamp_opt(start, 0)
        .single()
        .map_or_else(|| start.to_string(), |t| t.to_rfc3339())
}

/// Takes and reads snapshots.
#[derive(Clone)]
pub struct Snapshots {
    db: DatabaseConnection,
    cache: Arc<LeaderboardCache>,
    policy: RefreshPolicy,
}

impl Snapshots {
    #[must_use]
    pub fn new(
        db: DatabaseConnection,
        cache: Arc<LeaderboardCache>,
        policy: RefreshPolicy,
    ) -> Self {
        Self { db, cache, policy }
    }

    /// Takes a snapshot now: recomputes the overall board from the current
    /// counts and stores it. For a scheduled one (`slot`), returns `None`
    /// when the slot is filled already or another instance holds the lock.
    ///
    /// # Errors
    /// On a database error.
    pub async fn take(
        &self,
        label: Option<String>,
        slot: Option<String>,
    ) -> anyhow::Result<Option<Snapshot>> {
        // A filled slot needs no board: look before computing one.
        if let Some(s) = &slot
            && store::snapshots::slot_taken(&self.db, s).await?
        {
            return Ok(None);
        }
        self.cache.refresh(&self.db, &self.policy).await?;
        let board = self
            .cache
            .get()
            .context("the leaderboard was not computed")?;
        let rows: Vec<SnapshotRow> = board.rows.iter().map(SnapshotRow::from).collect();
        let filters = serde_json::json!({
            "scope": board.scope,
            "battles": "anonymous, voted, counted (integrity rules applied)",
            "min_votes": board.min_votes,
        });
        let new = store::snapshots::NewSnapshot {
            taken_at: Utc::now(),
            label,
            slot: slot.clone(),
            scope: board.scope.clone(),
            method: board.method.to_owned(),
            ci_method: board.ci_method.to_owned(),
            seed: i64::try_from(board.seed).unwrap_or(i64::MAX),
            bootstrap_rounds: i32::try_from(board.bootstrap_rounds).unwrap_or(i32::MAX),
            min_votes: i64::try_from(board.min_votes).unwrap_or(i64::MAX),
            filters: filters.to_string(),
            software_version: env!("CARGO_PKG_VERSION").to_owned(),
            vote_count: i64::try_from(board.total_votes).unwrap_or(i64::MAX),
            input_sha256: board.input_sha256.clone(),
            reference_model: board.reference_model.clone(),
            rows: serde_json::to_string(&rows).context("encode rows")?,
        };
        // The board is computed; only the check and the insert run under the
        // lock (a write transaction held across the computation would stall
        // the votes on SQLite).
        let txn = self.db.begin().await.context("begin")?;
        if slot.is_some() && !store::snapshots::try_schedule_lock(&txn).await? {
            return Ok(None);
        }
        if let Some(s) = &slot
            && store::snapshots::slot_taken(&txn, s).await?
        {
            return Ok(None);
        }
        let id = match store::snapshots::insert(&txn, new).await {
            Ok(id) => id,
            // Another instance filled the slot between our check and insert
            // (SQLite has no advisory lock): that one stands.
            Err(_) if slot.is_some() => return Ok(None),
            Err(e) => return Err(e),
        };
        txn.commit().await.context("commit")?;
        self.get(id).await
    }

    /// # Errors
    /// On a database error, or a stored snapshot that no longer parses.
    pub async fn get(&self, id: i32) -> anyhow::Result<Option<Snapshot>> {
        store::snapshots::find(&self.db, id)
            .await?
            .map(Snapshot::try_from)
            .transpose()
    }

    /// Snapshots taken in `[from, to]`, oldest first.
    ///
    /// # Errors
    /// On a database error.
    pub async fn list(
        &self,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> anyhow::Result<Vec<Snapshot>> {
        store::snapshots::between(&self.db, from, to)
            .await?
            .into_iter()
            .map(Snapshot::try_from)
            .collect()
    }

    /// One model's rating, interval, rank, battles and gap to the reference
    /// at every snapshot in `[from, to]` that lists it.
    ///
    /// # Errors
    /// On a database error.
    pub async fn history(
        &self,
        model: &str,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> anyhow::Result<Vec<HistoryPoint>> {
        Ok(self
            .list(from, to)
            .await?
            .into_iter()
            .filter_map(|s| {
                let row = s.rows.iter().find(|r| r.model == model)?.clone();
                Some(HistoryPoint {
                    snapshot: s.id,
                    taken_at: s.taken_at,
                    label: s.label.clone(),
                    rating: row.rating,
                    ci_lower: row.ci_lower,
                    ci_upper: row.ci_upper,
                    rank: row.rank,
                    battles: row.battles,
                    status: row.status,
                    reference_model: s.reference_model.clone(),
                    gap_to_reference: row.gap_to_reference,
                })
            })
            .collect())
    }

    /// Runs forever: takes the snapshot of each slot of `every` once, on
    /// whichever instance gets there first.
    pub async fn run_schedule(self, every: Duration, beat: crate::tasks::Beat) {
        let check = (every / 10).clamp(Duration::from_secs(1), Duration::from_secs(60));
        loop {
            let slot = slot_of(Utc::now(), every);
            match self.take(None, Some(slot.clone())).await {
                Ok(Some(s)) => {
                    tracing::info!(id = s.id, slot, "scheduled snapshot taken");
                    beat.ok();
                }
                Ok(None) => beat.ok(),
                Err(e) => tracing::warn!(error = format!("{e:#}"), "scheduled snapshot failed"),
            }
            tokio::time::sleep(check).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_parse_and_slots_align() {
        assert_eq!(parse_every("1d"), Ok(Some(Duration::from_secs(86_400))));
        assert_eq!(parse_every("30m"), Ok(Some(Duration::from_secs(1800))));
        assert_eq!(parse_every("off"), Ok(None));
        assert!(parse_every("1y").is_err());
        assert!(parse_every("0h").is_err());
        assert!(parse_every("d").is_err());
        let t = Utc
            .with_ymd_and_hms(2026, 11, 30, 17, 45, 3)
            .single()
            .expect("time");
        assert_eq!(
            slot_of(t, Duration::from_secs(86_400)),
            "2026-11-30T00:00:00+00:00"
        );
        assert_eq!(
            slot_of(t, Duration::from_secs(3600)),
            "2026-11-30T17:00:00+00:00"
        );
        // Weeks start on Mondays: 2026-12-03 is a Thursday.
        let thursday = Utc
            .with_ymd_and_hms(2026, 12, 3, 9, 0, 0)
            .single()
            .expect("time");
        assert_eq!(
            slot_of(thursday, Duration::from_secs(604_800)),
            "2026-11-30T00:00:00+00:00"
        );
        assert_eq!(
            slot_of(t, Duration::from_secs(604_800)),
            "2026-11-30T00:00:00+00:00"
        );
    }
}
