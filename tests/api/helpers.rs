//! `spawn_app()`: the real application on a free loopback port with a fresh
//! database, on SQLite always and on PostgreSQL when `GOLDARENA_TEST_POSTGRES_URL`
//! names a server (a new database per test on it).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use std::collections::HashMap;
use std::sync::Arc;

use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use goldarena::config::{LiveModelConfig, LiveSettings, Settings};
use goldarena::startup::Application;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::Value;
use tempfile::TempDir;

use crate::fake_openai::FakeOpenAi;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub address: String,
    pub db: DatabaseConnection,
    pub database_url: String,
    pub client: reqwest::Client,
    pub dir: TempDir,
    handle: actix_web::dev::ServerHandle,
}

impl Drop for TestApp {
    /// Stops the server and closes the pools, so that finished tests hold no
    /// database connections (PostgreSQL has a limit), then drops a PostgreSQL
    /// test database.
    fn drop(&mut self) {
        let handle = self.handle.clone();
        let db = self.db.clone();
        let url = self.database_url.clone();
        tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(async move {
                handle.stop(false).await;
                let _ = db.close().await;
                if let Some((server, name)) = postgres_database_of(&url)
                    && let Ok(admin) = Database::connect(&server).await
                {
                    let _ = admin
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await;
                    let _ = admin.close().await;
                }
            });
        });
    }
}

/// For a per-test PostgreSQL URL, the server URL and the database name.
fn postgres_database_of(url: &str) -> Option<(String, String)> {
    let server = std::env::var("GOLDARENA_TEST_POSTGRES_URL").ok()?;
    let base = url.split('?').next()?;
    let (_, name) = base.rsplit_once('/')?;
    name.starts_with("goldarena_test_")
        .then(|| (server, name.to_owned()))
}

/// A reqwest client builder; the process's TLS provider is installed first
/// (reqwest is built without one of its own).
pub fn http_builder() -> reqwest::ClientBuilder {
    goldarena::providers::install_crypto_provider();
    reqwest::Client::builder()
}

/// A reqwest client that keeps cookies, as a browser does (a battle's voter
/// is its cookie).
pub fn http() -> reqwest::Client {
    http_builder()
        .cookie_store(true)
        .build()
        .expect("http client")
}

/// Integrity rules on, but with limits no test reaches by accident.
pub fn relaxed_integrity() -> goldarena::config::IntegritySettings {
    goldarena::config::IntegritySettings {
        min_read_ms: 0,
        battles_per_minute: 100_000,
        live_per_minute: 100_000,
        votes_per_minute: 100_000,
        daily_votes_per_voter: 100_000,
        daily_votes_per_ip: 100_000,
        max_prompt_repeats: 100_000,
        ..goldarena::config::IntegritySettings::default()
    }
}

pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Skips (returns `false`) outside CI when an optional dependency is missing;
/// under CI a missing dependency fails the test instead.
pub fn require(available: bool, what: &str) -> bool {
    if available {
        return true;
    }
    assert!(!under_ci(), "{what} is required under CI but missing");
    eprintln!("skipped: {what} is not available");
    false
}

fn init_logs() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        if std::env::var("TEST_LOG").is_ok() {
            goldarena::telemetry::init();
        }
    });
}

/// A fresh, empty database URL for `backend`, or `None` (skip) when PostgreSQL is
/// not configured.
pub async fn fresh_database(backend: Backend, dir: &Path) -> Option<String> {
    match backend {
        Backend::Sqlite => Some(format!(
            "sqlite://{}?mode=rwc",
            dir.join("goldarena.db").display()
        )),
        Backend::Postgres => {
            let server = std::env::var("GOLDARENA_TEST_POSTGRES_URL").ok();
            if !require(server.is_some(), "PostgreSQL (GOLDARENA_TEST_POSTGRES_URL)") {
                return None;
            }
            let server = server.unwrap_or_default();
            let name = format!("goldarena_test_{}", uuid::Uuid::new_v4().simple());
            let admin = Database::connect(&server)
                .await
                .expect("connect to GOLDARENA_TEST_POSTGRES_URL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create test database");
            admin.close().await.expect("close admin connection");
            let (base, query) = match server.split_once('?') {
                Some((b, q)) => (b, format!("?{q}")),
                None => (server.as_str(), String::new()),
            };
            let (prefix, _) = base.rsplit_once('/').expect("database URL has a path");
            Some(format!("{prefix}/{name}{query}"))
        }
    }
}

pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |_| {}).await
}

pub async fn spawn_app_with(
    backend: Backend,
    configure: impl FnOnce(&mut Settings),
) -> Option<TestApp> {
    init_logs();
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = fresh_database(backend, dir.path()).await?;
    let mut settings = test_settings(database_url);
    configure(&mut settings);
    Some(start(settings, dir).await)
}

/// Settings for a test instance: a free port, a small pool, a quick leaderboard.
fn test_settings(database_url: String) -> Settings {
    Settings {
        // Tests vote at machine speed, many times from one client: the rules
        // that would stop that are tested on their own (tests/api/integrity.rs).
        integrity: relaxed_integrity(),
        bind: "127.0.0.1:0".to_owned(),
        // The demo set loads on SQLite by default, never on PostgreSQL unless
        // told: the tests run the same arena on both.
        load_demo: database_url.starts_with("postgres").then_some(true),
        database_url,
        database_max_connections: 3,
        leaderboard_bootstrap_rounds: 200,
        leaderboard_debounce_ms: 20,
        leaderboard_poll_secs: 1,
        ..Settings::default()
    }
}

/// Starts the application on `settings` (used to restart on the same database).
pub async fn start(settings: Settings, dir: TempDir) -> TestApp {
    start_with_secrets(settings, dir, &[]).await
}

/// The fake API keys the live models of [`spawn_live`] are given.
/// The JWT signing key of test instances (tests forge tokens with it).
pub const TEST_JWT_SECRET: &str = "test-only-jwt-secret-0123456789abcdef";

pub fn fake_api_key(model: &str) -> String {
    format!("sk-test-{model}-DO-NOT-LEAK")
}

/// An app whose live models are `models` (upstream ids scripted on `fake`),
/// each with an API key from [`fake_api_key`], and test-friendly limits.
pub async fn spawn_live(
    backend: Backend,
    fake: &FakeOpenAi,
    models: &[&str],
    configure: impl FnOnce(&mut Settings),
) -> Option<TestApp> {
    init_logs();
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = fresh_database(backend, dir.path()).await?;
    let mut settings = Settings {
        // As on a first start: live models turn the demo set off.
        load_demo: None,
        leaderboard_bootstrap_rounds: 100,
        live: LiveSettings {
            first_token_timeout_ms: 3_000,
            answer_timeout_ms: 15_000,
            retry_backoff_ms: 20,
            ..LiveSettings::default()
        },
        live_models: models
            .iter()
            .map(|m| LiveModelConfig {
                name: (*m).to_owned(),
                display_name: None,
                organization: None,
                base_url: fake.base_url.clone(),
                model: (*m).to_owned(),
                api_key_env: Some(format!("FAKE_KEY_{}", m.to_uppercase())),
                temperature: 0.7,
                max_tokens: Some(256),
                system_prompt: None,
                weight: 1.0,
                max_concurrency: 4,
                include_usage: true,
                identity_words: Vec::new(),
                release_date: None,
                knowledge_cutoff: None,
                input_cost_per_mtok: None,
                output_cost_per_mtok: None,
            })
            .collect(),
        ..test_settings(database_url)
    };
    configure(&mut settings);
    let secrets: Vec<(String, String)> = models
        .iter()
        .map(|m| (format!("FAKE_KEY_{}", m.to_uppercase()), fake_api_key(m)))
        .collect();
    Some(start_with_secrets(settings, dir, &secrets).await)
}

async fn start_with_secrets(
    settings: Settings,
    dir: TempDir,
    secrets: &[(String, String)],
) -> TestApp {
    let database_url = settings.database_url.clone();
    let mut secrets: HashMap<String, String> = secrets.iter().cloned().collect();
    // Several instances of a test share one database, so they share a key,
    // as production instances on PostgreSQL must.
    secrets
        .entry(goldarena::auth::keys::SECRET_VAR.to_owned())
        .or_insert_with(|| TEST_JWT_SECRET.to_owned());
    let app = Application::build_with_secrets(
        settings,
        Arc::new(move |name: &str| secrets.get(name).cloned()),
    )
    .await
    .expect("build application");
    let address = format!("http://127.0.0.1:{}", app.port());
    let db = app.db().clone();
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        db,
        database_url,
        client: http_builder()
            .cookie_store(true)
            .build()
            .expect("http client"),
        dir,
        handle,
    }
}

