use serde_json::Value;

use crate::both_backends;
use crate::helpers::{Backend, spawn_app};

both_backends!(
    health_check_reports_the_database,
    models_lists_the_registered_models
);

async fn health_check_reports_the_database(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let res = app.get("/api/v1/health").await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["database"], "ok");
}

async fn models_lists_the_registered_models(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let body: Value = app.get("/api/v1/models").await.json().await.expect("json");
    let models = body["models"].as_array().expect("models");
    assert_eq!(models.len(), 5);
    for m in models {
        assert_eq!(m["provider"], "answer_set");
        assert_eq!(m["active"], true);
        assert!(m.get("api_key_env").is_none() && m.get("base_url").is_none());
    }
}
