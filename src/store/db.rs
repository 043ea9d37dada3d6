//! Connecting to SQLite or PostgreSQL and running the migrations.

use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};

/// Opens a connection pool for `url` (`sqlite://...` or `postgres://...`).
///
/// SQLite runs in WAL mode with `synchronous = FULL`, so a transaction that has
/// committed (and therefore a vote acknowledged with 2xx) is on disk before the
/// response leaves, and survives a `kill -9` or power cut. Foreign keys are enforced
/// and writers wait for each other instead of failing with `SQLITE_BUSY`.
///
/// # Errors
/// When the URL is malformed or the database cannot be reached.
pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
        });
    Database::connect(options)
        .await
        .with_context(|| format!("could not connect to the database at {}", redact(url)))
}

/// Applies every pending migration.
///
/// # Errors
/// When a migration fails; the database is left at the last migration that succeeded.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .context("failed to run database migrations")
}

/// A round trip to the database, for health checks.
///
/// # Errors
/// When the database does not answer.
pub async fn ping(db: &DatabaseConnection) -> anyhow::Result<()> {
    db.execute_unprepared("SELECT 1")
        .await
        .context("database did not answer SELECT 1")?;
    Ok(())
}

/// The URL without its password, fit for logs and error messages.
#[must_use]
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &userinfo[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_hidden_in_urls() {
        assert_eq!(
            redact("postgres://arena:s3cret@db:5432/arena"),
            "postgres://arena:***@db:5432/arena"
        );
        assert_eq!(
            redact("postgres://arena@db/arena"),
            "postgres://arena@db/arena"
        );
        assert_eq!(
            redact("sqlite://goldarena.db?mode=rwc"),
            "sqlite://goldarena.db?mode=rwc"
        );
    }
}
