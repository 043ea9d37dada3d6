use std::collections::HashMap;

use goldarena::store::entities::{battles, models};
use sea_orm::EntityTrait;
use serde_json::Value;

use crate::both_backends;
use crate::helpers::{Backend, TestApp, spawn_app, spawn_app_with};

both_backends!(
    leaderboard_is_empty_before_any_vote,
    leaderboard_moves_with_the_votes,
    style_control_holds_length_equal_and_says_how_much_it_mattered
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

/// A model's name.
async fn pair_name(app: &TestApp, id: i32) -> String {
    models::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("model")
        .name
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
    let language = battles::Entity::find_by_id(uuid::Uuid::parse_str(id).expect("uuid"))
        .one(&first.db)
        .await
        .expect("query")
        .and_then(|b| b.language)
        .expect("the demo questions have a language");
    // The first instance has its scoped and style-controlled boards cached
    // before the vote (after one of its own)...
    let own = first.new_battle("{}").await;
    let own = own["id"].as_str().expect("id");
    assert_eq!(first.vote(own, "tie").await.status(), 200);
    first.leaderboard_after(1).await;
    let scoped = format!("/api/v1/leaderboard?language={language}");
    let board = |path: String| {
        let first = &first;
        async move {
            let res = first.get(&path).await;
            assert_eq!(res.status(), 200);
            res.json::<Value>().await.expect("json")
        }
    };
    let scoped_before = board(scoped.clone()).await["total_votes"]
        .as_u64()
        .expect("total");
    let styled = board("/api/v1/leaderboard?style_control=true".to_owned()).await;
    assert_eq!(styled["style_control"]["battles"], 1);
    let res = first
        .client
        .post(second.url(&format!("/api/v1/battles/{id}/vote")))
        .json(&serde_json::json!({ "verdict": "model_a" }))
        .send()
        .await
        .expect("vote");
    assert_eq!(res.status(), 200);
    let overall = first.leaderboard_after(2).await;
    assert!(overall["rows"].as_array().map(Vec::len) >= Some(2));
    // ...and they follow the vote it never saw once its overall board has.
    assert_eq!(
        board(scoped).await["total_votes"].as_u64(),
        Some(scoped_before + 1)
    );
    let styled = board("/api/v1/leaderboard?style_control=true".to_owned()).await;
    assert_eq!(styled["style_control"]["battles"], 2);
}

/// A voter who picks the longer answer: every vote keeps the style features
/// of the answers it was cast on, and the style-controlled board is the
/// engine's fit of exactly those features. (Recovering a planted effect is
/// tested on drawn data in tests/rating/style.rs: 40 votes on the demo set,
/// whose lengths go with the models, cannot pin it down.)
async fn style_control_holds_length_equal_and_says_how_much_it_mattered(backend: Backend) {
    use goldarena::domain::StyleFeatures;
    use goldarena::store::entities::{messages, votes};
    use sea_orm::{ColumnTrait, QueryFilter};

    let Some(app) = spawn_app_with(backend, |s| s.leaderboard.min_votes = 1).await else {
        return;
    };
    let n = 40;
    for _ in 0..n {
        let b = app.new_battle("{}").await;
        let (a_len, b_len) = (
            b["a"].as_str().expect("a").len(),
            b["b"].as_str().expect("b").len(),
        );
        let verdict = if a_len >= b_len { "model_a" } else { "model_b" };
        let id = b["id"].as_str().expect("id");
        assert_eq!(app.vote(id, verdict).await.status(), 200);
    }
    app.leaderboard_after(n).await;

    // Each vote stored the features of the answers it was cast on.
    let stored = votes::Entity::find().all(&app.db).await.expect("votes");
    assert_eq!(stored.len() as u64, n);
    for vote in &stored {
        let answers = messages::Entity::find()
            .filter(messages::Column::BattleId.eq(vote.battle_id))
            .all(&app.db)
            .await
            .expect("messages");
        let side = |s: goldarena::domain::Side| {
            StyleFeatures::of_turns(
                answers
                    .iter()
                    .filter(|m| m.side == Some(s))
                    .map(|m| m.content.as_str()),
            )
        };
        let (fa, fb) = (
            side(goldarena::domain::Side::A),
            side(goldarena::domain::Side::B),
        );
        let as_i32 = |v: u32| Some(i32::try_from(v).expect("small"));
        assert_eq!(vote.style_tokens_a, as_i32(fa.tokens));
        assert_eq!(vote.style_tokens_b, as_i32(fb.tokens));
        assert_eq!(vote.style_headers_a, as_i32(fa.headers));
        assert_eq!(vote.style_lists_b, as_i32(fb.list_items));
        assert_eq!(vote.style_bold_a, as_i32(fa.bold));
    }

    let plain: Value = app
        .get("/api/v1/leaderboard")
        .await
        .json()
        .await
        .expect("json");
    assert!(plain.get("style_control").is_none());
    assert!(plain["rows"][0].get("style_control").is_none());
    let board: Value = app
        .get("/api/v1/leaderboard?style_control=true")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(board["style_control"]["battles"], n, "{board}");
    let coefficients = board["style_control"]["coefficients"]
        .as_array()
        .expect("coefficients");
    let names: Vec<&str> = coefficients
        .iter()
        .filter_map(|c| c["feature"].as_str())
        .collect();
    assert_eq!(names, ["length", "headers", "lists", "bold"]);
    // The same fit, computed here from the stored votes with the engine's
    // own functions: the server used every vote's features, in the
    // documented order, normalised the documented way.
    let stored_votes = votes::Entity::find().all(&app.db).await.expect("votes");
    let mut names: HashMap<i32, String> = HashMap::new();
    let mut data = goldarena::rating::contextual::StyledBattles {
        feature_names: ["length", "headers", "lists", "bold"]
            .map(str::to_owned)
            .to_vec(),
        ..Default::default()
    };
    let (mut raw_a, mut raw_b) = (Vec::new(), Vec::new());
    let mut ids: Vec<i32> = Vec::new();
    for v in &stored_votes {
        let b = battles::Entity::find_by_id(v.battle_id)
            .one(&app.db)
            .await
            .expect("query")
            .expect("battle");
        for m in [b.model_a, b.model_b] {
            if !ids.contains(&m) {
                ids.push(m);
                names.insert(m, pair_name(&app, m).await);
            }
        }
        let f = |x: Option<i32>| f64::from(x.expect("feature"));
        raw_a.push([
            f(v.style_tokens_a),
            f(v.style_headers_a),
            f(v.style_lists_a),
            f(v.style_bold_a),
        ]);
        raw_b.push([
            f(v.style_tokens_b),
            f(v.style_headers_b),
            f(v.style_lists_b),
            f(v.style_bold_b),
        ]);
        data.a.push(
            u32::try_from(ids.iter().position(|x| *x == b.model_a).expect("a")).expect("small"),
        );
        data.b.push(
            u32::try_from(ids.iter().position(|x| *x == b.model_b).expect("b")).expect("small"),
        );
        data.score.push(v.verdict.score_a());
    }
    data.models = ids.iter().map(|id| names[id].clone()).collect();
    data.x = goldarena::rating::contextual::style_matrix(&raw_a, &raw_b);
    let fit = goldarena::rating::contextual::fit_contextual(&data, &Default::default());
    for (j, c) in coefficients.iter().enumerate() {
        let value = c["value"].as_f64().expect("coefficient");
        assert!(
            (value - fit.beta[j]).abs() < 1e-6,
            "{}: {value} vs {}",
            c["feature"],
            fit.beta[j]
        );
    }
    let per_nat = 400.0 / std::f64::consts::LN_10;
    for row in board["rows"].as_array().expect("rows") {
        let i = data
            .models
            .iter()
            .position(|m| row["model"] == m.as_str())
            .expect("model");
        let rating = row["style_control"]["rating"].as_f64().expect("rating");
        // A model that won or lost every battle sits where the tiny ridge
        // stops it: only its side is meaningful, so it is not compared.
        if row["status"] == "ranked" {
            assert!(
                (rating - (1000.0 + per_nat * fit.theta[i])).abs() < 1e-6,
                "{row}"
            );
        } else {
            assert!(rating.is_finite());
        }
    }
    for row in board["rows"].as_array().expect("rows") {
        let style = &row["style_control"];
        let rating = style["rating"].as_f64().expect("style rating");
        assert!(style["ci_lower"].as_f64().expect("lower") <= rating);
        assert!(style["ci_upper"].as_f64().expect("upper") >= rating);
        if row["rank"].is_number() {
            let delta =
                row["rank"].as_i64().expect("rank") - style["rank"].as_i64().expect("style rank");
            assert_eq!(style["rank_delta"].as_i64(), Some(delta));
        }
    }
    // A scope works the same way.
    let scoped: Value = app
        .get("/api/v1/leaderboard?style_control=true&category=medical")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(scoped["scope"], "category:medical");
    assert!(
        scoped["style_control"]["battles"]
            .as_u64()
            .expect("battles")
            <= n
    );
}
