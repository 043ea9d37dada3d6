//! Range checks on the settings, at start: a value out of its range is a
//! clear error naming the key, never a panic later (a huge timeout used to
//! overflow the clock).

use super::Settings;
use crate::domain::Dated;

/// One rule: a key, whether its value is acceptable, and the range to say.
fn within(problems: &mut Vec<String>, key: &str, ok: bool, range: &str) {
    if !ok {
        problems.push(format!("{key} must be {range}"));
    }
}

const DAY_MS: u64 = 86_400_000;

/// Every problem with the settings' ranges, each naming its key.
#[must_use]
pub fn problems(s: &Settings) -> Vec<String> {
    let mut p = Vec::new();
    within(
        &mut p,
        "database_max_connections",
        (1..=1_000).contains(&s.database_max_connections),
        "between 1 and 1000",
    );
    within(
        &mut p,
        "database_acquire_timeout_ms",
        (100..=600_000).contains(&s.database_acquire_timeout_ms),
        "between 100 and 600000",
    );
    within(
        &mut p,
        "max_body_bytes",
        (1_024..=1 << 30).contains(&s.max_body_bytes),
        "between 1 KiB and 1 GiB",
    );
    within(
        &mut p,
        "leaderboard_bootstrap_rounds",
        (1..=100_000).contains(&s.leaderboard_bootstrap_rounds),
        "between 1 and 100000",
    );
    within(
        &mut p,
        "leaderboard_debounce_ms",
        s.leaderboard_debounce_ms <= DAY_MS,
        "at most a day (86400000)",
    );
    within(
        &mut p,
        "leaderboard_poll_secs",
        s.leaderboard_poll_secs <= 86_400,
        "at most a day (86400)",
    );
    within(
        &mut p,
        "shutdown_grace_secs",
        s.shutdown_grace_secs <= 3_600,
        "at most an hour (3600)",
    );
    let l = &s.live;
    within(
        &mut p,
        "live.max_prompt_chars",
        (1..=1_000_000).contains(&l.max_prompt_chars),
        "between 1 and 1000000",
    );
    within(
        &mut p,
        "live.max_turns",
        (1..=100).contains(&l.max_turns),
        "between 1 and 100",
    );
    within(
        &mut p,
        "live.max_regenerations",
        l.max_regenerations <= 100,
        "at most 100",
    );
    within(
        &mut p,
        "live.connect_timeout_ms",
        (1..=600_000).contains(&l.connect_timeout_ms),
        "between 1 and 600000 (ten minutes)",
    );
    within(
        &mut p,
        "live.first_token_timeout_ms",
        (1..=3_600_000).contains(&l.first_token_timeout_ms),
        "between 1 and 3600000 (an hour)",
    );
    within(
        &mut p,
        "live.answer_timeout_ms",
        (1..=DAY_MS).contains(&l.answer_timeout_ms),
        "between 1 and 86400000 (a day)",
    );
    within(
        &mut p,
        "live.first_token_timeout_ms",
        l.first_token_timeout_ms <= l.answer_timeout_ms,
        "at most live.answer_timeout_ms",
    );
    within(
        &mut p,
        "live.max_retries",
        l.max_retries <= 20,
        "at most 20",
    );
    within(
        &mut p,
        "live.retry_backoff_ms",
        l.retry_backoff_ms <= 600_000,
        "at most 600000 (ten minutes)",
    );
    within(
        &mut p,
        "live.breaker_cooldown_secs",
        l.breaker_cooldown_secs <= 7 * 86_400,
        "at most a week (604800)",
    );
    within(
        &mut p,
        "live.new_model_boost",
        l.new_model_boost.is_finite() && (1.0..=100.0).contains(&l.new_model_boost),
        "between 1 and 100",
    );
    for m in &s.live_models {
        let key = |k: &str| format!("live_models[{}].{k}", m.name);
        within(
            &mut p,
            &key("temperature"),
            m.temperature.is_finite() && (0.0..=2.0).contains(&m.temperature),
            "between 0 and 2",
        );
        within(
            &mut p,
            &key("max_tokens"),
            m.max_tokens.is_none_or(|t| (1..=1_000_000).contains(&t)),
            "between 1 and 1000000",
        );
        within(
            &mut p,
            &key("weight"),
            m.weight.is_finite() && m.weight > 0.0 && m.weight <= 1e6,
            "above 0 and at most 1000000",
        );
        within(
            &mut p,
            &key("max_concurrency"),
            (1..=10_000).contains(&m.max_concurrency),
            "between 1 and 10000",
        );
        for (k, price) in [
            ("input_cost_per_mtok", m.input_cost_per_mtok),
            ("output_cost_per_mtok", m.output_cost_per_mtok),
        ] {
            within(
                &mut p,
                &key(k),
                price.is_none_or(|x| x.is_finite() && x >= 0.0),
                "a price of 0 or more",
            );
        }
        for (k, date) in [
            ("release_date", &m.release_date),
            ("knowledge_cutoff", &m.knowledge_cutoff),
        ] {
            if let Some(d) = date
                && let Err(e) = Dated::parse(d)
            {
                p.push(format!("{}: {e}", key(k)));
            }
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_pass_and_each_value_out_of_range_is_named() {
        assert_eq!(problems(&Settings::default()), Vec::<String>::new());
        let mut s = Settings::default();
        s.live.answer_timeout_ms = u64::MAX;
        s.live.max_turns = 0;
        s.live.new_model_boost = f64::NAN;
        s.leaderboard_bootstrap_rounds = 0;
        let found = problems(&s);
        for key in [
            "live.answer_timeout_ms must be",
            "live.max_turns must be",
            "live.new_model_boost must be",
            "leaderboard_bootstrap_rounds must be",
        ] {
            assert!(
                found.iter().any(|f| f.starts_with(key)),
                "{key} not in {found:?}"
            );
        }
    }
}
