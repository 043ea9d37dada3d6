//! `[integrity]`: the rules that decide whether a vote counts, and the rate
//! limits in front of the arena. `enabled = false` turns every rule and limit
//! off (benchmarks, private deployments).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IntegritySettings {
    /// Off: every vote counts and nothing is rate-limited.
    pub enabled: bool,
    /// A battle older than this takes no vote (409 `battle_expired`).
    pub battle_ttl_secs: u64,
    /// A vote sooner than this after both answers were there is `too_fast`.
    pub min_read_ms: u64,
    /// Counted votes a day (UTC) per voter, and per client address.
    pub daily_votes_per_voter: u64,
    pub daily_votes_per_ip: u64,
    /// A live prompt seen more often than this (normalised) is a
    /// `duplicate_prompt`.
    pub max_prompt_repeats: u64,
    /// Proxies whose `X-Forwarded-For` is believed (CIDRs).
    pub trusted_proxies: Vec<String>,
    /// Requests per minute, per client address and per voter.
    pub battles_per_minute: u32,
    pub live_per_minute: u32,
    pub votes_per_minute: u32,
    /// Live answers generated at once across all voters.
    pub max_live_in_flight: usize,
    /// Of those, kept free for anonymous battles (named battles cannot take them).
    pub live_reserved_for_anonymous: usize,
    /// Completion tokens a voter's live battles may use a day.
    pub daily_tokens_per_voter: u64,
    /// How often the anomaly check runs.
    pub anomaly_interval_secs: u64,
    /// Counted votes a voter needs before the anomaly check judges them.
    pub anomaly_min_votes: u64,
    /// The anomaly score (a log-likelihood ratio) past which a voter is flagged.
    pub anomaly_threshold: f64,
}

impl Default for IntegritySettings {
    fn default() -> Self {
        Self {
            enabled: true,
            battle_ttl_secs: 3600,
            min_read_ms: 2000,
            daily_votes_per_voter: 200,
            daily_votes_per_ip: 1000,
            max_prompt_repeats: 20,
            trusted_proxies: Vec::new(),
            battles_per_minute: 30,
            live_per_minute: 6,
            votes_per_minute: 30,
            max_live_in_flight: 64,
            live_reserved_for_anonymous: 16,
            daily_tokens_per_voter: 200_000,
            anomaly_interval_secs: 600,
            anomaly_min_votes: 20,
            anomaly_threshold: 12.0,
        }
    }
}
