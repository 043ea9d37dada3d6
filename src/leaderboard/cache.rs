//! The cached leaderboard and the signal that it is stale.

use std::sync::{Arc, RwLock};

use sea_orm::DatabaseConnection;
use tokio::sync::{Mutex, Notify};

use super::compute::{EloTracker, compute};
use super::{Leaderboard, RefreshPolicy};

/// The latest leaderboard, what the online Elo has seen so far, and the
/// wake-up the refresher waits for.
pub struct LeaderboardCache {
    current: RwLock<Option<Arc<Leaderboard>>>,
    elo: Mutex<EloTracker>,
    pub(super) stale: Notify,
}

impl Default for LeaderboardCache {
    fn default() -> Self {
        Self {
            current: RwLock::new(None),
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

    fn set(&self, board: Leaderboard) {
        if let Ok(mut g) = self.current.write() {
            *g = Some(Arc::new(board));
        }
    }

    /// Marks the leaderboard stale; the refresher recomputes it soon.
    pub fn invalidate(&self) {
        self.stale.notify_one();
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
        let mut elo = self.elo.lock().await;
        let board = compute(db, policy, &mut elo).await?;
        self.set(board);
        Ok(())
    }
}
