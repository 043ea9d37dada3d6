//! The circuit breaker: a model that keeps failing is taken out of sampling
//! for a cool-down, then tried again. One success closes it; a failure after
//! the cool-down opens it again at once.

use std::collections::HashMap;
use std::time::{Duration, Instant};

#[derive(Debug, Default, Clone, Copy)]
struct Health {
    consecutive_failures: u32,
    open_until: Option<Instant>,
}

/// Per-model failure tracking. Time is passed in, so the policy is testable
/// without waiting.
#[derive(Debug)]
pub struct CircuitBreaker {
    threshold: u32,
    cooldown: Duration,
    health: HashMap<i32, Health>,
}

impl CircuitBreaker {
    /// Opens after `threshold` consecutive failures (at least 1) for `cooldown`.
    #[must_use]
    pub fn new(threshold: u32, cooldown: Duration) -> Self {
        Self {
            threshold: threshold.max(1),
            cooldown,
            health: HashMap::new(),
        }
    }

    /// Whether the model may be drawn at `now`.
    #[must_use]
    pub fn allows(&self, model_id: i32, now: Instant) -> bool {
        self.health
            .get(&model_id)
            .and_then(|h| h.open_until)
            .is_none_or(|until| now >= until)
    }

    pub fn record_success(&mut self, model_id: i32) {
        self.health.remove(&model_id);
    }

    /// Counts a failure; returns `true` when it (re)opens the breaker.
    pub fn record_failure(&mut self, model_id: i32, now: Instant) -> bool {
        let threshold = self.threshold;
        let h = self.health.entry(model_id).or_default();
        h.consecutive_failures = h.consecutive_failures.saturating_add(1);
        // Past the cool-down the model is on probation: one more failure is enough.
        let on_probation = h.open_until.is_some_and(|until| now >= until);
        if h.consecutive_failures >= threshold || on_probation {
            h.open_until = Some(now + self.cooldown);
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COOL: Duration = Duration::from_secs(60);

    #[test]
    fn opens_after_the_threshold_and_only_for_that_model() {
        let now = Instant::now();
        let mut b = CircuitBreaker::new(3, COOL);
        assert!(!b.record_failure(1, now));
        assert!(!b.record_failure(1, now));
        assert!(b.allows(1, now));
        assert!(b.record_failure(1, now));
        assert!(!b.allows(1, now));
        assert!(b.allows(2, now));
    }

    #[test]
    fn a_success_resets_the_count() {
        let now = Instant::now();
        let mut b = CircuitBreaker::new(2, COOL);
        b.record_failure(1, now);
        b.record_success(1);
        assert!(!b.record_failure(1, now));
        assert!(b.allows(1, now));
    }

    #[test]
    fn comes_back_after_the_cooldown_and_reopens_on_the_next_failure() {
        let now = Instant::now();
        let mut b = CircuitBreaker::new(2, COOL);
        b.record_failure(1, now);
        b.record_failure(1, now);
        assert!(!b.allows(1, now + COOL / 2));
        let later = now + COOL;
        assert!(b.allows(1, later));
        assert!(b.record_failure(1, later));
        assert!(!b.allows(1, later + COOL / 2));
        b.record_success(1);
        assert!(b.allows(1, later));
    }
}
