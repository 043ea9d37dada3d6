//! Failures: broken streams, timeouts, retries, the circuit breaker, and clear errors for bad requests.

use super::*;

both_backends!(
    an_answer_past_max_answer_bytes_ends_there_with_length,
    control_characters_are_refused_in_prompts_and_dropped_from_answers,
    a_vote_before_both_answers_are_done_returns_409,
    a_side_failing_mid_stream_voids_the_battle,
);

async fn a_vote_before_both_answers_are_done_returns_409(backend: Backend) {
    let fake = FakeOpenAi::start(&[
        ("alpha", Script::answer(ALPHA)),
        (
            "beta",
            Script::answer(BETA).slow(Duration::from_millis(300), Duration::from_millis(50)),
        ),
    ])
    .await;
    let Some(app) = spawn_live(backend, &fake, &["alpha", "beta"], |_| {}).await else {
        return;
    };
    let id = id(&live_battle(&app, "Is it safe to run with a cold?").await);
    assert_error(app.vote(&id, "tie").await, 409, "answers_pending").await;
    let res = app
        .post_json(
            &format!("/api/v1/battles/{id}/turns"),
            r#"{"prompt":"And with a fever?"}"#,
        )
        .await;
    assert_error(res, 409, "answers_pending").await;
    app.stream(&id).await;
    assert_eq!(app.vote(&id, "tie").await.status(), 200);
    assert_eq!(app.count("SELECT COUNT(*) FROM votes").await, 1);
}

