//! The SQLite connection the writer keeps for itself, and runs several
//! statements on in one command.
//!
//! sqlx runs each SQLite connection on a thread of its own: every statement
//! is a message to that thread and its rows come back as messages, each
//! waking the other side. A batch through a sea-orm transaction took about
//! ten such crossings (the pool's pings on taking and giving back the
//! connection, `BEGIN` and `COMMIT`, which also wait for the caller to
//! acknowledge the reply, and each statement), and on the 2-core machine
//! each crossing costs about as much as the statement itself: the writer's
//! batches spent most of their time handing over, not writing. Here the
//! writer takes the connection once and keeps it, and sends a batch as two
//! commands, each several statements separated by `;` with their values
//! bound in order (sqlx's SQLite driver runs such a text statement by
//! statement, and takes each one's parameters from where the last stopped).
//!
//! The transaction is the statements' own (`BEGIN IMMEDIATE` ... `COMMIT`),
//! so sqlx does not know about it: whoever runs one must end it
//! ([`Kept::roll_back`] after any failure), or drop the connection.

use std::sync::Arc;

use sea_orm::sea_query::Values;
use sea_orm::sqlx::{self, Sqlite, pool::PoolConnection};
use sea_orm::{DatabaseConnection, DbErr, QueryResult, RuntimeErr, Statement};
use sea_query_sqlx::SqlxValues;

/// A connection taken from an SQLite pool and kept.
pub struct Kept {
    connection: PoolConnection<Sqlite>,
    /// A run may have left a transaction of its own open: set by a run that
    /// begins one, cleared by a run that ends it or a roll-back. Dropped
    /// while set, the connection is closed rather than given back to the
    /// pool, so that an open transaction (a panic mid-batch) cannot keep the
    /// file's write lock.
    open: bool,
}

/// What a roll-back found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// A transaction was open, and is rolled back.
    RolledBack,
    /// None was open (`BEGIN` had failed, or SQLite had ended it).
    NoneOpen,
}

impl Drop for Kept {
    fn drop(&mut self) {
        if self.open {
            self.connection.close_on_drop();
        }
    }
}

impl Kept {
    /// Takes a connection from `db`'s pool (an SQLite pool), to keep.
    ///
    /// # Errors
    /// When none can be taken.
    pub async fn take(db: &DatabaseConnection) -> Result<Self, DbErr> {
        let connection = db
            .get_sqlite_connection_pool()
            .acquire()
            .await
            .map_err(|e| DbErr::Conn(RuntimeErr::SqlxError(Arc::new(e))))?;
        Ok(Self {
            connection,
            open: false,
        })
    }

    /// Runs `statements` in order as one command; the rows they return, in
    /// order. The first that fails stops the rest, and its error is returned
    /// (what ran before it is not undone: roll back).
    ///
    /// # Errors
    /// The first failing statement's.
    pub async fn run(&mut self, statements: &[Statement]) -> Result<Vec<QueryResult>, DbErr> {
        // (Only the statements' first words are compared: the inserts are
        // long, and this runs on every batch.)
        let is = |s: &Statement, word: &str| {
            let sql = s.sql.trim_start();
            sql.get(..word.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(word))
        };
        if statements.iter().any(|s| is(s, "BEGIN")) {
            self.open = true;
        }
        let (sql, values) = joined(statements);
        // Kept in the connection's statement cache (sqlx's 100 per
        // connection), keyed by the whole text: under a steady crowd the
        // batches' shapes repeat, and a shape that does not come back is
        // pushed out by the next. (Paired runs without the cache were no
        // faster, within this machine's noise.)
        let rows = sqlx::query_with(sqlx::AssertSqlSafe(sql), SqlxValues(values))
            .fetch_all(&mut *self.connection)
            .await
            .map_err(|e| DbErr::Exec(RuntimeErr::SqlxError(Arc::new(e))))?;
        if statements
            .last()
            .is_some_and(|s| is(s, "COMMIT") || is(s, "ROLLBACK"))
        {
            self.open = false;
        }
        Ok(rows.into_iter().map(QueryResult::from).collect())
    }

    /// Ends the transaction the statements began, if it is still open (after
    /// a statement failed, say), and says whether one was; `None` when the
    /// roll-back itself failed (the connection is then closed when dropped).
    pub async fn roll_back(&mut self) -> Option<Ended> {
        match sqlx::query("ROLLBACK").execute(&mut *self.connection).await {
            Ok(_) => {
                self.open = false;
                Some(Ended::RolledBack)
            }
            Err(e) if e.to_string().contains("no transaction is active") => {
                self.open = false;
                Some(Ended::NoneOpen)
            }
            Err(e) => {
                tracing::warn!(error = %e, "rolling back the writer's batch failed");
                None
            }
        }
    }
}

