//! Connecting to SQLite or PostgreSQL and running the migrations.

use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::postgres::PgSslMode;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};

/// Opens a connection pool for `url` (`sqlite://...` or `postgres://...`).
///
/// SQLite runs in WAL mode with `synchronous = FULL`, so a transaction that has
/// committed (and therefore a vote acknowledged with 2xx) is on disk before the
/// response leaves, and survives a `kill -9` or power cut. Foreign keys are enforced
/// and writers wait for each other instead of failing with `SQLITE_BUSY`
/// (the hot writes queue for one writer, [`super::writer`], and never meet).
///
/// # Errors
/// When the URL is malformed or the database cannot be reached.
pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<DatabaseConnection> {
    connect_with(url, max_connections, Duration::from_secs(10)).await
}

/// [`connect`], with how long a caller waits for a free connection (or for
/// an unreachable database) before it fails.
///
/// # Errors
/// As [`connect`].
pub async fn connect_with(
    url: &str,
    max_connections: u32,
    acquire_timeout: Duration,
) -> anyhow::Result<DatabaseConnection> {
    open(url, max_connections, acquire_timeout, false).await
}

/// How long a pooled connection may sit idle before it is pinged when it is
/// next taken. sqlx pings a connection on every acquire by default: one more
/// round trip before each statement run outside a transaction, and before each
/// transaction (on PostgreSQL a round trip over the network). A busy
/// connection is not pinged; a broken one
/// (a PostgreSQL restart) fails the statement it is taken for, and sqlx then
/// drops it when it is released (it pings every connection given back).
const IDLE_BEFORE_PING: Duration = Duration::from_secs(5);

/// Whether a PostgreSQL connection is made without TLS when its host is
/// this machine: when neither the URL (`sslmode`, or any other `ssl...`
/// setting such as a client certificate) nor the environment (`PGSSLMODE`)
/// says how.
///
/// sqlx's default (`prefer`) takes TLS whenever the server offers it, and
/// with TLS every record is its own system call: a message split over two
/// records waits, with Nagle's algorithm on (sqlx does not set
/// `TCP_NODELAY`), for the server's delayed acknowledgement of the first,
/// 40 ms. At 32 connections one request in seven took 35–50 ms that way
/// (p90 35 ms, p99 51 ms; without TLS p90 7.5 ms, p99 13 ms, and 3,200 votes/s
/// instead of 2,500). Over loopback TLS protects nothing: whoever can read
/// the traffic can read the process. An operator who wants it anyway says
/// `sslmode=require`; across a network the default stays sqlx's.
fn plain_on_loopback(url: &str, mode_in_environment: bool) -> bool {
    let is_postgres = url.starts_with("postgres://") || url.starts_with("postgresql://");
    let query = url.split_once('?').map_or("", |(_, q)| q);
    // `sslmode` or any other TLS setting (`sslrootcert`, `sslcert`, `sslkey`,
    // `ssl-mode`...): the operator has said something about TLS.
    let says_mode = query.split('&').any(|pair| {
        let key = pair.split('=').next().unwrap_or("");
        key.get(..3).is_some_and(|k| k.eq_ignore_ascii_case("ssl"))
    });
    is_postgres && !says_mode && !mode_in_environment
}

