//! Exam banks from the fixtures in ../shared/data (skipped without them,
//! required under CI): each format's parser, a re-import that changes
//! nothing, a broken file reported by line, and MedAgents' recorded
//! predictions scored to their published accuracies with Wilson intervals.

use std::process::Command;

use serde_json::Value;

use crate::helpers::{Backend, TestApp, shared_data, spawn_app_with};

fn goldarena(app: &TestApp, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_goldarena"))
        .args(args)
        .args(["--database", &app.database_url])
        .output()
        .expect("run goldarena")
}

/// `import exam --format mmlu --name NAME FILE`.
fn import_mmlu(app: &TestApp, name: &str, file: &std::path::Path) -> std::process::Output {
    let file = file.to_str().expect("path");
    goldarena(
        app,
        &["import", "exam", "--format", "mmlu", "--name", name, file],
    )
}

fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn files(dir: &std::path::Path) -> Vec<String> {
    let mut f: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.path().display().to_string()))
        .filter(|p| p.ends_with(".csv"))
        .collect();
    f.sort();
    f
}

/// Wilson's interval, written out independently of the library.
fn wilson(k: f64, n: f64) -> (f64, f64) {
    let z = 1.959_963_984_540_054_f64;
    let p = k / n;
    let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
    let half = z / (1.0 + z * z / n) * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    (centre - half, centre + half)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exam_banks_import_and_recorded_predictions_score_as_published() {
    let (Some(pharm), Some(mmlu), Some(cmmlu), Some(medqa)) = (
        shared_data("pharmacist_exam_2021"),
        shared_data("mmlu_medical"),
        shared_data("cmmlu_medical"),
        shared_data("medqa_hard_medagents"),
    ) else {
        return;
    };
    let Some(app) = spawn_app_with(Backend::Sqlite, |s| s.snapshots.every = "off".to_owned()).await
    else {
        return;
    };
    let pharm_file = pharm.join("pharmacist_exam_2021.json");
    let pharm_path = pharm_file.to_str().expect("path");
    let said = ok(&goldarena(
        &app,
        &[
            "import",
            "exam",
            "--format",
            "pharmacist",
            "--name",
            "pharmacist-2021",
            "--date",
            "2021-10-23",
            "--language",
            "zh",
            pharm_path,
        ],
    ));
    assert!(
        said.contains("480 questions imported (40 with several answers)"),
        "{said}"
    );
    let again = ok(&goldarena(
        &app,
        &[
            "import",
            "exam",
            "--format",
            "pharmacist",
            "--name",
            "pharmacist-2021",
            pharm_path,
        ],
    ));
    assert!(again.contains("nothing changed"), "{again}");
    assert_eq!(app.count("SELECT COUNT(*) FROM exam_questions").await, 480);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM exam_questions WHERE position = 0 AND answer = 'D' AND subject = '药事管理与法规'").await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(DISTINCT subject) FROM exam_questions")
            .await,
        4
    );

    let mut args = vec![
        "import",
        "exam",
        "--format",
        "mmlu",
        "--name",
        "mmlu-medical",
    ];
    let mmlu_files = files(&mmlu);
    args.extend(mmlu_files.iter().map(String::as_str));
    assert!(ok(&goldarena(&app, &args)).contains("955 questions imported"));
    let mut args = vec![
        "import",
        "exam",
        "--format",
        "cmmlu",
        "--name",
        "cmmlu-medical",
    ];
    let cmmlu_files = files(&cmmlu);
    args.extend(cmmlu_files.iter().map(String::as_str));
    assert!(ok(&goldarena(&app, &args)).contains("1219 questions imported"));
    let hard = medqa.join("test_hard.jsonl");
    assert!(
        ok(&goldarena(
            &app,
            &[
                "import",
                "exam",
                "--format",
                "medqa",
                "--name",
                "medqa-hard",
                hard.to_str().expect("path")
            ]
        ))
        .contains("100 questions imported")
    );

    // A broken bank: every problem by file and line, nothing stored.
    let dir = tempfile::tempdir().expect("dir");
    let bad = dir.path().join("bad_test.csv");
    std::fs::write(&bad, "q1,a,b,c,d,A\n\"q2\",a,b,c,d,Z\nq3,a,b\n").expect("write");
    let out = import_mmlu(&app, "bad", &bad);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad_test.csv:2:") && err.contains("bad_test.csv:3:"),
        "{err}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM exams WHERE name = 'bad'")
            .await,
        0
    );

    // MedAgents' recorded predictions, scored.
    for (model, accuracy) in [
        ("o3-mini", 0.53),
        ("gpt-4o", 0.32),
        ("claude-3-5-haiku", 0.13),
    ] {
        let file = medqa.join(format!(
            "predictions/{model}-medqa-test_hard-zero_shot.json"
        ));
        let said = ok(&goldarena(
            &app,
            &[
                "exam",
                "import-predictions",
                "--exam",
                "medqa-hard",
                "--model",
                model,
                file.to_str().expect("path"),
            ],
        ));
        assert!(said.contains("100 answers"), "{said}");
        let _ = accuracy;
    }
    let results: Value = app
        .get("/api/v1/exams/medqa-hard/results")
        .await
        .json()
        .await
        .expect("json");
    for (model, accuracy) in [
        ("o3-mini", 0.53),
        ("gpt-4o", 0.32),
        ("claude-3-5-haiku", 0.13),
    ] {
        let row = results["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["model"] == model && r["subject"] == "all" && r["question_type"] == "all")
            .expect("overall row");
        assert_eq!(row["n"], 100);
        assert!(
            (row["accuracy"].as_f64().expect("acc") - accuracy).abs() < 1e-12,
            "{row}"
        );
        let (lo, hi) = wilson(accuracy * 100.0, 100.0);
        assert!(
            (row["ci_lower"].as_f64().expect("lo") - lo).abs() < 1e-9,
            "{row}"
        );
        assert!(
            (row["ci_upper"].as_f64().expect("hi") - hi).abs() < 1e-9,
            "{row}"
        );
        assert!(row["unreadable"].is_number());
    }
    let pairs = results["mcnemar"].as_array().expect("mcnemar");
    assert_eq!(pairs.len(), 3);
    let o3_vs_haiku = pairs
        .iter()
        .find(|p| {
            (p["model_a"] == "o3-mini" && p["model_b"] == "claude-3-5-haiku")
                || (p["model_b"] == "o3-mini" && p["model_a"] == "claude-3-5-haiku")
        })
        .expect("pair");
    assert!(
        o3_vs_haiku["p_value"].as_f64().expect("p") < 0.001,
        "{o3_vs_haiku}"
    );
    let list: Value = app.get("/api/v1/exams").await.json().await.expect("json");
    assert_eq!(list["exams"].as_array().map(Vec::len), Some(4));
    let pharmacist = list["exams"]
        .as_array()
        .expect("exams")
        .iter()
        .find(|e| e["name"] == "pharmacist-2021")
        .expect("pharmacist");
    assert_eq!(pharmacist["pass_mark"], 0.6);
    assert_eq!(pharmacist["questions"], 480);
    // The command line's table.
    let table = ok(&goldarena(&app, &["exam", "results", "medqa-hard"]));
    assert!(
        table.contains("o3-mini") && table.contains("McNemar"),
        "{table}"
    );
    let missing = app.get("/api/v1/exams/nope/results").await;
    assert_eq!(missing.status(), 404);
}

