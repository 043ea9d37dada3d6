//! Anonymity: answers that name their model, named battles, and API keys that never leak.

use super::*;

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
    assert_eq!(vote["not_counted_reason"], "identity_leak", "{vote}");
    assert!(
        vote["not_counted_detail"]
            .as_str()
            .is_some_and(|r| r.contains("Acme Labs")),
        "{vote}"
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM votes WHERE NOT counted AND not_counted_reason = 'identity_leak'"
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
    assert_eq!(vote["not_counted_reason"], "named_battle");
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
async fn a_live_prompt_asked_too_often_is_not_counted() {
    let fake = fake_pair().await;
    let Some(app) = spawn_live(Backend::Sqlite, &fake, &["alpha", "beta"], |s| {
        s.integrity.max_prompt_repeats = 1;
    })
    .await
    else {
        return;
    };
    // The same prompt, up to case and spacing: Chatbot Arena's dedup key.
    let first = id(&live_battle(&app, "What is the capital of France?").await);
    app.stream(&first).await;
    let vote: Value = app
        .vote(&first, "model_a")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(vote["counted"], true, "{vote}");
    let second = id(&live_battle(&app, "  what is the CAPITAL of   france? ").await);
    app.stream(&second).await;
    let vote: Value = app
        .vote(&second, "model_a")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(vote["not_counted_reason"], "duplicate_prompt", "{vote}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_global_live_budget_keeps_places_for_anonymous_battles() {
    let slow =
        |t: &str| Script::answer(t).slow(Duration::from_millis(800), Duration::from_millis(5));
    let fake = FakeOpenAi::start(&[("alpha", slow(ALPHA)), ("beta", slow(BETA))]).await;
    let Some(app) = spawn_live(Backend::Sqlite, &fake, &["alpha", "beta"], |s| {
        s.integrity.max_live_in_flight = 4;
        s.integrity.live_reserved_for_anonymous = 2;
    })
    .await
    else {
        return;
    };
    let named =
        json!({"prompt": "hi", "mode": "named", "model_a": "alpha", "model_b": "beta"}).to_string();
    assert_eq!(app.post_json("/api/v1/battles", &named).await.status(), 201);
    // Two places are left, and they are kept for anonymous battles.
    assert_error(
        app.post_json("/api/v1/battles", &named).await,
        503,
        "live_models_busy",
    )
    .await;
    let anonymous = app
        .post_json("/api/v1/battles", r#"{"prompt": "hello"}"#)
        .await;
    assert_eq!(anonymous.status(), 201);
    assert_error(
        app.post_json("/api/v1/battles", r#"{"prompt": "again"}"#)
            .await,
        503,
        "live_models_busy",
    )
    .await;
}
