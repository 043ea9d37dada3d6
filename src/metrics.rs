//! Prometheus metrics at `GET /metrics` (text format 0.0.4), with the
//! `prometheus` crate.
//!
//! Two kinds:
//! - **Events** this instance saw, recorded where they happen: live answers'
//!   first-token and total latency per model (histograms), provider errors
//!   by model and kind, leaderboard recompute seconds.
//! - **State**, read at scrape time so that every instance reports the same
//!   truth from the shared database: votes by counted / reason, battles by
//!   mode and status, each live model's breaker state, the leaderboard's
//!   age, and the database pool.

use std::sync::LazyLock;

use prometheus::{
    Encoder, GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

struct Events {
    registry: Registry,
    first_token: HistogramVec,
    answer: HistogramVec,
    provider_errors: IntCounterVec,
    recompute: HistogramVec,
    task_restarts: IntCounterVec,
    write_batch: HistogramVec,
}

/// Seconds, from a tenth of a second to two minutes.
const LATENCY_BUCKETS: [f64; 12] = [
    0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0, 90.0, 120.0,
];

fn histogram(name: &str, help: &str, labels: &[&str], buckets: &[f64]) -> HistogramVec {
    // Names and labels are constants of this file: valid by construction.
    HistogramVec::new(
        HistogramOpts::new(name, help).buckets(buckets.to_vec()),
        labels,
    )
    .unwrap_or_else(|e| panic!("metric {name}: {e}"))
}

static EVENTS: LazyLock<Events> = LazyLock::new(|| {
    let registry = Registry::new();
    let first_token = histogram(
        "goldarena_live_first_token_seconds",
        "Time from the request to a live model's first token.",
        &["model"],
        &LATENCY_BUCKETS,
    );
    let answer = histogram(
        "goldarena_live_answer_seconds",
        "Time from the request to a live model's finished answer.",
        &["model"],
        &LATENCY_BUCKETS,
    );
    let provider_errors = IntCounterVec::new(
        Opts::new(
            "goldarena_provider_errors_total",
            "Live answers that failed, by model and kind.",
        ),
        &["model", "kind"],
    )
    .unwrap_or_else(|e| panic!("metric provider errors: {e}"));
    let recompute = histogram(
        "goldarena_leaderboard_recompute_seconds",
        "Time to recompute the overall leaderboard.",
        &[],
        &[
            0.001, 0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
        ],
    );
    let task_restarts = IntCounterVec::new(
        Opts::new(
            "goldarena_task_restarts_total",
            "Background tasks started again after a panic, by task.",
        ),
        &["task"],
    )
    .unwrap_or_else(|e| panic!("metric task restarts: {e}"));
    let write_batch = histogram(
        "goldarena_write_batch_size",
        "Writes (battles started, votes) committed together in one batch.",
        &[],
        &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0],
    );
    for c in [
        Box::new(first_token.clone()) as Box<dyn prometheus::core::Collector>,
        Box::new(write_batch.clone()),
        Box::new(answer.clone()),
        Box::new(provider_errors.clone()),
        Box::new(recompute.clone()),
        Box::new(task_restarts.clone()),
    ] {
        registry
            .register(c)
            .unwrap_or_else(|e| panic!("register a metric: {e}"));
    }
    Events {
        registry,
        first_token,
        answer,
        provider_errors,
        recompute,
        task_restarts,
        write_batch,
    }
});

/// A batch of `writes` was committed together.
pub fn write_batch(writes: usize) {
    EVENTS
        .write_batch
        .with_label_values::<&str>(&[])
        .observe(writes as f64);
}

/// A background task panicked and was started again.
pub fn task_restarted(task: &str) {
    EVENTS.task_restarts.with_label_values(&[task]).inc();
}

/// A live answer finished: its first-token time (when there was a token) and
/// its total time, in milliseconds.
pub fn live_answer(model: &str, first_token_ms: Option<i32>, latency_ms: Option<i32>) {
    let secs = |ms: i32| f64::from(ms) / 1000.0;
    if let Some(ms) = first_token_ms {
        EVENTS
            .first_token
            .with_label_values(&[model])
            .observe(secs(ms));
    }
    if let Some(ms) = latency_ms {
        EVENTS.answer.with_label_values(&[model]).observe(secs(ms));
    }
}

/// A live answer failed.
pub fn provider_error(model: &str, kind: &str) {
    EVENTS
        .provider_errors
        .with_label_values(&[model, kind])
        .inc();
}

/// The overall leaderboard was recomputed in `seconds`.
pub fn leaderboard_recomputed(seconds: f64) {
    EVENTS
        .recompute
        .with_label_values::<&str>(&[])
        .observe(seconds);
}

