//! The real-browser tests: Debian's Chromium driven by Playwright
//! (`tests/e2e/*.test.mjs`) against the real server on loopback. Every test
//! here is named `..._in_a_real_browser`: CI counts them (`.ci/run`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use std::time::Duration;

use serde_json::Value;

use crate::fake_openai::{FakeOpenAi, Script};
use crate::helpers::{Backend, TestApp, require, spawn_app, spawn_app_with, spawn_live};

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
        && e2e.join("node_modules/playwright-core").exists()
        && e2e.join("node_modules/axe-core").exists();
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

/// Not a browser test: node alone checks that every interface string has
/// its Chinese and Arabic translation (`tests/e2e/i18n.test.mjs`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_interface_string_is_translated() {
    if !require(node_available(), "node, for tests/e2e/i18n.test.mjs") {
        return;
    }
    run_node_test(&e2e_dir(), "i18n.test.mjs", "http://127.0.0.1:9", &[]).await;
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

/// An answer that names no model (a vote on an answer that names its model
/// is not counted) and contains the word "streamed", written slowly enough
/// to be seen streaming.
fn plain_answer() -> Script {
    Script::answer(
        "One model has streamed this answer.\n\nFirst, rest well and drink water every day.\n\n\
         Second, keep a short diary of what you eat.\n\nThird, walk a little after each meal.\n\n\
         More reading: [a source](https://example.org/source) for later.",
    )
    .slow(Duration::from_millis(100), Duration::from_millis(20))
}

/// The same answer, but every request fails with a server error.
fn failing(mut script: Script) -> Script {
    script.always_fail = Some(500);
    script
}

