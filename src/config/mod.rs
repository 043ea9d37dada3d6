//! Settings: built-in defaults, then an optional `goldarena.toml`, then
//! `GOLDARENA_*` environment variables, then command-line flags.

mod auth;
mod check;
mod integrity;
mod live;

use std::path::Path;

use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

pub use auth::AuthSettings;

/// `[leaderboard]`: how the board is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LeaderboardSettings {
    /// Battles a model needs before it gets a rank; below, it is listed as
    /// preliminary.
    pub min_votes: u64,
    /// The intervals: `sandwich` (robust, no resampling) or `bootstrap`
    /// (`leaderboard_bootstrap_rounds` rounds).
    pub ci: String,
    /// The model every rating is also shown against (its gap, with the
    /// interval of the difference); change it at any time: each snapshot
    /// keeps the reference it used.
    pub reference_model: Option<String>,
}

impl Default for LeaderboardSettings {
    fn default() -> Self {
        Self {
            min_votes: 30,
            ci: "sandwich".to_owned(),
            reference_model: None,
        }
    }
}
/// `[snapshots]`: the rating history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SnapshotSettings {
    /// How often a snapshot of the board is taken: `"30m"`, `"6h"`, `"1d"`,
    /// `"1w"`, or `"off"`.
    pub every: String,
}

impl Default for SnapshotSettings {
    fn default() -> Self {
        Self {
            every: "1d".to_owned(),
        }
    }
}

pub use integrity::IntegritySettings;
pub use live::{LiveModelConfig, LiveSettings};

/// The configuration file read when `--config` is not given, if it exists.
pub const DEFAULT_CONFIG_FILE: &str = "goldarena.toml";

/// Everything the server needs to start. Secrets (API keys, signing keys) are not
/// settings: they are read from the environment by name where they are used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Address to listen on; port 0 picks a free port.
    pub bind: String,
    /// `sqlite://FILE?mode=rwc` or `postgres://user:pass@host/db`.
    pub database_url: String,
    /// Size of the database connection pool (on an SQLite file the writer
    /// of battles and votes has one more connection of its own).
    pub database_max_connections: u32,
    /// How long a request waits for a free connection, or for an unreachable
    /// database, before it gets 503 `database_unavailable`.
    pub database_acquire_timeout_ms: u64,
    /// The bundled demo set: `true` loads it into an empty database and keeps
    /// it on; `false` keeps it off; unset (the default) loads it into an
    /// empty SQLite database for a first start (never PostgreSQL), and turns
    /// it off as soon as live models or an imported answer set exist.
    #[serde(default)]
    pub load_demo: Option<bool>,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Bootstrap rounds behind the leaderboard's 95% intervals.
    pub leaderboard_bootstrap_rounds: usize,
    /// Seed of the leaderboard's bootstrap.
    pub leaderboard_seed: u64,
    /// After a vote, wait this long (milliseconds) for more before recomputing.
    pub leaderboard_debounce_ms: u64,
    /// How often (seconds) to look for votes cast through other instances.
    pub leaderboard_poll_secs: u64,
    /// On SIGTERM: how long (seconds) the requests in flight may take to
    /// finish before the process exits.
    pub shutdown_grace_secs: u64,
    /// The address voters reach the arena at (`https://arena.example.org`).
    /// With https, cookies are `Secure` and responses carry HSTS; requests
    /// from any other origin are refused.
    #[serde(default)]
    pub public_url: Option<String>,
    /// How the board is shown.
    #[serde(default)]
    pub leaderboard: LeaderboardSettings,
    /// The rating history.
    #[serde(default)]
    pub snapshots: SnapshotSettings,
    /// Sessions and login limits.
    #[serde(default)]
    pub auth: AuthSettings,
    /// Whether a vote counts, and the rate limits.
    #[serde(default)]
    pub integrity: IntegritySettings,
    /// Limits of live battles.
    #[serde(default)]
    pub live: LiveSettings,
    /// OpenAI-compatible models that answer voters' own prompts.
    #[serde(default)]
    pub live_models: Vec<LiveModelConfig>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".to_owned(),
            database_url: "sqlite://goldarena.db?mode=rwc".to_owned(),
            database_max_connections: 10,
            database_acquire_timeout_ms: 5_000,
            load_demo: None,
            max_body_bytes: 64 * 1024,
            leaderboard_bootstrap_rounds: 1000,
            leaderboard_seed: 0,
            leaderboard_debounce_ms: 500,
            leaderboard_poll_secs: 30,
            shutdown_grace_secs: 30,
            public_url: None,
            leaderboard: LeaderboardSettings::default(),
            snapshots: SnapshotSettings::default(),
            auth: AuthSettings::default(),
            integrity: IntegritySettings::default(),
            live: LiveSettings::default(),
            live_models: Vec::new(),
        }
    }
}

