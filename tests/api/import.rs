use goldarena::import::{ImportError, Tally, import_files};
use serde_json::Value;

use crate::both_backends;
use crate::helpers::{Backend, TestApp, shared_data, spawn_app_with, write_answer_set};

both_backends!(
    importing_the_same_files_twice_changes_nothing,
    a_broken_answer_file_is_reported_by_file_and_line_and_nothing_is_imported,
    a_broken_question_file_is_reported_and_nothing_is_imported,
    reimporting_a_changed_answer_updates_it_and_keeps_the_votes,
    mt_bench_import_gives_32_models_and_80_questions,
    import_answers_command_reports_and_fails_with_file_and_line,
);

async fn empty_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |s| s.load_demo = Some(false)).await
}

async fn table_counts(app: &TestApp) -> [i64; 4] {
    [
        app.count("SELECT COUNT(*) FROM models").await,
        app.count("SELECT COUNT(*) FROM question_sets").await,
        app.count("SELECT COUNT(*) FROM questions").await,
        app.count("SELECT COUNT(*) FROM answers").await,
    ]
}

const GOOD: [(&str, &[&str]); 3] = [
    ("alpha-7b", &["Alpha one.", "Alpha two.", "Alpha three."]),
    ("beta-13b", &["Beta one.", "Beta two.", "Beta three."]),
    ("gamma-1", &["Gamma one.", "Gamma two.", "Gamma three."]),
];

async fn importing_the_same_files_twice_changes_nothing(backend: Backend) {
    let Some(app) = empty_app(backend).await else {
        return;
    };
    let (q, a) = write_answer_set(app.dir.path(), "bank", &GOOD);
    let first = import_files(&app.db, &q, &a, None)
        .await
        .expect("first import");
    assert_eq!(first.question_set, "bank");
    assert_eq!(first.models, vec!["alpha-7b", "beta-13b", "gamma-1"]);
    assert_eq!(
        first.questions,
        Tally {
            inserted: 3,
            updated: 0,
            unchanged: 0
        }
    );
    assert_eq!(
        first.answers,
        Tally {
            inserted: 9,
            updated: 0,
            unchanged: 0
        }
    );
    let before = table_counts(&app).await;
    assert_eq!(before, [3, 1, 3, 9]);
    let second = import_files(&app.db, &q, &a, None)
        .await
        .expect("second import");
    assert_eq!(
        second.questions,
        Tally {
            inserted: 0,
            updated: 0,
            unchanged: 3
        }
    );
    assert_eq!(
        second.answers,
        Tally {
            inserted: 0,
            updated: 0,
            unchanged: 9
        }
    );
    assert_eq!(table_counts(&app).await, before);
    // Battles now come from the imported answers.
    let b = app.new_battle("{}").await;
    assert_eq!(b["question_set"], "bank");
    assert!(b["a"].as_str().is_some_and(|s| s.ends_with('.')));
}

async fn a_broken_answer_file_is_reported_by_file_and_line_and_nothing_is_imported(
    backend: Backend,
) {
    let Some(app) = empty_app(backend).await else {
        return;
    };
    let (q, a) = write_answer_set(app.dir.path(), "bank", &GOOD);
    let broken = a.join("beta-13b.jsonl");
    let text = std::fs::read_to_string(&broken).expect("read");
    let mut lines: Vec<&str> = text.lines().collect();
    lines[1] = "{\"question_id\": 1001, \"choices\": [{\"turns\": [\"cut off";
    std::fs::write(&broken, lines.join("\n")).expect("write");
    let err = import_files(&app.db, &q, &a, None)
        .await
        .expect_err("must fail");
    let ImportError::Invalid(problems) = &err else {
        panic!("expected a validation error, got {err}");
    };
    assert_eq!(problems.len(), 1, "{err}");
    assert_eq!(problems[0].line, 2);
    assert!(problems[0].file.ends_with("beta-13b.jsonl"));
    assert!(err.to_string().contains("beta-13b.jsonl:2: "), "{err}");
    assert_eq!(
        table_counts(&app).await,
        [0, 0, 0, 0],
        "a partial import was written"
    );
}

async fn a_broken_question_file_is_reported_and_nothing_is_imported(backend: Backend) {
    let Some(app) = empty_app(backend).await else {
        return;
    };
    let (q, a) = write_answer_set(app.dir.path(), "bank", &GOOD);
    let good = import_files(&app.db, &q, &a, None).await.expect("import");
    assert_eq!(good.answers.inserted, 9);
    let before = table_counts(&app).await;
    let mut text = std::fs::read_to_string(&q).expect("read");
    text.push_str("\n{\"question_id\": 1003, \"turns\": \"not a list\"}\n");
    std::fs::write(&q, text).expect("write");
    let err = import_files(&app.db, &q, &a, Some("other"))
        .await
        .expect_err("must fail");
    assert!(err.to_string().contains("question.jsonl:4: "), "{err}");
    assert_eq!(table_counts(&app).await, before, "stored data changed");
    // A folder without answer files is refused too.
    let empty = app.dir.path().join("empty");
    std::fs::create_dir_all(&empty).expect("mkdir");
    assert!(import_files(&app.db, &q, &empty, None).await.is_err());
}

