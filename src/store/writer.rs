//! The hot writes (a battle started, a vote recorded) go through one writer.
//!
//! SQLite has one writer at a time, and each commit waits for the disk
//! (`synchronous = FULL`). Writers that meet on the lock sleep in SQLite's
//! busy handler, up to tens of milliseconds at a time, so under a crowd most
//! of a vote's time was spent waiting. Here, on SQLite, the writes queue for
//! one task that runs what has gathered in one transaction, each write in a
//! savepoint of its own, and commits once: one disk flush for the whole batch
//! (group commit). A write that fails rolls back to its savepoint and leaves
//! the others; a failed commit fails every write of the batch. No caller hears
//! "done" before the commit that holds its write is on disk.
//!
//! On PostgreSQL, which has real concurrent writers and its own group commit,
//! each write simply runs in a transaction of its own.

use super::db::BeginWrite;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use anyhow::{Context, anyhow};
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbBackend, TransactionTrait};
use tokio::sync::{mpsc, oneshot};

/// The most writes one batch holds.
const MAX_BATCH: usize = 256;

/// Writes that may wait for the writer before callers wait to queue.
const QUEUE: usize = 4096;

/// A write: runs on the transaction it is given (its own, or a savepoint in a
/// batch), and must not commit or roll it back.
type Work = Box<dyn for<'t> FnOnce(&'t DatabaseTransaction) -> BoxFuture<'t, Done> + Send>;

/// What a write left: whether it succeeded, and how to tell its caller once
/// the batch's commit is known.
type Done = (bool, Box<dyn FnOnce(Result<(), Shared>) + Send>);

/// A job in the queue: the write, or how to fail it when no transaction
/// could be opened.
struct Job {
    work: Work,
    refuse: Box<dyn FnOnce(Shared) + Send>,
}

/// One failure told to every write of a batch, its causes kept (so a full
/// disk is still recognised as such).
#[derive(Debug, Clone)]
pub struct Shared(Arc<anyhow::Error>);

impl std::fmt::Display for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the batch of writes holding this one was not committed")
    }
}

impl std::error::Error for Shared {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(AsRef::<dyn std::error::Error + Send + Sync>::as_ref(
            &*self.0,
        ))
    }
}

/// Runs the hot writes: batched on SQLite, directly on PostgreSQL.
#[derive(Clone)]
pub struct Writer {
    db: DatabaseConnection,
    queue: Option<mpsc::Sender<Job>>,
}

impl Writer {
    /// A writer for `db`. On SQLite this starts the batching task, which
    /// ends when the last clone of the writer is dropped. Must be called
    /// within a Tokio runtime.
    #[must_use]
    pub fn new(db: DatabaseConnection) -> Self {
        let queue = (db.get_database_backend() == DbBackend::Sqlite).then(|| {
            let (tx, rx) = mpsc::channel(QUEUE);
            tokio::spawn(run(db.clone(), rx));
            tx
        });
        Self { db, queue }
    }

    /// Runs `work` in a transaction and returns its result once that is
    /// committed. `work` must not commit or roll back the transaction it is
    /// given; when it returns an error, its writes are undone.
    ///
    /// # Errors
    /// The error of `work`, or a database error (begin or commit) turned
    /// into `E`.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<anyhow::Error> + Send + 'static,
        F: for<'t> FnOnce(&'t DatabaseTransaction) -> BoxFuture<'t, Result<T, E>> + Send + 'static,
    {
        let Some(queue) = &self.queue else {
            let txn = self
                .db
                .begin_write()
                .await
                .context("failed to begin transaction")?;
            let value = work(&txn).await?;
            txn.commit().await.context("failed to commit")?;
            return Ok(value);
        };
        let (tx, rx) = oneshot::channel::<Result<T, E>>();
        let tx = Arc::new(std::sync::Mutex::new(Some(tx)));
        let answer = Arc::clone(&tx);
        let send = move |r: Result<T, E>| {
            let sender = answer
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take();
            if let Some(s) = sender {
                // The caller may have gone (a dropped request): nothing to tell.
                let _ = s.send(r);
            }
        };
        let send_refused = send.clone();
        let job = Job {
            work: Box::new(move |txn| {
                Box::pin(async move {
                    let result = work(txn).await;
                    let ok = result.is_ok();
                    let finish: Box<dyn FnOnce(Result<(), Shared>) + Send> =
                        Box::new(move |commit| {
                            send(match (result, commit) {
                                (Ok(v), Ok(())) => Ok(v),
                                (Ok(_), Err(e)) => Err(E::from(anyhow::Error::new(e))),
                                (Err(e), _) => Err(e),
                            });
                        });
                    (ok, finish)
                })
            }),
            refuse: Box::new(move |e| send_refused(Err(E::from(anyhow::Error::new(e))))),
        };
        queue
            .send(job)
            .await
            .map_err(|_| E::from(anyhow!("the database writer has stopped")))?;
        drop(tx);
        rx.await
            .map_err(|_| E::from(anyhow!("the database writer dropped a write")))?
    }
}