/// A host name or address that is this machine (or a Unix socket's folder).
fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.starts_with('/')
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// [`connect_with`]; `writes` keeps statement journals in memory (see
/// [`writer_connection`]).
async fn open(
    url: &str,
    max_connections: u32,
    acquire_timeout: Duration,
    writes: bool,
) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .min_connections(1)
        .acquire_timeout(acquire_timeout)
        .sqlx_logging(false)
        .test_before_acquire_if_idle_for(IDLE_BEFORE_PING)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                // No memory map (`mmap_size` 0): a connection that finds the
                // file changed by another one drops its whole map at its next
                // read (an `munmap`, with its TLB shootdowns, then a page
                // fault per page read again). Under a crowd the writer changes
                // the file hundreds of times a second, and that cost 14 % of
                // the server's CPU in a profile; a page read by `pread` costs
                // one copy.
                .pragma("mmap_size", "0")
        });
    if plain_on_loopback(url, std::env::var_os("PGSSLMODE").is_some()) {
        options.map_sqlx_postgres_opts(|o| {
            if is_loopback(o.get_host()) {
                o.ssl_mode(PgSslMode::Disable)
            } else {
                o
            }
        });
    }
    if writes {
        // The writer's statements' undo journals (a multi-row insert keeps
        // one in case a row fails) stay in memory instead of spilling to a
        // temporary file past 64 kB. Only there: with it, SQLite's sorter
        // never spills either, which a large index build must be free to.
        options.map_sqlx_sqlite_opts(|o| o.pragma("temp_store", "memory"));
    }
    // A new SQLite file is switched to WAL by its first connection, and that
    // switch fails at once ("database is locked", no busy handler) while
    // another process holds the file (its own first connection, a running
    // import). It is tried again, as the busy handler would, for up to its
    // timeout; any other failure is final.
    let give_up = tokio::time::Instant::now() + SQLITE_BUSY_TIMEOUT;
    let mut pause = Duration::from_millis(10);
    loop {
        match Database::connect(options.clone()).await {
            Err(e) if is_busy(&e) && tokio::time::Instant::now() + pause < give_up => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(250));
            }
            other => {
                return other.with_context(|| {
                    format!("could not connect to the database at {}", redact(url))
                });
            }
        }
    }
}

/// The connection the hot writes go through ([`super::writer`]): on an
/// SQLite file, a pool of its own holding one connection; elsewhere `db`.
///
/// In WAL mode a connection empties its page cache whenever another
/// connection has written since its last transaction. The writer's batches
/// took whichever pooled connection was free, so nearly every batch began
/// with a cold cache and read the tables' and indexes' upper pages again
/// (from the WAL, by system calls); on a connection of its own, the pages
/// its last batch touched are still there. The process then holds one
/// connection more than `database_max_connections`. (An in-memory database
/// is one per pool, so it keeps sharing `db`.)
///
/// # Errors
/// When the connection cannot be opened.
pub async fn writer_connection(
    db: &DatabaseConnection,
    url: &str,
    acquire_timeout: Duration,
) -> anyhow::Result<Writes> {
    if db.get_database_backend() != sea_orm::DbBackend::Sqlite || sqlite_file(url).is_none() {
        return Ok(Writes::shared(db));
    }
    Ok(Writes {
        db: open(url, 1, acquire_timeout, true).await?,
        own: true,
    })
}

/// The connection the writer writes through.
#[derive(Clone)]
pub struct Writes {
    pub db: DatabaseConnection,
    /// A pool of the writer's own (one SQLite connection), which it may
    /// keep taken ([`super::held`]); otherwise it shares `db` with the reads.
    pub own: bool,
}

impl Writes {
    /// Writes through `db`, shared with everything else.
    #[must_use]
    pub fn shared(db: &DatabaseConnection) -> Self {
        Self {
            db: db.clone(),
            own: false,
        }
    }
}

/// How long SQLite waits for another connection's lock.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// SQLite's `SQLITE_BUSY` (5): another connection holds the lock.
fn is_busy(e: &DbErr) -> bool {
    let (DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e))
    | DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e))
    | DbErr::Query(sea_orm::RuntimeErr::SqlxError(e))) = e
    else {
        return false;
    };
    e.as_database_error()
        .and_then(|d| d.code())
        .is_some_and(|code| code == "5")
}

/// Applies every pending migration.
///
/// # Errors
/// When a migration fails; the database is left at the last migration that succeeded.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    // Processes that migrate at once (instances starting together, a command
    // beside a starting server) take turns: the migrations run in one
    // transaction that holds a lock until it commits (DDL is transactional on
    // both databases), so the next one sees them applied and has nothing
    // left to do. SQLite: the write lock, taken at BEGIN IMMEDIATE (without
    // it, two processes both found the tables missing and the second failed
    // with "table already exists"). PostgreSQL: an advisory lock.
    let txn = db.begin_write().await.context("begin the migrations")?;
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
            .await
            .context("wait for the migration lock")?;
    }
    Migrator::up(&txn, None)
        .await
        .context("failed to run database migrations")?;
    txn.commit().await.context("commit the migrations")
}

