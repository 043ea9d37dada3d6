//! The hot writes (a battle started, a vote recorded) go through one writer,
//! which gathers them into batches: one transaction, one commit, and a few
//! multi-row statements per kind of write, whatever the batch's size.
//!
//! SQLite has one writer at a time, and each commit waits for the disk
//! (`synchronous = FULL`). Writers that meet on the lock sleep in SQLite's
//! busy handler, so under a crowd most of a vote's time was spent waiting;
//! and every statement is a round trip to the driver's thread. Here the
//! writes queue for one task (a *lane*) that takes what has gathered, stores
//! every battle of it with two statements (battles, then messages) and
//! records every vote with four (close the battles, insert the votes, add
//! the pair counts, summed per pair, and the daily caps' counters, summed
//! per day and key), and commits once: one disk flush for the whole batch
//! (group commit). On an SQLite pool of its own the lane keeps the
//! connection and sends the batch as two commands of several statements
//! each ([`super::kept`]): the hand-overs to the driver's thread, not the
//! statements, were most of a batch's time.
//!
//! On PostgreSQL, which has concurrent writers, [`POSTGRES_LANES`] lanes
//! share the queue: some gather and write while others wait for their
//! commit's flush. Each lane closes battles in id order, adds pair counts in
//! key order after its battles, and the daily counters in key order after
//! those, so no two lanes wait on each other in a cycle (a lane holding a
//! daily counter waits for nothing more). Lanes do queue on the counter of
//! an address with many voters at once until the holder commits.
//!
//! A batch whose shared statements fail (a model deleted meanwhile, say, or
//! a deadlock PostgreSQL broke) is rolled back whole and its writes are
//! written again one by one, each in a transaction of its own, so each
//! caller hears its own outcome and the others are kept. (Not in savepoints
//! of the batch: one write's pair counts would then be locked before the
//! next write's battle, which let two PostgreSQL lanes deadlock; a test
//! caught it.) A failed commit fails every write of the batch (on the kept
//! SQLite connection, a batch whose transaction SQLite ended itself). No caller
//! hears "done" before the commit that holds its write is on disk.
//!
//! Tests: `tests/api/votes.rs` (`batched_writes_...`, both databases, and
//! `a_write_the_database_refuses_keeps_its_cause`).

use super::db::BeginWrite;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use anyhow::{Context, anyhow};
use futures_util::FutureExt;
use sea_orm::{DatabaseConnection, DbBackend};
use tokio::sync::{Mutex, mpsc, oneshot};

use sea_orm::{EntityTrait, FromQueryResult, QueryTrait, Statement};

use super::battles::{self, NewBattle};
pub use super::db::Writes;
use super::entities::battles as battles_entity;
use super::kept::{Ended, Kept};
use super::votes::{self, RecordVote, RecordVoteError};

/// The most writes one batch holds.
const MAX_BATCH: usize = 256;

/// Writes that may wait for the writer before callers wait to queue.
const QUEUE: usize = 4096;

/// Lanes on PostgreSQL (SQLite has one writer at a time: one lane). Four
/// wrote 5–20 % more votes/s than two at 32 and 128 connections.
const POSTGRES_LANES: usize = 4;

/// A write waiting in the queue, with the caller to tell.
enum Job {
    Battle(NewBattle, oneshot::Sender<anyhow::Result<()>>),
    Vote(
        RecordVote,
        oneshot::Sender<Result<(), RecordVoteError>>,
        Option<Held>,
    ),
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

impl Shared {
    fn new(e: anyhow::Error) -> Self {
        Self(Arc::new(e))
    }

    fn error(&self) -> anyhow::Error {
        anyhow::Error::new(self.clone())
    }
}

/// Stores battles and records votes, in batches.
#[derive(Clone)]
pub struct Writer {
    queue: mpsc::Sender<Job>,
}

impl Writer {
    /// A writer for `db`: starts its lanes, which end when the last clone of
    /// the writer is dropped. Must be called within a Tokio runtime.
    #[must_use]
    pub fn new(writes: Writes) -> Self {
        let Writes { db, own } = writes;
        let (tx, rx) = mpsc::channel(QUEUE);
        let rx = Arc::new(Mutex::new(rx));
        match db.get_database_backend() {
            DbBackend::Sqlite if own => {
                tokio::spawn(kept_lane(db, rx));
            }
            DbBackend::Sqlite => {
                tokio::spawn(lane(db, rx));
            }
            _ => {
                for _ in 0..POSTGRES_LANES {
                    tokio::spawn(lane(db.clone(), Arc::clone(&rx)));
                }
            }
        }
        Self { queue: tx }
    }

