use serde_json::Value;

use crate::both_backends;
use crate::helpers::{Backend, assert_error, spawn_app, spawn_app_with, write_answer_set};

both_backends!(
    create_battle_returns_a_prompt_and_two_anonymous_answers,
    create_battle_accepts_an_empty_body_and_sets_a_voter_cookie,
    create_battle_on_a_chosen_question,
    create_battle_on_an_unknown_question_returns_404,
    create_battle_with_malformed_json_returns_400,
    create_battle_with_an_unknown_field_returns_400,
    oversized_body_returns_413,
    empty_arena_returns_503,
    battles_never_pair_a_model_with_itself_and_skip_inactive_models,
    a_model_retired_elsewhere_stops_being_drawn_within_seconds,
    get_battle_hides_the_models_until_the_vote,
    model_output_is_sanitised_before_it_reaches_the_page,
    unknown_api_path_and_wrong_method_get_json_errors,
);

async fn create_battle_returns_a_prompt_and_two_anonymous_answers(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let res = app.post_json("/api/v1/battles", "{}").await;
    assert_eq!(res.status(), 201);
    let text = res.text().await.expect("body");
    let battle: Value = serde_json::from_str(&text).expect("json");
    assert!(
        battle["id"]
            .as_str()
            .is_some_and(|id| uuid::Uuid::parse_str(id).is_ok())
    );
    assert_eq!(battle["status"], "open");
    assert_eq!(battle["question_set"], "demo");
    for key in ["prompt", "a", "b"] {
        assert!(
            battle[key].as_str().is_some_and(|s| !s.trim().is_empty()),
            "{key} is empty in {battle}"
        );
    }
    assert_ne!(battle["a"], battle["b"], "two different models answer");
    let turns = battle["turns"].as_array().expect("turns");
    assert!(!turns.is_empty());
    assert_eq!(turns[0]["prompt"], battle["prompt"]);
    assert!(turns[0]["a_html"].as_str().is_some_and(|h| h.contains('<')));
    assert!(battle.get("model_a").is_none() && battle.get("model_b").is_none());
    for name in [
        "demo-terse",
        "demo-thorough",
        "demo-sloppy",
        "demo-markdown",
        "demo-bilingual",
    ] {
        assert!(!text.contains(name), "the response names {name}");
    }
}