/// An exam that asks one text twice (as CMMLU's anatomy does), saved with a
/// byte-order mark and a header: each prediction of that text goes to its own
/// question, in order, and one too many is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn predictions_of_a_question_asked_twice_land_on_each_in_turn() {
    let Some(app) = spawn_app_with(Backend::Sqlite, |s| s.snapshots.every = "off".to_owned()).await
    else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let exam = dir.path().join("anatomy_test.csv");
    std::fs::write(
        &exam,
        "\u{feff}Question,A,B,C,D,Answer\n\
         Which bone is longest?,Femur,Tibia,Ulna,Rib,A\n\
         Which bone is longest?,Rib,Tibia,Ulna,Femur,D\n\
         Which organ pumps blood?,Lung,Heart,Liver,Skin,B\n",
    )
    .expect("write");
    let said = ok(&import_mmlu(&app, "twice", &exam));
    assert!(said.contains("3 questions imported"), "{said}");
    let predictions = dir.path().join("predictions.jsonl");
    let line = |q: &str, a: &str| {
        format!("{{\"question\": \"{q}\", \"prediction\": \"The answer is {a}\"}}\n")
    };
    std::fs::write(
        &predictions,
        [
            line("Which bone is longest?", "A"),
            line("Which organ pumps blood?", "B"),
            line("Which bone is longest?", "D"),
        ]
        .concat(),
    )
    .expect("write");
    let import = |file: &std::path::Path| {
        goldarena(
            &app,
            &[
                "exam",
                "import-predictions",
                "--exam",
                "twice",
                "--model",
                "anatomist",
                file.to_str().expect("path"),
            ],
        )
    };
    assert!(ok(&import(&predictions)).contains("3 answers"));
    // Both answers to the repeated text are right: each reached its own question.
    let right = app
        .count(
            "SELECT COUNT(*) FROM exam_answers a JOIN exam_questions q ON q.id = a.question_id \
             WHERE a.extracted = q.answer",
        )
        .await;
    assert_eq!(right, 3);
    let too_many = dir.path().join("too_many.jsonl");
    std::fs::write(
        &too_many,
        [
            line("Which bone is longest?", "A"),
            line("Which bone is longest?", "D"),
            line("Which bone is longest?", "A"),
        ]
        .concat(),
    )
    .expect("write");
    let out = import(&too_many);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("asks this question 2 time(s)"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
