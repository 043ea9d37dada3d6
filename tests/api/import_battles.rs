//! `goldarena import battles`: a public-format clean-battle file goes into
//! the arena with its timestamps, counts on the board at once, registers the
//! models it brings, and importing it again adds nothing; a broken file is
//! reported by line and writes nothing.

use std::process::Command;

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, spawn_app_with};

both_backends!(a_public_battle_file_is_imported_once_and_counts);

fn import(app: &TestApp, file: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_goldarena"))
        .args(["import", "battles"])
        .arg(file)
        .args(["--database", &app.database_url])
        .output()
        .expect("run goldarena import battles")
}

/// An LMSYS-style release: question_id per battle, judge, conversations,
/// conv_metadata on some, named battles and ties among them.
fn release() -> Value {
    let mut records = Vec::new();
    let outcomes = [
        "model_a",
        "model_b",
        "tie",
        "model_a",
        "tie (bothbad)",
        "model_a",
        "model_b",
    ];
    for i in 0..70u32 {
        let (a, b) = match i % 3 {
            0 => ("vicuna-13b", "koala-13b"),
            1 => ("koala-13b", "alpaca-13b"),
            _ => ("alpaca-13b", "vicuna-13b"),
        };
        let mut r = json!({
            "question_id": format!("{:032x}", 0xabc000 + i),
            "model_a": a, "model_b": b,
            "winner": outcomes[(i as usize) % outcomes.len()],
            "judge": format!("arena_user_{i}"),
            "conversation_a": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}],
            "conversation_b": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hey"}],
            "turn": 1,
            "anony": i % 10 != 9,
            "language": if i % 2 == 0 { "English" } else { "Chinese" },
            "tstamp": 1_682_000_000.5 + f64::from(i) * 60.0,
        });
        if i % 4 == 0 {
            r["conv_metadata"] = json!({
                "sum_assistant_a_tokens": 120, "sum_assistant_b_tokens": 80,
                "header_count_a": {"h1": 1, "h2": 0}, "header_count_b": {"h1": 0, "h2": 0},
                "list_count_a": {"ordered": 2, "unordered": 1}, "list_count_b": {"ordered": 0, "unordered": 0},
                "bold_count_a": {"**": 3, "__": 0}, "bold_count_b": {"**": 0, "__": 0},
            });
        }
        records.push(r);
    }
    Value::Array(records)
}

async fn a_public_battle_file_is_imported_once_and_counts(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| {
        s.leaderboard.min_votes = 1;
        s.snapshots.every = "off".to_owned();
    })
    .await
    else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");

    // A broken file: nothing is written, the line is named.
    let mut broken = release();
    broken[41]["winner"] = json!("model_c");
    let bad = dir.path().join("broken.json");
    std::fs::write(&bad, serde_json::to_string(&broken).expect("json")).expect("write");
    let out = import(&app, &bad);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("record 41") && err.contains("model_c"),
        "{err}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM battles").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM models WHERE provider = 'imported'")
            .await,
        0
    );

    let file = dir.path().join("clean_battle.json");
    std::fs::write(&file, serde_json::to_string(&release()).expect("json")).expect("write");
    let out = import(&app, &file);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("70 battles added (63 counted)") && said.contains("3 models added"),
        "{said}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM battles").await, 70);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM votes WHERE counted").await,
        63
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM votes WHERE not_counted_reason = 'named_battle'")
            .await,
        7
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM models WHERE provider = 'imported' AND NOT active")
            .await,
        3
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM votes WHERE style_tokens_a = 120")
            .await,
        18
    );
    let overall =
        "SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) FROM pair_counts WHERE scope = 'overall'";
    assert_eq!(app.count(overall).await, 63);
    // Languages as the codes native votes get, so both share a board.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM battles WHERE language = 'eng'")
            .await,
        35
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM battles WHERE language = 'cmn'")
            .await,
        35
    );
    let english = "SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) FROM pair_counts WHERE scope = 'language:eng'";
    assert!(app.count(english).await > 0);
    // Timestamps are the file's: the first battle is from April 2023.
    let oldest = app
        .count("SELECT CAST(COUNT(*) AS BIGINT) FROM battles WHERE created_at < '2023-04-21'")
        .await;
    assert_eq!(oldest, 70);

    // The board counts them.
    let board = app.leaderboard_after(63).await;
    let models: Vec<&str> = board["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["model"].as_str())
        .collect();
    for m in ["vicuna-13b", "koala-13b", "alpaca-13b"] {
        assert!(models.contains(&m), "{models:?}");
    }

    // Again: nothing changes.
    let out = import(&app, &file);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("0 battles added (0 counted), 70 there already")
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM battles").await, 70);
    assert_eq!(app.count(overall).await, 63);
}
