//! The voter's experience, server side: the board's standings, the demo set
//! giving way to live models, no repeated questions, a failed later turn that
//! can be retried, unavailable models in named mode, and stats at the reveal.

use std::collections::HashSet;

use goldarena::store::entities::{models, pair_counts};
use sea_orm::{EntityTrait, Set};
use serde_json::{Value, json};

use crate::both_backends;
use crate::fake_openai::{FakeOpenAi, Script};
use crate::helpers::{Backend, TestApp, assert_error, spawn_app, spawn_app_with, spawn_live};

both_backends!(
    the_board_ranks_the_main_group_and_lists_the_others_apart,
    a_voter_sees_every_question_before_one_comes_back,
);

async fn model_ids(app: &TestApp) -> Vec<(i32, String)> {
    let mut m: Vec<(i32, String)> = models::Entity::find()
        .all(&app.db)
        .await
        .expect("models")
        .into_iter()
        .map(|m| (m.id, m.name))
        .collect();
    m.sort();
    m
}

async fn the_board_ranks_the_main_group_and_lists_the_others_apart(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| s.leaderboard.min_votes = 10).await else {
        return;
    };
    let ids = model_ids(&app).await;
    let [(m1, n1), (m2, n2), (m3, n3), (m4, n4), (m5, n5)] = &ids[..] else {
        panic!("five demo models: {ids:?}");
    };
    // m1 and m2 met often; m5 met m1 twice; m3 and m4 only met each other.
    let rows = [
        (*m1, *m2, "model_a", 25),
        (*m1, *m2, "model_b", 15),
        (*m5, *m1, "model_a", 1),
        (*m5, *m1, "tie", 1),
        (*m3, *m4, "model_a", 12),
        (*m3, *m4, "model_b", 8),
    ];
    for (a, b, verdict, n) in rows {
        pair_counts::Entity::insert(pair_counts::ActiveModel {
            scope: Set("overall".to_owned()),
            model_a: Set(a),
            model_b: Set(b),
            verdict: Set(verdict.to_owned()),
            count: Set(n),
        })
        .exec_without_returning(&app.db)
        .await
        .expect("insert counts");
    }
    let board = app.leaderboard_after(62).await;
    assert_eq!(board["min_votes"], 10);
    let rows = board["rows"].as_array().expect("rows");
    let by_name = |n: &str| rows.iter().find(|r| r["model"] == n).expect("row").clone();
    for n in [n1, n2] {
        let r = by_name(n);
        assert_eq!(r["status"], "ranked", "{r}");
        assert!(r["rank"].is_number());
    }
    let r = by_name(n5);
    assert_eq!(r["status"], "preliminary", "{r}");
    assert!(r["rank"].is_null());
    assert!(
        r["status_reason"]
            .as_str()
            .is_some_and(|s| s.contains("10"))
    );
    for n in [n3, n4] {
        let r = by_name(n);
        assert_eq!(r["status"], "not_comparable", "{r}");
        assert!(r["rank"].is_null());
    }
    // Ranked first, then preliminary, then not comparable.
    let order: Vec<&str> = rows.iter().filter_map(|r| r["status"].as_str()).collect();
    assert_eq!(
        order,
        [
            "ranked",
            "ranked",
            "preliminary",
            "not_comparable",
            "not_comparable"
        ]
    );
    let m1_row = by_name(n1);
    assert_eq!(m1_row["battles"], 42);
    // 25 wins over m2, 1.5 of 2 against m5 counted from m5's side: m1 has 25 + 0.5.
    assert!(
        (m1_row["wins"].as_f64().expect("wins") - 25.5).abs() < 1e-9,
        "{m1_row}"
    );
    assert!(m1_row.get("organization").is_some() && m1_row.get("license").is_some());
}

