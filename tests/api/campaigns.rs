//! Expert campaigns end to end: an operator and three experts, a campaign over
//! the demo set against a baseline, every item judged; results checked
//! against a table computed by hand. Plus access control and bad judgments.

use goldarena::domain::{Role, Scope, Verdict};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, assert_error, spawn_app, user};

both_backends!(a_campaign_over_the_demo_set_gives_the_hand_computed_results);
both_backends!(a_custom_rubric_is_stored_once_and_campaigns_judge_with_it);

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

/// Stores a counted crowd vote on a question-bank battle of `question`
/// between the models named `a` (shown first) and `b`.
async fn crowd_vote(
    app: &TestApp,
    question: i64,
    a: &str,
    b: &str,
    verdict: Verdict,
) -> uuid::Uuid {
    let question = i32::try_from(question).expect("question id");
    app.store_counted_vote(a, b, verdict, Some(question)).await
}

async fn get_json(client: &reqwest::Client, app: &TestApp, path: &str) -> Value {
    client
        .get(app.url(path))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json")
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

    // The crowd on the same questions: on the first, one voter prefers
    // thorough (shown second) and one terse; on the second, one tie; on a
    // question outside the campaign's pair (terse against itself is not a
    // pair), nothing. Experts: 2 x thorough and 1 tie on each item.
    let first = app
        .count("SELECT CAST(MIN(question_id) AS BIGINT) FROM campaign_items")
        .await;
    let second = app
        .count("SELECT CAST(MAX(question_id) AS BIGINT) FROM campaign_items")
        .await;
    crowd_vote(&app, first, "demo-terse", "demo-thorough", Verdict::ModelB).await;
    crowd_vote(&app, first, "demo-terse", "demo-thorough", Verdict::ModelA).await;
    crowd_vote(
        &app,
        second,
        "demo-thorough",
        "demo-terse",
        Verdict::TieBothBad,
    )
    .await;
    // A vote on a battle an operator voided since is no longer the crowd's.
    let voided = crowd_vote(&app, second, "demo-terse", "demo-thorough", Verdict::ModelA).await;
    goldarena::store::votes::moderate(&app.db, voided, false, Some("test"), |_| {
        vec![Scope::Overall]
    })
    .await
    .expect("void");

    let results: Value =
        get_json(&operator, &app, &format!("/api/v1/campaigns/{id}/results")).await;
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
    // Experts and crowd, by hand. First question: experts {thorough x2,
    // tie}, crowd {thorough, terse}: with ties 2 of 3 x 2 pairs agree (1/3);
    // without ties 2 of 2 x 2 (1/2). Second: experts as before, crowd {tie}:
    // with ties 1 of 3 (1/3); no decisive crowd vote. Means over questions:
    // 1/3 with ties (2 questions), 1/2 without (1 question).
    let crowd = &results["expert_vs_crowd"]["agreement"];
    assert_eq!(crowd["questions"], 2, "{crowd}");
    assert_eq!(crowd["expert_judgments"], 6);
    assert_eq!(crowd["crowd_votes"], 3);
    assert!((crowd["with_ties"].as_f64().expect("with ties") - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!(crowd["questions_without_ties"], 1);
    assert!((crowd["without_ties"].as_f64().expect("without ties") - 0.5).abs() < 1e-12);
    let pairs = results["expert_vs_crowd"]["pairs"]
        .as_array()
        .expect("pairs");
    assert_eq!(pairs.len(), 1);
    assert_eq!(
        (&pairs[0]["model_a"], &pairs[0]["model_b"]),
        (&json!("demo-terse"), &json!("demo-thorough"))
    );
    assert_eq!(pairs[0]["with_ties"], crowd["with_ties"]);

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
    let manifest: Value = get_json(
        &operator,
        &app,
        &format!("/api/v1/campaigns/{id}/export/manifest?format=jsonl"),
    )
    .await;
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
            let item: Value = get_json(&expert, app, &next).await;
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
    // The careless expert's items, gold and not: named by id, past `next`.
    let careless_item = |gold: bool| {
        let app = &app;
        async move {
            app.count(&format!(
                "SELECT CAST(MIN(a.item_id) AS BIGINT) FROM assignments a \
                 JOIN users u ON u.id = a.expert_id JOIN campaign_items i ON i.id = a.item_id \
                 WHERE u.email = 'careless@example.org' AND i.gold IS {} NULL",
                if gold { "NOT" } else { "" }
            ))
            .await
        }
    };
    let (plain_item, gold_item) = (careless_item(false).await, careless_item(true).await);
    let skip = format!("/api/v1/campaigns/{id}/skip");
    let judge_plain = json!({"item_id": plain_item, "preference": "model_a", "axes": axes("model_a"), "safety_flags": {"a": null, "b": null}});
    // Naming a plain item, past `next`: judging and skipping it are held.
    let held_at_the_gate = || {
        let (app, careless, judge, skip) = (&app, &careless, &judge, &skip);
        let (judged, skipped) = (
            judge_plain.clone(),
            json!({"item_id": plain_item, "reason": "busy"}),
        );
        async move {
            let res = post(careless, app, judge, judged).await;
            assert_error(res, 403, "gold_gate_failed").await;
            let res = post(careless, app, skip, skipped).await;
            assert_error(res, 403, "gold_gate_failed").await;
        }
    };
    // Behind the gate, no other item is judged or skipped before the gold ones,
    // and a gold item is never skipped.
    held_at_the_gate().await;
    assert_error(
        post(
            &careless,
            &app,
            &skip,
            json!({"item_id": gold_item, "reason": "unsure"}),
        )
        .await,
        400,
        "invalid_body",
    )
    .await;
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
    // Also when naming an item instead of asking for the next one.
    held_at_the_gate().await;
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM judgments WHERE item_id = {plain_item}"
        ))
        .await,
        0
    );
    let flagged = judge_next(&careful, "careful@example.org", true, true).await;

    let results: Value =
        get_json(&operator, &app, &format!("/api/v1/campaigns/{id}/results")).await;
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
    let queue: Value = get_json(
        &operator,
        &app,
        &format!("/api/v1/campaigns/{id}/adjudication"),
    )
    .await;
    let items = queue["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{queue}");
    assert_eq!(items[0]["item_id"].as_i64(), Some(flagged));
    assert_eq!(items[0]["why"], "safety flag");
    let adjudicate = format!("/api/v1/campaigns/{id}/adjudication");
    let resolve = |item: i64, verdict: &str| {
        post(
            &operator,
            &app,
            &adjudicate,
            json!({"item_id": item, "verdict": verdict}),
        )
    };
    let gold_b =
        format!("SELECT COUNT(*) FROM campaign_items WHERE id = {flagged} AND gold = 'model_b'");
    let audited = "SELECT COUNT(*) FROM audit_log WHERE action = 'campaign.adjudicate'";
    // An item the campaign does not have is not found; "both bad" is no gold.
    assert_error(resolve(999_999, "model_b").await, 404, "not_found").await;
    assert_error(resolve(flagged, "tie (bothbad)").await, 400, "invalid_body").await;
    assert_eq!(resolve(flagged, "model_b").await.status(), 200);
    assert_eq!(app.count(&gold_b).await, 1);
    assert_eq!(app.count(audited).await, 1);
    // The same resolution again is no change; another verdict is refused.
    assert_eq!(resolve(flagged, "model_b").await.status(), 200);
    assert_error(resolve(flagged, "model_a").await, 409, "gold_exists").await;
    assert_eq!(app.count(audited).await, 1);
    assert_eq!(app.count(&gold_b).await, 1);
    let queue: Value = get_json(
        &operator,
        &app,
        &format!("/api/v1/campaigns/{id}/adjudication"),
    )
    .await;
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