/// One text of `statements`, separated by `;`, and their values in order.
fn joined(statements: &[Statement]) -> (String, Values) {
    let mut sql = String::with_capacity(statements.iter().map(|s| s.sql.len() + 2).sum());
    let mut values = Vec::new();
    for statement in statements {
        if !sql.is_empty() {
            sql.push_str(";\n");
        }
        sql.push_str(&statement.sql);
        if let Some(v) = &statement.values {
            values.extend(v.0.iter().cloned());
        }
    }
    (sql, Values(values))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{ConnectionTrait, DbBackend};

    fn statement(sql: &str, values: Vec<sea_orm::Value>) -> Statement {
        Statement::from_sql_and_values(DbBackend::Sqlite, sql, values)
    }

    #[test]
    fn statements_join_in_order_with_their_values() {
        let (sql, values) = joined(&[
            statement("BEGIN IMMEDIATE", vec![]),
            statement("INSERT INTO t VALUES (?, ?)", vec![1.into(), "a".into()]),
            statement("SELECT ? FROM t", vec![2.into()]),
        ]);
        assert_eq!(
            sql,
            "BEGIN IMMEDIATE;\nINSERT INTO t VALUES (?, ?);\nSELECT ? FROM t"
        );
        assert_eq!(values.0, vec![1.into(), "a".into(), 2.into()]);
    }

    /// Each statement takes its own parameters, rows come back from every
    /// statement that returns some, a failing statement stops the rest and
    /// leaves the transaction open for [`Kept::roll_back`].
    #[tokio::test]
    async fn a_run_binds_each_statement_its_own_values_and_stops_at_a_failure() {
        let dir = tempfile::tempdir().expect("dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("h.db").display());
        let db = crate::store::db::connect_with(&url, 2, std::time::Duration::from_secs(5))
            .await
            .expect("connect");
        db.execute_unprepared("CREATE TABLE t (n INTEGER PRIMARY KEY, s TEXT NOT NULL)")
            .await
            .expect("table");
        let mut kept = Kept::take(&db).await.expect("take");
        let rows = kept
            .run(&[
                statement("BEGIN IMMEDIATE", vec![]),
                statement(
                    "INSERT INTO t VALUES (?, ?), (?, ?)",
                    vec![1.into(), "one".into(), 2.into(), "two".into()],
                ),
                statement(
                    "UPDATE t SET s = ? WHERE n = ? RETURNING n, s",
                    vec!["TWO".into(), 2.into()],
                ),
                statement(
                    "INSERT INTO t VALUES (?, ?)",
                    vec![3.into(), "three".into()],
                ),
                statement("COMMIT", vec![]),
            ])
            .await
            .expect("run");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].try_get::<i64>("", "n").expect("n"), 2);
        assert_eq!(rows[0].try_get::<String>("", "s").expect("s"), "TWO");
        // A failure (a duplicate key) stops the run; what ran is undone by
        // the roll-back, and the connection takes the next batch.
        let failed = kept
            .run(&[
                statement("BEGIN IMMEDIATE", vec![]),
                statement("INSERT INTO t VALUES (?, ?)", vec![4.into(), "four".into()]),
                statement(
                    "INSERT INTO t VALUES (?, ?)",
                    vec![1.into(), "again".into()],
                ),
                statement("INSERT INTO t VALUES (?, ?)", vec![5.into(), "five".into()]),
                statement("COMMIT", vec![]),
            ])
            .await;
        assert!(failed.is_err());
        assert_eq!(kept.roll_back().await, Some(Ended::RolledBack));
        assert_eq!(kept.roll_back().await, Some(Ended::NoneOpen));
        kept.run(&[
            statement("BEGIN IMMEDIATE", vec![]),
            statement("COMMIT", vec![]),
        ])
        .await
        .expect("the next batch");
        drop(kept);
        let stored: Vec<(i64, String)> = db
            .query_all_raw(statement("SELECT n, s FROM t ORDER BY n", vec![]))
            .await
            .expect("read")
            .iter()
            .map(|r| {
                (
                    r.try_get("", "n").expect("n"),
                    r.try_get("", "s").expect("s"),
                )
            })
            .collect();
        assert_eq!(
            stored,
            vec![
                (1, "one".to_owned()),
                (2, "TWO".to_owned()),
                (3, "three".to_owned())
            ]
        );
    }

    /// A kept connection dropped inside its own transaction (a panic
    /// mid-batch) is closed, not given back with the transaction and its
    /// write lock: the pool writes at once, and what the transaction wrote is
    /// gone.
    #[tokio::test]
    async fn a_connection_dropped_in_its_transaction_is_closed_not_given_back() {
        let dir = tempfile::tempdir().expect("dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("d.db").display());
        let db = crate::store::db::connect_with(&url, 2, std::time::Duration::from_secs(5))
            .await
            .expect("connect");
        db.execute_unprepared("CREATE TABLE t (n INTEGER PRIMARY KEY)")
            .await
            .expect("table");
        let mut kept = Kept::take(&db).await.expect("take");
        kept.run(&[
            statement("BEGIN IMMEDIATE", vec![]),
            statement("INSERT INTO t VALUES (?)", vec![1.into()]),
        ])
        .await
        .expect("run");
        drop(kept);
        // Well within the busy timeout (10 s): a lock still held would fail it.
        tokio::time::timeout(
            std::time::Duration::from_secs(5),
            db.execute_unprepared("INSERT INTO t VALUES (2)"),
        )
        .await
        .expect("the write lock was released")
        .expect("insert");
        let fresh = crate::store::db::connect(&url, 1)
            .await
            .expect("another pool");
        let stored: Vec<i64> = fresh
            .query_all_raw(statement("SELECT n FROM t ORDER BY n", vec![]))
            .await
            .expect("read")
            .iter()
            .map(|r| r.try_get("", "n").expect("n"))
            .collect();
        assert_eq!(stored, vec![2]);
    }
}
