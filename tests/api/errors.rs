//! The error codes that need an unusual state to reach: a question too few
//! models answered, a leaderboard that could not be computed, a database
//! that stopped answering, and a battle that changed under a request.

use std::time::Duration;

use goldarena::domain::{BattleStatus, FinishReason, Side};
use goldarena::store::entities::{battles, messages, pair_counts};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};
use serde_json::{Value, json};

use crate::both_backends;
use crate::fake_openai::{FakeOpenAi, Script};
use crate::helpers::{Backend, assert_error, spawn_app, spawn_live};

both_backends!(
    a_question_answered_by_one_active_model_returns_422,
    a_leaderboard_that_cannot_be_computed_returns_503,
    health_returns_503_when_the_database_stops_answering,
    a_follow_up_on_a_battle_that_changed_meanwhile_returns_409,
    nul_bytes_odd_paths_and_bad_queries_get_json_4xx_on_both_databases,
);

async fn a_question_answered_by_one_active_model_returns_422(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let question = app
        .count("SELECT CAST(MIN(id) AS BIGINT) FROM questions")
        .await;
    app.change_bank("UPDATE models SET active = false WHERE name <> 'demo-terse'")
        .await;
    let body = json!({ "question_id": question }).to_string();
    let res = app.post_json("/api/v1/battles", &body).await;
    assert_error(res, 422, "question_not_playable").await;
    assert_eq!(app.count("SELECT COUNT(*) FROM battles").await, 0);
}

async fn a_leaderboard_that_cannot_be_computed_returns_503(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    // A count row whose verdict is none of the four cannot be read back, so no
    // instance started on this database can compute its first leaderboard.
    pair_counts::Entity::insert(pair_counts::ActiveModel {
        scope: Set("overall".to_owned()),
        model_a: Set(1),
        model_b: Set(2),
        verdict: Set("bogus".to_owned()),
        count: Set(1),
    })
    .exec_without_returning(&app.db)
    .await
    .expect("insert a corrupt count");
    let second = app.another_instance().await;
    let res = second.get("/api/v1/leaderboard").await;
    assert_error(res, 503, "leaderboard_not_ready").await;
    // Everything else keeps working.
    assert_eq!(second.get("/api/v1/health").await.status(), 200);
}

async fn health_returns_503_when_the_database_stops_answering(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    assert_eq!(app.get("/api/v1/health").await.status(), 200);
    // The test shares the server's pool: closing it leaves the server
    // without a database.
    app.db.clone().close().await.expect("close the pool");
    let res = app.get("/api/v1/health").await;
    assert_error(res, 503, "database_unavailable").await;
}