    /// Stores the battle, open, with its messages (as
    /// [`battles::insert`]), once the batch that holds it is committed.
    ///
    /// # Errors
    /// A database error; nothing of the battle is stored then.
    pub async fn insert_battle(&self, battle: NewBattle) -> anyhow::Result<()> {
        let (tx, rx) = oneshot::channel();
        self.send(Job::Battle(battle, tx)).await?;
        rx.await.map_err(|_| dropped())?
    }

    /// Records the vote (as [`votes::record`]), once the batch that holds it
    /// is committed.
    ///
    /// # Errors
    /// As [`votes::record`]; nothing of the vote is stored then.
    pub async fn record_vote(&self, vote: RecordVote) -> Result<(), RecordVoteError> {
        self.record_vote_holding(vote, None).await
    }

    /// [`Writer::record_vote`], keeping `held` until the vote is committed or
    /// has failed, whether or not the caller still waits (a caller's place
    /// under a limit, say, that must last as long as its write).
    ///
    /// # Errors
    /// As [`votes::record`]; nothing of the vote is stored then.
    pub async fn record_vote_holding(
        &self,
        vote: RecordVote,
        held: Option<Held>,
    ) -> Result<(), RecordVoteError> {
        let (tx, rx) = oneshot::channel();
        self.send(Job::Vote(vote, tx, held)).await?;
        rx.await.map_err(|_| dropped())?
    }

    async fn send(&self, job: Job) -> anyhow::Result<()> {
        self.queue
            .send(job)
            .await
            .map_err(|_| anyhow!("the database writer has stopped"))
    }
}

/// Something a write keeps until it is committed or has failed.
pub type Held = Box<dyn Send>;

/// What a caller hears when its write was lost with its batch (a panic).
fn dropped() -> anyhow::Error {
    anyhow!("the database writer dropped a write")
}

/// A lane: takes what has queued, up to [`MAX_BATCH`], and writes it as one
/// transaction. A write that panics fails its batch (its callers hear so),
/// not the lane.
async fn lane(db: DatabaseConnection, queue: Arc<Mutex<mpsc::Receiver<Job>>>) {
    while let Some(batch) = gather(&queue).await {
        let outcome = AssertUnwindSafe(run_batch(&db, batch)).catch_unwind().await;
        if outcome.is_err() {
            tracing::error!("a write panicked; its batch was not committed");
        }
    }
}

/// What has queued, up to [`MAX_BATCH`], once there is something; `None`
/// when every writer is gone.
async fn gather(queue: &Mutex<mpsc::Receiver<Job>>) -> Option<Vec<Job>> {
    let mut rx = queue.lock().await;
    let first = rx.recv().await?;
    let mut batch = vec![first];
    while batch.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(job) => batch.push(job),
            Err(_) => break,
        }
    }
    Some(batch)
}

/// The lane of an SQLite pool of the writer's own: it keeps the pool's
/// connection ([`Kept`]) and writes each batch in two commands. A batch that
/// fails gives the connection back and is written one by one through the
/// pool ([`run_batch`]'s fallback); the next batch takes it again.
async fn kept_lane(db: DatabaseConnection, queue: Arc<Mutex<mpsc::Receiver<Job>>>) {
    let mut kept: Option<Kept> = None;
    while let Some(batch) = gather(&queue).await {
        if kept.is_none() {
            match Kept::take(&db).await {
                Ok(k) => kept = Some(k),
                Err(e) => tracing::warn!(error = %e, "the writer could not take its connection"),
            }
        }
        let outcome = match kept.take() {
            Some(k) => AssertUnwindSafe(run_kept(&db, k, batch))
                .catch_unwind()
                .await
                .map(|back| kept = back),
            // (Through the pool, which answers each write its error.)
            None => AssertUnwindSafe(run_batch(&db, batch)).catch_unwind().await,
        };
        if outcome.is_err() {
            // The connection went with the panic; if its transaction was
            // open it was closed, not given back (`Kept`'s drop), and the
            // next batch takes a new one.
            tracing::error!("a write panicked; its batch was not committed");
        }
    }
}

