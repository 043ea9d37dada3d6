//! Live battles against a fake OpenAI-compatible server on loopback: streaming,
//! concurrency, failures, retries, the circuit breaker, multi-turn context,
//! regeneration, the stop switch, anonymity, and keys that never leak.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{Value, json};

use crate::both_backends;
use crate::fake_openai::{FakeOpenAi, Script};
use crate::helpers::{Backend, TestApp, assert_error, spawn_app, spawn_live};

const ALPHA: &str = "Drink water and rest for a day or two.";
const BETA: &str = "See a doctor if the fever lasts more than three days.";

both_backends!(
    answers_left_unfinished_by_a_dead_instance_void_their_battle,
    a_live_battle_streams_both_answers_and_counts_the_vote,
    a_vote_before_both_answers_are_done_returns_409,
    a_side_failing_mid_stream_voids_the_battle,
);

async fn fake_pair() -> FakeOpenAi {
    FakeOpenAi::start(&[
        ("alpha", Script::answer(ALPHA)),
        ("beta", Script::answer(BETA)),
    ])
    .await
}

async fn live_battle(app: &TestApp, prompt: &str) -> Value {
    let res = app
        .post_json("/api/v1/battles", &json!({ "prompt": prompt }).to_string())
        .await;
    assert_eq!(res.status(), 201, "create live battle");
    res.json().await.expect("battle json")
}

fn id(battle: &Value) -> String {
    battle["id"].as_str().expect("id").to_owned()
}

/// Text of each side's deltas, in order, and the `done` events by side.
fn by_side(events: &[(String, Value)]) -> ([String; 2], [Option<Value>; 2]) {
    let mut text = [String::new(), String::new()];
    let mut done = [None, None];
    for (name, data) in events {
        let i = usize::from(data["side"] == "b");
        match name.as_str() {
            "delta" => text[i].push_str(data["text"].as_str().expect("text")),
            "done" => done[i] = Some(data.clone()),
            _ => {}
        }
    }
    (text, done)
}

