//! Streaming: both answers token by token, at once, within each model's concurrency limit, and reasoning models that think first.

use super::*;

both_backends!(a_live_battle_streams_both_answers_and_counts_the_vote,);

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
            {"name": "alpha", "display_name": "alpha", "available": true},
            {"name": "beta", "display_name": "beta", "available": true},
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
        assert!(d["html"].as_str().is_some_and(|h| h.starts_with("<p>")));
        // Speed and token counts come with the vote, not before it.
        for hidden in [
            "latency_ms",
            "first_token_ms",
            "prompt_tokens",
            "completion_tokens",
        ] {
            assert!(d.get(hidden).is_none(), "{hidden} before the vote: {d}");
        }
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

/// One battle has at most four answer streams open at once (tabs, a
/// reconnect); the fifth is refused until one ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_battle_has_at_most_four_streams_open_at_once() {
    let slow =
        |t: &str| Script::answer(t).slow(Duration::from_millis(1_500), Duration::from_millis(20));
    let fake = FakeOpenAi::start(&[("alpha", slow(ALPHA)), ("beta", slow(BETA))]).await;
    let Some(app) = spawn_live(Backend::Sqlite, &fake, &["alpha", "beta"], |_| {}).await else {
        return;
    };
    let id = id(&live_battle(&app, "Many tabs?").await);
    let path = format!("/api/v1/battles/{id}/stream");
    let mut open = Vec::new();
    for _ in 0..4 {
        let res = app.get(&path).await;
        assert_eq!(res.status(), 200);
        open.push(res);
    }
    assert_error(app.get(&path).await, 429, "rate_limited").await;
    // Each stream runs to its end (both answers done): their places come back.
    for res in open {
        let body = res.text().await.expect("stream");
        assert!(body.contains("event: end"), "{body}");
    }
    let events = app.stream(&id).await;
    assert!(events.iter().any(|(n, _)| n == "end"), "{events:?}");
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
async fn a_reasoning_model_thinking_past_the_first_token_timeout_is_not_cut_off() {
    // DeepSeek and vLLM send the thinking as `reasoning_content`, OpenRouter
    // as `reasoning`.
    for key in ["reasoning_content", "reasoning"] {
        let mut thinker =
            Script::answer(BETA).slow(Duration::from_millis(100), Duration::from_millis(150));
        thinker.reasoning = (0..6).map(|i| format!("Let me think ({i})... ")).collect();
        thinker.reasoning_key = key;
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
        assert!(
            !events.iter().any(|(n, _)| n == "void"),
            "{key}: {events:?}"
        );
        let (text, _) = by_side(&events);
        assert!(
            text.iter().any(|t| t == BETA),
            "{key}: the answer without its reasoning: {text:?}"
        );
    }
}

/// Some servers and proxies ignore `stream: true` and send one
/// `chat.completion` object: its answer reaches the voter as one piece, with
/// its finish reason and token counts, and the vote counts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_ignores_streaming_still_answers() {
    let mut whole = Script::answer(BETA);
    whole.unstreamed = true;
    whole.reasoning = vec!["thinking that is not part of the answer".to_owned()];
    let fake = FakeOpenAi::start(&[("alpha", Script::answer(ALPHA)), ("beta", whole)]).await;
    let Some(app) = spawn_live(Backend::Sqlite, &fake, &["alpha", "beta"], |_| {}).await else {
        return;
    };
    let id = id(&live_battle(&app, "Answer at once").await);
    let events = app.stream(&id).await;
    assert!(!events.iter().any(|(n, _)| n == "void"), "{events:?}");
    let (text, done) = by_side(&events);
    let answers: BTreeSet<&str> = text.iter().map(String::as_str).collect();
    assert_eq!(answers, BTreeSet::from([ALPHA, BETA]), "{events:?}");
    let side = usize::from(text[1] == BETA);
    let d = done[side].as_ref().expect("a done event");
    assert_eq!(d["text"], BETA);
    assert_eq!(d["finish_reason"], "stop");
    let vote = app.vote(&id, "tie").await;
    assert_eq!(vote.status(), 200);
    let vote: Value = vote.json().await.expect("json");
    assert_eq!(vote["counted"], true);
    // The answers' statistics come with the vote.
    for side in ["a", "b"] {
        let s = &vote["stats"][side];
        assert_eq!(s["finish_reason"], "stop", "{vote}");
        assert!(
            s["completion_tokens"].as_i64().is_some_and(|n| n > 0),
            "{vote}"
        );
        assert!(s["latency_ms"].as_i64().is_some(), "{vote}");
    }
}
