//! `goldarena snapshot take [--label L]` and `goldarena snapshot list`.

use std::sync::Arc;

use clap::Subcommand;

use crate::config::Settings;
use crate::leaderboard::{LeaderboardCache, RefreshPolicy, Snapshots};
use crate::store;

#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// Take a snapshot of the overall board now (immutable once stored).
    Take {
        #[arg(long, value_name = "L")]
        label: Option<String>,
    },
    /// List the snapshots, oldest first.
    List,
}

/// # Errors
/// On a database error or invalid settings.
pub async fn run(command: &SnapshotCommand, settings: &Settings) -> anyhow::Result<()> {
    // The snapshot's transaction holds one connection while the board is
    // computed on another.
    let db = store::connect(&settings.database_url, 4).await?;
    store::migrate(&db).await?;
    let policy = RefreshPolicy::from_settings(settings)?;
    let snapshots = Snapshots::new(db, Arc::new(LeaderboardCache::default()), policy);
    match command {
        SnapshotCommand::Take { label } => {
            let s = snapshots
                .take(label.clone(), None)
                .await?
                .ok_or_else(|| anyhow::anyhow!("the snapshot was not stored"))?;
            println!(
                "snapshot {} taken at {}: {} models, {} votes, input sha256 {}",
                s.id,
                s.taken_at.to_rfc3339(),
                s.rows.len(),
                s.vote_count,
                s.input_sha256
            );
        }
        SnapshotCommand::List => {
            println!(
                "{:>5}  {:<25}  {:>8}  {:>7}  {:<10}  LABEL",
                "ID", "TAKEN", "VOTES", "MODELS", "KIND"
            );
            for s in snapshots.list(None, None).await? {
                println!(
                    "{:>5}  {:<25}  {:>8}  {:>7}  {:<10}  {}",
                    s.id,
                    s.taken_at.format("%Y-%m-%d %H:%M:%S UTC"),
                    s.vote_count,
                    s.rows.len(),
                    if s.slot.is_some() {
                        "scheduled"
                    } else {
                        "on demand"
                    },
                    s.label.as_deref().unwrap_or("")
                );
            }
        }
    }
    Ok(())
}
