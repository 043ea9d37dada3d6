//! Settings of live battles: the OpenAI-compatible models to call and the
//! limits around them. API keys are not settings: a model names the
//! environment variable that holds its key.

use serde::{Deserialize, Serialize};

use crate::domain::DEFAULT_IDENTITY_WORDS;

/// `[live]`: limits of live battles, shared by every live model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LiveSettings {
    /// Longest prompt accepted, in characters.
    pub max_prompt_chars: usize,
    /// Most turns (prompt and two answers) in one battle.
    pub max_turns: usize,
    /// Most regenerations in one battle (each costs two answers).
    pub max_regenerations: usize,
    /// Time to open a connection to a model's server.
    pub connect_timeout_ms: u64,
    /// Time from sending a request to the first token of the answer.
    pub first_token_timeout_ms: u64,
    /// Time for a whole answer, retries included.
    pub answer_timeout_ms: u64,
    /// The longest answer kept, in bytes; a longer one ends there (`length`).
    pub max_answer_bytes: usize,
    /// Retries of a request that failed before its first token (429, 5xx,
    /// connection errors).
    pub max_retries: u32,
    /// First retry delay; it doubles with every retry (a server's `Retry-After`
    /// wins when longer).
    pub retry_backoff_ms: u64,
    /// Consecutive failures that take a model out of sampling.
    pub breaker_failures: u32,
    /// How long a failing model stays out of sampling before it is tried again.
    pub breaker_cooldown_secs: u64,
    /// A model younger than this many days is drawn more often.
    pub new_model_days: u32,
    /// A model with fewer counted votes than this is drawn more often.
    pub new_model_votes: u64,
    /// The factor on a new model's sampling weight.
    pub new_model_boost: f64,
    /// Words that give a model away; a vote on an answer that contains one is
    /// stored but not counted.
    pub identity_words: Vec<String>,
}

impl Default for LiveSettings {
    fn default() -> Self {
        Self {
            max_prompt_chars: 8_000,
            max_turns: 8,
            max_regenerations: 3,
            connect_timeout_ms: 5_000,
            first_token_timeout_ms: 30_000,
            answer_timeout_ms: 180_000,
            max_answer_bytes: 262_144,
            max_retries: 2,
            retry_backoff_ms: 500,
            breaker_failures: 3,
            breaker_cooldown_secs: 120,
            new_model_days: 7,
            new_model_votes: 300,
            new_model_boost: 3.0,
            identity_words: DEFAULT_IDENTITY_WORDS
                .iter()
                .map(|w| (*w).to_owned())
                .collect(),
        }
    }
}

/// `[[live_models]]`: one model behind an OpenAI-compatible
/// `/v1/chat/completions` endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiveModelConfig {
    /// The arena's name for the model (a slug, unique).
    pub name: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub organization: Option<String>,
    /// Base URL up to and including `/v1`, e.g. `http://127.0.0.1:8000/v1`.
    pub base_url: String,
    /// The model id the server expects.
    pub model: String,
    /// Name of the environment variable holding the API key (never the key).
    #[serde(default)]
    pub api_key_env: Option<String>,
    #[serde(default = "default_temperature")]
    pub temperature: f64,
    /// Longest answer, in tokens (1024 unless set; bounds each answer's cost).
    #[serde(default = "default_max_tokens")]
    pub max_tokens: Option<u32>,
    #[serde(default)]
    pub system_prompt: Option<String>,
    /// Relative sampling weight.
    #[serde(default = "default_weight")]
    pub weight: f64,
    /// Requests to this model in flight at once; more wait their turn.
    #[serde(default = "default_max_concurrency")]
    pub max_concurrency: usize,
    /// Ask for token usage in the stream (`stream_options.include_usage`);
    /// turn off for servers that reject the option.
    #[serde(default = "default_true")]
    pub include_usage: bool,
    /// More words that give this model away, beyond its names.
    #[serde(default)]
    pub identity_words: Vec<String>,
    /// When the model was released (`YYYY-MM-DD`, `YYYY-MM` or `YYYY`).
    #[serde(default)]
    pub release_date: Option<String>,
    /// The model's training-data cutoff as its maker states it: an exam held
    /// after it is `fresh` for this model.
    #[serde(default)]
    pub knowledge_cutoff: Option<String>,
    /// Price of a million prompt tokens (any currency), for the cost `exam
    /// run` reports.
    #[serde(default)]
    pub input_cost_per_mtok: Option<f64>,
    /// Price of a million completion tokens.
    #[serde(default)]
    pub output_cost_per_mtok: Option<f64>,
}

#[expect(
    clippy::unnecessary_wraps,
    reason = "serde's default for an Option field"
)]
fn default_max_tokens() -> Option<u32> {
    Some(1024)
}

fn default_temperature() -> f64 {
    0.7
}

fn default_weight() -> f64 {
    1.0
}

fn default_max_concurrency() -> usize {
    4
}

fn default_true() -> bool {
    true
}