/// Values given on the command line; `None` leaves the layer below in force.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
}

const ENV_KEYS: [&str; 12] = [
    "bind",
    "public_url",
    "database_url",
    "database_max_connections",
    "database_acquire_timeout_ms",
    "load_demo",
    "max_body_bytes",
    "leaderboard_bootstrap_rounds",
    "leaderboard_seed",
    "leaderboard_debounce_ms",
    "leaderboard_poll_secs",
    "shutdown_grace_secs",
];

/// Builds the settings. An explicit `config_file` must exist; without one,
/// `goldarena.toml` in the working directory is read if present.
///
/// # Errors
/// When the named file is missing, a file or variable does not parse, or a file
/// holds an unknown key.
pub fn load(config_file: Option<&Path>, overrides: &Overrides) -> anyhow::Result<Settings> {
    let mut figment = Figment::from(Serialized::defaults(Settings::default()));
    match config_file {
        Some(path) => {
            anyhow::ensure!(
                path.is_file(),
                "config file {} does not exist",
                path.display()
            );
            figment = figment.merge(Toml::file(path));
        }
        None => figment = figment.merge(Toml::file(DEFAULT_CONFIG_FILE)),
    }
    let settings: Settings = figment
        .merge(Env::prefixed("GOLDARENA_").only(&ENV_KEYS))
        .merge(Serialized::defaults(overrides))
        .extract()
        .context("invalid configuration")?;
    let problems = check::problems(&settings);
    anyhow::ensure!(
        problems.is_empty(),
        "invalid configuration:\n{}",
        problems.join("\n")
    );
    Ok(settings)
}

#[cfg(test)]
#[expect(
    clippy::result_large_err,
    reason = "figment::Jail fixes the closure's error type"
)]
mod tests {
    use super::*;

    #[test]
    fn layers_apply_in_order() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "custom.toml",
                "bind = \"0.0.0.0:9000\"\ndatabase_url = \"sqlite://file.db\"\nload_demo = false\n",
            )?;
            jail.set_env("GOLDARENA_DATABASE_URL", "postgres://env/db");
            let s = load(Some(Path::new("custom.toml")), &Overrides::default())
                .map_err(|e| e.to_string())?;
            assert_eq!(s.bind, "0.0.0.0:9000");
            assert_eq!(s.database_url, "postgres://env/db");
            assert_eq!(s.load_demo, Some(false));
            let s = load(
                Some(Path::new("custom.toml")),
                &Overrides {
                    bind: Some("127.0.0.1:0".into()),
                    database_url: None,
                },
            )
            .map_err(|e| e.to_string())?;
            assert_eq!(s.bind, "127.0.0.1:0");
            assert_eq!(s.database_url, "postgres://env/db");
            Ok(())
        });
    }

    #[test]
    fn defaults_apply_without_file_or_env() {
        figment::Jail::expect_with(|_| {
            let s = load(None, &Overrides::default()).map_err(|e| e.to_string())?;
            assert_eq!(s, Settings::default());
            Ok(())
        });
    }

    #[test]
    fn live_models_and_limits_come_from_the_file() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "live.toml",
                r#"
[live]
max_turns = 3
identity_words = ["Acme"]

[[live_models]]
name = "local-llama"
base_url = "http://127.0.0.1:8000/v1"
model = "llama-3-8b"
api_key_env = "LOCAL_KEY"

[[live_models]]
name = "other"
base_url = "http://127.0.0.1:8001/v1"
model = "m"
temperature = 0.2
max_tokens = 512
"#,
            )?;
            let s = load(Some(Path::new("live.toml")), &Overrides::default())
                .map_err(|e| e.to_string())?;
            assert_eq!(s.live.max_turns, 3);
            assert_eq!(s.live.identity_words, ["Acme"]);
            assert_eq!(s.live.max_prompt_chars, 8_000);
            assert_eq!(s.live_models.len(), 2);
            assert_eq!(s.live_models[0].api_key_env.as_deref(), Some("LOCAL_KEY"));
            assert!((s.live_models[0].temperature - 0.7).abs() < 1e-12);
            assert_eq!(s.live_models[1].max_tokens, Some(512));
            assert_eq!(s.live_models[1].max_concurrency, 4);
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_and_missing_files_are_errors() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("typo.toml", "datbase_url = \"x\"\n")?;
            assert!(load(Some(Path::new("typo.toml")), &Overrides::default()).is_err());
            jail.create_file(
                "typo2.toml",
                "[[live_models]]\nname = \"m\"\nbase_url = \"http://x/v1\"\nmodel = \"m\"\napi_key = \"sk-no\"\n",
            )?;
            assert!(load(Some(Path::new("typo2.toml")), &Overrides::default()).is_err());
            assert!(load(Some(Path::new("missing.toml")), &Overrides::default()).is_err());
            Ok(())
        });
    }
}
