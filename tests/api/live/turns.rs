//! The conversation: follow-up turns, regeneration, the stop switch, and who may use them.

use super::*;

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
    assert_eq!(
        vote["not_counted_reason"], "stopped_before_writing",
        "{vote}"
    );
    assert!(
        vote["not_counted_detail"]
            .as_str()
            .is_some_and(|r| r.contains("stopped before")),
        "{vote}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM pair_counts").await, 0);
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
    // Whatever the stranger sends (an empty or oversized prompt too), the
    // battle is not theirs.
    let long = format!(r#"{{"prompt":"{}"}}"#, "x".repeat(20_000));
    for (path, body) in [
        ("turns", r#"{"prompt":"hijack"}"#),
        ("turns", r#"{"prompt":"  "}"#),
        ("turns", long.as_str()),
        ("regenerate", "{}"),
        ("stop", "{}"),
    ] {
        let res = stranger
            .post(app.url(&format!("/api/v1/battles/{id}/{path}")))
            .header("content-type", "application/json")
            .body(body.to_owned())
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_battle_too_old_to_vote_on_takes_no_more_paid_answers() {
    let fake = fake_pair().await;
    let Some(app) = spawn_live(Backend::Sqlite, &fake, &["alpha", "beta"], |s| {
        s.integrity.battle_ttl_secs = 1;
    })
    .await
    else {
        return;
    };
    let id = id(&live_battle(&app, "First question").await);
    app.stream(&id).await;
    tokio::time::sleep(std::time::Duration::from_millis(2_200)).await;
    for (path, body) in [("turns", r#"{"prompt":"Second"}"#), ("regenerate", "{}")] {
        let res = app
            .post_json(&format!("/api/v1/battles/{id}/{path}"), body)
            .await;
        assert_error(res, 409, "battle_expired").await;
    }
    assert_eq!(fake.received().len(), 2, "only the first turn's answers");
}
