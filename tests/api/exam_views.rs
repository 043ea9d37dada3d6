//! The exam beside the arena over HTTP: a bank written here (invented
//! questions), predictions for the demo models that are each right on a
//! different share, votes for a board, and one model dated before the exam.
//! `GET /exams/{name}/results` marks contamination and filters fresh models;
//! `GET /exams/{name}/comparison` lines the two orders up with Spearman's ρ,
//! checked against a computation written out here. The browser test of the
//! same views seeds its server with [`seed`].

use std::process::Command;

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app_with, user};

pub const EXAM: &str = "invented-medicine";
/// The model whose knowledge cutoff is before the exam (fresh), and one
/// whose cutoff is after it.
pub const FRESH_MODEL: &str = "demo-thorough";
const SEEN_MODEL: &str = "demo-terse";
const QUESTIONS: usize = 24;

fn goldarena(app: &TestApp, dir: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_goldarena"))
        .args(args)
        .args(["--database", &app.database_url])
        .current_dir(dir)
        .output()
        .expect("run goldarena");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Votes (so that the demo models are ranked), the exam in two subjects,
/// and each demo model's predictions: the i-th model is right on the first
/// `QUESTIONS − 5·i` questions (in file order) and says "no idea" on one.
/// Returns the board after the votes.
pub async fn seed(app: &TestApp) -> Value {
    let verdicts = ["model_a", "model_b", "tie", "model_a"];
    for i in 0..40 {
        let battle = app.new_battle("{}").await;
        let id = battle["id"].as_str().expect("battle id");
        assert_eq!(app.vote(id, verdicts[i % 4]).await.status(), 200);
    }
    let board = app.leaderboard_after(40).await;
    let dir = tempfile::tempdir().expect("dir");
    let mut questions = Vec::new();
    for subject in ["pharmacology", "anatomy"] {
        let mut csv = String::new();
        for i in 0..QUESTIONS / 2 {
            let answer = ['A', 'B', 'C', 'D'][i % 4];
            let q = format!("Invented {subject} question {i}: which option is right?");
            csv.push_str(&format!("\"{q}\",alpha,beta,gamma,delta,{answer}\n"));
            questions.push((q, answer));
        }
        std::fs::write(dir.path().join(format!("{subject}_test.csv")), csv).expect("bank");
    }
    let said = goldarena(
        app,
        dir.path(),
        &[
            "import",
            "exam",
            "--format",
            "mmlu",
            "pharmacology_test.csv",
            "anatomy_test.csv",
            "--name",
            EXAM,
            "--date",
            "2025-03-01",
            "--language",
            "en",
        ],
    );
    assert!(
        said.contains(&format!("{QUESTIONS} questions imported")),
        "{said}"
    );
    let models: Vec<String> = board["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["model"].as_str().map(str::to_owned))
        .collect();
    for (i, model) in models.iter().enumerate() {
        let right = QUESTIONS.saturating_sub(5 * i);
        let lines: Vec<String> = questions
            .iter()
            .enumerate()
            .map(|(k, (q, answer))| {
                let letters = ['A', 'B', 'C', 'D'];
                let said = if k == QUESTIONS - 1 {
                    "No idea, sorry.".to_owned()
                } else if k < right {
                    format!("The answer is {answer}")
                } else {
                    let wrong = letters
                        .iter()
                        .find(|l| *l != answer)
                        .expect("a wrong letter");
                    format!("**Answer: {wrong}**")
                };
                json!({"question": q, "predicted_answer": said}).to_string()
            })
            .collect();
        let file = dir.path().join(format!("{model}.jsonl"));
        std::fs::write(&file, lines.join("\n") + "\n").expect("predictions");
        goldarena(
            app,
            dir.path(),
            &[
                "exam",
                "import-predictions",
                "--exam",
                EXAM,
                "--model",
                model,
                &file.display().to_string(),
            ],
        );
    }
    let operator = user(
        app,
        "exams-ops@example.org",
        goldarena::domain::Role::Operator,
    )
    .await;
    for (model, cutoff) in [(FRESH_MODEL, "2024-10"), (SEEN_MODEL, "2025-06")] {
        let res = operator
            .patch(app.url(&format!("/api/v1/admin/models/{model}")))
            .json(&json!({ "knowledge_cutoff": cutoff, "release_date": "2024-11-20" }))
            .send()
            .await
            .expect("patch");
        assert_eq!(
            res.status(),
            200,
            "{}",
            res.text().await.unwrap_or_default()
        );
    }
    let bad = operator
        .patch(app.url(&format!("/api/v1/admin/models/{FRESH_MODEL}")))
        .json(&json!({ "knowledge_cutoff": "late 2024" }))
        .send()
        .await
        .expect("patch");
    assert_eq!(bad.status(), 400, "a cutoff that is not a date is refused");
    board
}

/// Spearman's ρ written out: mean ranks, then Pearson on the ranks.
fn spearman(x: &[f64], y: &[f64]) -> f64 {
    fn ranks(v: &[f64]) -> Vec<f64> {
        v.iter()
            .map(|a| {
                let below = v.iter().filter(|b| *b < a).count() as f64;
                let same = v.iter().filter(|b| *b == a).count() as f64;
                below + (same + 1.0) / 2.0
            })
            .collect()
    }
    let (rx, ry) = (ranks(x), ranks(y));
    let n = x.len() as f64;
    let (mx, my) = (rx.iter().sum::<f64>() / n, ry.iter().sum::<f64>() / n);
    let cov: f64 = rx.iter().zip(&ry).map(|(a, b)| (a - mx) * (b - my)).sum();
    let vx: f64 = rx.iter().map(|a| (a - mx).powi(2)).sum();
    let vy: f64 = ry.iter().map(|b| (b - my).powi(2)).sum();
    cov / (vx * vy).sqrt()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_exam_beside_the_arena_marks_contamination_and_correlates_the_two_orders() {
    let Some(app) = spawn_app_with(Backend::Sqlite, |s| {
        s.leaderboard.min_votes = 1;
        s.snapshots.every = "off".to_owned();
    })
    .await
    else {
        return;
    };
    let board = seed(&app).await;

    let results: Value = app
        .get(&format!("/api/v1/exams/{EXAM}/results"))
        .await
        .json()
        .await
        .expect("json");
    let overall = |r: &Value, model: &str| -> Option<Value> {
        r["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|x| x["model"] == model && x["subject"] == "all" && x["question_type"] == "all")
            .cloned()
    };
    let fresh = overall(&results, FRESH_MODEL).expect("fresh model");
    assert_eq!(fresh["contamination"], "fresh");
    assert_eq!(fresh["knowledge_cutoff"], "2024-10");
    assert_eq!(
        fresh["unreadable"], 1,
        "\"No idea, sorry.\" is not read as a letter"
    );
    assert_eq!(
        overall(&results, SEEN_MODEL).expect("seen")["contamination"],
        "possibly_seen"
    );
    let fresh_only: Value = app
        .get(&format!("/api/v1/exams/{EXAM}/results?fresh_only=true"))
        .await
        .json()
        .await
        .expect("json");
    let models: std::collections::BTreeSet<&str> = fresh_only["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["model"].as_str())
        .collect();
    assert_eq!(models.into_iter().collect::<Vec<_>>(), [FRESH_MODEL]);

    let comparison: Value = app
        .get(&format!("/api/v1/exams/{EXAM}/comparison"))
        .await
        .json()
        .await
        .expect("json");
    let ranked: Vec<&Value> = board["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["status"] == "ranked")
        .collect();
    let compared = comparison["models"].as_array().expect("models");
    assert_eq!(
        compared.len(),
        ranked.len(),
        "every ranked model took the exam"
    );
    // Best arena rating first, each with the board's rating and the exam's accuracy.
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for (row, c) in ranked.iter().zip(compared) {
        assert_eq!(c["model"], row["model"]);
        assert_eq!(c["arena_rating"], row["rating"]);
        let exam = overall(&results, c["model"].as_str().expect("model")).expect("exam row");
        assert_eq!(c["accuracy"], exam["accuracy"]);
        x.push(row["rating"].as_f64().expect("rating"));
        y.push(exam["accuracy"].as_f64().expect("accuracy"));
    }
    let rho = comparison["spearman"]["rho"].as_f64().expect("rho");
    assert!(
        (rho - spearman(&x, &y)).abs() < 1e-12,
        "{rho} vs {}",
        spearman(&x, &y)
    );
    let (lo, hi) = (
        comparison["spearman"]["ci_lower"].as_f64().expect("lower"),
        comparison["spearman"]["ci_upper"].as_f64().expect("upper"),
    );
    assert!(
        -1.0 <= lo && lo <= rho && rho <= hi && hi <= 1.0,
        "[{lo}, {hi}] around {rho}"
    );
    // The disagreements are the models whose places differ most.
    let most = compared
        .iter()
        .map(|c| c["place_gap"].as_f64().expect("gap").abs())
        .fold(0.0, f64::max);
    if most > 0.0 {
        let first = &comparison["disagreements"][0];
        let gap = compared
            .iter()
            .find(|c| &c["model"] == first)
            .expect("listed")["place_gap"]
            .as_f64()
            .expect("gap");
        assert_eq!(gap.abs(), most);
    }
    let missing = app.get("/api/v1/exams/nope/comparison").await;
    assert_eq!(missing.status(), 404);
}