async fn a_follow_up_on_a_battle_that_changed_meanwhile_returns_409(backend: Backend) {
    let fake = FakeOpenAi::start(&[
        ("alpha", Script::answer("Rest.")),
        ("beta", Script::answer("Drink water.")),
    ])
    .await;
    let Some(app) = spawn_live(backend, &fake, &["alpha", "beta"], |_| {}).await else {
        return;
    };
    let battle: Value = app
        .post_json("/api/v1/battles", r#"{"prompt":"I have a cold."}"#)
        .await
        .json()
        .await
        .expect("json");
    let id = battle["id"].as_str().expect("id").to_owned();
    app.stream(&id).await;
    let uuid = uuid::Uuid::parse_str(&id).expect("uuid");

    // Hold the battle's lock (the row on PostgreSQL, the write lock on
    // SQLite), so that the follow-up below reads the conversation and then
    // waits at its write.
    let txn = app.db.begin().await.expect("begin");
    battles::Entity::update_many()
        .col_expr(battles::Column::Status, Expr::value(BattleStatus::Open))
        .filter(battles::Column::Id.eq(uuid))
        .exec(&txn)
        .await
        .expect("lock the battle");
    let client = app.client.clone();
    let url = app.url(&format!("/api/v1/battles/{id}/turns"));
    let follow_up = tokio::spawn(async move {
        client
            .post(url)
            .header("content-type", "application/json")
            .body(r#"{"prompt":"And tomorrow?"}"#)
            .send()
            .await
            .expect("request")
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Meanwhile another turn completes (as if from another tab).
    let now = chrono::Utc::now();
    let row = |side: Option<Side>, content: &str| messages::ActiveModel {
        battle_id: Set(uuid),
        turn: Set(1),
        side: Set(side),
        role: Set(if side.is_some() { "assistant" } else { "user" }.to_owned()),
        content: Set(content.to_owned()),
        finish_reason: Set(side.map(|_| FinishReason::Stop)),
        created_at: Set(now),
        ..Default::default()
    };
    messages::Entity::insert_many([
        row(None, "Other tab"),
        row(Some(Side::A), "a"),
        row(Some(Side::B), "b"),
    ])
    .exec_without_returning(&txn)
    .await
    .expect("insert the other turn");
    txn.commit().await.expect("commit");

    let res = follow_up.await.expect("follow-up task");
    assert_error(res, 409, "battle_changed").await;
    // The follow-up stored nothing: only the other tab's turn is there.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages WHERE turn = 2")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages WHERE turn = 1")
            .await,
        3
    );
}

/// A setting out of its range stops the start with a message naming it (a
/// huge answer timeout used to panic later).
#[test]
fn settings_out_of_range_stop_the_start_with_their_names() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(
        dir.path().join("goldarena.toml"),
        "[live]\nanswer_timeout_ms = 9223372036854775807\nmax_turns = 0\n",
    )
    .expect("config");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_goldarena"))
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--database",
            "sqlite://arena.db?mode=rwc",
        ])
        .current_dir(dir.path())
        .output()
        .expect("run goldarena");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("live.answer_timeout_ms must be between 1 and 86400000"),
        "{stderr}"
    );
    assert!(
        stderr.contains("live.max_turns must be between 1 and 100"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        !dir.path().join("arena.db").exists(),
        "nothing is created before the settings are checked"
    );
}

/// PostgreSQL cannot store or compare text holding NUL, so it must never reach
/// a query: NUL in a path, a query string, a login or an operator's JSON text
/// is a 4xx before it does. Paths and query strings the endpoint cannot read
/// answer in the API's JSON error shape, and a scope name that would read as
/// another scope's key is refused.
async fn nul_bytes_odd_paths_and_bad_queries_get_json_4xx_on_both_databases(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    for path in [
        "/api/v1/leaderboard?category=%00",
        "/api/v1/leaderboard?language=eng%00",
        "/api/v1/models/%00/history",
        "/api/v1/exams/a%00b/results",
    ] {
        assert_error(app.get(path).await, 400, "invalid_body").await;
    }
    let login = json!({ "email": "a\u{0}@b.co", "password": "whatever it is" }).to_string();
    let res = app.post_json("/api/v1/auth/login", &login).await;
    assert_eq!(
        res.status().as_u16() / 100,
        4,
        "login with NUL: {}",
        res.status()
    );
    // An operator's text with NUL (checked before the role: 400 or 401,
    // never a 500).
    let res = app
        .post_json(
            "/api/v1/snapshots",
            &json!({ "label": "week\u{0}1" }).to_string(),
        )
        .await;
    assert_eq!(res.status().as_u16() / 100, 4, "{}", res.status());
    assert_error(app.get("/api/v1/snapshots/abc").await, 404, "not_found").await;
    assert_error(
        app.get("/api/v1/snapshots/99999999999").await,
        404,
        "not_found",
    )
    .await;
    for query in ["style_control=yes", "snapshot=x", "show_deprecated=2"] {
        let res = app.get(&format!("/api/v1/leaderboard?{query}")).await;
        assert_error(res, 400, "invalid_body").await;
    }
    // `category=medical,language:eng` would be cached under the key of
    // `category=medical&language=eng`.
    for query in ["category=medical,language:eng", "language=a,b"] {
        let res = app.get(&format!("/api/v1/leaderboard?{query}")).await;
        assert_error(res, 400, "invalid_body").await;
    }
    // The arena still serves.
    assert_eq!(app.get("/api/v1/health").await.status(), 200);
}