async fn reimporting_a_changed_answer_updates_it_and_keeps_the_votes(backend: Backend) {
    let Some(app) = empty_app(backend).await else {
        return;
    };
    let (q, a) = write_answer_set(app.dir.path(), "bank", &GOOD);
    import_files(&app.db, &q, &a, None).await.expect("import");
    let b = app.new_battle("{}").await;
    assert_eq!(
        app.vote(b["id"].as_str().expect("id"), "model_a")
            .await
            .status(),
        200
    );
    let (q2, a2) = write_answer_set(
        &app.dir.path().join("v2"),
        "bank",
        &[
            (
                "alpha-7b",
                &["Alpha one, revised.", "Alpha two.", "Alpha three."],
            ),
            ("beta-13b", &["Beta one.", "Beta two.", "Beta three."]),
            ("gamma-1", &["Gamma one.", "Gamma two.", "Gamma three."]),
        ],
    );
    let report = import_files(&app.db, &q2, &a2, None)
        .await
        .expect("re-import");
    assert_eq!(
        report.answers,
        Tally {
            inserted: 0,
            updated: 1,
            unchanged: 8
        }
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM votes").await, 1);
    // The battle keeps the text its voter saw.
    let seen: Value = app
        .get(&format!(
            "/api/v1/battles/{}",
            b["id"].as_str().expect("id")
        ))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(seen["a"], b["a"]);
}

async fn mt_bench_import_gives_32_models_and_80_questions(backend: Backend) {
    let Some(data) = shared_data("mt_bench") else {
        return;
    };
    let Some(app) = empty_app(backend).await else {
        return;
    };
    let report = import_files(
        &app.db,
        &data.join("question.jsonl"),
        &data.join("model_answer"),
        None,
    )
    .await
    .expect("import mt_bench");
    assert_eq!(report.question_set, "mt_bench");
    assert_eq!(report.models.len(), 32);
    assert_eq!(report.questions.inserted, 80);
    assert_eq!(report.answers.inserted, 32 * 80);
    assert_eq!(table_counts(&app).await, [32, 1, 80, 2560]);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM questions WHERE category = 'coding'")
            .await,
        10
    );
    // Battles come from those answers: the prompt is the MT-Bench question, both
    // turns are there, and the two answers are the models' own.
    let mut names = std::collections::HashSet::new();
    for _ in 0..10 {
        let b = app.new_battle("{}").await;
        assert_eq!(b["question_set"], "mt_bench");
        assert_eq!(b["turns"].as_array().map(Vec::len), Some(2));
        let v: Value = app
            .vote(b["id"].as_str().expect("id"), "tie")
            .await
            .json()
            .await
            .expect("json");
        names.insert(v["model_a"].as_str().expect("a").to_owned());
    }
    assert!(
        names.len() > 3,
        "pairs are drawn from many models: {names:?}"
    );
    let again = import_files(
        &app.db,
        &data.join("question.jsonl"),
        &data.join("model_answer"),
        None,
    )
    .await
    .expect("re-import mt_bench");
    assert_eq!(again.answers.unchanged, 2560);
    assert_eq!(table_counts(&app).await, [32, 1, 80, 2560]);
}

async fn import_answers_command_reports_and_fails_with_file_and_line(backend: Backend) {
    let Some(app) = empty_app(backend).await else {
        return;
    };
    let (q, a) = write_answer_set(app.dir.path(), "cli-bank", &GOOD);
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_goldarena"))
            .args(["import", "answers", "--questions"])
            .arg(&q)
            .arg("--answers")
            .arg(&a)
            .arg("--database")
            .arg(&app.database_url)
            .env("RUST_LOG", "warn")
            .output()
            .expect("run goldarena")
    };
    let out = run();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("question set cli-bank: 3 models"),
        "{stdout}"
    );
    assert!(stdout.contains("answers 9 new"), "{stdout}");
    std::fs::write(a.join("gamma-1.jsonl"), "{\"question_id\": 1000}\n").expect("write");
    let out = run();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("gamma-1.jsonl:1: "), "{stderr}");
    assert_eq!(app.count("SELECT COUNT(*) FROM answers").await, 9);
}
