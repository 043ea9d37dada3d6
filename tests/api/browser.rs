//! The real-browser test: Debian's Chromium driven by Playwright
//! (`tests/e2e/battle.test.mjs`) against the real server on loopback.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::helpers::{Backend, require, spawn_app};

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn battle_page_votes_reveals_and_moves_the_leaderboard_in_a_real_browser() {
    let e2e = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e");
    let ready = chromium().exists()
        && node_available()
        && e2e.join("node_modules/playwright-core").exists();
    if !require(
        ready,
        "the browser test (chromium, node, and `npm ci` in tests/e2e)",
    ) {
        return;
    }
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let mut cmd = Command::new("node");
    cmd.args(["--test", "--test-reporter=spec", "battle.test.mjs"])
        .current_dir(&e2e)
        .env("GOLDARENA_E2E_URL", &app.address)
        .env("CHROMIUM_PATH", chromium());
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("join")
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "browser test failed:\n{stdout}\n{stderr}"
    );
    // The browser's vote reached the database through the page.
    assert!(app.count("SELECT COUNT(*) FROM votes").await >= 1);
}
