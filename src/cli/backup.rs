//! `goldarena backup --out FILE`: an online, consistent copy of an SQLite
//! arena (`VACUUM INTO`, one read transaction, so votes keep flowing), then
//! checked (`PRAGMA integrity_check`) and its votes counted. For PostgreSQL
//! it says how to use `pg_dump`. `goldarena backup --check FILE` checks a
//! copy made earlier. Restoring is stopping the arena and putting the copy in
//! place of the database file.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::config::Settings;
use crate::store;

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where to write the copy (must not exist yet).
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "check",
        conflicts_with = "check"
    )]
    out: Option<PathBuf>,
    /// Check a copy made earlier instead: its integrity and its counts.
    #[arg(long, value_name = "FILE")]
    check: Option<PathBuf>,
}

const PG_GUIDANCE: &str = "this arena runs on PostgreSQL: back it up with pg_dump, e.g.\n  pg_dump --format=custom --file=goldarena.dump \"$GOLDARENA_DATABASE_URL\"\nrestore into an empty database with\n  pg_restore --clean --if-exists --dbname=\"$GOLDARENA_DATABASE_URL\" goldarena.dump\nand check it with `pg_restore --list goldarena.dump`";

/// Checks an SQLite file: its integrity, then how many battles and votes it
/// holds. Returns `(battles, votes)`.
async fn check(file: &Path) -> anyhow::Result<(i64, i64)> {
    anyhow::ensure!(file.is_file(), "{} does not exist", file.display());
    // Opened as the arena opens it (WAL), which is also how a restore uses it.
    let url = format!("sqlite://{}?mode=rw", file.display());
    let db = store::connect(&url, 1).await?;
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA integrity_check",
        ))
        .await
        .context("integrity check")?
        .context("integrity check gave no answer")?;
    let verdict: String = row.try_get_by_index(0).context("integrity check")?;
    anyhow::ensure!(verdict == "ok", "{} is damaged: {verdict}", file.display());
    let mut counts = [0i64; 2];
    for (i, table) in ["battles", "votes"].iter().enumerate() {
        let row = db
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                format!("SELECT COUNT(*) FROM {table}"),
            ))
            .await
            .with_context(|| format!("count {table}"))?
            .with_context(|| format!("count {table}"))?;
        counts[i] = row
            .try_get_by_index(0)
            .with_context(|| format!("count {table}"))?;
    }
    db.close().await.ok();
    Ok((counts[0], counts[1]))
}

/// # Errors
/// On PostgreSQL (with the `pg_dump` guidance), an existing target, a copy
/// that fails its check, or a database error.
pub async fn run(args: &BackupArgs, settings: &Settings) -> anyhow::Result<()> {
    if let Some(file) = &args.check {
        let (battles, votes) = check(file).await?;
        println!(
            "{}: integrity ok; {battles} battles, {votes} votes",
            file.display()
        );
        return Ok(());
    }
    let out = args.out.as_ref().context("--out FILE")?;
    anyhow::ensure!(
        settings.database_url.starts_with("sqlite:"),
        "{PG_GUIDANCE}"
    );
    anyhow::ensure!(
        !out.exists(),
        "{} exists already; pick a new file",
        out.display()
    );
    let target = out.to_str().context("the backup path is not UTF-8")?;
    let db = store::connect(&settings.database_url, 1).await?;
    // VACUUM INTO writes a consistent snapshot from one read transaction.
    db.execute_unprepared(&format!("VACUUM INTO '{}'", target.replace('\'', "''")))
        .await
        .with_context(|| format!("cannot write {}", out.display()))?;
    db.close().await.ok();
    let (battles, votes) = check(out).await?;
    println!(
        "backed up to {}: integrity ok; {battles} battles, {votes} votes",
        out.display()
    );
    Ok(())
}
