//! Expert campaigns end to end: an operator and three experts, a campaign over
//! the demo set against a baseline, every item judged; results checked
//! against a table computed by hand. Plus access control and bad judgments.

use goldarena::auth::Actor;
use goldarena::auth::users::{self as accounts, NewAccount};
use goldarena::domain::{Email, Password, Role};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, assert_error, http, spawn_app};

both_backends!(a_campaign_over_the_demo_set_gives_the_hand_computed_results);

const PASSWORD: &str = "correct horse battery staple";

async fn user(app: &TestApp, email: &str, role: Role) -> reqwest::Client {
    accounts::add(
        &app.db,
        &Actor::cli(),
        NewAccount {
            email: Email::parse(email).expect("email"),
            role,
            name: None,
            specialties: vec!["general".into()],
            languages: vec!["en".into()],
            credential: None,
            password: Password::parse(PASSWORD).expect("password"),
        },
    )
    .await
    .expect("user");
    let client = http();
    let res = client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 200);
    client
}

async fn post(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    body: Value,
) -> reqwest::Response {
    client
        .post(app.url(path))
        .json(&body)
        .send()
        .await
        .expect("request")
}

fn axes(verdict: &str) -> Value {
    json!({
        "accuracy": verdict, "completeness": verdict, "harm": verdict,
        "communication": verdict, "relevance": verdict
    })
}

