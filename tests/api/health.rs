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
    // The background tasks are supervised and named; the board's age is told.
    for task in [
        "leaderboard_refresher",
        "snapshot_schedule",
        "interrupted_sweep",
        "limiter_trim",
        "anomaly_check",
    ] {
        assert_eq!(body["tasks"][task]["restarts"], 0, "{task}: {body}");
    }
    // The refresher's first round (it polls once a second here) succeeds.
    let mut body = body;
    for _ in 0..100 {
        if body["tasks"]["leaderboard_refresher"]["last_success"].is_string() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        body = app.get("/api/v1/health").await.json().await.expect("json");
    }
    assert!(
        body["tasks"]["leaderboard_refresher"]["last_success"].is_string(),
        "{body}"
    );
    assert!(
        body["leaderboard"]["age_secs"]
            .as_f64()
            .is_some_and(|a| a >= 0.0),
        "{body}"
    );
    assert_eq!(body["leaderboard"]["total_votes"], 0);
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

/// The OpenAPI document over HTTP: version 3.1, and every route the router
/// serves is in it with its method, path parameters and security.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_lists_every_route() {
    use goldarena::routes::{Access, ENDPOINTS};
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let res = app.get("/api/v1/openapi.json").await;
    assert_eq!(res.status(), 200);
    let doc: Value = res.json().await.expect("json");
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["title"], "GoldArena API");
    for e in ENDPOINTS {
        let op = &doc["paths"][format!("/api/v1{}", e.path)][e.method.to_lowercase()];
        assert!(
            op.is_object(),
            "{} {} is missing from the OpenAPI document",
            e.method,
            e.path
        );
        assert!(op["summary"].as_str().is_some_and(|s| !s.is_empty()));
        let params = op["parameters"].as_array().map_or(0, Vec::len);
        assert_eq!(
            params,
            e.path.matches('{').count(),
            "{} {}",
            e.method,
            e.path
        );
        assert_eq!(
            op.get("security").is_some(),
            e.access != Access::Public,
            "{} {}",
            e.method,
            e.path
        );
    }
    let documented: usize = doc["paths"]
        .as_object()
        .expect("paths")
        .values()
        .map(|item| {
            item.as_object()
                .map_or(0, |o| o.keys().filter(|k| *k != "parameters").count())
        })
        .sum();
    assert_eq!(
        documented,
        ENDPOINTS.len(),
        "the document has operations the router does not serve"
    );
}
