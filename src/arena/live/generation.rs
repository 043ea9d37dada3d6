//! Generating a turn of a live battle: both sides at once, text published as
//! it arrives, each answer stored as it completes, the battle voided if a side
//! fails. Generation runs in its own task, so a voter who closes the page does
//! not lose the answers (and the models' cost is not wasted).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use futures_util::future::try_join;
use sea_orm::DatabaseConnection;
use tokio::sync::watch;
use uuid::Uuid;

use super::models::{LiveModel, LiveModels};
use crate::domain::{FinishReason, Side};
use crate::providers::{ChatMessage, Completion, ProviderError};
use crate::store;
use crate::store::battles::FinishedAnswer;

/// What the voter is told when a side fails on the first turn.
pub const VOID_REASON: &str =
    "One of the models could not answer, so this round cannot be judged. Start a new round.";

/// What the voter is told when a side fails on a later turn: the battle and
/// its earlier turns are kept.
pub const FAILED_TURN_REASON: &str =
    "One of the models could not answer this turn. Try the turn again, or start a new round.";

/// Statistics of a finished answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerStats {
    pub finish_reason: FinishReason,
    pub latency_ms: Option<i32>,
    pub first_token_ms: Option<i32>,
    pub prompt_tokens: Option<i32>,
    pub completion_tokens: Option<i32>,
}

/// One side's answer so far.
#[derive(Debug, Clone, Default)]
pub struct SideProgress {
    pub text: String,
    pub done: Option<AnswerStats>,
}

/// A turn's generation as it stands. Text only ever grows, so a reader can
/// send the part it has not sent yet.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    pub turn: i32,
    pub sides: [SideProgress; 2],
    pub void: Option<String>,
    pub finished: bool,
}

/// A generation under way: its progress, and the voter's stop switch.
pub struct Running {
    pub progress: watch::Sender<Progress>,
    pub stop: watch::Sender<bool>,
}

/// The generations running in this process, by battle.
#[derive(Default)]
pub struct Hub {
    running: Mutex<HashMap<Uuid, Arc<Running>>>,
}

impl Hub {
    #[must_use]
    pub fn get(&self, battle_id: Uuid) -> Option<Arc<Running>> {
        self.lock().get(&battle_id).cloned()
    }

    /// The battles this process is generating answers for now.
    #[must_use]
    pub fn battles(&self) -> Vec<Uuid> {
        self.lock().keys().copied().collect()
    }

    fn start(&self, battle_id: Uuid, turn: i32) -> Arc<Running> {
        let running = Arc::new(Running {
            progress: watch::Sender::new(Progress {
                turn,
                ..Progress::default()
            }),
            stop: watch::Sender::new(false),
        });
        self.lock().insert(battle_id, Arc::clone(&running));
        running
    }

