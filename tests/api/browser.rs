//! The real-browser tests: Debian's Chromium driven by Playwright
//! (`tests/e2e/*.test.mjs`) against the real server on loopback.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

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

/// Runs one `node --test` file of tests/e2e against the server at `address`,
/// with the extra environment variables `env`.
async fn run_node_test(e2e: &Path, file: &str, address: &str, env: &[(&str, &str)]) {
    let mut cmd = Command::new("node");
    cmd.args(["--test", "--test-reporter=spec", file])
        .current_dir(e2e)
        .env("GOLDARENA_E2E_URL", address)
        .env("CHROMIUM_PATH", chromium())
        .envs(env.iter().copied());
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
    run_node_test(&e2e, "battle.test.mjs", &app.address, &[]).await;
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
    run_node_test(&e2e, "live.test.mjs", &app.address, &[]).await;
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

const OPERATOR_EMAIL: &str = "op@example.org";
const OPERATOR_PASSWORD: &str = "correct horse battery staple";

/// Adds an operator account with the real CLI, `goldarena user add`, which
/// reads the password from its standard input.
fn add_operator(database_url: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_goldarena"))
        .args([
            "user",
            "add",
            "--email",
            OPERATOR_EMAIL,
            "--role",
            "operator",
            "--name",
            "Op",
            "--database",
            database_url,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run goldarena user add");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{OPERATOR_PASSWORD}\n").as_bytes())
        .expect("write the password");
    let out = child
        .wait_with_output()
        .expect("wait for goldarena user add");
    assert!(
        out.status.success(),
        "goldarena user add failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_page_logs_in_deactivates_a_model_and_voids_a_battle_in_a_real_browser() {
    let e2e = e2e_dir();
    if !browser_ready(&e2e) {
        return;
    }
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    // A voted battle for the page to void.
    let battle = app.new_battle("{}").await;
    let battle_id = battle["id"].as_str().expect("battle id").to_owned();
    let res = app.vote(&battle_id, "model_a").await;
    assert_eq!(res.status(), 200, "vote");

    let database_url = app.database_url.clone();
    tokio::task::spawn_blocking(move || add_operator(&database_url))
        .await
        .expect("join");

    run_node_test(
        &e2e,
        "operator.test.mjs",
        &app.address,
        &[
            ("GOLDARENA_E2E_OPERATOR_EMAIL", OPERATOR_EMAIL),
            ("GOLDARENA_E2E_OPERATOR_PASSWORD", OPERATOR_PASSWORD),
            ("GOLDARENA_E2E_BATTLE_ID", &battle_id),
        ],
    )
    .await;

    // What the page did reached the database.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM models WHERE name = 'demo-sloppy' AND NOT active")
            .await,
        1
    );
    // The only battle is the one made above.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM battles WHERE status = 'void'")
            .await,
        1
    );
    assert!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action IN ('model.update', 'battle.void')")
            .await
            >= 2
    );
}