/// Starting a transaction that will write.
///
/// On SQLite a plain `BEGIN` is deferred: the transaction takes the write
/// lock at its first write, and one that read first and finds another
/// connection has written meanwhile fails at once with `SQLITE_BUSY`
/// ("database is locked"), without waiting. `BEGIN IMMEDIATE` takes the write
/// lock at the start, waiting for it (`busy_timeout`), so a read-then-write
/// transaction never fails that way. PostgreSQL ignores the mode. A read-only
/// transaction (a consistent snapshot) keeps using `begin`.
pub trait BeginWrite: TransactionTrait {
    /// `BEGIN IMMEDIATE` on SQLite, `BEGIN` elsewhere.
    fn begin_write(&self) -> impl Future<Output = Result<Self::Transaction, DbErr>> + Send;
}

impl<T: TransactionTrait> BeginWrite for T {
    fn begin_write(&self) -> impl Future<Output = Result<Self::Transaction, DbErr>> + Send {
        self.begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
    }
}

/// The advisory lock key the migrations hold on PostgreSQL.
const MIGRATION_LOCK: i64 = 474_152;

/// The file of an SQLite URL (`sqlite://path?...`), or `None` for another
/// database or an in-memory one.
#[must_use]
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let file = rest.split('?').next()?;
    (!file.is_empty() && file != ":memory:").then(|| std::path::PathBuf::from(file))
}