/// Writes `jobs` on the kept connection in two commands: `BEGIN IMMEDIATE`,
/// the battles and the statements that close the votes' battles; then the
/// votes, their counts and `COMMIT` (a vote refused costs one read between
/// them, to say why). Gives the connection back for the next batch, or
/// `None` when the batch failed: its transaction is then rolled back, the
/// connection returned to the pool, and each write written on its own
/// through it ([`one_by_one`]), so each caller hears its own outcome.
async fn run_kept(db: &DatabaseConnection, mut kept: Kept, jobs: Vec<Job>) -> Option<Kept> {
    let batch = Batch::of(jobs);
    match write_kept(&mut kept, &batch.battles, &batch.votes).await {
        Ok(votes) => {
            let written = batch.battles.len() + votes.iter().filter(|r| r.is_ok()).count();
            if written > 0 {
                crate::metrics::write_batch(written);
            }
            let Batch {
                battle_replies,
                vote_replies,
                held: claims,
                ..
            } = batch;
            drop(claims);
            let committed = Ok(());
            tell(
                battle_replies,
                std::iter::repeat_with(|| Ok(())),
                &committed,
            );
            tell(vote_replies, votes, &committed);
            Some(kept)
        }
        Err(e) => {
            let ended = kept.roll_back().await;
            // (Dropped before the pool is used: it is the pool's one
            // connection. If its transaction could not be ended it is
            // closed, not given back, so no lock outlives the batch.)
            drop(kept);
            if ended == Some(Ended::NoneOpen) {
                // `BEGIN` failed (the file locked past the busy timeout, say),
                // or SQLite ended the transaction itself (a failed `COMMIT`, a
                // full disk): nothing of the batch is written, and writing it
                // again one by one would only meet the same. As on the pool's
                // path, every caller hears the failure.
                tracing::debug!(error = %format!("{e:#}"), "a batch on the writer's connection was not written");
                fail_all(batch, e);
            } else {
                tracing::debug!(error = %format!("{e:#}"), "a batch on the writer's connection failed; writing its writes one by one");
                one_by_one(db, batch).await;
            }
            None
        }
    }
}

/// The two commands of [`run_kept`]; each vote's outcome once committed.
async fn write_kept(
    kept: &mut Kept,
    new_battles: &[NewBattle],
    new_votes: &[RecordVote],
) -> anyhow::Result<Vec<Result<(), RecordVoteError>>> {
    let backend = DbBackend::Sqlite;
    let mut first = vec![Statement::from_string(backend, "BEGIN IMMEDIATE")];
    first.extend(battles::insert_statements(backend, new_battles));
    first.extend(votes::close_statements(backend, new_votes));
    let closed = kept
        .run(&first)
        .await
        .context("failed to write the batch's battles and close its votes' battles")?;
    let mut decided = votes::Decided::of(new_votes, &closed)?;
    for i in decided.refused() {
        let find = battles_entity::Entity::find_by_id(new_votes[i].battle_id).build(backend);
        let rows = kept
            .run(&[find])
            .await
            .context("failed to read a refused vote's battle")?;
        let battle = rows
            .first()
            .map(|row| battles_entity::Model::from_query_result(row, ""))
            .transpose()
            .context("failed to read a refused vote's battle")?;
        decided.refuse(i, battle.as_ref());
    }
    let mut second = decided.statements(backend);
    second.push(Statement::from_string(backend, "COMMIT"));
    kept.run(&second)
        .await
        .context("failed to record the batch's votes and commit")?;
    Ok(decided.outcomes())
}

/// A batch's writes, by kind, with their callers.
#[derive(Default)]
struct Batch {
    battles: Vec<NewBattle>,
    battle_replies: Vec<Reply<anyhow::Error>>,
    votes: Vec<RecordVote>,
    vote_replies: Vec<Reply<RecordVoteError>>,
    /// Dropped once the votes are committed or have failed.
    held: Vec<Held>,
}

type Reply<E> = oneshot::Sender<Result<(), E>>;

