use std::collections::HashMap;

use goldarena::store::entities::{battles, models};
use sea_orm::EntityTrait;
use serde_json::Value;

use crate::both_backends;
use crate::helpers::{Backend, TestApp, spawn_app, spawn_app_with};

both_backends!(
    leaderboard_is_empty_before_any_vote,
    leaderboard_moves_with_the_votes
);

async fn leaderboard_is_empty_before_any_vote(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let board: Value = app
        .get("/api/v1/leaderboard")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(board["total_votes"], 0);
    assert_eq!(board["rows"].as_array().map(Vec::len), Some(0));
}

/// The two model names of a battle, read from the database as an oracle voter.
async fn pair_of(app: &TestApp, id: &str) -> (String, String) {
    let id = uuid::Uuid::parse_str(id).expect("uuid");
    let b = battles::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("battle");
    let name = |m: i32| async move {
        models::Entity::find_by_id(m)
            .one(&app.db)
            .await
            .expect("query")
            .expect("model")
            .name
    };
    (name(b.model_a).await, name(b.model_b).await)
}

async fn leaderboard_moves_with_the_votes(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| s.leaderboard.min_votes = 1).await else {
        return;
    };
    // An oracle voter with a fixed taste: earlier in this list is better.
    let taste = [
        "demo-thorough",
        "demo-markdown",
        "demo-bilingual",
        "demo-terse",
        "demo-sloppy",
    ];
    let strength = |n: &str| taste.iter().position(|t| *t == n).expect("known model");
    let mut appearances: HashMap<String, u64> = HashMap::new();
    // 100 battles: every one of the 10 pairs meets (a pair is missed with p = 0.9^100).
    let total = 100;
    for _ in 0..total {
        let b = app.new_battle("{}").await;
        let id = b["id"].as_str().expect("id");
        let (a, bname) = pair_of(&app, id).await;
        let verdict = if strength(&a) < strength(&bname) {
            "model_a"
        } else {
            "model_b"
        };
        let v: Value = app.vote(id, verdict).await.json().await.expect("json");
        assert_eq!(
            (v["model_a"].as_str(), v["model_b"].as_str()),
            (Some(a.as_str()), Some(bname.as_str()))
        );
        *appearances.entry(a).or_default() += 1;
        *appearances.entry(bname).or_default() += 1;
    }
    let board = app.leaderboard_after(total).await;
    assert_eq!(board["method"], "bt");
    // The server's default intervals are the sandwich: no resampling.
    assert_eq!(board["ci_method"], "sandwich");
    assert_eq!(board["bootstrap_rounds"], 0);
    let rows = board["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), appearances.len());
    let f = |r: &Value, k: &str| r[k].as_f64().unwrap_or(f64::NAN);
    let mut previous = f64::INFINITY;
    for row in rows {
        let name = row["model"].as_str().expect("model");
        let rating = f(row, "rating");
        assert!(rating <= previous, "rows are sorted by rating");
        previous = rating;
        assert_eq!(
            row["votes"].as_u64(),
            appearances.get(name).copied(),
            "{name}"
        );
        assert!(
            f(row, "ci_lower") <= rating && rating <= f(row, "ci_upper"),
            "{row}"
        );
        // Rank (UB) among the ranked models: 1 + those whose lower bound is
        // above this upper bound. The others have none.
        if row["status"] == "ranked" {
            let above = rows
                .iter()
                .filter(|r| r["status"] == "ranked" && f(r, "ci_lower") > f(row, "ci_upper"))
                .count();
            assert_eq!(
                row["rank"].as_u64(),
                Some(above as u64 + 1),
                "rank of {name}"
            );
        } else {
            assert!(row["rank"].is_null(), "{row}");
            assert_eq!(
                row["provisional"], true,
                "only provisional models lack a rank here: {row}"
            );
        }
        assert!(f(row, "elo").is_finite());
    }
    // The model that won every battle leads; the one that lost every battle trails.
    assert_eq!(rows[0]["model"], "demo-thorough");
    assert_eq!(rows[rows.len() - 1]["model"], "demo-sloppy");
    assert!(f(&rows[0], "elo") > 1000.0 && f(&rows[rows.len() - 1], "elo") < 1000.0);
    // Bradley-Terry ratings have mean 1000; online Elo is zero-sum around 1000.
    let mean = rows.iter().map(|r| f(r, "rating")).sum::<f64>() / rows.len() as f64;
    assert!((mean - 1000.0).abs() < 1e-6, "mean rating {mean}");
    let elo_sum: f64 = rows.iter().map(|r| f(r, "elo") - 1000.0).sum();
    assert!(elo_sum.abs() < 1e-6, "Elo sums to {elo_sum}");
}

both_backends!(votes_cast_through_another_instance_reach_the_leaderboard);

async fn votes_cast_through_another_instance_reach_the_leaderboard(backend: Backend) {
    let Some(first) = spawn_app(backend).await else {
        return;
    };
    let second = first.another_instance().await;
    // A battle started on one instance is voted on the other, by the same
    // voter (the instances share the key that signs voter ids).
    let b = first.new_battle("{}").await;
    let id = b["id"].as_str().expect("id");
    let res = first
        .client
        .post(second.url(&format!("/api/v1/battles/{id}/vote")))
        .json(&serde_json::json!({ "verdict": "model_a" }))
        .send()
        .await
        .expect("vote");
    assert_eq!(res.status(), 200);
    let board = first.leaderboard_after(1).await;
    assert_eq!(board["rows"].as_array().map(Vec::len), Some(2));
}