async fn a_side_failing_mid_stream_voids_the_battle(backend: Backend) {
    let mut broken = Script::answer("This answer will break off in the middle of a sentence");
    broken.break_after = Some(3);
    let fake = FakeOpenAi::start(&[("alpha", Script::answer(ALPHA)), ("beta", broken)]).await;
    let Some(app) = spawn_live(backend, &fake, &["alpha", "beta"], |_| {}).await else {
        return;
    };
    let id = id(&live_battle(&app, "What helps with a sore throat?").await);
    let events = app.stream(&id).await;
    let void = events
        .iter()
        .find(|(n, _)| n == "void")
        .expect("a void event");
    assert!(
        void.1["reason"]
            .as_str()
            .is_some_and(|r| r.contains("could not answer") && r.contains("new round")),
        "{void:?}"
    );
    assert_eq!(events.last().expect("end").1["status"], "void");
    assert_error(app.vote(&id, "model_a").await, 409, "battle_closed").await;
    let battle: Value = app
        .get(&format!("/api/v1/battles/{id}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(battle["status"], "void");
    assert!(battle["void_reason"].as_str().is_some());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages WHERE error IS NOT NULL")
            .await,
        1
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM messages WHERE role = 'assistant' AND finish_reason IS NULL"
        )
        .await,
        0
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM pair_counts").await, 0);
    // A new round is possible at once.
    live_battle(&app, "Another question").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_without_a_first_token_in_time_voids_the_battle() {
    let fake = FakeOpenAi::start(&[
        ("alpha", Script::answer(ALPHA)),
        (
            "beta",
            Script::answer(BETA).slow(Duration::from_secs(5), Duration::ZERO),
        ),
    ])
    .await;
    let Some(app) = spawn_live(Backend::Sqlite, &fake, &["alpha", "beta"], |s| {
        s.live.first_token_timeout_ms = 300;
    })
    .await
    else {
        return;
    };
    let id = id(&live_battle(&app, "Quick?").await);
    let events = app.stream(&id).await;
    assert!(events.iter().any(|(n, _)| n == "void"), "{events:?}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages WHERE error LIKE '%first token%'")
            .await,
        1
    );
}

/// An upstream that sends its finish reason and usage but never `[DONE]`
/// nor the end of the stream has still answered in full: the answer is kept
/// a few seconds later, not thrown away at the answer deadline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_finished_but_never_closed_is_kept() {
    let mut open = Script::answer(ALPHA);
    open.open_after_finish = true;
    let fake = FakeOpenAi::start(&[("alpha", open), ("beta", Script::answer(BETA))]).await;
    let Some(app) = spawn_live(Backend::Sqlite, &fake, &["alpha", "beta"], |s| {
        s.live.answer_timeout_ms = 30_000;
    })
    .await
    else {
        return;
    };
    let started = std::time::Instant::now();
    let id = id(&live_battle(&app, "Quick?").await);
    let events = app.stream(&id).await;
    assert!(!events.iter().any(|(n, _)| n == "void"), "{events:?}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "kept after the grace, not at the deadline: {:?}",
        started.elapsed()
    );
    let vote = app.vote(&id, "tie").await;
    assert_eq!(vote.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_before_the_first_token_is_retried() {
    let mut limited = Script::answer(BETA);
    limited.fail_first = vec![429, 503];
    let fake = FakeOpenAi::start(&[("alpha", Script::answer(ALPHA)), ("beta", limited)]).await;
    let Some(app) = spawn_live(Backend::Sqlite, &fake, &["alpha", "beta"], |_| {}).await else {
        return;
    };
    let id = id(&live_battle(&app, "Retry me").await);
    let events = app.stream(&id).await;
    let (text, _) = by_side(&events);
    assert!(text.iter().any(|t| t == BETA), "{events:?}");
    assert_eq!(fake.requests_for("beta").len(), 3, "429, 503, then success");
    assert_eq!(fake.requests_for("alpha").len(), 1);
    assert_eq!(app.vote(&id, "model_b").await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_error_is_not_retried() {
    let mut refused = Script::answer(BETA);
    refused.always_fail = Some(400);
    let fake = FakeOpenAi::start(&[("alpha", Script::answer(ALPHA)), ("beta", refused)]).await;
    let Some(app) = spawn_live(Backend::Sqlite, &fake, &["alpha", "beta"], |s| {
        s.live.breaker_failures = 1;
    })
    .await
    else {
        return;
    };
    let id = id(&live_battle(&app, "Bad request upstream").await);
    let events = app.stream(&id).await;
    assert!(events.iter().any(|(n, _)| n == "void"));
    assert_eq!(fake.requests_for("beta").len(), 1);
    // A refused request is the prompt's doing (a filter, a long context), not
    // a sick model: a voter's bad prompts must not bench it.
    let info: Value = app.get("/api/v1/arena").await.json().await.expect("json");
    assert_eq!(info["live"]["models"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_model_sits_out_a_cooldown_and_comes_back() {
    let mut down = Script::answer(BETA);
    down.always_fail = Some(500);
    let fake = FakeOpenAi::start(&[("alpha", Script::answer(ALPHA)), ("beta", down)]).await;
    let Some(app) = spawn_live(Backend::Sqlite, &fake, &["alpha", "beta"], |s| {
        s.live.max_retries = 0;
        s.live.breaker_failures = 2;
        s.live.breaker_cooldown_secs = 2;
    })
    .await
    else {
        return;
    };
    for _ in 0..2 {
        let id = id(&live_battle(&app, "Will beta fail?").await);
        let events = app.stream(&id).await;
        assert!(events.iter().any(|(n, _)| n == "void"));
    }
    // Beta is out: no pair can be drawn, and the page is told.
    let res = app
        .post_json("/api/v1/battles", r#"{"prompt":"Anyone there?"}"#)
        .await;
    assert_error(res, 503, "live_models_busy").await;
    let info: Value = app.get("/api/v1/arena").await.json().await.expect("json");
    assert_eq!(info["live"]["models"], 1);
    assert_eq!(fake.requests_for("beta").len(), 2);

    // It comes back by itself after the cool-down, healthy now.
    fake.set_script("beta", Script::answer(BETA));
    tokio::time::sleep(Duration::from_millis(2_200)).await;
    let id = id(&live_battle(&app, "Back again?").await);
    let events = app.stream(&id).await;
    assert!(!events.iter().any(|(n, _)| n == "void"), "{events:?}");
    assert_eq!(app.count("SELECT COUNT(*) FROM pair_counts").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_prompts_and_wrong_battles_get_clear_errors() {
    let fake = fake_pair().await;
    let Some(app) = spawn_live(Backend::Sqlite, &fake, &["alpha", "beta"], |s| {
        s.live.max_prompt_chars = 40;
        // Question-bank battles beside the live ones.
        s.load_demo = Some(true);
    })
    .await
    else {
        return;
    };
    let app = &app;
    let post = |body: String| async move { app.post_json("/api/v1/battles", &body).await };
    assert_error(
        post(json!({"prompt": "  \n "}).to_string()).await,
        400,
        "empty_prompt",
    )
    .await;
    let long = "é".repeat(41);
    assert_error(
        post(json!({"prompt": long}).to_string()).await,
        413,
        "prompt_too_long",
    )
    .await;
    assert_eq!(
        post(json!({"prompt": "é".repeat(40)}).to_string())
            .await
            .status(),
        201
    );
    assert_error(
        post(json!({"prompt": "x", "question_id": 1}).to_string()).await,
        400,
        "invalid_body",
    )
    .await;

    // Question-bank battles take no follow-up.
    let bank = app.new_battle("{}").await;
    let bank_id = id(&bank);
    assert_eq!(bank["live"], false);
    let res = app
        .post_json(
            &format!("/api/v1/battles/{bank_id}/turns"),
            r#"{"prompt":"more"}"#,
        )
        .await;
    assert_error(res, 409, "not_live").await;
    let res = app
        .post_json(&format!("/api/v1/battles/{bank_id}/regenerate"), "{}")
        .await;
    assert_error(res, 409, "not_live").await;
    // Its stream replays the stored answers of the latest turn.
    let (text, _) = by_side(&app.stream(&bank_id).await);
    let last = bank["turns"]
        .as_array()
        .and_then(|t| t.last())
        .expect("a turn");
    assert_eq!(text[0], last["a"].as_str().expect("a"));

    let missing = "0190d6a4-0000-7000-8000-000000000000";
    for (path, body) in [
        ("turns", r#"{"prompt":"x"}"#),
        ("regenerate", "{}"),
        ("stop", ""),
    ] {
        let res = app
            .post_json(&format!("/api/v1/battles/{missing}/{path}"), body)
            .await;
        assert_error(res, 404, "battle_not_found").await;
    }
    assert_error(
        app.get(&format!("/api/v1/battles/{missing}/stream")).await,
        404,
        "battle_not_found",
    )
    .await;
    let id = id(&live_battle(app, "ok").await);
    let res = app
        .post_json(&format!("/api/v1/battles/{id}/turns"), "{not json")
        .await;
    assert_error(res, 400, "invalid_json").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_live_models_a_prompt_gets_503_and_the_bank_still_serves() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let info: Value = app.get("/api/v1/arena").await.json().await.expect("json");
    assert_eq!(info["live"]["enabled"], false);
    let res = app
        .post_json("/api/v1/battles", r#"{"prompt":"Hello?"}"#)
        .await;
    let body = assert_error(res, 503, "no_live_models").await;
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("no live models")),
        "{body}"
    );
    assert_eq!(app.new_battle("{}").await["live"], false);
}

/// PostgreSQL refuses NUL in text: a prompt with one is a clear 400, and an
/// answer with one is stored, shown and voted on without it.
async fn control_characters_are_refused_in_prompts_and_dropped_from_answers(backend: Backend) {
    let fake = FakeOpenAi::start(&[
        (
            "alpha",
            Script::answer("Rest,\u{0} drink\u{1b} water.\nSleep."),
        ),
        ("beta", Script::answer(BETA)),
    ])
    .await;
    let Some(app) = spawn_live(backend, &fake, &["alpha", "beta"], |_| {}).await else {
        return;
    };
    assert_error(
        app.post_json(
            "/api/v1/battles",
            &json!({"prompt": "fever\u{0}?"}).to_string(),
        )
        .await,
        400,
        "invalid_prompt",
    )
    .await;
    assert_eq!(app.count("SELECT COUNT(*) FROM battles").await, 0);
    let battle = live_battle(&app, "I have a fever.\tWhat should I do?").await;
    let id = id(&battle);
    let events = app.stream(&id).await;
    let (text, _) = by_side(&events);
    assert!(
        text.iter().any(|t| t == "Rest, drink water.\nSleep."),
        "{text:?}"
    );
    assert_eq!(app.vote(&id, "model_a").await.status(), 200);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages WHERE content LIKE '%drink water%'")
            .await,
        1
    );
}

/// An upstream that does not stop: the answer is cut at `max_answer_bytes`
/// (on a character boundary), ends with `length`, and the battle goes on.
async fn an_answer_past_max_answer_bytes_ends_there_with_length(backend: Backend) {
    let endless: String = "Ωmega answer that goes on. ".repeat(400);
    let fake = FakeOpenAi::start(&[
        ("alpha", Script::answer(&endless)),
        ("beta", Script::answer(BETA)),
    ])
    .await;
    let Some(app) = spawn_live(backend, &fake, &["alpha", "beta"], |s| {
        s.live.max_answer_bytes = 1_000;
    })
    .await
    else {
        return;
    };
    let battle = live_battle(&app, "Say a lot.").await;
    let id = id(&battle);
    let events = app.stream(&id).await;
    let (text, done) = by_side(&events);
    let long = text
        .iter()
        .position(|t| t.starts_with("Ωmega"))
        .expect("the long answer");
    assert!(text[long].len() <= 1_000, "{} bytes kept", text[long].len());
    assert!(text[long].len() > 900, "{} bytes kept", text[long].len());
    let d = done[long].as_ref().expect("done");
    assert_eq!(d["finish_reason"], "length");
    assert_eq!(app.vote(&id, "model_b").await.status(), 200);
}