/// The SQLite writer: takes what has queued, up to [`MAX_BATCH`], and runs it
/// as one transaction. A write that panics fails its batch (its callers hear
/// so), not the writer.
async fn run(db: DatabaseConnection, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let outcome = AssertUnwindSafe(run_batch(db.clone(), batch))
            .catch_unwind()
            .await;
        if outcome.is_err() {
            tracing::error!("a write panicked; its batch was not committed");
        }
    }
}

async fn run_batch(db: DatabaseConnection, mut batch: Vec<Job>) {
    let txn = match db
        .begin_write()
        .await
        .context("failed to begin transaction")
    {
        Ok(t) => t,
        Err(e) => {
            let e = Shared(Arc::new(e));
            for job in batch {
                (job.refuse)(e.clone());
            }
            return;
        }
    };
    let mut finishers = Vec::with_capacity(batch.len());
    if batch.len() == 1
        && let Some(job) = batch.pop()
    {
        // Alone, a write needs no savepoint: it has the transaction.
        let (ok, finish) = (job.work)(&txn).await;
        if !ok {
            if let Err(e) = txn.rollback().await {
                tracing::warn!(error = %e, "rolling back a failed write failed");
            }
            finish(Ok(()));
            return;
        }
        finishers.push(finish);
    } else {
        for job in batch {
            let savepoint = match txn.begin().await.context("failed to open a savepoint") {
                Ok(s) => s,
                Err(e) => {
                    (job.refuse)(Shared(Arc::new(e)));
                    continue;
                }
            };
            let (ok, finish) = (job.work)(&savepoint).await;
            let kept = if ok {
                savepoint
                    .commit()
                    .await
                    .context("failed to release a savepoint")
            } else {
                savepoint
                    .rollback()
                    .await
                    .context("failed to roll back a savepoint")
            };
            match kept {
                Ok(()) if ok => finishers.push(finish),
                // The write's own error is what its caller hears.
                Ok(()) => finish(Ok(())),
                Err(e) => finish(Err(Shared(Arc::new(e)))),
            }
        }
    }
    let commit = txn
        .commit()
        .await
        .context("failed to commit")
        .map_err(|e| Shared(Arc::new(e)));
    if commit.is_ok() {
        crate::metrics::write_batch(finishers.len());
    }
    for finish in finishers {
        finish(commit.clone());
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Statement};

    use super::*;

    async fn insert(txn: &DatabaseTransaction, k: i64) -> anyhow::Result<()> {
        let backend = txn.get_database_backend();
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            "INSERT INTO t (k) VALUES (?)",
            [k.into()],
        ))
        .await
        .context("insert")?;
        Ok(())
    }

    /// Many writes at once, some of which fail half-way: every write that
    /// succeeded is stored whole, every one that failed left nothing, and
    /// each caller hears its own outcome.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn batched_writes_are_each_all_or_nothing() {
        let dir = tempfile::tempdir().expect("dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("w.db").display());
        let db = crate::store::connect(&url, 4).await.expect("connect");
        db.execute_unprepared("CREATE TABLE t (k INTEGER PRIMARY KEY)")
            .await
            .expect("table");
        // Every seventh write's second row is taken already: it must fail
        // and take its first row with it.
        for k in (0..300).filter(|k| k % 7 == 0) {
            db.execute_unprepared(&format!("INSERT INTO t (k) VALUES ({})", 100_000 + k))
                .await
                .expect("seed");
        }
        let writer = Writer::new(db.clone());
        let tasks: Vec<_> = (0..300_i64)
            .map(|k| {
                let writer = writer.clone();
                tokio::spawn(async move {
                    writer
                        .write(move |txn| {
                            Box::pin(async move {
                                insert(txn, k).await?;
                                insert(txn, 100_000 + k).await
                            })
                        })
                        .await
                })
            })
            .collect();
        for (k, task) in (0..300_i64).zip(tasks) {
            let result: anyhow::Result<()> = task.await.expect("task");
            if k % 7 == 0 {
                let e = result.expect_err("a taken key fails");
                assert!(format!("{e:#}").contains("UNIQUE"), "{e:#}");
            } else {
                result.expect("a free key is stored");
            }
        }
        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT k FROM t ORDER BY k",
            ))
            .await
            .expect("read");
        let stored: Vec<i64> = rows
            .iter()
            .map(|r| r.try_get_by_index(0).expect("k"))
            .collect();
        let mut expected: Vec<i64> = (0..300).filter(|k| k % 7 != 0).collect();
        expected.extend((0..300).map(|k| 100_000 + k));
        assert_eq!(stored, expected);
    }

    /// A write the database refuses is told to its caller with the cause
    /// kept (the API's error codes read it): here the database is opened
    /// read-only.
    #[tokio::test]
    async fn a_refused_write_keeps_its_cause() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("ro.db");
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let db = crate::store::connect(&url, 1).await.expect("connect");
        db.execute_unprepared("CREATE TABLE t (k INTEGER PRIMARY KEY)")
            .await
            .expect("table");
        db.close().await.expect("close");
        let ro = crate::store::connect(&format!("sqlite://{}?mode=ro", path.display()), 1)
            .await
            .expect("connect read-only");
        let writer = Writer::new(ro);
        let result: anyhow::Result<()> = writer.write(|txn| Box::pin(insert(txn, 1))).await;
        let e = result.expect_err("a read-only database refuses the write");
        assert!(format!("{e:#}").contains("readonly"), "{e:#}");
    }
}