    /// Forgets `running`, unless a newer generation of the battle replaced it.
    fn finish(&self, battle_id: Uuid, running: &Arc<Running>) {
        let mut map = self.lock();
        if map.get(&battle_id).is_some_and(|r| Arc::ptr_eq(r, running)) {
            map.remove(&battle_id);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Arc<Running>>> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One side's job: its model and the conversation it answers.
pub struct SideJob {
    pub model: Arc<LiveModel>,
    pub conversation: Vec<ChatMessage>,
}

/// Starts generating `turn` of the battle on both sides, in the background.
/// The placeholders must already be stored.
pub fn spawn(
    db: DatabaseConnection,
    hub: Arc<Hub>,
    live: Arc<LiveModels>,
    battle_id: Uuid,
    turn: i32,
    jobs: [SideJob; 2],
    slots: Option<crate::integrity::LiveSlots>,
) {
    let running = hub.start(battle_id, turn);
    tokio::spawn(async move {
        // The two places in the global live budget are freed when the turn ends.
        let _slots = slots;
        // Even if the task panics, readers are told it is over and the hub
        // lets go of it; otherwise their streams would wait forever.
        let _finished = Finished {
            hub,
            battle_id,
            running: Arc::clone(&running),
        };
        run(&db, &live, &running, battle_id, turn, jobs).await;
    });
}

struct Finished {
    hub: Arc<Hub>,
    battle_id: Uuid,
    running: Arc<Running>,
}

impl Drop for Finished {
    fn drop(&mut self) {
        self.running.progress.send_modify(|p| p.finished = true);
        self.hub.finish(self.battle_id, &self.running);
    }
}

#[derive(Debug, thiserror::Error)]
enum SideError {
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error("could not store the answer: {0:#}")]
    Store(anyhow::Error),
}

impl SideError {
    fn kind(&self) -> String {
        match self {
            Self::Provider(e) => e.kind(),
            Self::Store(_) => "could not store the answer".to_owned(),
        }
    }
}

#[tracing::instrument(skip_all, fields(battle = %battle_id, turn))]
async fn run(
    db: &DatabaseConnection,
    live: &LiveModels,
    running: &Running,
    battle_id: Uuid,
    turn: i32,
    jobs: [SideJob; 2],
) {
    let [job_a, job_b] = jobs;
    let side = |which: Side, job: SideJob| async move {
        side(db, live, running, battle_id, turn, which, job)
            .await
            .map_err(|e| (which, e))
    };
    let Err((which, error)) = try_join(side(Side::A, job_a), side(Side::B, job_b)).await else {
        return;
    };
    // The other side's future was dropped by try_join: its request is cancelled.
    // The log line names the kind of failure only: what the server sent back
    // may echo the prompt. The whole message is stored with the answer.
    if turn == 0 {
        tracing::warn!(side = %which, error = %error.kind(), "a side failed; voiding the battle");
        let failed = Some((turn, which, error.to_string()));
        if let Err(e) = store::battles::void(db, battle_id, VOID_REASON, failed).await {
            tracing::error!(error = format!("{e:#}"), "failed to void the battle");
        }
        running
            .progress
            .send_modify(|p| p.void = Some(VOID_REASON.to_owned()));
        return;
    }
    // A later turn: the conversation so far is worth keeping. The turn is
    // marked failed and may be generated again (regenerate).
    tracing::warn!(side = %which, turn, error = %error.kind(), "a side failed; the turn can be retried");
    // Readers learn of it from the stored turn when the generation ends.
    if let Err(e) = store::battles::fail_turn(db, battle_id, turn, which, error.to_string()).await {
        tracing::error!(error = format!("{e:#}"), "failed to record the failed turn");
    }
}

async fn side(
    db: &DatabaseConnection,
    live: &LiveModels,
    running: &Running,
    battle_id: Uuid,
    turn: i32,
    which: Side,
    job: SideJob,
) -> Result<(), SideError> {
    let index = which.index();
    let mut on_delta = |piece: &str| {
        running
            .progress
            .send_modify(|p| p.sides[index].text.push_str(piece));
    };
    let outcome = job
        .model
        .provider
        .complete(&job.conversation, &mut on_delta, running.stop.subscribe())
        .await;
    let completion = match outcome {
        Ok(c) => c,
        Err(e) => {
            crate::metrics::provider_error(&job.model.name, e.label());
            if e.counts_against_model() {
                live.record_failure(&job.model);
            }
            return Err(e.into());
        }
    };
    // An answer stopped before the model sent anything proves nothing.
    let stats = stats(&completion);
    crate::metrics::live_answer(&job.model.name, stats.first_token_ms, stats.latency_ms);
    if stats.finish_reason != FinishReason::Stopped || completion.first_token.is_some() {
        live.record_success(job.model.id);
    }
    let answer = FinishedAnswer {
        content: completion.text,
        finish_reason: stats.finish_reason.clone(),
        latency_ms: stats.latency_ms,
        first_token_ms: stats.first_token_ms,
        prompt_tokens: stats.prompt_tokens,
        completion_tokens: stats.completion_tokens,
    };
    store::battles::finish_answer(db, battle_id, turn, which, answer)
        .await
        .map_err(SideError::Store)?;
    running
        .progress
        .send_modify(|p| p.sides[index].done = Some(stats));
    Ok(())
}

fn stats(c: &Completion) -> AnswerStats {
    let ms = |d: std::time::Duration| i32::try_from(d.as_millis()).ok();
    let tokens = |t: Option<u32>| t.and_then(|t| i32::try_from(t).ok());
    AnswerStats {
        finish_reason: c.finish_reason.clone(),
        latency_ms: ms(c.latency),
        first_token_ms: c.first_token.and_then(ms),
        prompt_tokens: tokens(c.prompt_tokens),
        completion_tokens: tokens(c.completion_tokens),
    }
}
