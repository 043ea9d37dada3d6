//! The real-browser test: Debian's Chromium driven by Playwright
//! (`tests/e2e/battle.test.mjs`) against the real server on loopback.

use std::path::{Path, PathBuf};
use std::process::Command;

use std::time::Duration;

use crate::fake_openai::{FakeOpenAi, Script};
use crate::helpers::{Backend, require, spawn_app, spawn_live};

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM_PATH")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

fn node_available() -> bool {
    Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn browser_ready(e2e: &Path) -> bool {
    let ready = chromium().exists()
        && node_available()
        && e2e.join("node_modules/playwright-core").exists();
    require(
        ready,
        "the browser test (chromium, node, and `npm ci` in tests/e2e)",
    )
}

/// Runs one `node --test` file of tests/e2e against the server at `address`.
async fn run_node_test(e2e: &Path, file: &str, address: &str) {
    let mut cmd = Command::new("node");
    cmd.args(["--test", "--test-reporter=spec", file])
        .current_dir(e2e)
        .env("GOLDARENA_E2E_URL", address)
        .env("CHROMIUM_PATH", chromium());
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("join")
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "browser test {file} failed:\n{stdout}\n{stderr}"
    );
    println!("{stdout}");
}

fn e2e_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn battle_page_votes_reveals_and_moves_the_leaderboard_in_a_real_browser() {
    let e2e = e2e_dir();
    if !browser_ready(&e2e) {
        return;
    }
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    run_node_test(&e2e, "battle.test.mjs", &app.address).await;
    // The browser's vote reached the database through the page.
    assert!(app.count("SELECT COUNT(*) FROM votes").await >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_battles_stream_follow_up_regenerate_and_stop_in_a_real_browser() {
    let e2e = e2e_dir();
    if !browser_ready(&e2e) {
        return;
    }
    // Every answer says "streamed" and carries markup that must not run.
    let answer = |who: &str| {
        let text = format!(
            "{who} has streamed this answer. <img src=x onerror=\"window.__xss=1\"> \
             <script>window.__xss=2</script> **Rest** and drink water."
        );
        Script::answer(&text).slow(Duration::from_millis(150), Duration::from_millis(150))
    };
    let fake = FakeOpenAi::start(&[
        ("left", answer("One model")),
        ("right", answer("Another model")),
    ])
    .await;
    let Some(app) = spawn_live(Backend::Sqlite, &fake, &["left", "right"], |_| {}).await else {
        return;
    };
    run_node_test(&e2e, "live.test.mjs", &app.address).await;
    // Three rounds were voted on; the first had three generations (turn,
    // follow-up, regenerate) of two answers each, the third was a named
    // battle whose vote is recorded but not counted.
    assert_eq!(app.count("SELECT COUNT(*) FROM votes").await, 3);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM votes JOIN battles ON battles.id = votes.battle_id \
             WHERE battles.mode = 'named' AND NOT votes.counted"
        )
        .await,
        1
    );
    assert!(fake.received().len() >= 8);
}
