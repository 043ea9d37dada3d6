use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use crate::both_backends;
use crate::helpers::{Backend, fresh_database, http};

both_backends!(an_acknowledged_vote_survives_kill_9);

/// Starts the real binary and returns it with the port it reports. Its
/// configuration lets a vote cast at once count (`min_read_ms = 0`).
fn serve(database_url: &str, dir: &std::path::Path) -> (Child, u16) {
    let config = dir.join("goldarena.toml");
    std::fs::write(&config, "[integrity]\nmin_read_ms = 0\n").expect("write config");
    let mut child = Command::new(env!("CARGO_BIN_EXE_goldarena"))
        .arg("--config")
        .arg(&config)
        .args(["serve", "--bind", "127.0.0.1:0", "--database", database_url])
        .env("RUST_LOG", "info")
        .env("GOLDARENA_JWT_SECRET", crate::helpers::TEST_JWT_SECRET)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start goldarena serve");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let port = loop {
        let line = lines
            .next()
            .expect("server exited before it listened")
            .expect("read stderr");
        if line.contains("GoldArena is listening")
            && let Some(p) = line.split("port=").nth(1)
        {
            break p.trim().parse::<u16>().expect("port number");
        }
    };
    // Keep draining the log so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, port)
}

async fn an_acknowledged_vote_survives_kill_9(backend: Backend) {
    let dir = tempfile::tempdir().expect("dir");
    let Some(url) = fresh_database(backend, dir.path()).await else {
        return;
    };
    let (mut child, port) = serve(&url, dir.path());
    let client = http();
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let battle: Value = client
        .post(format!("{base}/battles"))
        .json(&serde_json::json!({}))
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("json");
    let id = battle["id"].as_str().expect("id");
    let res = client
        .post(format!("{base}/battles/{id}/vote"))
        .json(&serde_json::json!({"verdict": "model_b"}))
        .send()
        .await
        .expect("vote");
    assert_eq!(res.status(), 200);
    child.kill().expect("SIGKILL"); // std's kill() is SIGKILL on Unix
    child.wait().expect("reap");

    let (mut child, port) = serve(&url, dir.path());
    let board: Value = client
        .get(format!("http://127.0.0.1:{port}/api/v1/leaderboard"))
        .send()
        .await
        .expect("leaderboard")
        .json()
        .await
        .expect("json");
    let again: Value = client
        .get(format!("http://127.0.0.1:{port}/api/v1/battles/{id}"))
        .send()
        .await
        .expect("battle")
        .json()
        .await
        .expect("json");
    child.kill().expect("stop");
    child.wait().expect("reap");
    assert_eq!(board["total_votes"], 1);
    assert_eq!(again["status"], "voted");
}