/// Serialises the start of instances that share one SQLite file: an
/// exclusive lock on `<file>.start-lock`, held while the returned file is
/// open. The first connection (which switches a new file to WAL), the
/// migrations, the demo set and the generated signing key are set up
/// under it, so two instances started at once never both apply the same
/// migration. Other databases get `None` (PostgreSQL's migrations take an
/// advisory lock of their own).
///
/// # Errors
/// When the lock file cannot be created or locked.
pub async fn start_lock(url: &str) -> anyhow::Result<Option<std::fs::File>> {
    let Some(db) = sqlite_file(url) else {
        return Ok(None);
    };
    let mut name = db.into_os_string();
    name.push(".start-lock");
    let path = std::path::PathBuf::from(name);
    tokio::task::spawn_blocking(move || {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        file.lock()
            .with_context(|| format!("cannot lock {}", path.display()))?;
        Ok(Some(file))
    })
    .await
    .context("the start lock's task failed")?
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

    /// Another connection is writing to a new SQLite file (a transaction
    /// holding its write lock) while the arena connects: the switch to WAL
    /// is then refused with SQLITE_BUSY at once, without the busy handler
    /// (SQLite's deadlock rule), so connecting failed; now it waits and
    /// tries again until the file is free. (Without the retry this test
    /// fails: tried.)
    #[tokio::test]
    async fn connecting_waits_for_a_file_another_connection_holds() {
        use sea_orm::sqlx::{Connection, Executor};
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("held.db");
        let mut holder = sea_orm::sqlx::SqliteConnection::connect_with(
            &sea_orm::sqlx::sqlite::SqliteConnectOptions::new()
                .filename(&path)
                .create_if_missing(true),
        )
        .await
        .expect("holder");
        holder
            .execute("CREATE TABLE t (x INTEGER); BEGIN IMMEDIATE; INSERT INTO t VALUES (1);")
            .await
            .expect("hold the file");
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let connecting = tokio::spawn(async move { super::connect(&url, 2).await });
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(!connecting.is_finished(), "it did not wait for the lock");
        holder.execute("COMMIT").await.expect("release");
        let db = connecting
            .await
            .expect("task")
            .expect("connected once the file was free");
        super::ping(&db).await.expect("answers");
    }

    /// The writer's connection reaches the same database as the pool: a
    /// pool of its own on a file, the pool itself in memory (a second pool
    /// would open an empty database of its own).
    #[tokio::test]
    async fn the_writer_reaches_the_pools_database() {
        use sea_orm::ConnectionTrait;
        let dir = tempfile::tempdir().expect("dir");
        let file = format!("sqlite://{}?mode=rwc", dir.path().join("w.db").display());
        for url in [file.as_str(), "sqlite::memory:"] {
            let db = super::connect(url, 2).await.expect("pool");
            let writes = super::writer_connection(&db, url, std::time::Duration::from_secs(5))
                .await
                .expect("writer");
            db.execute_unprepared("CREATE TABLE t (x INTEGER)")
                .await
                .expect("create");
            assert_eq!(writes.own, url == file, "{url}");
            writes
                .db
                .execute_unprepared("INSERT INTO t VALUES (7)")
                .await
                .unwrap_or_else(|e| panic!("{url}: the writer does not see the table: {e}"));
            let row = db
                .query_one_raw(sea_orm::Statement::from_string(
                    db.get_database_backend(),
                    "SELECT x FROM t",
                ))
                .await
                .expect("read")
                .expect("a row");
            assert_eq!(row.try_get_by_index::<i32>(0).expect("x"), 7, "{url}");
        }
    }

    #[test]
    fn postgres_on_this_machine_goes_without_tls_unless_asked() {
        use super::{is_loopback, plain_on_loopback};
        assert!(plain_on_loopback("postgres://u@127.0.0.1:5432/db", false));
        assert!(plain_on_loopback(
            "postgresql://u@localhost/db?application_name=a",
            false
        ));
        assert!(!plain_on_loopback(
            "postgres://u@127.0.0.1/db?sslmode=require",
            false
        ));
        assert!(!plain_on_loopback(
            "postgres://u@127.0.0.1/db?a=b&SSLMODE=prefer",
            false
        ));
        assert!(!plain_on_loopback(
            "postgres://u@127.0.0.1/db?ssl-mode=verify-full",
            false
        ));
        assert!(!plain_on_loopback(
            "postgres://u@127.0.0.1/db?sslrootcert=/ca.pem",
            false
        ));
        assert!(!plain_on_loopback(
            "postgres://u@localhost/db?sslcert=c.pem&sslkey=k.pem",
            false
        ));
        assert!(!plain_on_loopback("postgres://u@127.0.0.1/db", true));
        assert!(!plain_on_loopback("sqlite://arena.db?mode=rwc", false));
        for host in [
            "127.0.0.1",
            "127.8.9.10",
            "localhost",
            "LOCALHOST",
            "::1",
            "[::1]",
            "/run/postgresql",
        ] {
            assert!(is_loopback(host), "{host}");
        }
        for host in ["10.0.0.5", "db.example.org", "::2", "localhost.example.org"] {
            assert!(!is_loopback(host), "{host}");
        }
    }

    /// On the CI's PostgreSQL (which offers TLS): a loopback URL without
    /// `sslmode` connects without it, and `sslmode=require` still gets it.
    #[tokio::test]
    async fn a_loopback_postgres_connection_is_plain_unless_tls_is_asked_for() {
        use sea_orm::ConnectionTrait;
        let Ok(url) = std::env::var("GOLDARENA_TEST_POSTGRES_URL") else {
            assert!(
                std::env::var("CI").is_err(),
                "CI must set GOLDARENA_TEST_POSTGRES_URL"
            );
            eprintln!("skipped: no PostgreSQL (GOLDARENA_TEST_POSTGRES_URL)");
            return;
        };
        if url.contains('?') || std::env::var_os("PGSSLMODE").is_some() {
            eprintln!("skipped: the test URL or PGSSLMODE sets its own mode");
            return;
        }
        let ssl = |url: String| async move {
            let db = super::connect(&url, 1).await.expect("connect");
            let row = db
                .query_one_raw(sea_orm::Statement::from_string(
                    db.get_database_backend(),
                    "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                ))
                .await
                .expect("read")
                .expect("a row");
            row.try_get_by_index::<bool>(0).expect("ssl")
        };
        assert!(
            !ssl(url.clone()).await,
            "a loopback connection without sslmode"
        );
        let offered = ssl(format!("{url}?sslmode=prefer")).await;
        if offered {
            assert!(ssl(format!("{url}?sslmode=require")).await);
        } else {
            eprintln!("note: this PostgreSQL offers no TLS; only the plain half ran");
        }
    }

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