async fn a_custom_rubric_is_stored_once_and_campaigns_judge_with_it(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let operator = user(&app, "lead@example.org", Role::Operator).await;
    let expert = user(&app, "pharm@example.org", Role::Expert).await;
    let toml = "id = \"pharmacy-v1\"\n\
        [[axes]]\nkey = \"dosage\"\nlabel = \"Correct dosage\"\nlabels = { \"zh-CN\" = \"剂量正确\" }\n\
        [[axes]]\nkey = \"interactions\"\nlabel = \"Drug interactions named\"\n";

    // Only an operator stores one; a broken one gets 400 and stores nothing.
    assert_error(
        post(&expert, &app, "/api/v1/rubrics", json!({"toml": toml})).await,
        403,
        "forbidden",
    )
    .await;
    let broken = "id = \"pharmacy-v1\"\n[[axes]]\nkey = \"dosage\"\n";
    assert_error(
        post(&operator, &app, "/api/v1/rubrics", json!({"toml": broken})).await,
        400,
        "invalid_body",
    )
    .await;
    assert_error(
        post(&operator, &app, "/api/v1/rubrics", json!({"rubric": toml})).await,
        400,
        "invalid_body",
    )
    .await;
    assert_eq!(app.count("SELECT COUNT(*) FROM rubrics").await, 0);

    let res = post(&operator, &app, "/api/v1/rubrics", json!({"toml": toml})).await;
    assert_eq!(res.status(), 201);
    let stored: Value = res.json().await.expect("json");
    assert_eq!(stored["id"], "pharmacy-v1");
    assert_eq!(stored["axes"][0]["labels"]["zh-CN"], "剂量正确");
    // The same again changes nothing; a changed one under the same id, or a
    // built-in id, is refused: rubrics never change.
    assert_eq!(
        post(&operator, &app, "/api/v1/rubrics", json!({"toml": toml}))
            .await
            .status(),
        200
    );
    let changed = toml.replace("Correct dosage", "Dosage");
    assert_error(
        post(&operator, &app, "/api/v1/rubrics", json!({"toml": changed})).await,
        409,
        "rubric_exists",
    )
    .await;
    let builtin = toml.replace("pharmacy-v1", "medical-v1");
    assert_error(
        post(&operator, &app, "/api/v1/rubrics", json!({"toml": builtin})).await,
        409,
        "rubric_exists",
    )
    .await;
    assert_eq!(app.count("SELECT COUNT(*) FROM rubrics").await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'rubric.add'")
            .await,
        1
    );
    let list: Value = get_json(&operator, &app, "/api/v1/rubrics").await;
    let ids: Vec<&str> = list["rubrics"]
        .as_array()
        .expect("rubrics")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(ids, ["medical-v1", "pharmacy-v1"]);

    // A campaign with an unknown rubric is refused; with the custom one, the
    // expert sees its axes and judges on them.
    let spec = |rubric: &str| {
        json!({
            "name": "Pharmacy", "question_set": "demo", "models": ["demo-thorough"],
            "baseline": "demo-terse", "raters_per_item": 1, "rubric": rubric,
            "experts": ["pharm@example.org"],
        })
    };
    let refused = assert_error(
        post(&operator, &app, "/api/v1/campaigns", spec("pharmacy-v9")).await,
        400,
        "invalid_body",
    )
    .await;
    assert!(refused.to_string().contains("pharmacy-v1"), "{refused}");
    let res = post(&operator, &app, "/api/v1/campaigns", spec("pharmacy-v1")).await;
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
    let item: Value = get_json(&expert, &app, &format!("/api/v1/campaigns/{id}/next")).await;
    assert_eq!(item["rubric"]["id"], "pharmacy-v1");
    assert_eq!(item["rubric"]["axes"][1]["key"], "interactions");
    assert_eq!(item["rubric"]["axes"][0]["labels"]["zh-CN"], "剂量正确");
    let judge = format!("/api/v1/campaigns/{id}/judgments");
    let item_id = item["item_id"].as_i64().expect("item");
    // The medical axes are not this rubric's.
    let wrong = json!({"item_id": item_id, "preference": "model_a", "axes": axes("model_a")});
    assert_error(
        post(&expert, &app, &judge, wrong).await,
        400,
        "invalid_body",
    )
    .await;
    let body = json!({
        "item_id": item_id, "preference": "model_a",
        "axes": {"dosage": "model_a", "interactions": "tie"},
    });
    assert_eq!(post(&expert, &app, &judge, body).await.status(), 201);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM judgments WHERE rubric_version = 'pharmacy-v1'")
            .await,
        1
    );
    let results: Value =
        get_json(&operator, &app, &format!("/api/v1/campaigns/{id}/results")).await;
    assert_eq!(results["rubric"], "pharmacy-v1");
    let axes: Vec<&String> = results["axes"].as_object().expect("axes").keys().collect();
    assert_eq!(axes, ["dosage", "interactions"]);

    // The command line lists it, and adds a file the same way.
    let file = app.dir.path().join("ethics.toml");
    std::fs::write(
        &file,
        "id = \"ethics-v1\"\n[[axes]]\nkey = \"consent\"\nlabel = \"Consent\"\n",
    )
    .expect("write rubric");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_goldarena"))
            .args(args)
            .args(["--database", &app.database_url])
            .output()
            .expect("run goldarena rubric")
    };
    let out = run(&["rubric", "add", file.to_str().expect("path")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["rubric", "list"]);
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        listed.contains("ethics-v1")
            && listed.contains("pharmacy-v1")
            && listed.contains("medical-v1"),
        "{listed}"
    );
    std::fs::write(
        &file,
        "id = \"ethics-v1\"\n[[axes]]\nkey = \"consent\"\nlabel = \"Informed consent\"\n",
    )
    .expect("write rubric");
    let out = run(&["rubric", "add", file.to_str().expect("path")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ethics-v1"));
}