async fn a_live_battle_streams_both_answers_and_counts_the_vote(backend: Backend) {
    let fake = fake_pair().await;
    let Some(app) = spawn_live(backend, &fake, &["alpha", "beta"], |_| {}).await else {
        return;
    };
    let info: Value = app.get("/api/v1/arena").await.json().await.expect("json");
    assert_eq!(info["live"]["enabled"], true);
    assert_eq!(info["live"]["models"], 2);
    assert_eq!(
        info["live"]["choices"],
        json!([
            {"name": "alpha", "display_name": "alpha"},
            {"name": "beta", "display_name": "beta"},
        ])
    );

    let battle = live_battle(&app, "I have a fever. What should I do?").await;
    assert_eq!(battle["live"], true);
    assert_eq!(battle["mode"], "anonymous");
    assert_eq!(
        battle["turns"][0]["prompt"],
        "I have a fever. What should I do?"
    );
    assert!(battle.get("model_a").is_none(), "models hidden: {battle}");
    let id = id(&battle);

    let events = app.stream(&id).await;
    let (text, done) = by_side(&events);
    let answers: BTreeSet<&str> = text.iter().map(String::as_str).collect();
    assert_eq!(answers, BTreeSet::from([ALPHA, BETA]), "{events:?}");
    for (i, d) in done.iter().enumerate() {
        let d = d.as_ref().expect("a done event per side");
        assert_eq!(d["text"], text[i].as_str(), "done carries the full answer");
        assert_eq!(d["finish_reason"], "stop");
        assert_eq!(d["prompt_tokens"], 11);
        assert!(d["completion_tokens"].as_i64().is_some_and(|n| n > 3));
        assert!(d["latency_ms"].as_i64().is_some());
        assert!(d["html"].as_str().is_some_and(|h| h.starts_with("<p>")));
    }
    // Every delta of a side comes before that side's done, and end is last.
    for side in ["a", "b"] {
        let done_at = events
            .iter()
            .position(|(n, d)| n == "done" && d["side"] == side)
            .expect("done");
        assert!(
            !events[done_at..]
                .iter()
                .any(|(n, d)| n == "delta" && d["side"] == side)
        );
    }
    assert_eq!(events.last().expect("end").1["status"], "open");
    assert!(!events.iter().any(|(n, _)| n == "void"));

    // Stored as they completed.
    let stored: Value = app
        .get(&format!("/api/v1/battles/{id}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(stored["pending"], false);
    assert_eq!(stored["turns"][0]["a"], text[0].as_str());
    assert_eq!(stored["turns"][0]["b"], text[1].as_str());

    // A second stream replays the finished turn from the database.
    let again = app.stream(&id).await;
    assert_eq!(by_side(&again).0, text);

    let res = app.vote(&id, "model_a").await;
    assert_eq!(res.status(), 200);
    let vote: Value = res.json().await.expect("json");
    assert_eq!(vote["counted"], true);
    let names = BTreeSet::from([
        vote["model_a"].as_str().expect("a"),
        vote["model_b"].as_str().expect("b"),
    ]);
    assert_eq!(names, BTreeSet::from(["alpha", "beta"]));
    let board = app.leaderboard_after(1).await;
    assert_eq!(board["total_votes"], 1);
}

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
            .is_some_and(|r| r.contains("one of the models failed") && r.contains("new round")),
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
async fn both_sides_are_generated_at_the_same_time() {
    let slow =
        |t: &str| Script::answer(t).slow(Duration::from_millis(200), Duration::from_millis(40));
    let fake = FakeOpenAi::start(&[("alpha", slow(ALPHA)), ("beta", slow(BETA))]).await;
    let Some(app) = spawn_live(Backend::Sqlite, &fake, &["alpha", "beta"], |_| {}).await else {
        return;
    };
    let id = id(&live_battle(&app, "Two at once?").await);
    let events = app.stream(&id).await;
    assert_eq!(
        fake.max_in_flight(),
        2,
        "both answers were streamed at once"
    );
    // With both streaming at once, the sides' deltas interleave.
    let sides: Vec<&Value> = events
        .iter()
        .filter(|(n, _)| n == "delta")
        .map(|(_, d)| &d["side"])
        .collect();
    let switches = sides.windows(2).filter(|w| w[0] != w[1]).count();
    assert!(switches >= 2, "sides interleave: {sides:?}");
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
async fn follow_up_turns_send_the_whole_conversation_upstream() {
    let fake = fake_pair().await;
    let Some(app) = spawn_live(Backend::Sqlite, &fake, &["alpha", "beta"], |s| {
        s.live.max_turns = 2;
        s.live_models[0].system_prompt = Some("You are a careful assistant.".into());
    })
    .await
    else {
        return;
    };
    let id = id(&live_battle(&app, "First question").await);
    app.stream(&id).await;
    let res = app
        .post_json(
            &format!("/api/v1/battles/{id}/turns"),
            r#"{"prompt":"Second question"}"#,
        )
        .await;
    assert_eq!(res.status(), 201);
    let battle: Value = res.json().await.expect("json");
    assert_eq!(battle["pending"], true);
    assert_eq!(battle["turns"].as_array().map(Vec::len), Some(2));
    let events = app.stream(&id).await;
    assert!(events.iter().all(|(n, d)| n == "end" || d["turn"] == 1));

    let alpha = fake.requests_for("alpha");
    assert_eq!(alpha.len(), 2);
    assert_eq!(
        alpha[1].body["messages"],
        json!([
            {"role": "system", "content": "You are a careful assistant."},
            {"role": "user", "content": "First question"},
            {"role": "assistant", "content": ALPHA},
            {"role": "user", "content": "Second question"},
        ])
    );
    let beta = fake.requests_for("beta");
    assert_eq!(
        beta[1].body["messages"],
        json!([
            {"role": "user", "content": "First question"},
            {"role": "assistant", "content": BETA},
            {"role": "user", "content": "Second question"},
        ])
    );
    assert_eq!(alpha[0].body["stream"], true);
    assert_eq!(alpha[0].body["max_tokens"], 256);
    assert!((alpha[0].body["temperature"].as_f64().expect("t") - 0.7).abs() < 1e-9);

    let res = app
        .post_json(
            &format!("/api/v1/battles/{id}/turns"),
            r#"{"prompt":"Third question"}"#,
        )
        .await;
    assert_error(res, 409, "turn_limit_reached").await;
    assert_eq!(app.vote(&id, "model_b").await.status(), 200);
    let res = app
        .post_json(
            &format!("/api/v1/battles/{id}/turns"),
            r#"{"prompt":"After"}"#,
        )
        .await;
    assert_error(res, 409, "battle_closed").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regenerate_answers_the_last_turn_again_with_the_same_models() {
    let fake = fake_pair().await;
    let Some(app) = spawn_live(Backend::Sqlite, &fake, &["alpha", "beta"], |s| {
        s.live.max_regenerations = 1;
    })
    .await
    else {
        return;
    };
    let id = id(&live_battle(&app, "Say it again").await);
    app.stream(&id).await;
    fake.set_script("alpha", Script::answer("Alpha, second take."));
    fake.set_script("beta", Script::answer("Beta, second take."));
    let res = app
        .post_json(&format!("/api/v1/battles/{id}/regenerate"), "")
        .await;
    assert_eq!(res.status(), 201);
    let battle: Value = res.json().await.expect("json");
    assert_eq!(battle["pending"], true);
    assert_eq!(battle["turns"].as_array().map(Vec::len), Some(1));
    let (text, _) = by_side(&app.stream(&id).await);
    let answers: BTreeSet<&str> = text.iter().map(String::as_str).collect();
    assert_eq!(
        answers,
        BTreeSet::from(["Alpha, second take.", "Beta, second take."])
    );
    for model in ["alpha", "beta"] {
        let sent = fake.requests_for(model);
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[0].body["messages"], sent[1].body["messages"]);
        assert_eq!(
            sent[1].body["messages"],
            json!([{"role": "user", "content": "Say it again"}])
        );
    }
    // Both takes are kept; the page shows the new one.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages WHERE role = 'assistant'")
            .await,
        4
    );
    let shown: Value = app
        .get(&format!("/api/v1/battles/{id}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(shown["turns"][0]["a"], text[0].as_str());
    // Each regeneration costs two paid answers: they are limited.
    let res = app
        .post_json(&format!("/api/v1/battles/{id}/regenerate"), "{}")
        .await;
    assert_error(res, 409, "regenerate_limit_reached").await;
    assert_eq!(app.vote(&id, "tie").await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_keeps_what_arrived_and_allows_the_vote() {
    let slow =
        |t: &str| Script::answer(t).slow(Duration::from_millis(100), Duration::from_millis(300));
    let fake = FakeOpenAi::start(&[("alpha", slow(ALPHA)), ("beta", slow(BETA))]).await;
    let Some(app) = spawn_live(Backend::Sqlite, &fake, &["alpha", "beta"], |_| {}).await else {
        return;
    };
    let id = id(&live_battle(&app, "Stop me").await);
    tokio::time::sleep(Duration::from_millis(700)).await;
    let res = app
        .post_json(&format!("/api/v1/battles/{id}/stop"), "{}")
        .await;
    assert_eq!(res.status(), 200);
    let events = app.stream(&id).await;
    let (text, done) = by_side(&events);
    for (i, d) in done.iter().enumerate() {
        let d = d.as_ref().expect("done");
        assert_eq!(d["finish_reason"], "stopped", "{events:?}");
        assert!(!text[i].is_empty() && text[i].len() < ALPHA.len().max(BETA.len()));
    }
    // The voter judged what had been written: the vote counts.
    let vote: Value = app.vote(&id, "model_a").await.json().await.expect("json");
    assert_eq!(vote["counted"], true, "{vote}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vote_on_an_answer_stopped_before_its_first_word_is_not_counted() {
    let late = |t: &str| Script::answer(t).slow(Duration::from_secs(2), Duration::ZERO);
    let fake = FakeOpenAi::start(&[("alpha", late(ALPHA)), ("beta", late(BETA))]).await;
    let Some(app) = spawn_live(Backend::Sqlite, &fake, &["alpha", "beta"], |_| {}).await else {
        return;
    };
    let id = id(&live_battle(&app, "Never mind").await);
    let res = app
        .post_json(&format!("/api/v1/battles/{id}/stop"), "")
        .await;
    assert_eq!(res.status(), 200);
    let (text, _) = by_side(&app.stream(&id).await);
    assert_eq!(text, [String::new(), String::new()]);
    let vote: Value = app.vote(&id, "tie").await.json().await.expect("json");
    assert_eq!(vote["counted"], false, "{vote}");
    assert!(
        vote["not_counted_reason"]
            .as_str()
            .is_some_and(|r| r.contains("stopped before")),
        "{vote}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM pair_counts").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_that_names_its_model_is_stored_but_not_counted() {
    let fake = FakeOpenAi::start(&[
        (
            "alpha",
            Script::answer("As a model built by Acme Labs, I suggest rest."),
        ),
        ("beta", Script::answer(BETA)),
    ])
    .await;
    let Some(app) = spawn_live(Backend::Sqlite, &fake, &["alpha", "beta"], |s| {
        s.live_models[0].organization = Some("Acme Labs".into());
    })
    .await
    else {
        return;
    };
    let id = id(&live_battle(&app, "Who made you?").await);
    app.stream(&id).await;
    let res = app.vote(&id, "model_a").await;
    assert_eq!(res.status(), 200);
    let vote: Value = res.json().await.expect("json");
    assert_eq!(vote["counted"], false);
    assert!(
        vote["not_counted_reason"]
            .as_str()
            .is_some_and(|r| r.contains("anonymity") && r.contains("Acme Labs")),
        "{vote}"
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM votes WHERE NOT counted AND not_counted_reason LIKE 'anonymity%'"
        )
        .await,
        1
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM pair_counts").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn named_battles_show_their_models_and_never_count() {
    let fake = fake_pair().await;
    let Some(app) = spawn_live(Backend::Sqlite, &fake, &["alpha", "beta"], |_| {}).await else {
        return;
    };
    let res = app
        .post_json(
            "/api/v1/battles",
            r#"{"prompt":"Hi","mode":"named","model_a":"beta","model_b":"alpha"}"#,
        )
        .await;
    assert_eq!(res.status(), 201);
    let battle: Value = res.json().await.expect("json");
    assert_eq!(battle["mode"], "named");
    assert_eq!(battle["model_a"], "beta");
    assert_eq!(battle["model_b"], "alpha");
    let id = id(&battle);
    let (text, _) = by_side(&app.stream(&id).await);
    assert_eq!(text, [BETA.to_owned(), ALPHA.to_owned()]);
    let vote: Value = app.vote(&id, "model_a").await.json().await.expect("json");
    assert_eq!(vote["counted"], false);
    assert_eq!(vote["not_counted_reason"], "named battle");
    assert_eq!(app.count("SELECT COUNT(*) FROM pair_counts").await, 0);

    let post = |body: &'static str| app.post_json("/api/v1/battles", body);
    assert_error(
        post(r#"{"prompt":"Hi","mode":"named","model_a":"alpha","model_b":"alpha"}"#).await,
        400,
        "same_model",
    )
    .await;
    assert_error(
        post(r#"{"prompt":"Hi","mode":"named","model_a":"alpha","model_b":"gpt-9"}"#).await,
        404,
        "model_not_found",
    )
    .await;
    assert_error(
        post(r#"{"prompt":"Hi","mode":"named","model_a":"alpha"}"#).await,
        400,
        "invalid_body",
    )
    .await;
    assert_error(
        post(r#"{"prompt":"Hi","mode":"secret"}"#).await,
        400,
        "invalid_mode",
    )
    .await;
    assert_error(
        post(r#"{"prompt":"Hi","model_a":"alpha","model_b":"beta"}"#).await,
        400,
        "invalid_body",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_prompts_and_wrong_battles_get_clear_errors() {
    let fake = fake_pair().await;
    let Some(app) = spawn_live(Backend::Sqlite, &fake, &["alpha", "beta"], |s| {
        s.live.max_prompt_chars = 40;
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

/// The real binary, its log captured at debug level, with the key in its
/// environment: the key reaches the model server and nowhere else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_key_never_appears_in_a_response_or_a_log_line() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    const KEY: &str = "sk-live-0123456789-SECRET";
    let mut limited = Script::answer(BETA);
    limited.fail_first = vec![429];
    let fake = FakeOpenAi::start(&[("alpha", Script::answer(ALPHA)), ("beta", limited)]).await;
    let dir = tempfile::tempdir().expect("dir");
    let config = dir.path().join("goldarena.toml");
    let mut toml = String::from("[live]\nretry_backoff_ms = 10\n");
    for m in ["alpha", "beta"] {
        toml.push_str(&format!(
            "\n[[live_models]]\nname = \"{m}\"\nbase_url = \"{}\"\nmodel = \"{m}\"\napi_key_env = \"GOLDARENA_TEST_SECRET_KEY\"\n",
            fake.base_url
        ));
    }
    std::fs::write(&config, toml).expect("write config");
    let db = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("arena.db").display()
    );
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).expect("log file");
    let mut child = Command::new(env!("CARGO_BIN_EXE_goldarena"))
        .args(["--config"])
        .arg(&config)
        .args(["serve", "--bind", "127.0.0.1:0", "--database", &db])
        .env("RUST_LOG", "debug")
        .env("GOLDARENA_TEST_SECRET_KEY", KEY)
        .stdout(log.try_clone().expect("clone"))
        .stderr(Stdio::piped())
        .spawn()
        .expect("start goldarena serve");
    let stderr = child.stderr.take().expect("stderr");
    let (port_tx, port_rx) = std::sync::mpsc::channel();
    let copier = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if line.contains("GoldArena is listening")
                && let Some(p) = line.split("port=").nth(1)
            {
                let _ = port_tx.send(p.trim().parse::<u16>().expect("port"));
            }
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let port = port_rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the server listened");
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let client = crate::helpers::http();
    let mut bodies = Vec::new();
    let battle: Value = client
        .post(format!("{base}/battles"))
        .json(&json!({"prompt": "What is your API key?"}))
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("json");
    let id = battle["id"].as_str().expect("id").to_owned();
    bodies.push(battle.to_string());
    let stream = client
        .get(format!("{base}/battles/{id}/stream"))
        .send()
        .await
        .expect("stream")
        .text()
        .await
        .expect("stream body");
    bodies.push(stream);
    for path in ["models", "arena", "leaderboard", &format!("battles/{id}")] {
        let body = client
            .get(format!("{base}/{path}"))
            .send()
            .await
            .expect("get")
            .text()
            .await
            .expect("body");
        bodies.push(body);
    }
    let vote = client
        .post(format!("{base}/battles/{id}/vote"))
        .json(&json!({"verdict": "tie"}))
        .send()
        .await
        .expect("vote");
    assert_eq!(vote.status(), 200);
    bodies.push(vote.text().await.expect("vote body"));
    child.kill().expect("stop server");
    child.wait().expect("reap");
    let stderr_log = copier.join().expect("log copier");
    let stdout_log = std::fs::read_to_string(&log_path).expect("read log");

    // The key did go upstream, as a bearer token, on every request.
    let sent = fake.received();
    assert_eq!(sent.len(), 3, "alpha once, beta twice (after a 429)");
    for r in &sent {
        assert_eq!(
            r.authorization.as_deref(),
            Some(format!("Bearer {KEY}").as_str())
        );
    }
    assert!(
        stderr_log.contains("retrying a request to a model"),
        "the retry was logged"
    );
    for (what, text) in bodies.iter().map(|b| ("a response", b.as_str())).chain([
        ("stderr", stderr_log.as_str()),
        ("stdout", stdout_log.as_str()),
    ]) {
        assert!(!text.contains(KEY), "the key leaked into {what}");
        assert!(
            !text.contains("0123456789-SECRET"),
            "part of the key leaked into {what}"
        );
    }
    // The database keeps the variable's name, never the key.
    let raw = std::fs::read(dir.path().join("arena.db")).expect("read db");
    assert!(!raw.windows(KEY.len()).any(|w| w == KEY.as_bytes()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_never_has_more_requests_in_flight_than_its_limit() {
    let slow =
        |t: &str| Script::answer(t).slow(Duration::from_millis(200), Duration::from_millis(30));
    let fake = FakeOpenAi::start(&[("alpha", slow(ALPHA)), ("beta", slow(BETA))]).await;
    let Some(app) = spawn_live(Backend::Sqlite, &fake, &["alpha", "beta"], |s| {
        s.live_models[0].max_concurrency = 1;
    })
    .await
    else {
        return;
    };
    let body = r#"{"prompt":"Hi","mode":"named","model_a":"alpha","model_b":"beta"}"#;
    let (one, two) = tokio::join!(
        app.post_json("/api/v1/battles", body),
        app.post_json("/api/v1/battles", body)
    );
    let mut ids = Vec::new();
    for res in [one, two] {
        assert_eq!(res.status(), 201);
        ids.push(id(&res.json::<Value>().await.expect("json")));
    }
    let (first, second) = tokio::join!(app.stream(&ids[0]), app.stream(&ids[1]));
    for events in [first, second] {
        assert!(!events.iter().any(|(n, _)| n == "void"), "{events:?}");
    }
    // Beta ran both of its answers at once; alpha, limited to one, waited.
    assert_eq!(fake.max_in_flight(), 3);
    assert_eq!(fake.requests_for("alpha").len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_instance_streams_the_answers_through_the_database() {
    let slow =
        |t: &str| Script::answer(t).slow(Duration::from_millis(300), Duration::from_millis(30));
    let fake = FakeOpenAi::start(&[("alpha", slow(ALPHA)), ("beta", slow(BETA))]).await;
    let Some(app) = spawn_live(Backend::Sqlite, &fake, &["alpha", "beta"], |_| {}).await else {
        return;
    };
    let id = id(&live_battle(&app, "Which instance answers?").await);
    // The second instance has no live models and is not generating: it
    // follows the stored answers.
    let other = app.another_instance().await;
    let events = other.stream(&id).await;
    let (text, done) = by_side(&events);
    let answers: BTreeSet<&str> = text.iter().map(String::as_str).collect();
    assert_eq!(answers, BTreeSet::from([ALPHA, BETA]), "{events:?}");
    assert!(done.iter().all(Option::is_some));
    assert_eq!(other.vote(&id, "model_b").await.status(), 200);
}

async fn answers_left_unfinished_by_a_dead_instance_void_their_battle(backend: Backend) {
    use goldarena::store::entities::messages;
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    let never = |t: &str| Script::answer(t).slow(Duration::from_secs(30), Duration::ZERO);
    let fake = FakeOpenAi::start(&[("alpha", never(ALPHA)), ("beta", never(BETA))]).await;
    let Some(app) = spawn_live(backend, &fake, &["alpha", "beta"], |s| {
        s.live.first_token_timeout_ms = 60_000;
        s.live.answer_timeout_ms = 60_000;
    })
    .await
    else {
        return;
    };
    let id = id(&live_battle(&app, "Anyone?").await);
    // As if the instance generating them had died long ago.
    let long_ago = chrono::Utc::now() - chrono::Duration::hours(2);
    messages::Entity::update_many()
        .col_expr(messages::Column::CreatedAt, Expr::value(long_ago))
        .filter(messages::Column::Role.eq("assistant"))
        .exec(&app.db)
        .await
        .expect("age the placeholders");
    let other = app.another_instance().await;
    let battle: Value = other
        .get(&format!("/api/v1/battles/{id}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(battle["status"], "void", "{battle}");
    assert!(
        battle["void_reason"]
            .as_str()
            .is_some_and(|r| r.contains("interrupted")),
        "{battle}"
    );
    let events = other.stream(&id).await;
    assert!(events.iter().any(|(n, _)| n == "void"), "{events:?}");
    assert_error(other.vote(&id, "tie").await, 409, "battle_closed").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reasoning_model_thinking_past_the_first_token_timeout_is_not_cut_off() {
    let mut thinker =
        Script::answer(BETA).slow(Duration::from_millis(100), Duration::from_millis(150));
    thinker.reasoning = (0..6).map(|i| format!("Let me think ({i})... ")).collect();
    let fake = FakeOpenAi::start(&[("alpha", Script::answer(ALPHA)), ("beta", thinker)]).await;
    let Some(app) = spawn_live(Backend::Sqlite, &fake, &["alpha", "beta"], |s| {
        s.live.first_token_timeout_ms = 400;
    })
    .await
    else {
        return;
    };
    let id = id(&live_battle(&app, "Think first").await);
    let events = app.stream(&id).await;
    assert!(!events.iter().any(|(n, _)| n == "void"), "{events:?}");
    let (text, _) = by_side(&events);
    assert!(
        text.iter().any(|t| t == BETA),
        "the answer without its reasoning: {text:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_voter_who_started_a_battle_can_continue_or_stop_it() {
    let fake = fake_pair().await;
    let Some(app) = spawn_live(Backend::Sqlite, &fake, &["alpha", "beta"], |_| {}).await else {
        return;
    };
    let id = id(&live_battle(&app, "Mine").await);
    app.stream(&id).await;
    // Another browser: no cookie of this battle's voter.
    let stranger = crate::helpers::http();
    for (path, body) in [
        ("turns", r#"{"prompt":"hijack"}"#),
        ("regenerate", "{}"),
        ("stop", "{}"),
    ] {
        let res = stranger
            .post(app.url(&format!("/api/v1/battles/{id}/{path}")))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("request");
        assert_error(res, 403, "not_your_battle").await;
    }
    assert_eq!(
        fake.received().len(),
        2,
        "no answer was paid for by the stranger"
    );
    // Its own voter still can.
    let res = app
        .post_json(
            &format!("/api/v1/battles/{id}/turns"),
            r#"{"prompt":"more"}"#,
        )
        .await;
    assert_eq!(res.status(), 201);
}