async fn a_voter_sees_every_question_before_one_comes_back(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let playable = usize::try_from(
        app.count("SELECT COUNT(DISTINCT question_id) FROM answers")
            .await,
    )
    .expect("count");
    // Each instance keeps the questions a voter saw (read from the database
    // at most every two seconds): the rule holds through two instances,
    // once the one that saw the voter last has read their list again.
    let second = app.another_instance().await;
    let mut questions = Vec::new();
    for round in 0..2 * playable {
        let through = if round < playable || round >= playable + playable / 2 {
            &app
        } else {
            &second
        };
        if round == playable + playable / 2 {
            tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
        }
        let b = through.new_battle("{}").await;
        questions.push(b["question_id"].as_i64().expect("question"));
    }
    // Every run of `playable` battles in a row has each question once.
    for (start, run) in questions.windows(playable).enumerate() {
        let distinct: HashSet<i64> = run.iter().copied().collect();
        assert_eq!(
            distinct.len(),
            playable,
            "a question came back within battles {start}..{}: {questions:?}",
            start + playable
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_live_models_the_demo_set_is_off() {
    let fake = FakeOpenAi::start(&[
        ("alpha", Script::answer("A.")),
        ("beta", Script::answer("B.")),
    ])
    .await;
    let Some(app) = spawn_live(Backend::Sqlite, &fake, &["alpha", "beta"], |s| {
        s.load_demo = None
    })
    .await
    else {
        return;
    };
    let models: Value = app.get("/api/v1/models").await.json().await.expect("json");
    let demo: Vec<&Value> = models["models"]
        .as_array()
        .expect("models")
        .iter()
        .filter(|m| m["name"].as_str().is_some_and(|n| n.starts_with("demo-")))
        .collect();
    // A live arena starts without the demo set (it was never loaded).
    assert!(demo.iter().all(|m| m["active"] == false), "{demo:?}");
    assert_error(
        app.post_json("/api/v1/battles", "{}").await,
        503,
        "no_battle_available",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_later_turn_keeps_the_battle_open_for_a_retry() {
    let fake = FakeOpenAi::start(&[
        ("alpha", Script::answer("First.")),
        ("beta", Script::answer("Second.")),
    ])
    .await;
    let Some(app) = spawn_live(Backend::Sqlite, &fake, &["alpha", "beta"], |s| {
        s.live.max_retries = 0;
        s.live.breaker_failures = 10;
    })
    .await
    else {
        return;
    };
    let battle: Value = app
        .post_json("/api/v1/battles", r#"{"prompt": "Hello"}"#)
        .await
        .json()
        .await
        .expect("json");
    let id = battle["id"].as_str().expect("id").to_owned();
    app.stream(&id).await;
    let mut broken = Script::answer("Second.");
    broken.always_fail = Some(500);
    fake.set_script("beta", broken);
    let res = app
        .post_json(
            &format!("/api/v1/battles/{id}/turns"),
            r#"{"prompt": "And then?"}"#,
        )
        .await;
    assert_eq!(res.status(), 201);
    let events = app.stream(&id).await;
    let failed = events
        .iter()
        .find(|(n, _)| n == "failed")
        .expect("a failed event");
    assert_eq!(failed.1["turn"], 1);
    assert!(
        failed.1["reason"]
            .as_str()
            .is_some_and(|r| r.contains("Try the turn again"))
    );
    assert!(!events.iter().any(|(n, _)| n == "void"), "{events:?}");
    let view: Value = app
        .get(&format!("/api/v1/battles/{id}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(view["status"], "open");
    assert_eq!(view["failed"], true);
    assert_eq!(view["turns"].as_array().map(Vec::len), Some(2));
    assert_error(app.vote(&id, "model_a").await, 409, "turn_failed").await;
    let more = app
        .post_json(
            &format!("/api/v1/battles/{id}/turns"),
            r#"{"prompt": "Skip it"}"#,
        )
        .await;
    assert_error(more, 409, "turn_failed").await;
    // The model is back: the same turn is answered again, and the vote counts.
    fake.set_script("beta", Script::answer("Second, again."));
    let res = app
        .post_json(&format!("/api/v1/battles/{id}/regenerate"), "{}")
        .await;
    assert_eq!(res.status(), 201);
    let events = app.stream(&id).await;
    assert_eq!(
        events.iter().filter(|(n, _)| n == "done").count(),
        2,
        "{events:?}"
    );
    let vote: Value = app.vote(&id, "model_b").await.json().await.expect("json");
    assert_eq!(vote["counted"], true, "{vote}");
    // Speed and length come with the reveal, not before.
    for side in ["a", "b"] {
        assert!(vote["stats"][side]["latency_ms"].is_number(), "{vote}");
        assert_eq!(vote["stats"][side]["finish_reason"], "stop");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn named_mode_marks_and_refuses_a_resting_model() {
    let mut down = Script::answer("no");
    down.always_fail = Some(500);
    let fake = FakeOpenAi::start(&[
        ("alpha", Script::answer("A.")),
        ("beta", down),
        ("gamma", Script::answer("C.")),
    ])
    .await;
    let Some(app) = spawn_live(Backend::Sqlite, &fake, &["alpha", "beta", "gamma"], |s| {
        s.live.max_retries = 0;
        s.live.breaker_failures = 1;
        s.live.breaker_cooldown_secs = 600;
    })
    .await
    else {
        return;
    };
    let named = |a: &str, b: &str| {
        json!({"prompt": "hi", "mode": "named", "model_a": a, "model_b": b}).to_string()
    };
    let res = app
        .post_json("/api/v1/battles", &named("alpha", "beta"))
        .await;
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    app.stream(&id).await;
    let info: Value = app.get("/api/v1/arena").await.json().await.expect("json");
    let beta = info["live"]["choices"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["name"] == "beta"))
        .expect("beta listed");
    assert_eq!(beta["available"], false);
    let res = app
        .post_json("/api/v1/battles", &named("gamma", "beta"))
        .await;
    let body = assert_error(res, 503, "live_models_busy").await;
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("beta"))
    );
    assert_eq!(
        app.post_json("/api/v1/battles", &named("gamma", "alpha"))
            .await
            .status(),
        201
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_category_or_language_board_comes_from_its_own_counts() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    for _ in 0..12 {
        let b = app.new_battle("{}").await;
        assert_eq!(
            app.vote(b["id"].as_str().expect("id"), "model_a")
                .await
                .status(),
            200
        );
    }
    app.leaderboard_after(12).await;
    let category = app
        .count("SELECT CAST(COUNT(*) AS BIGINT) FROM battles b JOIN questions q ON q.id = b.question_id WHERE q.category = 'medical'")
        .await;
    let board: Value = app
        .get("/api/v1/leaderboard?category=medical")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(board["scope"], "category:medical");
    assert_eq!(board["total_votes"].as_i64(), Some(category), "{board}");
    let overall: Value = app
        .get("/api/v1/leaderboard")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(overall["scope"], "overall");
    assert_eq!(overall["total_votes"], 12);
    let nothing: Value = app
        .get("/api/v1/leaderboard?language=xx")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(nothing["total_votes"], 0);
    // Both at once: counted from the votes of battles in that category and
    // language.
    let both = app
        .count("SELECT CAST(COUNT(*) AS BIGINT) FROM battles WHERE category = 'medical' AND language = 'en' AND status = 'voted'")
        .await;
    let board: Value = app
        .get("/api/v1/leaderboard?category=medical&language=en")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(board["scope"], "category:medical,language:en");
    assert_eq!(board["total_votes"].as_i64(), Some(both), "{board}");
    // The scopes a page can offer, with their votes.
    let scopes: Value = app
        .get("/api/v1/leaderboard/scopes")
        .await
        .json()
        .await
        .expect("json");
    let medical = scopes["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .find(|c| c["name"] == "medical")
        .expect("medical is a scope");
    assert_eq!(medical["votes"].as_i64(), Some(category));
    let languages: i64 = scopes["languages"]
        .as_array()
        .expect("languages")
        .iter()
        .filter_map(|l| l["votes"].as_i64())
        .sum();
    assert!(languages <= 12);
    assert!(scopes["min_votes"].is_number());
}
