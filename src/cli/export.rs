//! `goldarena export battles|votes|leaderboard`: files an operator hands on,
//! each with `<file>.manifest.json` beside it (its SHA-256, the command and
//! filters, the software version, the counts, and how to recompute).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use clap::Subcommand;

use crate::config::Settings;
use crate::domain::Scope;
use crate::export::battles::{
    BoardFormat, Manifest, encode_battles, encode_board, encode_votes_csv,
};
use crate::export::parse_when;
use crate::leaderboard::{LeaderboardCache, RefreshPolicy, Snapshots};
use crate::store;
use crate::store::exports::ExportFilter;

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// The votes as a FastChat / LMSYS clean-battle file (JSON lines).
    Battles {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Votes cast on or after this date (2026-11-01) or time (RFC 3339).
        #[arg(long, value_name = "WHEN")]
        since: Option<String>,
        /// Votes cast before this date or time.
        #[arg(long, value_name = "WHEN")]
        until: Option<String>,
        /// `overall` (default), `category:NAME`, `language:CODE`, or both
        /// (`category:NAME,language:CODE`).
        #[arg(long, value_name = "SCOPE", default_value = "overall")]
        scope: String,
        /// Add `conversation_a` / `conversation_b` (the prompts and answers).
        #[arg(long)]
        with_conversations: bool,
    },
    /// The votes as CSV, one per line.
    Votes {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[arg(long, value_name = "WHEN")]
        since: Option<String>,
        #[arg(long, value_name = "WHEN")]
        until: Option<String>,
    },
    /// The leaderboard (now, or as a snapshot kept it).
    Leaderboard {
        #[arg(long, value_enum, default_value = "csv")]
        format: BoardFormat,
        #[arg(long, value_name = "ID")]
        snapshot: Option<i32>,
        /// Write here (and a manifest beside it) instead of to stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

fn write_with_manifest(path: &Path, body: &[u8], manifest: &Manifest) -> anyhow::Result<()> {
    std::fs::write(path, body).with_context(|| format!("cannot write {}", path.display()))?;
    let mut manifest_path = path.as_os_str().to_owned();
    manifest_path.push(".manifest.json");
    let text = serde_json::to_string_pretty(manifest).context("encode the manifest")?;
    std::fs::write(&manifest_path, text + "\n")
        .with_context(|| format!("cannot write {}", PathBuf::from(&manifest_path).display()))?;
    Ok(())
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// # Errors
/// Bad filters, a database error, or a file that cannot be written.
pub async fn run(command: &ExportCommand, settings: &Settings) -> anyhow::Result<()> {
    let db = store::connect(&settings.database_url, 4).await?;
    store::migrate(&db).await?;
    let args: Vec<String> = std::env::args().collect();
    let command_line = args.join(" ");
    match command {
        ExportCommand::Battles {
            out,
            since,
            until,
            scope,
            with_conversations,
        } => {
            let filter = ExportFilter {
                since: since.as_deref().map(|t| parse_when(t, false)).transpose()?,
                until: until.as_deref().map(|t| parse_when(t, true)).transpose()?,
                scope: Scope::parse(scope).map_err(anyhow::Error::msg)?,
            };
            let votes = store::exports::votes(&db, &filter).await?;
            let ids: Vec<uuid::Uuid> = votes.iter().map(|v| v.battle_id).collect();
            let turns = store::exports::turns(&db, &ids).await?;
            let conversations = if *with_conversations {
                Some(store::exports::conversations(&db, &ids).await?)
            } else {
                None
            };
            let (body, counts) = encode_battles(&votes, &turns, conversations.as_ref())?;
            let name = file_name(out);
            let manifest = Manifest::of(
                "battles",
                &name,
                &body,
                command_line,
                serde_json::json!({
                    "since": filter.since.map(|t| t.to_rfc3339()),
                    "until": filter.until.map(|t| t.to_rfc3339()),
                    "scope": filter.scope.key(),
                    "with_conversations": with_conversations,
                }),
                serde_json::to_value(&counts).context("counts")?,
                None,
                format!(
                    "goldarena ratings --input {name} --ci sandwich (records with counted: false or anony: false are left out, as the server's board leaves them out)"
                ),
            );
            write_with_manifest(out, &body, &manifest)?;
            println!(
                "{} battles ({} counted, {} models) written to {}, sha256 {}",
                counts.battles,
                counts.counted,
                counts.models,
                out.display(),
                manifest.sha256
            );
        }
        ExportCommand::Votes { out, since, until } => {
            let filter = ExportFilter {
                since: since.as_deref().map(|t| parse_when(t, false)).transpose()?,
                until: until.as_deref().map(|t| parse_when(t, true)).transpose()?,
                scope: Scope::Overall,
            };
            let votes = store::exports::votes(&db, &filter).await?;
            let body = encode_votes_csv(&votes)?;
            let manifest = Manifest::of(
                "votes",
                &file_name(out),
                &body,
                command_line,
                serde_json::json!({
                    "since": filter.since.map(|t| t.to_rfc3339()),
                    "until": filter.until.map(|t| t.to_rfc3339()),
                }),
                serde_json::json!({ "votes": votes.len() }),
                None,
                "one vote per line; counted = true lines are the leaderboard's input".to_owned(),
            );
            write_with_manifest(out, &body, &manifest)?;
            println!("{} votes written to {}", votes.len(), out.display());
        }
        ExportCommand::Leaderboard {
            format,
            snapshot,
            out,
        } => {
            let policy = RefreshPolicy::from_settings(settings)?;
            let cache = Arc::new(LeaderboardCache::default());
            let board = match snapshot {
                Some(id) => Snapshots::new(db.clone(), Arc::clone(&cache), policy.clone())
                    .get(*id)
                    .await?
                    .with_context(|| format!("no snapshot with id {id}"))?
                    .board(),
                None => {
                    cache.refresh(&db, &policy).await?;
                    cache
                        .get()
                        .context("the leaderboard was not computed")?
                        .as_ref()
                        .clone()
                }
            };
            let body = encode_board(&board, *format)?;
            match out {
                Some(path) => {
                    let manifest = Manifest::of(
                        "leaderboard",
                        &file_name(path),
                        &body,
                        command_line,
                        serde_json::json!({ "scope": board.scope, "snapshot": snapshot }),
                        serde_json::json!({ "models": board.rows.len(), "votes": board.total_votes, "input_sha256": board.input_sha256 }),
                        Some(board.seed),
                        format!(
                            "goldarena export battles --out battles.jsonl, then goldarena ratings --input battles.jsonl --ci {}{}",
                            board.ci_method,
                            if board.ci_method == "bootstrap" {
                                format!(
                                    " --bootstrap {} --seed {}",
                                    board.bootstrap_rounds, board.seed
                                )
                            } else {
                                String::new()
                            }
                        ),
                    );
                    write_with_manifest(path, &body, &manifest)?;
                    println!("{} models written to {}", board.rows.len(), path.display());
                }
                None => print!("{}", String::from_utf8_lossy(&body)),
            }
        }
    }
    Ok(())
}
