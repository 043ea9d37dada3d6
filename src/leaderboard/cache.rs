//! The cached leaderboard and the signal that it is stale.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use sea_orm::DatabaseConnection;
use tokio::sync::{Mutex, Notify};

use super::compute::{EloTracker, compute};
use super::{Leaderboard, RefreshPolicy};
use crate::domain::Scope;

/// The latest leaderboard, what the online Elo has seen so far, and the
/// wake-up the refresher waits for.
pub struct LeaderboardCache {
    current: RwLock<Option<Arc<Leaderboard>>>,
    /// The generation the current board was computed at (read before its
    /// computation began, so it is never newer than the board).
    current_generation: AtomicU64,
    /// The fingerprint of the overall pair counts of the current board.
    pub(super) current_counts: AtomicU64,
    /// The latest void or restore (its audit id; 0 for none) the current
    /// board's online Elo had seen.
    current_moderation: AtomicI64,
    /// Boards per category or language, computed when first asked for and
    /// kept until a counted vote here makes them stale (`generation`) or the
    /// overall board changes (a vote or a void through another instance).
    scoped: RwLock<HashMap<String, Kept>>,
    generation: AtomicU64,
    policy: RwLock<Option<RefreshPolicy>>,
    elo: Mutex<EloTracker>,
    pub(super) stale: Notify,
}

/// A scoped or style-controlled board, with the generation and the overall
/// board's counts it was built at.
struct Kept {
    generation: u64,
    overall: u64,
    board: Arc<Leaderboard>,
}

impl Default for LeaderboardCache {
    fn default() -> Self {
        Self {
            current: RwLock::new(None),
            current_generation: AtomicU64::new(0),
            current_counts: AtomicU64::new(0),
            current_moderation: AtomicI64::new(0),
            scoped: RwLock::new(HashMap::new()),
            generation: AtomicU64::new(0),
            policy: RwLock::new(None),
            elo: Mutex::new(EloTracker::default()),
            stale: Notify::new(),
        }
    }
}

impl LeaderboardCache {
    /// The latest leaderboard, if one has been computed.
    #[must_use]
    pub fn get(&self) -> Option<Arc<Leaderboard>> {
        self.current.read().map_or(None, |g| g.clone())
    }

    fn set(&self, board: Leaderboard, generation: u64, counts: u64, moderation: Option<i64>) {
        if let Ok(mut g) = self.current.write() {
            *g = Some(Arc::new(board));
            self.current_generation.store(generation, Ordering::Relaxed);
            self.current_counts.store(counts, Ordering::Relaxed);
            self.current_moderation
                .store(moderation.unwrap_or(0), Ordering::Relaxed);
        }
    }

    /// The board kept under `key`, if it is still current.
    fn kept(&self, key: &str, generation: u64, overall: u64) -> Option<Arc<Leaderboard>> {
        let map = self.scoped.read().ok()?;
        let kept = map.get(key)?;
        (kept.generation == generation && kept.overall == overall).then(|| Arc::clone(&kept.board))
    }

    /// Battles a model needs before it is ranked, in every scope (`None`
    /// before the first board).
    #[must_use]
    pub fn min_votes(&self) -> Option<u64> {
        self.policy
            .read()
            .ok()
            .and_then(|p| p.as_ref().map(|p| p.min_votes))
    }

    /// Marks the leaderboard stale; the refresher recomputes it soon.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::Relaxed);
        self.stale.notify_one();
    }

    /// The board of one category or language, from its own pair counts:
    /// cached until the next counted vote. `None` before the first overall
    /// board (the policy is not known yet).
    ///
    /// # Errors
    /// On a database error.
    pub async fn scoped(
        &self,
        db: &DatabaseConnection,
        scope: &Scope,
    ) -> anyhow::Result<Option<Arc<Leaderboard>>> {
        let key = scope.key();
        let generation = self.generation.load(Ordering::Relaxed);
        let overall = self.current_counts.load(Ordering::Relaxed);
        if let Some(board) = self.kept(&key, generation, overall) {
            return Ok(Some(board));
        }
        let Some(policy) = self.policy.read().ok().and_then(|p| p.clone()) else {
            return Ok(None);
        };
        let board = {
            let mut elo = self.elo.lock().await;
            Arc::new(compute(db, &policy, &mut elo, scope).await?.0)
        };
        self.remember(key, generation, overall, &board);
        Ok(Some(board))
    }

    /// The board of `scope` with style control: cached like the scoped
    /// boards, until the next counted vote. `None` before the first overall
    /// board.
    ///
    /// # Errors
    /// On a database error.
    pub async fn style_controlled(
        &self,
        db: &DatabaseConnection,
        scope: &Scope,
    ) -> anyhow::Result<Option<Arc<Leaderboard>>> {
        let key = format!("{}#style", scope.key());
        let generation = self.generation.load(Ordering::Relaxed);
        let overall = self.current_counts.load(Ordering::Relaxed);
        if let Some(board) = self.kept(&key, generation, overall) {
            return Ok(Some(board));
        }
        // The overall board is the refresher's: it may be older than this
        // generation (a vote or a void since), and a board built on it is
        // then served but not kept, so the next request builds on a newer one.
        let (plain, plain_generation) = match scope {
            Scope::Overall => (self.get(), self.current_generation.load(Ordering::Relaxed)),
            other => (self.scoped(db, other).await?, generation),
        };
        let Some(plain) = plain else {
            return Ok(None);
        };
        let board = Arc::new(super::style::with_style(db, scope, &plain).await?);
        if plain_generation == generation {
            self.remember(key, generation, overall, &board);
        }
        Ok(Some(board))
    }

    fn remember(&self, key: String, generation: u64, overall: u64, board: &Arc<Leaderboard>) {
        if let Ok(mut map) = self.scoped.write() {
            // Scopes are few (categories and languages of the bank), but a
            // client may name any: keep the map from growing without bound.
            if map.len() > 256 {
                map.clear();
            }
            map.insert(
                key,
                Kept {
                    generation,
                    overall,
                    board: Arc::clone(board),
                },
            );
        }
    }

    /// The latest void or restore the current board's online Elo had seen
    /// (read without waiting for a recompute that holds the tracker).
    pub(super) fn board_moderation(&self) -> Option<i64> {
        match self.current_moderation.load(Ordering::Relaxed) {
            0 => None,
            id => Some(id),
        }
    }

    /// Computes the leaderboard now and stores it.
    ///
    /// # Errors
    /// On a database error.
    pub async fn refresh(
        &self,
        db: &DatabaseConnection,
        policy: &RefreshPolicy,
    ) -> anyhow::Result<()> {
        if let Ok(mut p) = self.policy.write() {
            *p = Some(policy.clone());
        }
        let mut elo = self.elo.lock().await;
        let generation = self.generation.load(Ordering::Relaxed);
        let (board, counts) = compute(db, policy, &mut elo, &Scope::Overall).await?;
        // Set only with the board: a recompute that failed after the online
        // Elo caught up leaves the poll seeing the change still to do.
        self.set(board, generation, counts, elo.moderation());
        Ok(())
    }
}