/// The state read at scrape time.
#[derive(Debug, Clone, Default)]
pub struct State {
    /// (counted, reason or "", votes)
    pub votes: Vec<(bool, String, u64)>,
    /// (mode, status, battles)
    pub battles: Vec<(String, String, u64)>,
    /// (model, breaker open)
    pub breakers: Vec<(String, bool)>,
    /// Seconds since the board was computed; `None` before the first.
    pub leaderboard_age: Option<f64>,
    pub leaderboard_votes: Option<u64>,
    /// Connections in the pool, and how many of them are idle.
    pub pool_size: u32,
    pub pool_idle: usize,
}

fn gauge(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> anyhow::Result<GaugeVec> {
    let g = GaugeVec::new(Opts::new(name, help), labels)?;
    registry.register(Box::new(g.clone()))?;
    Ok(g)
}

/// The text exposition of every metric: the events so far and `state`.
///
/// # Errors
/// Only if encoding fails.
pub fn render(state: &State) -> anyhow::Result<String> {
    let registry = Registry::new();
    let votes = IntGaugeVec::new(
        Opts::new(
            "goldarena_votes",
            "Stored votes, by whether they count and why not.",
        ),
        &["counted", "reason"],
    )?;
    registry.register(Box::new(votes.clone()))?;
    for (counted, reason, n) in &state.votes {
        votes
            .with_label_values(&[if *counted { "true" } else { "false" }, reason])
            .set(i64::try_from(*n).unwrap_or(i64::MAX));
    }
    let battles = IntGaugeVec::new(
        Opts::new("goldarena_battles", "Battles, by mode and status."),
        &["mode", "status"],
    )?;
    registry.register(Box::new(battles.clone()))?;
    for (mode, status, n) in &state.battles {
        battles
            .with_label_values(&[mode, status])
            .set(i64::try_from(*n).unwrap_or(i64::MAX));
    }
    let breaker = gauge(
        &registry,
        "goldarena_live_breaker_open",
        "1 while a live model sits out a failure cool-down, else 0.",
        &["model"],
    )?;
    for (model, open) in &state.breakers {
        breaker
            .with_label_values(&[model])
            .set(if *open { 1.0 } else { 0.0 });
    }
    let age = gauge(
        &registry,
        "goldarena_leaderboard_age_seconds",
        "Seconds since the served leaderboard was computed.",
        &[],
    )?;
    if let Some(a) = state.leaderboard_age {
        age.with_label_values::<&str>(&[]).set(a);
    }
    let board_votes = gauge(
        &registry,
        "goldarena_leaderboard_votes",
        "Counted votes behind the served leaderboard.",
        &[],
    )?;
    if let Some(v) = state.leaderboard_votes {
        board_votes.with_label_values::<&str>(&[]).set(v as f64);
    }
    let pool = gauge(
        &registry,
        "goldarena_db_pool_connections",
        "Database pool connections, by state.",
        &["state"],
    )?;
    let idle = state.pool_idle.min(state.pool_size as usize);
    pool.with_label_values(&["idle"]).set(idle as f64);
    pool.with_label_values(&["in_use"])
        .set((state.pool_size as usize - idle) as f64);

    let mut families = EVENTS.registry.gather();
    families.extend(registry.gather());
    let mut out = Vec::new();
    TextEncoder::new().encode(&families, &mut out)?;
    Ok(String::from_utf8(out)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_has_every_family_with_its_values() {
        live_answer("m-test", Some(420), Some(2100));
        provider_error("m-test", "http_5xx");
        leaderboard_recomputed(0.03);
        let text = render(&State {
            votes: vec![(true, String::new(), 7), (false, "too_fast".to_owned(), 2)],
            battles: vec![("anonymous".to_owned(), "voted".to_owned(), 9)],
            breakers: vec![("m-test".to_owned(), true)],
            leaderboard_age: Some(1.5),
            leaderboard_votes: Some(7),
            pool_size: 3,
            pool_idle: 2,
        })
        .expect("render");
        for line in [
            "goldarena_votes{counted=\"false\",reason=\"too_fast\"} 2",
            "goldarena_battles{mode=\"anonymous\",status=\"voted\"} 9",
            "goldarena_live_breaker_open{model=\"m-test\"} 1",
            "goldarena_leaderboard_age_seconds 1.5",
            "goldarena_db_pool_connections{state=\"in_use\"} 1",
            "goldarena_provider_errors_total{kind=\"http_5xx\",model=\"m-test\"} 1",
            "goldarena_live_first_token_seconds_bucket{model=\"m-test\",le=\"0.5\"} 1",
            "# TYPE goldarena_leaderboard_recompute_seconds histogram",
        ] {
            assert!(text.contains(line), "missing {line:?} in\n{text}");
        }
    }
}
