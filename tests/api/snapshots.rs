//! Rating snapshots: taken on demand and on a schedule, immutable, served as
//! boards, and the history they make, across a change of reference model.

use goldarena::domain::Role;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, assert_error, spawn_app_with, start, user};

both_backends!(
    a_snapshot_keeps_the_board_as_it_stood,
    history_keeps_the_reference_each_snapshot_used,
    two_instances_take_one_scheduled_snapshot
);

async fn vote_some(app: &TestApp, n: usize) {
    for _ in 0..n {
        let b = app.new_battle("{}").await;
        let id = b["id"].as_str().expect("id");
        assert_eq!(app.vote(id, "model_a").await.status(), 200);
    }
}

async fn json_of(app: &TestApp, path: &str) -> Value {
    let res = app.get(path).await;
    assert_eq!(res.status(), 200, "{path}");
    res.json().await.expect("json")
}

async fn take(operator: &reqwest::Client, app: &TestApp, label: &str) -> Value {
    let res = operator
        .post(app.url("/api/v1/snapshots"))
        .json(&json!({ "label": label }))
        .send()
        .await
        .expect("take");
    assert_eq!(res.status(), 201);
    res.json().await.expect("json")
}

async fn a_snapshot_keeps_the_board_as_it_stood(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| {
        s.leaderboard.min_votes = 1;
        s.snapshots.every = "off".to_owned();
    })
    .await
    else {
        return;
    };
    let operator = user(&app, "ops@example.org", Role::Operator).await;
    let voter = user(&app, "voter@example.org", Role::Voter).await;
    vote_some(&app, 10).await;
    let board = app.leaderboard_after(10).await;

    // Only an operator takes one.
    assert_error(
        voter
            .post(app.url("/api/v1/snapshots"))
            .json(&json!({}))
            .send()
            .await
            .expect("post"),
        403,
        "forbidden",
    )
    .await;
    let snapshot = take(&operator, &app, "before the update").await;
    let id = snapshot["id"].as_i64().expect("id");
    assert_eq!(snapshot["label"], "before the update");
    assert_eq!(snapshot["scheduled"], false);
    assert_eq!(snapshot["vote_count"], 10);
    assert_eq!(snapshot["method"], "bt");
    assert_eq!(snapshot["software_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(snapshot["input_sha256"].as_str().map(str::len), Some(64));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'snapshot.take'")
            .await,
        1
    );

    // Served as a board: the same rows as the live board then.
    let kept = json_of(&app, &format!("/api/v1/leaderboard?snapshot={id}")).await;
    let ratings = |b: &Value| -> Vec<(String, f64)> {
        b["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| {
                (
                    r["model"].as_str().expect("model").to_owned(),
                    r["rating"].as_f64().expect("rating"),
                )
            })
            .collect()
    };
    let before = ratings(&board);
    assert_eq!(ratings(&kept), before);
    assert_eq!(kept["total_votes"], 10);

    // More votes move the live board, never the snapshot.
    vote_some(&app, 10).await;
    app.leaderboard_after(20).await;
    let again = json_of(&app, &format!("/api/v1/leaderboard?snapshot={id}")).await;
    assert_eq!(ratings(&again), before);
    let stored = json_of(&app, &format!("/api/v1/snapshots/{id}")).await;
    assert_eq!(stored["snapshot"]["input_sha256"], snapshot["input_sha256"]);
    let second = take(&operator, &app, "after").await;
    assert_eq!(second["vote_count"], 20);
    assert_ne!(second["input_sha256"], snapshot["input_sha256"]);
    let list = json_of(&app, "/api/v1/snapshots").await;
    assert_eq!(list["snapshots"].as_array().map(Vec::len), Some(2));

    // No way to change or delete one; unknown ids and bad queries are clear.
    for method in [
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
        reqwest::Method::PATCH,
    ] {
        let res = operator
            .request(method, app.url(&format!("/api/v1/snapshots/{id}")))
            .json(&json!({}))
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 405);
    }
    assert_error(
        app.get("/api/v1/leaderboard?snapshot=9999").await,
        404,
        "snapshot_not_found",
    )
    .await;
    assert_error(
        app.get("/api/v1/snapshots/9999").await,
        404,
        "snapshot_not_found",
    )
    .await;
    assert_error(
        app.get(&format!(
            "/api/v1/leaderboard?snapshot={id}&category=medical"
        ))
        .await,
        400,
        "invalid_body",
    )
    .await;
    assert_error(
        app.get("/api/v1/snapshots?from=yesterday").await,
        400,
        "invalid_body",
    )
    .await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM rating_snapshots").await,
        2,
        "nothing else was stored"
    );
    // And from the command line.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_goldarena"))
        .args([
            "snapshot",
            "take",
            "--label",
            "cli",
            "--database",
            &app.database_url,
        ])
        .output()
        .expect("run goldarena snapshot take");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_goldarena"))
        .args(["snapshot", "list", "--database", &app.database_url])
        .output()
        .expect("run goldarena snapshot list");
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        listed.contains("before the update") && listed.contains("cli"),
        "{listed}"
    );
}