impl TestApp {
    /// Changes models (or answers) straight in the database, as another
    /// instance or the command line would, then tells this process's arena,
    /// as the admin API does: its index of playable questions reloads now
    /// rather than within two seconds.
    pub async fn change_bank(&self, sql: &str) {
        use sea_orm::ConnectionTrait;
        self.db.execute_unprepared(sql).await.expect(sql);
        goldarena::store::questions::bank_changed();
    }

    /// Another instance of the application on the same database, as after a
    /// restart or behind a load balancer. Its client shares this one's
    /// cookies: the same voter, reaching another instance.
    pub async fn another_instance(&self) -> TestApp {
        self.another_instance_with(|_| {}).await
    }

    /// [`Self::another_instance`], with its settings changed by `configure`.
    pub async fn another_instance_with(&self, configure: impl FnOnce(&mut Settings)) -> TestApp {
        let mut settings = Settings {
            database_max_connections: 2,
            leaderboard_bootstrap_rounds: 50,
            ..test_settings(self.database_url.clone())
        };
        configure(&mut settings);
        let mut app = start(settings, tempfile::tempdir().expect("temp dir")).await;
        app.client = self.client.clone();
        app
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn post_json(&self, path: &str, body: &str) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .expect("request")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    /// Creates a battle and returns its JSON (asserting 201).
    pub async fn new_battle(&self, body: &str) -> Value {
        let res = self.post_json("/api/v1/battles", body).await;
        assert_eq!(res.status(), 201, "create battle");
        res.json().await.expect("battle json")
    }

    pub async fn vote(&self, battle_id: &str, verdict: &str) -> reqwest::Response {
        let body = serde_json::json!({ "verdict": verdict }).to_string();
        self.post_json(&format!("/api/v1/battles/{battle_id}/vote"), &body)
            .await
    }

    /// The leaderboard once it counts `votes` votes (it is recomputed in the
    /// background after a short debounce).
    pub async fn leaderboard_after(&self, votes: u64) -> Value {
        for _ in 0..200 {
            let board: Value = self
                .get("/api/v1/leaderboard")
                .await
                .json()
                .await
                .expect("leaderboard json");
            if board["total_votes"].as_u64() == Some(votes) {
                return board;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the leaderboard never reached {votes} votes");
    }

    /// Every event of the battle's answer stream, as `(event, data)`, up to
    /// and including `end`.
    pub async fn stream(&self, battle_id: &str) -> Vec<(String, Value)> {
        let res = self
            .get(&format!("/api/v1/battles/{battle_id}/stream"))
            .await;
        assert_eq!(res.status(), 200, "stream status");
        assert_eq!(
            res.headers()["content-type"].to_str().expect("type"),
            "text/event-stream"
        );
        let mut events = res.bytes_stream().eventsource();
        let mut out = Vec::new();
        let read = async {
            while let Some(event) = events.next().await {
                let event = event.expect("a well-formed event");
                let data: Value = serde_json::from_str(&event.data).expect("JSON data");
                let end = event.event == "end";
                out.push((event.event, data));
                if end {
                    break;
                }
            }
        };
        tokio::time::timeout(std::time::Duration::from_secs(60), read)
            .await
            .expect("the stream ended within a minute");
        assert_eq!(out.last().map(|e| e.0.as_str()), Some("end"), "{out:?}");
        out
    }

    /// Stores a counted vote on an anonymous battle (of question-bank
    /// question `question`, if given) between the models named `a` (shown
    /// first) and `b`, straight into the database: a vote in a known order
    /// on a known pair.
    pub async fn store_counted_vote(
        &self,
        a: &str,
        b: &str,
        verdict: goldarena::domain::Verdict,
        question: Option<i32>,
    ) -> uuid::Uuid {
        use goldarena::domain::{BattleMode, Scope};
        use goldarena::store::{battles, votes};
        let id = |name: &str| {
            let name = name.to_owned();
            async move {
                i32::try_from(
                    self.count(&format!(
                        "SELECT CAST(id AS BIGINT) FROM models WHERE name = '{name}'"
                    ))
                    .await,
                )
                .expect("model id")
            }
        };
        let battle = uuid::Uuid::new_v4();
        let (model_a, model_b) = (id(a).await, id(b).await);
        battles::insert(
            &self.db,
            battles::NewBattle {
                id: battle,
                mode: BattleMode::Anonymous,
                model_a,
                model_b,
                voter_id: None,
                ip_hash: None,
                question_chosen: false,
                prompt_key: None,
                language: None,
                category: None,
                question_id: question,
                created_at: battles::started_now(),
                messages: Vec::new(),
            },
        )
        .await
        .expect("store the battle");
        votes::record(
            &self.db,
            votes::RecordVote {
                battle_id: battle,
                model_a,
                model_b,
                verdict,
                voter_id: None,
                counted: true,
                not_counted: None,
                scopes: vec![Scope::Overall],
                style: None,
            },
        )
        .await
        .expect("store the vote");
        battle
    }

    pub async fn count(&self, sql: &str) -> i64 {
        let row = self
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                self.db.get_database_backend(),
                sql.to_owned(),
            ))
            .await
            .expect("query")
            .expect("one row");
        row.try_get_by_index::<i64>(0).expect("count")
    }
}

pub const PASSWORD: &str = "correct horse battery staple";

/// A signed-in client of a new account with `role` (password [`PASSWORD`]).
pub async fn user(app: &TestApp, email: &str, role: goldarena::domain::Role) -> reqwest::Client {
    goldarena::auth::users::add(
        &app.db,
        &goldarena::auth::Actor::cli(),
        goldarena::auth::users::NewAccount {
            email: goldarena::domain::Email::parse(email).expect("email"),
            role,
            name: None,
            specialties: vec!["general".into()],
            languages: vec!["en".into()],
            credential: None,
            password: goldarena::domain::Password::parse(PASSWORD).expect("password"),
        },
    )
    .await
    .expect("user");
    let client = http();
    let res = client
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 200);
    client
}