async fn create_battle_accepts_an_empty_body_and_sets_a_voter_cookie(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let res = app
        .client
        .post(app.url("/api/v1/battles"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 201);
    let cookie = res
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("voter cookie")
        .to_owned();
    assert!(
        cookie.starts_with("ga_voter=") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    // The second request carries the cookie, so no new one is issued.
    let res = app.post_json("/api/v1/battles", "{}").await;
    assert_eq!(res.status(), 201);
    assert!(res.headers().get("set-cookie").is_none());
    let voters = app
        .count("SELECT COUNT(DISTINCT voter_id) FROM battles")
        .await;
    assert_eq!(voters, 1);
}

async fn create_battle_on_a_chosen_question(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let first = app.new_battle("{}").await;
    let question_id = first["question_id"].as_i64().expect("question id");
    for _ in 0..5 {
        let b = app
            .new_battle(&format!("{{\"question_id\": {question_id}}}"))
            .await;
        assert_eq!(b["question_id"], question_id);
        assert_eq!(b["prompt"], first["prompt"]);
    }
}

async fn create_battle_on_an_unknown_question_returns_404(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let res = app
        .post_json("/api/v1/battles", r#"{"question_id": 987654}"#)
        .await;
    assert_error(res, 404, "question_not_found").await;
}

async fn create_battle_with_malformed_json_returns_400(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let res = app.post_json("/api/v1/battles", "{\"question_id\": ").await;
    assert_error(res, 400, "invalid_json").await;
    assert_eq!(app.count("SELECT COUNT(*) FROM battles").await, 0);
}

async fn create_battle_with_an_unknown_field_returns_400(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let res = app
        .post_json("/api/v1/battles", r#"{"questionid": 1}"#)
        .await;
    assert_error(res, 400, "invalid_body").await;
    let res = app
        .post_json("/api/v1/battles", r#"{"question_id": "one"}"#)
        .await;
    assert_error(res, 400, "invalid_body").await;
}

async fn oversized_body_returns_413(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| s.max_body_bytes = 1024).await else {
        return;
    };
    let big = format!("{{\"question_id\": 1, \"pad\": \"{}\"}}", "x".repeat(4096));
    let res = app.post_json("/api/v1/battles", &big).await;
    assert_error(res, 413, "payload_too_large").await;
    assert_eq!(app.count("SELECT COUNT(*) FROM battles").await, 0);
}

async fn empty_arena_returns_503(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| s.load_demo = Some(false)).await else {
        return;
    };
    let res = app.post_json("/api/v1/battles", "{}").await;
    assert_error(res, 503, "no_battle_available").await;
}

/// A model retired by another instance (or the command line) on the same
/// database, which this process hears nothing of: its index of playable
/// questions reloads within two seconds, and the model stops being drawn.
async fn a_model_retired_elsewhere_stops_being_drawn_within_seconds(backend: Backend) {
    use sea_orm::ConnectionTrait;
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    // The index is loaded and in use.
    app.new_battle("{}").await;
    app.db
        .execute_unprepared("UPDATE models SET active = (name IN ('demo-terse', 'demo-thorough'))")
        .await
        .expect("retire the others behind the arena's back");
    let started = std::time::Instant::now();
    let mut clean_in_a_row = 0;
    while clean_in_a_row < 10 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "retired models were still drawn after 10 s"
        );
        let battle = app.new_battle("{}").await;
        let id = battle["id"].as_str().expect("id");
        let res = app.vote(id, "tie").await;
        assert_eq!(res.status(), 200, "vote");
        let revealed: Value = res.json().await.expect("vote json");
        let retired_drawn = ["model_a", "model_b"].iter().any(|side| {
            !["demo-terse", "demo-thorough"].contains(&revealed[side].as_str().unwrap_or_default())
        });
        clean_in_a_row = if retired_drawn { 0 } else { clean_in_a_row + 1 };
    }
}

async fn battles_never_pair_a_model_with_itself_and_skip_inactive_models(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    // Retire one model and give another weight 0: neither may be drawn.
    app.change_bank("UPDATE models SET active = false WHERE name = 'demo-sloppy'")
        .await;
    app.change_bank("UPDATE models SET sampling_weight = 0 WHERE name = 'demo-terse'")
        .await;
    for _ in 0..40 {
        app.new_battle("{}").await;
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM battles WHERE model_a = model_b")
            .await,
        0
    );
    let drawn = app
        .count(
            "SELECT COUNT(*) FROM battles b JOIN models m ON m.id = b.model_a OR m.id = b.model_b \
             WHERE m.name IN ('demo-sloppy', 'demo-terse')",
        )
        .await;
    assert_eq!(drawn, 0, "an inactive or zero-weight model was drawn");
    // Every drawn model really answered the battle's question.
    let orphans = app
        .count(
            "SELECT COUNT(*) FROM battles b WHERE NOT EXISTS (SELECT 1 FROM answers a \
             WHERE a.question_id = b.question_id AND a.model_id = b.model_a) OR NOT EXISTS \
             (SELECT 1 FROM answers a WHERE a.question_id = b.question_id AND a.model_id = b.model_b)",
        )
        .await;
    assert_eq!(orphans, 0);
    // Left/right is randomised: with 3 models left, each shows up on both sides.
    let sides = app
        .count("SELECT COUNT(DISTINCT model_a) + COUNT(DISTINCT model_b) FROM battles")
        .await;
    assert_eq!(sides, 6);
}

async fn get_battle_hides_the_models_until_the_vote(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let battle = app.new_battle("{}").await;
    let id = battle["id"].as_str().expect("id");
    let open: Value = app
        .get(&format!("/api/v1/battles/{id}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(open["status"], "open");
    assert!(open.get("model_a").is_none());
    assert_eq!(open["turns"], battle["turns"]);
    let voted: Value = app.vote(id, "tie").await.json().await.expect("json");
    let closed: Value = app
        .get(&format!("/api/v1/battles/{id}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(closed["status"], "voted");
    assert_eq!(closed["model_a"], voted["model_a"]);
    assert_eq!(closed["model_b"], voted["model_b"]);
    let res = app
        .get("/api/v1/battles/0190f4a2-0000-7000-8000-000000000000")
        .await;
    assert_error(res, 404, "battle_not_found").await;
}

async fn model_output_is_sanitised_before_it_reaches_the_page(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| s.load_demo = Some(false)).await else {
        return;
    };
    let evil = "Hello <script>window.__xss=1</script><img src=\"https://evil.example/p.png\" onerror=\"alert(1)\"> [x](javascript:alert(2))";
    let (q, a) = write_answer_set(
        app.dir.path(),
        "xss",
        &[
            ("evil-model", &[evil]),
            ("plain-model", &["A **plain** answer."]),
        ],
    );
    goldarena::import::import_files(&app.db, &q, &a, None)
        .await
        .expect("import");
    let battle = app.new_battle("{}").await;
    let turn = &battle["turns"][0];
    let html = format!("{}{}", turn["a_html"], turn["b_html"]);
    for bad in ["<script", "onerror", "javascript:", "<img", "evil.example"] {
        assert!(!html.contains(bad), "{bad} reached the page: {html}");
    }
    assert!(html.contains("<strong>plain</strong>"));
    // The Markdown source is returned as data, untouched, for clients that render it themselves.
    assert!(
        battle["a"].as_str().unwrap_or_default().contains("script")
            || battle["b"].as_str().unwrap_or_default().contains("script")
    );
}

async fn unknown_api_path_and_wrong_method_get_json_errors(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    assert_error(app.get("/api/v1/nothing-here").await, 404, "not_found").await;
    assert_error(app.get("/api/v1/battles").await, 405, "method_not_allowed").await;
    let res = app.get("/").await;
    assert_eq!(res.status(), 200);
    let csp = res
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("object-src 'none'"),
        "{csp}"
    );
    assert!(res.text().await.expect("html").contains("<html"));
    let js = app.get("/static/js/battle.js").await;
    assert_eq!(js.status(), 200);
    assert!(
        js.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .contains("javascript")
    );
    assert_eq!(app.get("/static/../Cargo.toml").await.status(), 404);
    assert_eq!(app.get("/static/%2e%2e/Cargo.toml").await.status(), 404);
    assert_eq!(app.get("/leaderboard").await.status(), 200);
}
