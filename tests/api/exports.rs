//! Exports: the clean-battle file gives back the server's board through
//! `goldarena ratings` (the round trip), the API download is the same file
//! with its manifest, and the leaderboard exports in four formats.

use std::collections::HashMap;
use std::process::Command;

use goldarena::domain::Role;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, assert_error, spawn_app_with, user};

both_backends!(exported_battles_give_back_the_servers_board);

fn goldarena(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_goldarena"))
        .args(args)
        .output()
        .expect("run goldarena")
}

fn ratings_of(board: &Value) -> HashMap<String, f64> {
    board["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["model"].as_str().expect("model").to_owned(),
                r["rating"].as_f64().expect("rating"),
            )
        })
        .collect()
}

async fn exported_battles_give_back_the_servers_board(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| {
        s.leaderboard.min_votes = 1;
        s.snapshots.every = "off".to_owned();
    })
    .await
    else {
        return;
    };
    let operator = user(&app, "ops@example.org", Role::Operator).await;
    let verdicts = [
        "model_a",
        "model_b",
        "tie",
        "model_a",
        "tie (bothbad)",
        "model_a",
    ];
    let mut first = String::new();
    for i in 0..60 {
        let b = app.new_battle("{}").await;
        let id = b["id"].as_str().expect("id").to_owned();
        assert_eq!(
            app.vote(&id, verdicts[i % verdicts.len()]).await.status(),
            200
        );
        if i == 0 {
            first = id;
        }
    }
    // Every vote on the board first: a board of 59 votes taken before the
    // last vote would look like the board after the void below.
    app.leaderboard_after(60).await;
    // One battle voided by the operator: its vote is exported, not counted.
    let res = operator
        .post(app.url(&format!("/api/v1/admin/battles/{first}/void")))
        .json(&json!({"reason": "test"}))
        .send()
        .await
        .expect("void");
    assert_eq!(res.status(), 200);
    let board = app.leaderboard_after(59).await;

    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("battles.jsonl");
    let path = file.to_str().expect("path");
    let out = goldarena(&[
        "export",
        "battles",
        "--out",
        path,
        "--database",
        &app.database_url,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&file).expect("read export");
    let records: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(records.len(), 60);
    let voided: Vec<&Value> = records.iter().filter(|r| r["counted"] == false).collect();
    assert_eq!(voided.len(), 1);
    assert_eq!(voided[0]["not_counted_reason"], "voided");
    assert_eq!(voided[0]["battle_id"], first.as_str());
    for r in &records {
        for key in [
            "model_a",
            "model_b",
            "winner",
            "tstamp",
            "anony",
            "turn",
            "question_id",
        ] {
            assert!(r.get(key).is_some(), "{key} missing: {r}");
        }
        assert!(
            r["conv_metadata"]["sum_assistant_a_tokens"].is_number(),
            "{r}"
        );
        assert!(r.get("conversation_a").is_none());
    }

    // The round trip: the file through `ratings` is the server's board.
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("battles.jsonl.manifest.json")).expect("manifest"),
    )
    .expect("manifest json");
    assert_eq!(
        manifest["sha256"],
        goldarena::export::sha256_hex(text.as_bytes())
    );
    assert_eq!(manifest["counts"]["counted"], 59);
    assert!(
        manifest["recompute"]
            .as_str()
            .is_some_and(|r| r.contains("goldarena ratings"))
    );
    let out = goldarena(&[
        "ratings", "--input", path, "--ci", "sandwich", "--format", "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let offline: Value = serde_json::from_slice(&out.stdout).expect("ratings json");
    assert_eq!(offline["battles"], 59);
    let (server, offline) = (ratings_of(&board), ratings_of(&offline));
    assert_eq!(server.len(), offline.len());
    for (model, rating) in &server {
        let other = offline[model];
        assert!(
            (rating - other).abs() < 0.01,
            "{model}: server {rating} vs file {other}"
        );
    }

    // The same file from the API, with conversations on request.
    let res = operator
        .get(app.url("/api/v1/export/battles"))
        .send()
        .await
        .expect("download");
    assert_eq!(res.status(), 200);
    let sha = res.headers()["x-content-sha256"]
        .to_str()
        .expect("header")
        .to_owned();
    let body = res.text().await.expect("body");
    assert_eq!(sha, goldarena::export::sha256_hex(body.as_bytes()));
    assert_eq!(body.lines().count(), 60);
    let api_manifest: Value = operator
        .get(app.url("/api/v1/export/battles/manifest"))
        .send()
        .await
        .expect("manifest")
        .json()
        .await
        .expect("json");
    assert_eq!(api_manifest["sha256"], sha.as_str());
    let with: String = operator
        .get(app.url("/api/v1/export/battles?with_conversations=true&scope=category:medical"))
        .send()
        .await
        .expect("download")
        .text()
        .await
        .expect("body");
    for line in with.lines() {
        let r: Value = serde_json::from_str(line).expect("json");
        assert_eq!(r["category"], "medical");
        assert_eq!(r["conversation_a"][0]["role"], "user");
        assert_eq!(r["conversation_b"][1]["role"], "assistant");
    }
    assert_error(
        operator
            .get(app.url("/api/v1/export/battles?scope=campaign:1"))
            .send()
            .await
            .expect("req"),
        400,
        "invalid_body",
    )
    .await;
    assert_error(
        app.get("/api/v1/export/battles").await,
        401,
        "unauthenticated",
    )
    .await;

    // Votes as CSV, the board in four formats.
    let csv = operator
        .get(app.url("/api/v1/export/votes"))
        .send()
        .await
        .expect("votes");
    assert_eq!(csv.text().await.expect("csv").lines().count(), 61);
    for (format, needle) in [
        ("csv", "rank,model,rating"),
        ("json", "\"input_sha256\""),
        ("markdown", "| Rank (UB) | Model |"),
        ("latex", "\\begin{tabular}"),
    ] {
        let res = operator
            .get(app.url(&format!("/api/v1/export/leaderboard?format={format}")))
            .send()
            .await
            .expect("board");
        assert_eq!(res.status(), 200, "{format}");
        let text = res.text().await.expect("text");
        assert!(text.contains(needle), "{format}: {text}");
    }
    let out = goldarena(&[
        "export",
        "leaderboard",
        "--format",
        "markdown",
        "--database",
        &app.database_url,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("| Rank (UB) | Model |"));
}
