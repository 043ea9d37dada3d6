use sea_orm::ConnectionTrait;
use serde_json::Value;

use crate::both_backends;
use crate::helpers::{Backend, assert_error, spawn_app};

both_backends!(
    vote_reveals_the_two_models,
    vote_on_a_closed_battle_returns_409,
    vote_on_an_unknown_battle_returns_404,
    vote_with_a_bad_verdict_or_body_returns_400,
    vote_updates_pair_counts_in_every_scope,
    concurrent_votes_on_one_battle_count_once,
    failed_pair_count_update_rolls_back_the_vote,
);

async fn vote_reveals_the_two_models(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    for verdict in ["model_a", "model_b", "tie", "tie (bothbad)"] {
        let battle = app.new_battle("{}").await;
        let id = battle["id"].as_str().expect("id");
        let res = app.vote(id, verdict).await;
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.expect("json");
        assert_eq!(body["battle_id"], id);
        assert_eq!(body["verdict"], verdict);
        assert_eq!(body["counted"], true);
        let (a, b) = (
            body["model_a"].as_str().expect("model_a"),
            body["model_b"].as_str().expect("model_b"),
        );
        assert!(a.starts_with("demo-") && b.starts_with("demo-") && a != b);
        assert!(
            body["model_a_display"]
                .as_str()
                .is_some_and(|d| d.starts_with("Demo "))
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM votes").await, 4);
}

async fn vote_on_a_closed_battle_returns_409(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let battle = app.new_battle("{}").await;
    let id = battle["id"].as_str().expect("id");
    assert_eq!(app.vote(id, "model_a").await.status(), 200);
    assert_error(app.vote(id, "model_b").await, 409, "battle_closed").await;
    // The first vote stands, once, with its pair counts.
    assert_eq!(app.count("SELECT COUNT(*) FROM votes").await, 1);
    let v: Value = app
        .get(&format!("/api/v1/battles/{id}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(v["status"], "voted");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM pair_counts WHERE verdict = 'model_b'")
            .await,
        0
    );
    // A void battle takes no vote either.
    let battle = app.new_battle("{}").await;
    let id = battle["id"].as_str().expect("id");
    app.db
        .execute_unprepared(
            "UPDATE battles SET status = 'void', void_reason = 'test' WHERE status = 'open'",
        )
        .await
        .expect("void");
    assert_error(app.vote(id, "tie").await, 409, "battle_closed").await;
}

async fn vote_on_an_unknown_battle_returns_404(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let missing = uuid::Uuid::now_v7().to_string();
    assert_error(app.vote(&missing, "tie").await, 404, "battle_not_found").await;
    assert_error(app.vote("not-a-uuid", "tie").await, 404, "battle_not_found").await;
    assert_eq!(app.count("SELECT COUNT(*) FROM votes").await, 0);
}

async fn vote_with_a_bad_verdict_or_body_returns_400(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let battle = app.new_battle("{}").await;
    let id = battle["id"].as_str().expect("id");
    let path = format!("/api/v1/battles/{id}/vote");
    assert_error(app.vote(id, "model_c").await, 400, "invalid_verdict").await;
    assert_error(app.vote(id, "A").await, 400, "invalid_verdict").await;
    assert_error(
        app.post_json(&path, "{\"verdict\": ").await,
        400,
        "invalid_json",
    )
    .await;
    assert_error(app.post_json(&path, "{}").await, 400, "invalid_body").await;
    assert_error(app.post_json(&path, "").await, 400, "invalid_body").await;
    assert_error(
        app.post_json(&path, r#"{"verdict": 1}"#).await,
        400,
        "invalid_body",
    )
    .await;
    assert_error(app.post_json(&path, "[]").await, 400, "invalid_body").await;
    // None of that touched the battle: it still takes its one vote.
    assert_eq!(app.count("SELECT COUNT(*) FROM votes").await, 0);
    assert_eq!(app.vote(id, "model_a").await.status(), 200);
}

async fn vote_updates_pair_counts_in_every_scope(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let mut battles = Vec::new();
    for i in 0..6 {
        let b = app.new_battle("{}").await;
        let verdict = ["model_a", "model_b", "tie"][i % 3];
        app.vote(b["id"].as_str().expect("id"), verdict).await;
        battles.push(b);
    }
    assert_eq!(
        app.count("SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) FROM pair_counts WHERE scope = 'overall'")
            .await,
        6
    );
    assert_eq!(
        app.count("SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) FROM pair_counts WHERE scope LIKE 'category:%'")
            .await,
        6
    );
    assert_eq!(
        app.count("SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) FROM pair_counts WHERE scope LIKE 'language:%'")
            .await,
        6
    );
    let first = &battles[0];
    let scope = format!("category:{}", first["category"].as_str().expect("category"));
    assert!(
        app.count(&format!(
            "SELECT COUNT(*) FROM pair_counts WHERE scope = '{scope}'"
        ))
        .await
            >= 1
    );
    // Pair counts agree with the counted votes, battle by battle.
    let mismatch = app
        .count(
            "SELECT COUNT(*) FROM (SELECT b.model_a, b.model_b, v.verdict, COUNT(*) AS n FROM votes v \
             JOIN battles b ON b.id = v.battle_id WHERE v.counted GROUP BY b.model_a, b.model_b, v.verdict) t \
             LEFT JOIN pair_counts p ON p.scope = 'overall' AND p.model_a = t.model_a AND p.model_b = t.model_b \
             AND p.verdict = t.verdict WHERE p.count IS NULL OR p.count <> t.n",
        )
        .await;
    assert_eq!(mismatch, 0);
}

async fn concurrent_votes_on_one_battle_count_once(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let battle = app.new_battle("{}").await;
    let id = battle["id"].as_str().expect("id").to_owned();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let client = app.client.clone();
        let url = app.url(&format!("/api/v1/battles/{id}/vote"));
        let verdict = if i % 2 == 0 { "model_a" } else { "model_b" };
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .json(&serde_json::json!({ "verdict": verdict }))
                .send()
                .await
                .expect("request")
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.expect("task"));
    }
    statuses.sort_unstable();
    assert_eq!(statuses, vec![200, 409, 409, 409, 409, 409, 409, 409]);
    assert_eq!(app.count("SELECT COUNT(*) FROM votes").await, 1);
    assert_eq!(
        app.count("SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) FROM pair_counts WHERE scope = 'overall'")
            .await,
        1
    );
}

async fn failed_pair_count_update_rolls_back_the_vote(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let battle = app.new_battle("{}").await;
    let id = battle["id"].as_str().expect("id");
    // Break the second half of the vote transaction.
    app.db
        .execute_unprepared("DROP TABLE pair_counts")
        .await
        .expect("drop pair_counts");
    let body = assert_error(app.vote(id, "model_a").await, 500, "internal_error").await;
    assert!(
        !body.to_string().contains("pair_counts"),
        "internals leaked: {body}"
    );
    // Neither the vote nor the battle's state change survived.
    assert_eq!(app.count("SELECT COUNT(*) FROM votes").await, 0);
    let v: Value = app
        .get(&format!("/api/v1/battles/{id}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(v["status"], "open");
}