/// Asserts the status and the error code of a JSON error response.
pub async fn assert_error(res: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(res.status(), status, "status");
    let body: Value = res.json().await.expect("error body is JSON");
    assert_eq!(body["error"]["code"], code, "error code in {body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "error message in {body}"
    );
    body
}

/// Writes a small llm_judge question file and answer folder; returns their paths.
pub fn write_answer_set(dir: &Path, name: &str, models: &[(&str, &[&str])]) -> (PathBuf, PathBuf) {
    let root = dir.join(name);
    let answers = root.join("model_answer");
    std::fs::create_dir_all(&answers).expect("create fixture dirs");
    let questions = root.join("question.jsonl");
    let n = models.first().map_or(0, |(_, a)| a.len());
    let lines: Vec<String> = (0..n)
        .map(|i| {
            serde_json::json!({
                "question_id": 1000 + i,
                "category": if i % 2 == 0 { "medical" } else { "writing" },
                "turns": [format!("Fixture question number {i}: how should this be handled?")],
            })
            .to_string()
        })
        .collect();
    std::fs::write(&questions, lines.join("\n")).expect("write questions");
    for (model, texts) in models {
        let lines: Vec<String> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| {
                serde_json::json!({
                    "question_id": 1000 + i,
                    "model_id": model,
                    "choices": [{"index": 0, "turns": [t]}],
                })
                .to_string()
            })
            .collect();
        std::fs::write(answers.join(format!("{model}.jsonl")), lines.join("\n"))
            .expect("write answers");
    }
    (questions, answers)
}

/// Declares a test that runs once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::helpers::Backend::Sqlite).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::helpers::Backend::Postgres).await;
                }
            }
        )+
    };
}

/// `../shared/data` beside the repository (override: `GOLDARENA_SHARED_DATA`),
/// or `None` (skip; a failure under CI) when it is absent.
pub fn shared_data(sub: &str) -> Option<PathBuf> {
    let root = std::env::var_os("GOLDARENA_SHARED_DATA").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"),
        PathBuf::from,
    );
    let path = root.join(sub);
    require(
        path.exists(),
        &format!("shared test data {}", path.display()),
    )
    .then_some(path)
}
