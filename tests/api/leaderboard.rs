use std::collections::HashMap;

use goldarena::store::entities::{battles, models};
use sea_orm::EntityTrait;
use serde_json::Value;

use crate::both_backends;
use crate::helpers::{Backend, TestApp, spawn_app};

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
    let Some(app) = spawn_app(backend).await else {
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
    let total = 40;
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
    let board: Value = app
        .get("/api/v1/leaderboard")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(board["total_votes"], total);
    let rows = board["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), appearances.len());
    let mut previous = f64::INFINITY;
    for row in rows {
        let name = row["model"].as_str().expect("model");
        let rating = row["rating"].as_f64().expect("rating");
        assert!(rating <= previous, "rows are sorted by rating");
        previous = rating;
        assert_eq!(
            row["votes"].as_u64(),
            appearances.get(name).copied(),
            "{name}"
        );
        assert_eq!(row["elo"], row["rating"]);
        assert!(row["ci_lower"].is_null() && row["ci_upper"].is_null());
        let better = rows
            .iter()
            .filter(|r| r["rating"].as_f64() > Some(rating))
            .count();
        assert_eq!(
            row["rank"].as_u64(),
            Some(better as u64 + 1),
            "rank of {name}"
        );
    }
    // The model that won every battle leads; the one that lost every battle trails.
    assert_eq!(rows[0]["model"], "demo-thorough");
    assert!(rows[0]["rating"].as_f64() > Some(1000.0));
    assert_eq!(rows[rows.len() - 1]["model"], "demo-sloppy");
    assert!(rows[rows.len() - 1]["rating"].as_f64() < Some(1000.0));
    // Online Elo is zero-sum around 1000.
    let sum: f64 = rows
        .iter()
        .map(|r| r["rating"].as_f64().unwrap_or_default() - 1000.0)
        .sum();
    assert!(sum.abs() < 1e-6, "ratings sum to {sum}");
}