async fn a_campaign_over_the_demo_set_gives_the_hand_computed_results(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let operator = user(&app, "lead@example.org", Role::Operator).await;
    let experts = [
        user(&app, "doc1@example.org", Role::Expert).await,
        user(&app, "doc2@example.org", Role::Expert).await,
        user(&app, "doc3@example.org", Role::Expert).await,
    ];
    let outsider = user(&app, "doc4@example.org", Role::Expert).await;
    let voter = user(&app, "voter@example.org", Role::Voter).await;

    let spec = json!({
        "name": "Thorough against terse",
        "question_set": "demo",
        "models": ["demo-thorough"],
        "baseline": "demo-terse",
        "raters_per_item": 3,
        "rubric": "medical-v1",
        "experts": ["doc1@example.org", "doc2@example.org", "doc3@example.org"],
    });
    assert_error(
        post(&voter, &app, "/api/v1/campaigns", spec.clone()).await,
        403,
        "forbidden",
    )
    .await;
    let bad =
        json!({"name": "x", "question_set": "demo", "models": ["nope"], "baseline": "demo-terse"});
    assert_error(
        post(&operator, &app, "/api/v1/campaigns", bad).await,
        400,
        "invalid_body",
    )
    .await;
    let res = post(&operator, &app, "/api/v1/campaigns", spec).await;
    assert_eq!(res.status(), 201);
    let campaign: Value = res.json().await.expect("json");
    assert_eq!(campaign["status"], "draft");
    let id = campaign["id"].as_i64().expect("id");
    let next = format!("/api/v1/campaigns/{id}/next");
    let judge = format!("/api/v1/campaigns/{id}/judgments");
    // Not open yet.
    assert_error(
        experts[0].get(app.url(&next)).send().await.expect("next"),
        403,
        "forbidden",
    )
    .await;
    let res = post(
        &operator,
        &app,
        &format!("/api/v1/campaigns/{id}/open"),
        json!({}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let items = app.count("SELECT COUNT(*) FROM campaign_items").await;
    let questions = app.count("SELECT COUNT(*) FROM questions").await;
    assert_eq!(
        items, questions,
        "one item per question: thorough against the baseline"
    );

    // Access: an expert outside the campaign, a voter, an operator.
    assert_error(
        outsider.get(app.url(&next)).send().await.expect("next"),
        403,
        "forbidden",
    )
    .await;
    assert_error(
        voter.get(app.url(&next)).send().await.expect("next"),
        403,
        "forbidden",
    )
    .await;
    assert_error(
        operator.get(app.url(&next)).send().await.expect("next"),
        403,
        "forbidden",
    )
    .await;
    assert_error(
        experts[0]
            .get(app.url(&format!("/api/v1/campaigns/{id}/results")))
            .send()
            .await
            .expect("results"),
        403,
        "forbidden",
    )
    .await;

    // Doc 1 and doc 2 always prefer thorough, doc 3 always calls a tie.
    for (n, expert) in experts.iter().enumerate() {
        let mut judged = 0;
        loop {
            let res = expert.get(app.url(&next)).send().await.expect("next");
            if res.status() == 204 {
                break;
            }
            assert_eq!(res.status(), 200);
            let item: Value = res.json().await.expect("json");
            let text = item.to_string();
            assert!(
                !text.contains("demo-thorough") && !text.contains("demo-terse"),
                "blind: {text}"
            );
            let item_id = item["item_id"].as_i64().expect("item");
            let swapped = app
                .count(&format!(
                    "SELECT CAST(COUNT(*) AS BIGINT) FROM assignments a JOIN users u ON u.id = a.expert_id \
                     WHERE a.item_id = {item_id} AND u.email = 'doc{}@example.org' AND a.shown_swapped",
                    n + 1
                ))
                .await
                == 1;
            let thorough = if swapped { "model_b" } else { "model_a" };
            let verdict = if n == 2 { "tie" } else { thorough };
            if judged == 0 {
                let missing =
                    json!({"item_id": item_id, "preference": verdict, "axes": {"accuracy": "tie"}});
                assert_error(
                    post(expert, &app, &judge, missing).await,
                    400,
                    "invalid_body",
                )
                .await;
                let unknown =
                    json!({"item_id": item_id, "preference": "model_c", "axes": axes("tie")});
                assert_error(
                    post(expert, &app, &judge, unknown).await,
                    400,
                    "invalid_body",
                )
                .await;
            }
            let flags = if n == 0 && judged == 0 {
                json!({"a": null, "b": "recommends a double dose"})
            } else {
                json!({"a": null, "b": null})
            };
            let body = json!({
                "item_id": item_id, "preference": verdict, "axes": axes(verdict),
                "safety_flags": flags, "comment": null,
            });
            assert_eq!(post(expert, &app, &judge, body.clone()).await.status(), 201);
            if judged == 0 {
                assert_error(
                    post(expert, &app, &judge, body).await,
                    409,
                    "already_judged",
                )
                .await;
            }
            judged += 1;
        }
        assert_eq!(
            judged, items,
            "every item goes to every one of the three experts"
        );
    }

    let results: Value = operator
        .get(app.url(&format!("/api/v1/campaigns/{id}/results")))
        .send()
        .await
        .expect("results")
        .json()
        .await
        .expect("json");
    // By hand: 3 judgments per item, 2 for thorough and 1 tie.
    let n = items as f64 * 3.0;
    let wtl = &results["win_tie_lose"][0];
    assert_eq!(wtl["model"], "demo-thorough");
    assert_eq!(wtl["baseline"], "demo-terse");
    assert_eq!(wtl["judgments"].as_f64(), Some(n));
    assert!((wtl["win"]["value"].as_f64().expect("win") - 2.0 / 3.0).abs() < 1e-12);
    assert!((wtl["tie"]["value"].as_f64().expect("tie") - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!(wtl["lose"]["value"].as_f64(), Some(0.0));
    // Wilson for 2n/3 of n, z = 1.959964.
    let (p, z) = (2.0 / 3.0, 1.959_963_984_540_054_f64);
    let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
    let half = z / (1.0 + z * z / n) * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    assert!((wtl["win"]["lower"].as_f64().expect("lower") - (centre - half)).abs() < 1e-9);
    // Fleiss: every item has counts (2 thorough, 1 tie): P = 1/3, Pe = 5/9, κ = -1/2.
    let kappa = results["agreement"]["preference"]["fleiss_kappa"]
        .as_f64()
        .expect("kappa");
    assert!((kappa + 0.5).abs() < 1e-9, "{kappa}");
    // The expert board puts thorough first.
    assert_eq!(results["leaderboard"]["rows"][0]["model"], "demo-thorough");
    assert_eq!(
        results["axes"].as_object().map(serde_json::Map::len),
        Some(5)
    );
    // One safety flag, on the baseline's answer (b in the item's orientation
    // only if it was not shown swapped; either way it is one of the two).
    assert_eq!(results["flagged"].as_array().map(Vec::len), Some(1));
    assert_eq!(results["progress"]["judged"].as_f64(), Some(n));

    // Exports: one judgment per line, in the item's orientation, raters pseudonymous.
    let jsonl = operator
        .get(app.url(&format!("/api/v1/campaigns/{id}/export?format=jsonl")))
        .send()
        .await
        .expect("export")
        .text()
        .await
        .expect("text");
    let lines: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len() as f64, n);
    assert!(
        lines
            .iter()
            .all(|l| l["model_a"] == "demo-thorough" && l["model_b"] == "demo-terse")
    );
    assert!(
        lines
            .iter()
            .all(|l| l["preference"] == "model_a" || l["preference"] == "tie")
    );
    assert!(!jsonl.contains("@example.org"));
    let manifest: Value = operator
        .get(app.url(&format!(
            "/api/v1/campaigns/{id}/export/manifest?format=jsonl"
        )))
        .send()
        .await
        .expect("manifest")
        .json()
        .await
        .expect("json");
    assert_eq!(
        manifest["sha256"],
        goldarena::export::sha256_hex(jsonl.as_bytes())
    );
    assert_eq!(manifest["judgments"].as_f64(), Some(n));
    assert_eq!(manifest["raters"], 3);
    assert!(
        manifest["recompute"]
            .as_str()
            .is_some_and(|r| r.contains("campaign results"))
    );
    let csv = operator
        .get(app.url(&format!("/api/v1/campaigns/{id}/export?format=csv")))
        .send()
        .await
        .expect("export")
        .text()
        .await
        .expect("text");
    assert_eq!(csv.lines().count() as f64, n + 1.0);

    // The same table from the command line.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_goldarena"))
        .args([
            "campaign",
            "results",
            &id.to_string(),
            "--format",
            "markdown",
        ])
        .args(["--database", &app.database_url])
        .output()
        .expect("run goldarena campaign results");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("| demo-thorough | demo-terse |") && table.contains("| 66.7 |"),
        "{table}"
    );

    let res = post(
        &operator,
        &app,
        &format!("/api/v1/campaigns/{id}/close"),
        json!({}),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_error(
        experts[0].get(app.url(&next)).send().await.expect("next"),
        409,
        "campaign_not_open",
    )
    .await;
}

both_backends!(gold_items_gate_the_experts_and_disputes_are_adjudicated_into_gold);

async fn gold_items_gate_the_experts_and_disputes_are_adjudicated_into_gold(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let operator = user(&app, "lead@example.org", Role::Operator).await;
    let careful = user(&app, "careful@example.org", Role::Expert).await;
    let careless = user(&app, "careless@example.org", Role::Expert).await;
    let q1 = app
        .count("SELECT CAST(MIN(id) AS BIGINT) FROM questions")
        .await;
    let q2 = app
        .count("SELECT CAST(MAX(id) AS BIGINT) FROM questions")
        .await;
    // Thorough is known to be better on two questions; a rater must get both right.
    let gold = |q: i64| json!({"question_id": q, "model_a": "demo-thorough", "model_b": "demo-terse", "verdict": "model_a"});
    let spec = json!({
        "name": "Gated", "question_set": "demo", "models": ["demo-thorough"], "baseline": "demo-terse",
        "raters_per_item": 1, "experts": ["careful@example.org", "careless@example.org"],
        "gold_items": [gold(q1), gold(q2)], "gold_gate": 1.0,
    });
    let res = post(&operator, &app, "/api/v1/campaigns", spec).await;
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    assert_eq!(
        post(
            &operator,
            &app,
            &format!("/api/v1/campaigns/{id}/open"),
            json!({})
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM campaign_items WHERE gold IS NOT NULL")
            .await,
        2
    );
    let next = format!("/api/v1/campaigns/{id}/next");
    let judge = format!("/api/v1/campaigns/{id}/judgments");
    // Judges the expert's next item for (`true`) or against thorough; returns the item id.
    let judge_next = |expert: &reqwest::Client,
                      email: &'static str,
                      for_thorough: bool,
                      flag: bool| {
        let (app, expert, next, judge) = (&app, expert.clone(), next.clone(), judge.clone());
        async move {
            let item: Value = expert
                .get(app.url(&next))
                .send()
                .await
                .expect("next")
                .json()
                .await
                .expect("json");
            let item_id = item["item_id"].as_i64().expect("item");
            let swapped = app
                .count(&format!(
                    "SELECT COUNT(*) FROM assignments a JOIN users u ON u.id = a.expert_id \
                     WHERE a.item_id = {item_id} AND u.email = '{email}' AND a.shown_swapped"
                ))
                .await
                == 1;
            let pick = if for_thorough != swapped {
                "model_a"
            } else {
                "model_b"
            };
            let flags = if flag {
                json!({"a": "unsafe dose", "b": null})
            } else {
                json!({"a": null, "b": null})
            };
            let body = json!({"item_id": item_id, "preference": pick, "axes": axes(pick), "safety_flags": flags});
            assert_eq!(post(&expert, app, &judge, body).await.status(), 201);
            item_id
        }
    };
    // Gold items come first.
    for _ in 0..2 {
        let item = judge_next(&careful, "careful@example.org", true, false).await;
        let g = app
            .count(&format!(
                "SELECT COUNT(*) FROM campaign_items WHERE id = {item} AND gold IS NOT NULL"
            ))
            .await;
        assert_eq!(g, 1, "gold items are shown first");
        judge_next(&careless, "careless@example.org", false, false).await;
    }
    // The careless expert is stopped at the gate; the careful one goes on.
    assert_error(
        careless.get(app.url(&next)).send().await.expect("next"),
        403,
        "gold_gate_failed",
    )
    .await;
    let flagged = judge_next(&careful, "careful@example.org", true, true).await;

    let results: Value = operator
        .get(app.url(&format!("/api/v1/campaigns/{id}/results")))
        .send()
        .await
        .expect("results")
        .json()
        .await
        .expect("json");
    let accuracy: Vec<f64> = results["agreement"]["majority"]
        .as_array()
        .expect("raters")
        .iter()
        .filter_map(|r| r["gold_accuracy"].as_f64())
        .collect();
    let mut sorted = accuracy.clone();
    sorted.sort_by(f64::total_cmp);
    assert_eq!(sorted, [0.0, 1.0], "{results}");

    // The flagged item waits for adjudication; resolving it makes it gold.
    let queue: Value = operator
        .get(app.url(&format!("/api/v1/campaigns/{id}/adjudication")))
        .send()
        .await
        .expect("queue")
        .json()
        .await
        .expect("json");
    let items = queue["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{queue}");
    assert_eq!(items[0]["item_id"].as_i64(), Some(flagged));
    assert_eq!(items[0]["why"], "safety flag");
    let res = post(
        &operator,
        &app,
        &format!("/api/v1/campaigns/{id}/adjudication"),
        json!({"item_id": flagged, "verdict": "model_b"}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let gold_now = app
        .count(&format!(
            "SELECT COUNT(*) FROM campaign_items WHERE id = {flagged} AND gold = 'model_b'"
        ))
        .await;
    assert_eq!(gold_now, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'campaign.adjudicate'")
            .await,
        1
    );
    let queue: Value = operator
        .get(app.url(&format!("/api/v1/campaigns/{id}/adjudication")))
        .send()
        .await
        .expect("queue")
        .json()
        .await
        .expect("json");
    assert_eq!(queue["items"].as_array().map(Vec::len), Some(0));
    // Experts cannot read the queue.
    assert_error(
        careful
            .get(app.url(&format!("/api/v1/campaigns/{id}/adjudication")))
            .send()
            .await
            .expect("queue"),
        403,
        "forbidden",
    )
    .await;
}
