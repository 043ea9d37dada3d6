//! `/metrics` after live battles: it parses as Prometheus text format and
//! carries the latency histograms, the provider errors, the breaker, the
//! votes, the battles, the leaderboard and the pool.

use std::collections::HashMap;

use super::*;

fn samples(text: &str) -> HashMap<String, Vec<prometheus_parse::Sample>> {
    let lines = text.lines().map(|l| Ok(l.to_owned()));
    let scrape = prometheus_parse::Scrape::parse(lines).expect("Prometheus text format");
    let mut by_name: HashMap<String, Vec<prometheus_parse::Sample>> = HashMap::new();
    for s in scrape.samples {
        by_name.entry(s.metric.clone()).or_default().push(s);
    }
    by_name
}

fn value(s: &prometheus_parse::Sample) -> f64 {
    match &s.value {
        prometheus_parse::Value::Counter(v)
        | prometheus_parse::Value::Gauge(v)
        | prometheus_parse::Value::Untyped(v) => *v,
        prometheus_parse::Value::Histogram(h) => h.iter().map(|b| b.count).fold(0.0, f64::max),
        prometheus_parse::Value::Summary(_) => f64::NAN,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_parse_and_count_what_happened() {
    let mut broken = Script::answer("never");
    broken.always_fail = Some(503);
    let fake = FakeOpenAi::start(&[
        ("alpha", Script::answer(ALPHA)),
        ("beta", Script::answer(BETA)),
        ("gamma", broken),
    ])
    .await;
    let Some(app) = spawn_live(Backend::Sqlite, &fake, &["alpha", "beta", "gamma"], |_| {}).await
    else {
        return;
    };
    // Battles until one of them met the failing model and one finished.
    let mut voted = 0;
    for _ in 0..12 {
        let battle = live_battle(&app, "I have a fever. What should I do?").await;
        let id = id(&battle);
        app.stream(&id).await;
        let res = app.vote(&id, "model_a").await;
        if res.status() == 200 {
            voted += 1;
        }
        let text = app.get("/metrics").await.text().await.expect("text");
        // The counters are process-wide (other tests in this binary fail
        // models too): wait for this test's failing model.
        if voted > 0
            && text.contains("goldarena_provider_errors_total{kind=\"http_5xx\",model=\"gamma\"}")
        {
            break;
        }
    }
    assert!(voted > 0);
    app.leaderboard_after(voted).await;

    let res = app.get("/metrics").await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .expect("content type")
            .starts_with("text/plain; version=0.0.4")
    );
    let text = res.text().await.expect("text");
    let m = samples(&text);
    let sum = |name: &str| m.get(name).map_or(0.0, |v| v.iter().map(value).sum());
    assert_eq!(sum("goldarena_votes"), voted as f64, "{text}");
    assert!(sum("goldarena_battles") >= voted as f64);
    // Latency: one observation per finished answer, labelled by model.
    let first_token = m
        .get("goldarena_live_first_token_seconds_count")
        .expect("first-token histogram");
    assert!(
        first_token
            .iter()
            .any(|s| s.labels.get("model") == Some("alpha"))
    );
    assert!(m.contains_key("goldarena_live_answer_seconds_count"));
    assert!(matches!(
        m.get("goldarena_live_answer_seconds")
            .and_then(|v| v.first())
            .map(|s| &s.value),
        Some(prometheus_parse::Value::Histogram(_))
    ));
    // The failing model: its errors by kind, and its breaker is a gauge.
    let errors = m
        .get("goldarena_provider_errors_total")
        .expect("provider errors");
    assert!(errors.iter().any(|s| s.labels.get("model") == Some("gamma")
        && s.labels.get("kind") == Some("http_5xx")
        && value(s) >= 1.0));
    assert_eq!(m.get("goldarena_live_breaker_open").map(Vec::len), Some(3));
    assert!(sum("goldarena_leaderboard_age_seconds") >= 0.0);
    assert_eq!(sum("goldarena_leaderboard_votes"), voted as f64);
    assert!(m.contains_key("goldarena_leaderboard_recompute_seconds_count"));
    assert!(sum("goldarena_db_pool_connections") >= 1.0);
}