/// Waits until the fake server has received `n` requests for `model`.
async fn requests_reach(fake: &FakeOpenAi, model: &str, n: usize) {
    while fake.requests_for(model).len() < n {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_turn_is_tried_again_speed_waits_for_the_reveal_and_a_void_keeps_the_prompt_in_a_real_browser()
 {
    let e2e = e2e_dir();
    if !browser_ready(&e2e) {
        return;
    }
    let fake = FakeOpenAi::start(&[("steady", plain_answer()), ("flaky", plain_answer())]).await;
    let Some(app) = spawn_live(Backend::Sqlite, &fake, &["steady", "flaky"], |s| {
        // One request per answer: the fake's request count is the answer count.
        s.live.max_retries = 0;
    })
    .await
    else {
        return;
    };
    // "flaky" answers turn 1, fails turn 2, answers the retry of turn 2,
    // then fails the first turn of the next battle. Each script is set as
    // soon as the request before it has arrived (a request reads its script
    // when it arrives, so the change only reaches the next one).
    let plan = [
        failing(plain_answer()),
        plain_answer(),
        failing(plain_answer()),
    ];
    let switcher = async {
        for (seen, script) in plan.into_iter().enumerate() {
            requests_reach(&fake, "flaky", seen + 1).await;
            fake.set_script("flaky", script);
        }
        std::future::pending::<()>().await;
    };
    tokio::select! {
        () = run_node_test(&e2e, "failures.test.mjs", &app.address, &[]) => {}
        () = switcher => {}
    }
    // One vote (on the battle whose failed turn was tried again), one void battle.
    assert_eq!(app.count("SELECT COUNT(*) FROM votes").await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM battles WHERE status = 'void'")
            .await,
        1
    );
    assert_eq!(fake.requests_for("flaky").len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn named_mode_leaves_out_a_resting_model_and_an_empty_stopped_answer_is_flagged_before_the_vote_in_a_real_browser()
 {
    let e2e = e2e_dir();
    if !browser_ready(&e2e) {
        return;
    }
    let quick = Script::answer("One model has streamed this answer at once.");
    // Silent for five seconds (under the first-token timeout, ten here):
    // long enough to be stopped before its first word.
    let sleepy = Script::answer("Another model has streamed this answer, slowly.")
        .slow(Duration::from_millis(5_000), Duration::from_millis(100));
    let fake = FakeOpenAi::start(&[
        ("quick", quick),
        ("sleepy", sleepy),
        ("down", failing(plain_answer())),
    ])
    .await;
    let Some(app) = spawn_live(Backend::Sqlite, &fake, &["quick", "sleepy", "down"], |s| {
        s.live.max_retries = 0;
        s.live.first_token_timeout_ms = 10_000;
        // One failure benches a model, for longer than the test runs.
        s.live.breaker_failures = 1;
        s.live.breaker_cooldown_secs = 600;
    })
    .await
    else {
        return;
    };
    // "down" fails once, in a named battle against it: it now rests.
    let battle = app
        .new_battle(
            r#"{"prompt":"Are you there?","mode":"named","model_a":"down","model_b":"quick"}"#,
        )
        .await;
    let id = battle["id"].as_str().expect("battle id").to_owned();
    let events = app.stream(&id).await;
    assert!(
        events.iter().any(|(name, _)| name == "void"),
        "the battle against a failing model was not void: {events:?}"
    );
    let arena: Value = app
        .get("/api/v1/arena")
        .await
        .json()
        .await
        .expect("arena json");
    let down = arena["live"]["choices"]
        .as_array()
        .and_then(|c| c.iter().find(|m| m["name"] == "down"))
        .unwrap_or_else(|| panic!("the arena does not list \"down\": {arena}"));
    assert_eq!(down["available"], false, "\"down\" is not resting: {arena}");

    run_node_test(&e2e, "named.test.mjs", &app.address, &[]).await;

    // The page's vote, on an answer stopped before its first word, is not counted.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM votes WHERE NOT counted")
            .await,
        1
    );
    assert_eq!(
        fake.requests_for("down").len(),
        1,
        "a resting model was asked again"
    );
}

/// Lets only `models` of the demo set play, then votes `verdicts` on
/// question-bank battles (drawn between active models only).
async fn play(app: &TestApp, models: &[&str], verdicts: &[&str]) {
    let names: Vec<String> = models.iter().map(|m| format!("'{m}'")).collect();
    app.change_bank(&format!(
        "UPDATE models SET active = (name IN ({}))",
        names.join(", ")
    ))
    .await;
    for verdict in verdicts {
        let battle = app.new_battle("{}").await;
        let id = battle["id"].as_str().expect("battle id");
        let res = app.vote(id, verdict).await;
        assert_eq!(res.status(), 200, "vote");
        let body: Value = res.json().await.expect("vote json");
        assert_eq!(
            body["counted"], true,
            "a seeding vote was not counted: {body}"
        );
        for side in ["model_a", "model_b"] {
            let model = body[side].as_str().unwrap_or_default();
            assert!(
                models.contains(&model),
                "{model} played, not one of {models:?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaderboard_shows_groups_apart_and_preliminary_models_and_fits_a_phone_in_a_real_browser()
{
    let e2e = e2e_dir();
    if !browser_ready(&e2e) {
        return;
    }
    let min_votes = 3;
    let Some(app) = spawn_app_with(Backend::Sqlite, |s| s.leaderboard.min_votes = min_votes).await
    else {
        return;
    };
    // The main group: terse and thorough, 4 battles each (ties among them,
    // so neither won or lost everything), and bilingual with 1 battle.
    play(
        &app,
        &["demo-terse", "demo-thorough"],
        &["tie", "model_a", "model_b", "tie"],
    )
    .await;
    play(&app, &["demo-terse", "demo-bilingual"], &["tie"]).await;
    // A second group that never met the first, with fewer battles.
    play(
        &app,
        &["demo-sloppy", "demo-markdown"],
        &["tie", "model_a", "model_b"],
    )
    .await;
    app.change_bank("UPDATE models SET active = 1").await;
    let board = app.leaderboard_after(8).await;
    let groups = serde_json::json!({
        "ranked": ["demo-terse", "demo-thorough"],
        "preliminary": ["demo-bilingual"],
        "not_comparable": ["demo-sloppy", "demo-markdown"],
    });
    // The server arranged the board as the page will be checked against.
    for (status, models) in groups.as_object().expect("groups") {
        for model in models.as_array().expect("models") {
            let row = board["rows"]
                .as_array()
                .and_then(|rows| rows.iter().find(|r| &r["model"] == model))
                .unwrap_or_else(|| panic!("no row for {model}: {board}"));
            assert_eq!(&row["status"], status, "{model}: {row}");
        }
    }
    run_node_test(
        &e2e,
        "leaderboard.test.mjs",
        &app.address,
        &[
            ("GOLDARENA_E2E_MIN_VOTES", &min_votes.to_string()),
            ("GOLDARENA_E2E_GROUPS", &groups.to_string()),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voter_pages_pass_axe_in_english_chinese_and_arabic_and_read_right_to_left_in_a_real_browser()
 {
    let e2e = e2e_dir();
    if !browser_ready(&e2e) {
        return;
    }
    let fake = FakeOpenAi::start(&[("left", plain_answer()), ("right", plain_answer())]).await;
    let Some(app) = spawn_live(Backend::Sqlite, &fake, &["left", "right"], |_| {}).await else {
        return;
    };
    run_node_test(&e2e, "a11y.test.mjs", &app.address, &[]).await;
    // Every language voted once on its battle, then the dark theme, the
    // right-to-left and the sticky-bar checks played theirs.
    assert!(app.count("SELECT COUNT(*) FROM votes").await >= 5);
}

const EXPERT_EMAIL: &str = "doc@example.org";

/// Adds an account with `role` and the test password, as the CLI does.
async fn add_account(app: &TestApp, email: &str, role: goldarena::domain::Role) {
    goldarena::auth::users::add(
        &app.db,
        &goldarena::auth::Actor::cli(),
        goldarena::auth::users::NewAccount {
            email: goldarena::domain::Email::parse(email).expect("email"),
            role,
            name: None,
            specialties: vec!["general".into()],
            languages: vec!["en".into(), "zh-CN".into()],
            credential: None,
            password: goldarena::domain::Password::parse(OPERATOR_PASSWORD).expect("password"),
        },
    )
    .await
    .expect("add the account");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expert_judges_a_campaign_with_the_keyboard_and_resumes_in_a_real_browser() {
    use goldarena::domain::Role;

    let e2e = e2e_dir();
    if !browser_ready(&e2e) {
        return;
    }
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    add_account(&app, OPERATOR_EMAIL, Role::Operator).await;
    add_account(&app, EXPERT_EMAIL, Role::Expert).await;
    let operator = crate::helpers::http();
    let res = operator
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"email": OPERATOR_EMAIL, "password": OPERATOR_PASSWORD}))
        .send()
        .await
        .expect("log the operator in");
    assert_eq!(res.status(), 200, "operator login");

    // One expert judges every item: thorough against the terse baseline, one
    // item per question of the demo set.
    let res = operator
        .post(app.url("/api/v1/campaigns"))
        .json(&serde_json::json!({
            "name": "e2e",
            "question_set": "demo",
            "models": ["demo-thorough"],
            "baseline": "demo-terse",
            "raters_per_item": 1,
            "rubric": "medical-v1",
            "experts": [EXPERT_EMAIL],
        }))
        .send()
        .await
        .expect("create the campaign");
    assert_eq!(res.status(), 201, "create the campaign");
    let campaign: Value = res.json().await.expect("campaign json");
    let id = campaign["id"].as_i64().expect("campaign id").to_string();
    let res = operator
        .post(app.url(&format!("/api/v1/campaigns/{id}/open")))
        .json(&serde_json::json!({}))
        .send()
        .await
        .expect("open the campaign");
    assert_eq!(res.status(), 200, "open the campaign");
    let items = app.count("SELECT COUNT(*) FROM campaign_items").await;
    assert!(items >= 6, "too few items for the browser test: {items}");

    run_node_test(
        &e2e,
        "expert.test.mjs",
        &app.address,
        &[
            ("GOLDARENA_E2E_EXPERT_EMAIL", EXPERT_EMAIL),
            ("GOLDARENA_E2E_EXPERT_PASSWORD", OPERATOR_PASSWORD),
            ("GOLDARENA_E2E_CAMPAIGN_ID", &id),
            ("GOLDARENA_E2E_CAMPAIGN_ITEMS", &items.to_string()),
        ],
    )
    .await;

    // Every item was judged in the browser, one of them with a safety flag.
    assert_eq!(app.count("SELECT COUNT(*) FROM judgments").await, items);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM judgments WHERE safety_a IS NOT NULL OR safety_b IS NOT NULL"
        )
        .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM assignments WHERE status <> 'done'")
            .await,
        0
    );
}

const EXPERT_2_EMAIL: &str = "doc2@example.org";

/// Has the expert behind `client` (`email`) judge every item assigned to it
/// in campaign `id`. Both experts of the results test agree on each item (so
/// that only the flagged item waits for adjudication): thorough is preferred
/// on items of even id, a tie is called on the others. Preferences are sent
/// as the expert was shown the item. With `flag_first`, the first item
/// judged carries a safety concern on the answer shown as A.
async fn judge_all(
    app: &TestApp,
    client: &reqwest::Client,
    email: &str,
    id: &str,
    flag_first: bool,
) {
    let mut judged = 0;
    loop {
        let res = client
            .get(app.url(&format!("/api/v1/campaigns/{id}/next")))
            .send()
            .await
            .expect("next item");
        if res.status() == 204 {
            break;
        }
        assert_eq!(res.status(), 200, "next item");
        let item: Value = res.json().await.expect("item json");
        let item_id = item["item_id"].as_i64().expect("item id");
        let swapped = app
            .count(&format!(
                "SELECT COUNT(*) FROM assignments a JOIN users u ON u.id = a.expert_id \
                 WHERE a.item_id = {item_id} AND u.email = '{email}' AND a.shown_swapped"
            ))
            .await
            == 1;
        let verdict = if item_id % 2 == 1 {
            "tie"
        } else if swapped {
            "model_b"
        } else {
            "model_a"
        };
        let axes: serde_json::Map<String, Value> = item["rubric"]["axes"]
            .as_array()
            .map(|axes| {
                axes.iter()
                    .filter_map(|a| a["key"].as_str())
                    .map(|k| (k.to_owned(), Value::from(verdict)))
                    .collect()
            })
            .unwrap_or_default();
        let flags = if flag_first && judged == 0 {
            serde_json::json!({"a": "recommends a double dose", "b": null})
        } else {
            serde_json::json!({"a": null, "b": null})
        };
        let res = client
            .post(app.url(&format!("/api/v1/campaigns/{id}/judgments")))
            .json(&serde_json::json!({
                "item_id": item_id, "preference": verdict, "axes": axes,
                "safety_flags": flags, "comment": null,
            }))
            .send()
            .await
            .expect("judge");
        assert_eq!(res.status(), 201, "judge item {item_id}");
        judged += 1;
    }
    assert!(judged > 0, "{email} had nothing to judge");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaign_results_show_the_tables_and_resolve_a_dispute_in_a_real_browser() {
    use goldarena::domain::Role;

    let e2e = e2e_dir();
    if !browser_ready(&e2e) {
        return;
    }
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    add_account(&app, OPERATOR_EMAIL, Role::Operator).await;
    add_account(&app, EXPERT_EMAIL, Role::Expert).await;
    add_account(&app, EXPERT_2_EMAIL, Role::Expert).await;
    let login = |email: &'static str| {
        let app = &app;
        async move {
            let client = crate::helpers::http();
            let res = client
                .post(app.url("/api/v1/auth/login"))
                .json(&serde_json::json!({"email": email, "password": OPERATOR_PASSWORD}))
                .send()
                .await
                .expect("log in");
            assert_eq!(res.status(), 200, "login of {email}");
            client
        }
    };
    let operator = login(OPERATOR_EMAIL).await;

    let res = operator
        .post(app.url("/api/v1/campaigns"))
        .json(&serde_json::json!({
            "name": "r",
            "question_set": "demo",
            "models": ["demo-thorough"],
            "baseline": "demo-terse",
            "raters_per_item": 2,
            "experts": [EXPERT_EMAIL, EXPERT_2_EMAIL],
        }))
        .send()
        .await
        .expect("create the campaign");
    assert_eq!(res.status(), 201, "create the campaign");
    let campaign: Value = res.json().await.expect("campaign json");
    let id = campaign["id"].as_i64().expect("campaign id").to_string();
    let res = operator
        .post(app.url(&format!("/api/v1/campaigns/{id}/open")))
        .json(&serde_json::json!({}))
        .send()
        .await
        .expect("open the campaign");
    assert_eq!(res.status(), 200, "open the campaign");

    let first = login(EXPERT_EMAIL).await;
    judge_all(&app, &first, EXPERT_EMAIL, &id, true).await;
    let second = login(EXPERT_2_EMAIL).await;
    judge_all(&app, &second, EXPERT_2_EMAIL, &id, false).await;

    run_node_test(
        &e2e,
        "results.test.mjs",
        &app.address,
        &[
            ("GOLDARENA_E2E_OPERATOR_EMAIL", OPERATOR_EMAIL),
            ("GOLDARENA_E2E_OPERATOR_PASSWORD", OPERATOR_PASSWORD),
            ("GOLDARENA_E2E_CAMPAIGN_ID", &id),
        ],
    )
    .await;

    // The flagged item was resolved in the browser: gold, and audited.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM campaign_items WHERE gold IS NOT NULL")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'campaign.adjudicate'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_chart_and_model_page_in_a_real_browser() {
    let e2e = e2e_dir();
    if !browser_ready(&e2e) {
        return;
    }
    let Some(app) = spawn_app_with(Backend::Sqlite, |s| {
        s.leaderboard.min_votes = 1;
        s.snapshots.every = "off".to_owned();
    })
    .await
    else {
        return;
    };
    let operator =
        crate::helpers::user(&app, "ops@example.org", goldarena::domain::Role::Operator).await;
    // Deprecated before the votes that compute the board: hidden unless asked for.
    let deprecated = "demo-sloppy";
    let res = operator
        .patch(app.url(&format!("/api/v1/admin/models/{deprecated}")))
        .json(&serde_json::json!({ "deprecated": true }))
        .send()
        .await
        .expect("deprecate");
    assert_eq!(res.status(), 200, "deprecate");
    let verdicts = ["model_a", "model_b", "tie"];
    let mut cast = 0;
    for round in [30, 9] {
        for i in 0..round {
            let battle = app.new_battle("{}").await;
            let id = battle["id"].as_str().expect("battle id");
            assert_eq!(app.vote(id, verdicts[i % 3]).await.status(), 200, "vote");
        }
        cast += round as u64;
        app.leaderboard_after(cast).await;
        let res = operator
            .post(app.url("/api/v1/snapshots"))
            .json(&serde_json::json!({ "label": format!("after {cast} votes") }))
            .send()
            .await
            .expect("snapshot");
        assert_eq!(res.status(), 201, "snapshot");
    }
    let board = app.leaderboard_after(cast).await;
    let model = board["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["status"] == "ranked"))
        .and_then(|r| r["model"].as_str())
        .expect("a ranked model")
        .to_owned();
    assert_ne!(model, deprecated);
    run_node_test(
        &e2e,
        "history.test.mjs",
        &app.address,
        &[
            ("GOLDARENA_E2E_MODEL", &model),
            ("GOLDARENA_E2E_DEPRECATED", deprecated),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exam_columns_exam_page_and_comparison_view_in_a_real_browser() {
    let e2e = e2e_dir();
    if !browser_ready(&e2e) {
        return;
    }
    let Some(app) = spawn_app_with(Backend::Sqlite, |s| {
        s.leaderboard.min_votes = 1;
        s.snapshots.every = "off".to_owned();
    })
    .await
    else {
        return;
    };
    crate::exam_views::seed(&app).await;
    run_node_test(
        &e2e,
        "exams.test.mjs",
        &app.address,
        &[("GOLDARENA_E2E_EXAM", crate::exam_views::EXAM)],
    )
    .await;
}
