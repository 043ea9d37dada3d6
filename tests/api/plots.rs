//! `GET /api/v1/plots/{kind}`: the board's plots as SVG, drawn on the
//! server from the votes cast on the demo set and from the snapshots.

use goldarena::domain::Role;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, assert_error, spawn_app_with, user};

both_backends!(plots_draw_the_board_the_matrices_and_the_history);

const VERDICTS: [&str; 3] = ["model_a", "model_b", "tie"];

async fn vote_some(app: &TestApp, n: usize) {
    for i in 0..n {
        let b = app.new_battle("{}").await;
        let id = b["id"].as_str().expect("id");
        assert_eq!(app.vote(id, VERDICTS[i % 3]).await.status(), 200);
    }
}

/// GET a plot: 200, an SVG document with a title, served as image/svg+xml.
async fn svg(app: &TestApp, path: &str) -> String {
    let res = app.get(path).await;
    assert_eq!(res.status(), 200, "{path}");
    let kind = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(kind.starts_with("image/svg+xml"), "{path}: {kind}");
    let body = res.text().await.expect("body");
    assert!(
        body.starts_with("<svg "),
        "{path}: {}",
        &body[..body.len().min(200)]
    );
    assert!(body.contains("<title id=\"plot-title\">"), "{path}");
    assert!(body.contains("viewBox=\"0 0 "), "{path}");
    assert!(!body.contains("NaN") && !body.contains("<script"), "{path}");
    body
}

fn models(board: &Value, ranked_only: bool) -> Vec<String> {
    board["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| !ranked_only || r["status"] == "ranked")
        .map(|r| r["model"].as_str().expect("model").to_owned())
        .collect()
}

async fn plots_draw_the_board_the_matrices_and_the_history(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| {
        s.leaderboard.min_votes = 1;
        s.snapshots.every = "off".to_owned();
    })
    .await
    else {
        return;
    };
    let operator = user(&app, "ops@example.org", Role::Operator).await;

    // Deprecated before the votes that compute the board: hidden unless asked for.
    let res = operator
        .patch(app.url("/api/v1/admin/models/demo-sloppy"))
        .json(&json!({ "deprecated": true }))
        .send()
        .await
        .expect("patch");
    assert_eq!(res.status(), 200);
    vote_some(&app, 30).await;
    let board = app.leaderboard_after(30).await;
    let shown = models(&board, false);
    let ranked = models(&board, true);
    assert!(!shown.contains(&"demo-sloppy".to_owned()), "{shown:?}");
    assert!(ranked.len() >= 2, "{board}");

    for (kind, expected) in [
        ("ratings", &ranked),
        ("predicted_win", &ranked),
        ("win_fraction", &shown),
        ("battle_count", &shown),
    ] {
        let body = svg(&app, &format!("/api/v1/plots/{kind}")).await;
        for m in expected {
            assert!(body.contains(m.as_str()), "{kind} does not name {m}");
        }
        assert!(
            !body.contains("demo-sloppy"),
            "{kind} shows a deprecated model"
        );
    }
    // One dot per ranked model on the ratings plot; one cell per pair on a heatmap.
    let ratings = svg(&app, "/api/v1/plots/ratings").await;
    assert_eq!(ratings.matches("<circle").count(), ranked.len());
    let counts = svg(&app, "/api/v1/plots/battle_count").await;
    let with_deprecated = svg(&app, "/api/v1/plots/battle_count?show_deprecated=true").await;
    assert!(with_deprecated.contains("demo-sloppy"));
    let n = shown.len();
    assert_eq!(
        with_deprecated.matches("<rect").count() - counts.matches("<rect").count(),
        (n + 1) * (n + 1) - n * n
    );

    // A heatmap's numbers, for its data table: every battle counts twice.
    let m: Value = app
        .get("/api/v1/plots/battle_count?format=json&show_deprecated=true&v=1")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(m["models"].as_array().map(Vec::len), Some(n + 1));
    let total: f64 = m["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .flat_map(|row| row.as_array().expect("row").iter())
        .filter_map(Value::as_f64)
        .sum();
    assert!((total - 60.0).abs() < 1e-9, "{m}");
    let p: Value = app
        .get("/api/v1/plots/predicted_win?format=json")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(p["models"].as_array().map(Vec::len), Some(ranked.len()));
    let rating = |m: &Value| {
        board["rows"]
            .as_array()
            .and_then(|rows| rows.iter().find(|r| &r["model"] == m))
            .and_then(|r| r["rating"].as_f64())
            .expect("rating")
    };
    let (ra, rb) = (rating(&p["models"][0]), rating(&p["models"][1]));
    let p01 = p["cells"][0][1].as_f64().expect("p01");
    assert!((p01 - 1.0 / (1.0 + 10f64.powf((rb - ra) / 400.0))).abs() < 1e-9);
    assert!(p["cells"][0][0].is_null());

    // Unknown kinds and bad queries are clear.
    for bad in [
        "/api/v1/plots/pie",
        "/api/v1/plots/ratings?colour=red",
        "/api/v1/plots/ratings?models=demo-terse",
        "/api/v1/plots/ratings?show_deprecated=maybe",
        "/api/v1/plots/history",
        "/api/v1/plots/history?models=demo-terse&from=yesterday-ish",
        "/api/v1/plots/ratings?format=json",
        "/api/v1/plots/battle_count?format=png",
    ] {
        assert_error(app.get(bad).await, 400, "invalid_body").await;
    }

    // History: two snapshots, with more votes between them.
    let take = |label: &'static str| {
        let operator = operator.clone();
        let url = app.url("/api/v1/snapshots");
        async move {
            let res = operator
                .post(url)
                .json(&json!({ "label": label }))
                .send()
                .await
                .expect("take");
            assert_eq!(res.status(), 201);
        }
    };
    take("first").await;
    vote_some(&app, 9).await;
    app.leaderboard_after(39).await;
    take("second").await;
    let (a, b, reference) = (&shown[0], &shown[1], &shown[2]);
    let history = svg(
        &app,
        &format!("/api/v1/plots/history?models={a},{b}&reference={reference}"),
    )
    .await;
    assert!(history.contains(a.as_str()) && history.contains(b.as_str()));
    assert!(history.contains(&format!("{reference} (reference)")));
    // Two snapshots for each of the three lines, and one dot in each legend row.
    assert_eq!(history.matches("<circle").count(), 2 * 3 + 3);
    let api: Value = app
        .get(&format!("/api/v1/models/{a}/history"))
        .await
        .json()
        .await
        .expect("json");
    let first = &api["points"][0];
    let said = format!(
        "{:.0} ({:.0} to {:.0})",
        first["rating"].as_f64().expect("rating"),
        first["ci_lower"].as_f64().expect("lower"),
        first["ci_upper"].as_f64().expect("upper")
    );
    assert!(history.contains(&said), "the description gives {said}");
    let later = svg(
        &app,
        &format!("/api/v1/plots/history?models={a}&from=2999-01-01"),
    )
    .await;
    assert!(later.contains("No snapshots yet."));
    assert_error(
        app.get("/api/v1/plots/history?models=no-such-model").await,
        404,
        "model_not_found",
    )
    .await;
    assert_error(
        app.get(&format!(
            "/api/v1/plots/history?models={a}&reference=no-such-model"
        ))
        .await,
        404,
        "model_not_found",
    )
    .await;
}