impl Batch {
    fn of(jobs: Vec<Job>) -> Self {
        let mut batch = Self::default();
        for job in jobs {
            match job {
                Job::Battle(b, reply) => {
                    batch.battles.push(b);
                    batch.battle_replies.push(reply);
                }
                Job::Vote(v, reply, held) => {
                    batch.votes.push(v);
                    batch.vote_replies.push(reply);
                    batch.held.extend(held);
                }
            }
        }
        batch
    }
}

async fn run_batch(db: &DatabaseConnection, jobs: Vec<Job>) {
    let batch = Batch::of(jobs);
    if batch.battles.len() + batch.votes.len() == 1 {
        return one_by_one(db, batch).await;
    }
    let txn = match db
        .begin_write()
        .await
        .context("failed to begin transaction")
    {
        Ok(t) => t,
        Err(e) => return fail_all(batch, e),
    };
    let battles = battles::insert_all_in(&txn, &batch.battles)
        .await
        .map(|()| batch.battles.iter().map(|_| Ok(())).collect::<Vec<_>>());
    let votes = match battles {
        Ok(_) => votes::record_all_in(&txn, &batch.votes).await,
        Err(_) => Ok(Vec::new()),
    };
    let (battles, votes) = match (battles, votes) {
        (Ok(b), Ok(v)) => (b, v),
        (Err(e), _) | (_, Err(e)) => {
            // Undo the whole batch (releasing every lock it took), then write
            // each write in a transaction of its own, so each caller hears its
            // own error. Not in savepoints of this transaction: on PostgreSQL
            // one write's pair counts would then be locked before the next
            // write's battle, and two lanes could wait on each other.
            tracing::debug!(error = %format!("{e:#}"), "a batch's shared statements failed; writing its writes one by one");
            if let Err(r) = txn.rollback().await {
                tracing::warn!(error = %r, "rolling back a failed batch failed");
            }
            return one_by_one(db, batch).await;
        }
    };
    let written =
        battles.iter().filter(|r| r.is_ok()).count() + votes.iter().filter(|r| r.is_ok()).count();
    let commit = if written == 0 {
        // Nothing was written: nothing to keep.
        txn.rollback().await.context("failed to roll back")
    } else {
        txn.commit().await.context("failed to commit")
    }
    .map_err(Shared::new);
    if commit.is_ok() && written > 0 {
        crate::metrics::write_batch(written);
    }
    drop(batch.held);
    tell(batch.battle_replies, battles, &commit);
    tell(batch.vote_replies, votes, &commit);
}

/// Tells every caller of `batch` that it was not written, for `e`.
fn fail_all(batch: Batch, e: anyhow::Error) {
    let failed = Err(Shared::new(e));
    tell(
        batch.battle_replies,
        std::iter::repeat_with(|| Ok(())),
        &failed,
    );
    tell(
        batch.vote_replies,
        std::iter::repeat_with(|| Ok(())),
        &failed,
    );
}

/// Writes each write of `batch` in a transaction of its own (a lone write,
/// or a batch whose shared statements failed).
async fn one_by_one(db: &DatabaseConnection, batch: Batch) {
    for (battle, reply) in batch.battles.into_iter().zip(batch.battle_replies) {
        let result = battles::insert(db, battle).await;
        if result.is_ok() {
            crate::metrics::write_batch(1);
        }
        let _ = reply.send(result);
    }
    for (vote, reply) in batch.votes.into_iter().zip(batch.vote_replies) {
        let result = votes::record(db, vote).await;
        if result.is_ok() {
            crate::metrics::write_batch(1);
        }
        let _ = reply.send(result);
    }
    // (Held until every vote of the batch is written: a claim may be dropped
    // late, never early.)
    drop(batch.held);
}

/// Tells each caller its write's own outcome, or the commit's failure.
fn tell<E: From<anyhow::Error>>(
    replies: Vec<Reply<E>>,
    results: impl IntoIterator<Item = Result<(), E>>,
    commit: &Result<(), Shared>,
) {
    for (reply, result) in replies.into_iter().zip(results) {
        let result = result.and_then(|()| commit.clone().map_err(|e| E::from(e.error())));
        // A caller that went away (a dropped request) has nothing to hear.
        let _ = reply.send(result);
    }
}
