//! Supervised background tasks: the leaderboard refresher, the snapshot
//! schedule, the sweep of interrupted answers, the anomaly check and the
//! limiter trim each run under a supervisor that logs a panic and starts the
//! task again (after a pause that doubles up to a minute), and each reports
//! its last success, which `GET /api/v1/health` shows.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// What is known of one task.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TaskState {
    /// The end of its last successful round.
    pub last_success: Option<DateTime<Utc>>,
    /// How often it panicked and was started again.
    pub restarts: u64,
}

/// The supervised tasks of this instance.
#[derive(Debug, Default)]
pub struct Tasks {
    states: Mutex<BTreeMap<&'static str, TaskState>>,
}

/// A task's way to say that a round went well.
#[derive(Debug, Clone)]
pub struct Beat {
    tasks: Arc<Tasks>,
    name: &'static str,
}

impl Beat {
    pub fn ok(&self) {
        self.tasks
            .update(self.name, |s| s.last_success = Some(Utc::now()));
    }
}

impl Tasks {
    fn update(&self, name: &'static str, f: impl FnOnce(&mut TaskState)) {
        let mut states = self.states.lock().unwrap_or_else(PoisonError::into_inner);
        f(states.entry(name).or_default());
    }

    /// Every task by name.
    #[must_use]
    pub fn report(&self) -> BTreeMap<&'static str, TaskState> {
        self.states
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Runs the task `make` builds under supervision: when it panics, the
    /// panic is logged and a new one is started; when it returns, it is over.
    pub fn supervise<F, Fut>(self: &Arc<Self>, name: &'static str, make: F)
    where
        F: Fn(Beat) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.update(name, |_| {});
        let tasks = Arc::clone(self);
        tokio::spawn(async move {
            let mut pause = Duration::from_secs(1);
            loop {
                let beat = Beat {
                    tasks: Arc::clone(&tasks),
                    name,
                };
                match tokio::spawn(make(beat)).await {
                    Ok(()) => return,
                    Err(e) if e.is_panic() => {
                        tracing::error!(task = name, "background task panicked; starting it again");
                        tasks.update(name, |s| s.restarts += 1);
                        crate::metrics::task_restarted(name);
                        tokio::time::sleep(pause).await;
                        pause = (pause * 2).min(Duration::from_secs(60));
                    }
                    Err(_) => return,
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[tokio::test]
    async fn a_panicking_task_is_started_again_and_reports_its_success() {
        let tasks = Arc::new(Tasks::default());
        let runs = Arc::new(AtomicU32::new(0));
        let seen = Arc::clone(&runs);
        tasks.supervise("flaky", move |beat| {
            let runs = Arc::clone(&seen);
            async move {
                if runs.fetch_add(1, Ordering::SeqCst) == 0 {
                    panic!("the first round fails");
                }
                beat.ok();
            }
        });
        tasks.supervise("idle", |_| std::future::pending());
        // The restart comes after a one-second pause.
        for _ in 0..100 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            if tasks.report()["flaky"].last_success.is_some() {
                break;
            }
        }
        let report = tasks.report();
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        assert_eq!(report["flaky"].restarts, 1);
        assert!(report["flaky"].last_success.is_some());
        assert_eq!(report["idle"], TaskState::default());
    }
}