async fn history_keeps_the_reference_each_snapshot_used(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| {
        s.leaderboard.min_votes = 1;
        s.leaderboard.reference_model = Some("demo-terse".to_owned());
        s.snapshots.every = "off".to_owned();
    })
    .await
    else {
        return;
    };
    let operator = user(&app, "ops@example.org", Role::Operator).await;
    vote_some(&app, 20).await;
    let board = app.leaderboard_after(20).await;
    assert_eq!(board["reference_model"], "demo-terse");
    let terse = board["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["model"] == "demo-terse")
        .expect("terse row");
    assert_eq!(terse["gap_to_reference"]["value"], 0.0);
    for r in board["rows"].as_array().expect("rows") {
        let gap = &r["gap_to_reference"];
        let value = gap["value"].as_f64().expect("gap");
        assert!(
            (value
                - (r["rating"].as_f64().expect("rating")
                    - terse["rating"].as_f64().expect("rating")))
            .abs()
                < 1e-6
        );
        assert!(gap["ci_lower"].as_f64().expect("lower") <= value + 1e-9);
        assert!(gap["ci_upper"].as_f64().expect("upper") >= value - 1e-9);
    }
    take(&operator, &app, "terse era").await;

    // The operator changes the reference and restarts on the same database.
    let mut settings = goldarena::config::Settings {
        bind: "127.0.0.1:0".to_owned(),
        database_url: app.database_url.clone(),
        database_max_connections: 3,
        integrity: crate::helpers::relaxed_integrity(),
        leaderboard_debounce_ms: 20,
        leaderboard_poll_secs: 1,
        leaderboard_bootstrap_rounds: 50,
        ..goldarena::config::Settings::default()
    };
    settings.leaderboard.min_votes = 1;
    settings.leaderboard.reference_model = Some("demo-thorough".to_owned());
    settings.snapshots.every = "off".to_owned();
    let second = start(settings, tempfile::tempdir().expect("dir")).await;
    let operator2 = user(&second, "ops2@example.org", Role::Operator).await;
    take(&operator2, &second, "thorough era").await;

    let history = json_of(&second, "/api/v1/models/demo-markdown/history").await;
    let points = history["points"].as_array().expect("points");
    assert_eq!(points.len(), 2, "{history}");
    assert_eq!(points[0]["reference_model"], "demo-terse");
    assert_eq!(points[1]["reference_model"], "demo-thorough");
    assert_eq!(points[0]["label"], "terse era");
    for p in points {
        assert!(p["rating"].is_number() && p["ci_lower"].is_number() && p["battles"].is_number());
        assert!(p["gap_to_reference"]["value"].is_number());
    }
    // The same votes, so the same rating; the gap moved with the reference.
    assert!(
        (points[0]["rating"].as_f64().expect("r") - points[1]["rating"].as_f64().expect("r")).abs()
            < 1e-6
    );
    assert_ne!(
        points[0]["gap_to_reference"]["value"],
        points[1]["gap_to_reference"]["value"]
    );
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let dated = json_of(
        &second,
        &format!("/api/v1/models/demo-markdown/history?from={today}&to={today}"),
    )
    .await;
    assert_eq!(dated["points"].as_array().map(Vec::len), Some(2));
    let none = json_of(
        &second,
        "/api/v1/models/demo-markdown/history?to=2000-01-01",
    )
    .await;
    assert_eq!(none["points"].as_array().map(Vec::len), Some(0));
    assert_error(
        second.get("/api/v1/models/nobody/history").await,
        404,
        "model_not_found",
    )
    .await;
}

async fn two_instances_take_one_scheduled_snapshot(backend: Backend) {
    let Some(first) = spawn_app_with(backend, |s| s.snapshots.every = "off".to_owned()).await
    else {
        return;
    };
    vote_some(&first, 5).await;
    first.leaderboard_after(5).await;
    // Two instances with a schedule start at once and race for the slot.
    let settings = || {
        let mut s = goldarena::config::Settings {
            bind: "127.0.0.1:0".to_owned(),
            database_url: first.database_url.clone(),
            database_max_connections: 3,
            integrity: crate::helpers::relaxed_integrity(),
            leaderboard_bootstrap_rounds: 50,
            ..goldarena::config::Settings::default()
        };
        s.snapshots.every = "1w".to_owned();
        s
    };
    let (a, b) = tokio::join!(
        start(settings(), tempfile::tempdir().expect("dir")),
        start(settings(), tempfile::tempdir().expect("dir"))
    );
    // Both have tried by the time a scheduled snapshot is listed, and keep
    // trying every minute; wait for the first.
    for _ in 0..100 {
        let found = a
            .count("SELECT COUNT(*) FROM rating_snapshots WHERE slot IS NOT NULL")
            .await;
        if found > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let slots = a
        .count("SELECT COUNT(DISTINCT slot) FROM rating_snapshots WHERE slot IS NOT NULL")
        .await;
    let scheduled = b
        .count("SELECT COUNT(*) FROM rating_snapshots WHERE slot IS NOT NULL")
        .await;
    assert!(scheduled >= 1, "no scheduled snapshot");
    assert_eq!(scheduled, slots, "a slot was taken twice");
    let list: Value = a.get("/api/v1/snapshots").await.json().await.expect("json");
    let snap = &list["snapshots"][0];
    assert_eq!(snap["scheduled"], true);
    assert_eq!(snap["vote_count"], 5);
}
