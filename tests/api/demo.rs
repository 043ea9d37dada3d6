use std::collections::HashSet;

use serde_json::Value;

use crate::both_backends;
use crate::helpers::{Backend, spawn_app};

both_backends!(demo_set_is_loaded_on_the_first_start_only);

async fn demo_set_is_loaded_on_the_first_start_only(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let questions = app.count("SELECT COUNT(*) FROM questions").await;
    let models = app.count("SELECT COUNT(*) FROM models").await;
    let answers = app.count("SELECT COUNT(*) FROM answers").await;
    assert!(questions >= 24, "{questions} demo questions");
    assert!(models >= 4, "{models} demo models");
    assert_eq!(
        answers,
        questions * models,
        "every demo model answers every question"
    );
    for (what, sql) in [
        (
            "medical",
            "SELECT COUNT(*) FROM questions WHERE category = 'medical'",
        ),
        (
            "Chinese",
            "SELECT COUNT(*) FROM questions WHERE language = 'cmn'",
        ),
        (
            "Arabic",
            "SELECT COUNT(*) FROM questions WHERE language = 'ara'",
        ),
        (
            "English",
            "SELECT COUNT(*) FROM questions WHERE language = 'eng'",
        ),
        (
            "two-turn",
            "SELECT COUNT(*) FROM questions WHERE turns LIKE '%\",\"%'",
        ),
    ] {
        assert!(app.count(sql).await > 0, "no {what} demo question");
    }
    let body: Value = app.get("/api/v1/models").await.json().await.expect("json");
    let names: HashSet<&str> = body["models"]
        .as_array()
        .expect("models")
        .iter()
        .filter_map(|m| m["name"].as_str())
        .collect();
    assert!(names.iter().all(|n| n.starts_with("demo-")), "{names:?}");

    // A vote, then a restart on the same database: nothing is loaded twice or lost.
    let b = app.new_battle("{}").await;
    assert_eq!(
        app.vote(b["id"].as_str().expect("id"), "model_a")
            .await
            .status(),
        200
    );
    let again = app.another_instance().await;
    assert_eq!(
        again.count("SELECT COUNT(*) FROM questions").await,
        questions
    );
    assert_eq!(again.count("SELECT COUNT(*) FROM answers").await, answers);
    assert_eq!(again.count("SELECT COUNT(*) FROM votes").await, 1);
}
