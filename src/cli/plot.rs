//! `goldarena plot KIND --out F.svg [--models a,b] [--reference m]
//! [--snapshot ID] [--show-deprecated]`: the plots of the web page, written
//! to a file.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;

use crate::config::Settings;
use crate::leaderboard::plots::{PlotQuery, render};
use crate::leaderboard::{LeaderboardCache, RefreshPolicy, Snapshots};
use crate::plots::Kind;
use crate::store;

#[derive(Debug, Args)]
pub struct PlotArgs {
    /// ratings, win_fraction, battle_count, predicted_win or history.
    #[arg(value_name = "KIND", value_parser = parse_kind)]
    pub kind: Kind,
    /// The SVG file to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// The models of a history plot, comma-separated.
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub models: Vec<String>,
    /// A history plot's reference model (drawn dashed).
    #[arg(long, value_name = "MODEL")]
    pub reference: Option<String>,
    /// The ratings of this snapshot instead of the board now (ratings and
    /// predicted_win only).
    #[arg(long, value_name = "ID")]
    pub snapshot: Option<i32>,
    /// Deprecated models too.
    #[arg(long)]
    pub show_deprecated: bool,
}

fn parse_kind(text: &str) -> Result<Kind, String> {
    Kind::parse(text).ok_or_else(|| {
        format!(
            "no plot called {text:?}; the plots are {}",
            Kind::ALL.map(Kind::as_str).join(", ")
        )
    })
}

/// # Errors
/// On invalid arguments, a database error, or a file that cannot be written.
pub async fn run(args: &PlotArgs, settings: &Settings) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.kind == Kind::History || (args.models.is_empty() && args.reference.is_none()),
        "--models and --reference apply to the history plot only"
    );
    anyhow::ensure!(
        args.snapshot.is_none() || matches!(args.kind, Kind::Ratings | Kind::PredictedWin),
        "--snapshot keeps the ratings, not the battles: use it with ratings or predicted_win"
    );
    let db = store::connect(&settings.database_url, 4).await?;
    store::migrate(&db).await?;
    let policy = RefreshPolicy::from_settings(settings)?;
    let cache = Arc::new(LeaderboardCache::default());
    let snapshots = Snapshots::new(db.clone(), Arc::clone(&cache), policy.clone());
    let board = match (args.kind, args.snapshot) {
        (Kind::History, _) => None,
        (_, Some(id)) => Some(Arc::new(
            snapshots
                .get(id)
                .await?
                .with_context(|| format!("no snapshot with id {id}"))?
                .board(),
        )),
        (_, None) => {
            cache.refresh(&db, &policy).await?;
            cache.get()
        }
    };
    let query = PlotQuery {
        models: args
            .models
            .iter()
            .map(|m| m.trim().to_owned())
            .filter(|m| !m.is_empty())
            .collect(),
        reference: args.reference.clone(),
        show_deprecated: args.show_deprecated,
        ..PlotQuery::default()
    };
    let svg = render(&db, board.as_deref(), &snapshots, args.kind, &query)
        .await
        .map_err(anyhow::Error::from)?;
    std::fs::write(&args.out, svg)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    println!(
        "{} plot written to {}",
        args.kind.as_str(),
        args.out.display()
    );
    Ok(())
}
