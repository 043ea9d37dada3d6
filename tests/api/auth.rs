//! Identity: login, sessions, roles on every protected route, the cross-site
//! check, the operator API and its audit log.

use std::time::{Duration, Instant};

use goldarena::auth::Actor;
use goldarena::auth::jwt::JwtKeys;
use goldarena::auth::users::{self as accounts, NewAccount};
use goldarena::domain::{Email, Password, Role};
use goldarena::routes::{Access, ENDPOINTS};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{
    Backend, TEST_JWT_SECRET, TestApp, assert_error, http, spawn_app, spawn_app_with,
};

both_backends!(
    every_protected_route_refuses_missing_forged_expired_and_disabled_tokens_and_wrong_roles,
    login_gives_a_bearer_token_and_strict_http_only_cookies,
    a_reused_refresh_token_revokes_its_family,
    an_operator_voids_and_restores_a_battle_and_the_audit_log_records_it,
    the_online_elo_follows_a_void_and_a_restore_that_keep_the_total,
    admins_manage_users_and_a_disabled_user_is_locked_out_at_once,
);

const PASSWORD: &str = "correct horse battery staple";

async fn add_user(app: &TestApp, email: &str, role: Role) {
    accounts::add(
        &app.db,
        &Actor::cli(),
        NewAccount {
            email: Email::parse(email).expect("email"),
            role,
            name: Some(format!("{role} user")),
            specialties: vec!["cardiology".into()],
            languages: vec!["en".into()],
            credential: None,
            password: Password::parse(PASSWORD).expect("password"),
        },
    )
    .await
    .expect("add user");
}

async fn login(app: &TestApp, email: &str) -> Value {
    let res = app
        .post_json(
            "/api/v1/auth/login",
            &json!({ "email": email, "password": PASSWORD }).to_string(),
        )
        .await;
    assert_eq!(res.status(), 200, "login {email}");
    res.json().await.expect("json")
}

async fn token(app: &TestApp, email: &str) -> String {
    login(app, email).await["access_token"]
        .as_str()
        .expect("token")
        .to_owned()
}

async fn user_id(app: &TestApp, email: &str) -> i32 {
    let id = app
        .count(&format!(
            "SELECT CAST(id AS BIGINT) FROM users WHERE email = '{email}'"
        ))
        .await;
    i32::try_from(id).expect("id")
}

/// Calls an endpoint with an optional bearer token and no cookies.
async fn call(app: &TestApp, method: &str, path: &str, token: Option<&str>) -> reqwest::Response {
    let path = path
        .replace("{id}", "0195f3a0-0000-7000-8000-000000000000")
        .replace("{name}", "demo-terse")
        .replace("{email}", "nobody@example.org")
        .replace("{voter}", "0195f3a0-0000-4000-8000-000000000001");
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut req = http().request(method.clone(), app.url(&format!("/api/v1{path}")));
    if method != reqwest::Method::GET {
        req = req.header("content-type", "application/json").body("{}");
    }
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.expect("request")
}

/// `path` with the first letter of its last word percent-escaped
/// (`/export/battles` -> `/export/%62attles`).
fn escape_last_word(path: &str) -> String {
    let at = path
        .rfind('/')
        .map(|i| i + 1)
        .filter(|&i| path[i..].starts_with(|c: char| c.is_ascii_lowercase()))
        .unwrap_or(1);
    let letter = path.as_bytes()[at];
    format!("{}%{letter:02X}{}", &path[..at], &path[at + 1..])
}

async fn every_protected_route_refuses_missing_forged_expired_and_disabled_tokens_and_wrong_roles(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    for (email, role) in [
        ("voter@example.org", Role::Voter),
        ("op@example.org", Role::Operator),
        ("gone@example.org", Role::Admin),
    ] {
        add_user(&app, email, role).await;
    }
    let voter = token(&app, "voter@example.org").await;
    let operator = token(&app, "op@example.org").await;
    let gone = token(&app, "gone@example.org").await;
    accounts::set_disabled(
        &app.db,
        &Actor::cli(),
        &Email::parse("gone@example.org").expect("e"),
        true,
    )
    .await
    .expect("disable");
    let id = user_id(&app, "op@example.org").await;
    let now = chrono::Utc::now().timestamp();
    let ttl = Duration::from_secs(900);
    let keys =
        JwtKeys::new(TEST_JWT_SECRET.as_bytes(), "goldarena", "goldarena", ttl).expect("keys");
    let expired = keys.issue(id, now - 3600).expect("expired");
    let forged = JwtKeys::new(
        b"a key that is not the server's key!!",
        "goldarena",
        "goldarena",
        ttl,
    )
    .expect("keys")
    .issue(id, now)
    .expect("forged");
    let payload = operator.split('.').nth(1).expect("payload");
    let alg_none = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
    let bad_tokens = [
        ("no token", None),
        ("forged", Some(forged.as_str())),
        ("alg none", Some(alg_none.as_str())),
        ("expired", Some(expired.as_str())),
        ("disabled user", Some(gone.as_str())),
        ("garbage", Some("not-a-jwt")),
    ];
    let protected: Vec<_> = ENDPOINTS
        .iter()
        .filter(|e| e.access != Access::Public)
        .collect();
    assert!(protected.len() >= 9, "the operator API is in the table");
    for e in protected {
        for (what, t) in &bad_tokens {
            let res = call(&app, e.method, e.path, *t).await;
            assert_eq!(res.status(), 401, "{} {} with {what}", e.method, e.path);
            let body: Value = res.json().await.expect("json");
            assert_eq!(body["error"]["code"], "unauthenticated");
        }
        let wrong_role = match e.access {
            Access::Role(Role::Admin) => Some(&operator),
            Access::Role(_) => Some(&voter),
            _ => None,
        };
        if let Some(t) = wrong_role {
            let res = call(&app, e.method, e.path, Some(t)).await;
            assert_error(res, 403, "forbidden").await;
        }
        // The router decodes percent-escapes of letters; the rules see the
        // same path (`/export/%62attles` is `/export/battles`).
        let res = call(&app, e.method, &escape_last_word(e.path), None).await;
        assert_error(res, 401, "unauthenticated").await;
        if let Some(t) = wrong_role {
            let res = call(&app, e.method, &escape_last_word(e.path), Some(t)).await;
            assert_error(res, 403, "forbidden").await;
        }
    }
    let res = http()
        .get(app.url("/%61pi/v1/export/battles"))
        .send()
        .await
        .expect("request");
    assert_error(res, 401, "unauthenticated").await;
    // The right role gets through the door (what it finds there is another matter).
    let res = call(&app, "GET", "/admin/models", Some(&operator)).await;
    assert_eq!(res.status(), 200);
    let res = call(&app, "GET", "/me", Some(&voter)).await;
    assert_eq!(res.status(), 200);
}

async fn login_gives_a_bearer_token_and_strict_http_only_cookies(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    add_user(&app, "Ann@Example.org", Role::Expert).await;
    let res = app
        .post_json(
            "/api/v1/auth/login",
            &json!({ "email": "ann@EXAMPLE.org", "password": PASSWORD }).to_string(),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let cookies: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("ascii").to_owned())
        .collect();
    for name in ["ga_access=", "ga_refresh="] {
        let c = cookies
            .iter()
            .find(|c| c.starts_with(name))
            .expect("cookie");
        assert!(
            c.contains("HttpOnly") && c.contains("SameSite=Strict"),
            "{c}"
        );
        assert!(!c.contains("Secure"), "plain http: {c}");
    }
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert_eq!(
        body["user"],
        json!({"email": "ann@example.org", "role": "expert", "name": "expert user"})
    );
    // The cookie alone is a session.
    let me: Value = app.get("/api/v1/me").await.json().await.expect("json");
    assert_eq!(me["specialties"], json!(["cardiology"]));

    for (email, password) in [
        ("ann@example.org", "wrong password!!"),
        ("nobody@example.org", PASSWORD),
    ] {
        let res = app
            .post_json(
                "/api/v1/auth/login",
                &json!({ "email": email, "password": password }).to_string(),
            )
            .await;
        let body = assert_error(res, 401, "invalid_credentials").await;
        assert_eq!(
            body["error"]["message"],
            "the email or the password is wrong"
        );
    }
}

async fn a_reused_refresh_token_revokes_its_family(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    add_user(&app, "ann@example.org", Role::Voter).await;
    let _ = login(&app, "ann@example.org").await;
    let refresh = |token: String| {
        let app = &app;
        async move {
            app.post_json(
                "/api/v1/auth/refresh",
                &json!({ "refresh_token": token }).to_string(),
            )
            .await
        }
    };
    let first: String = app
        .count("SELECT COUNT(*) FROM refresh_tokens")
        .await
        .to_string();
    assert_eq!(first, "1");
    // Rotate with the cookie the login set.
    let res = app.post_json("/api/v1/auth/refresh", "{}").await;
    assert_eq!(res.status(), 200);
    let old_cookie_value = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("ga_refresh="))
        .map(|c| {
            c["ga_refresh=".len()..]
                .split(';')
                .next()
                .unwrap_or("")
                .to_owned()
        })
        .expect("new refresh cookie");
    // The new token works once...
    assert_eq!(refresh(old_cookie_value.clone()).await.status(), 200);
    // ...and using it again is a theft: the family, newest token included, is revoked.
    assert_error(refresh(old_cookie_value).await, 401, "unauthenticated").await;
    assert_error(
        app.post_json("/api/v1/auth/refresh", "{}").await,
        401,
        "unauthenticated",
    )
    .await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM refresh_tokens WHERE revoked = false")
            .await,
        0
    );
    // Logging in again starts a new family; logout revokes it.
    let _ = login(&app, "ann@example.org").await;
    assert_eq!(
        app.post_json("/api/v1/auth/logout", "{}").await.status(),
        200
    );
    assert_error(
        app.post_json("/api/v1/auth/refresh", "{}").await,
        401,
        "unauthenticated",
    )
    .await;
}

/// A void and a restore between two recomputes leave the vote total as it
/// was: the online Elo must still drop the one and take the other back, as
/// an instance that replays every vote from scratch has it.
async fn the_online_elo_follows_a_void_and_a_restore_that_keep_the_total(backend: Backend) {
    // Both changes land within one debounce, so one recompute sees both.
    let Some(app) = spawn_app_with(backend, |s| s.leaderboard_debounce_ms = 1_500).await else {
        return;
    };
    add_user(&app, "op@example.org", Role::Operator).await;
    let mut ids = Vec::new();
    // Outcomes that differ, so that trading one battle for the other moves Elo.
    for verdict in ["model_a", "tie", "model_b"] {
        let battle = app.new_battle("{}").await;
        let id = battle["id"].as_str().expect("id").to_owned();
        assert_eq!(app.vote(&id, verdict).await.status(), 200);
        ids.push(id);
    }
    app.leaderboard_after(3).await;
    let _ = login(&app, "op@example.org").await;
    let moderate = |id: &str, action: &str| {
        let path = format!("/api/v1/admin/battles/{id}/{action}");
        let action = action.to_owned();
        let app = &app;
        async move {
            let body = if action == "void" {
                r#"{"reason":"test"}"#
            } else {
                "{}"
            };
            let res = app.post_json(&path, body).await;
            assert_eq!(res.status(), 200, "{action}");
        }
    };
    moderate(&ids[1], "void").await;
    app.leaderboard_after(2).await;
    moderate(&ids[0], "void").await;
    moderate(&ids[1], "restore").await;
    // (Kept to the end: dropping a test instance drops its database.)
    let replay = app.another_instance().await;
    let fresh = elo_of(&replay.leaderboard_after(2).await);
    elo_follows(&app, 2, &fresh).await;

    // The same with two battles of one pair and verdict, one before and one
    // after a third on the same pair: the first is voided, then the last
    // voided and the first restored. The pair counts come out as they were,
    // and no vote is newer than the last one applied, but the order of the
    // votes, which Elo follows, changed.
    use goldarena::domain::Verdict;
    let early = app
        .store_counted_vote("demo-terse", "demo-sloppy", Verdict::ModelA, None)
        .await;
    app.store_counted_vote("demo-terse", "demo-sloppy", Verdict::ModelB, None)
        .await;
    let late = app
        .store_counted_vote("demo-terse", "demo-sloppy", Verdict::ModelA, None)
        .await;
    // (Stored behind the arena's back: the refresher's check of the counts
    // finds them.) The second instance watches.
    app.leaderboard_after(5).await;
    replay.leaderboard_after(5).await;
    moderate(&early.to_string(), "void").await;
    app.leaderboard_after(4).await;
    replay.leaderboard_after(4).await;
    moderate(&late.to_string(), "void").await;
    moderate(&early.to_string(), "restore").await;
    let third = app.another_instance().await;
    let fresh = elo_of(&third.leaderboard_after(4).await);
    elo_follows(&app, 4, &fresh).await;
    // The other instance saw neither the void nor the restore, and its counts
    // did not change: its check of the latest void or restore finds them.
    elo_follows(&replay, 4, &fresh).await;
}

/// Each model's online Elo on `board`, by name.
fn elo_of(board: &Value) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = board["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["model"].to_string(),
                format!("{:.9}", r["elo"].as_f64().expect("elo")),
            )
        })
        .collect();
    rows.sort();
    rows
}

/// Waits until `app`'s board (at `votes` votes) has the online Elo `fresh`.
async fn elo_follows(app: &TestApp, votes: u64, fresh: &[(String, String)]) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let now = elo_of(&app.leaderboard_after(votes).await);
        if now == fresh {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the online Elo stayed at {now:?}, a replay gives {fresh:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn an_operator_voids_and_restores_a_battle_and_the_audit_log_records_it(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    add_user(&app, "op@example.org", Role::Operator).await;
    let battle = app.new_battle("{}").await;
    let id = battle["id"].as_str().expect("id").to_owned();
    assert_eq!(app.vote(&id, "model_a").await.status(), 200);
    let board = app.leaderboard_after(1).await;
    assert_eq!(board["total_votes"], 1);
    let overall =
        "SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) FROM pair_counts WHERE scope = 'overall'";
    assert_eq!(app.count(overall).await, 1);

    let _ = login(&app, "op@example.org").await;
    let res = app
        .post_json(
            &format!("/api/v1/admin/battles/{id}/void"),
            r#"{"reason":"ballot stuffing"}"#,
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.count(overall).await, 0);
    assert_eq!(app.leaderboard_after(0).await["total_votes"], 0);
    let again = app
        .post_json(
            &format!("/api/v1/admin/battles/{id}/void"),
            r#"{"reason":"twice"}"#,
        )
        .await;
    assert_error(again, 409, "battle_closed").await;
    let res = app
        .post_json(&format!("/api/v1/admin/battles/{id}/restore"), "{}")
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.count(overall).await, 1);
    assert_eq!(app.leaderboard_after(1).await["total_votes"], 1);

    let patch = app
        .client
        .patch(app.url("/api/v1/admin/models/demo-sloppy"))
        .header("content-type", "application/json")
        .body(r#"{"active": false, "deprecated": true, "knowledge_cutoff": "2024-06"}"#)
        .send()
        .await
        .expect("patch");
    assert_eq!(patch.status(), 200);
    let model: Value = patch.json().await.expect("json");
    assert_eq!(
        (model["active"].clone(), model["deprecated"].clone()),
        (json!(false), json!(true))
    );
    let bad = app
        .client
        .patch(app.url("/api/v1/admin/models/demo-sloppy"))
        .header("content-type", "application/json")
        .body(r#"{"weight": -1}"#)
        .send()
        .await
        .expect("patch");
    assert_error(bad, 400, "invalid_body").await;

    let audit: Value = app
        .get("/api/v1/admin/audit?limit=10")
        .await
        .json()
        .await
        .expect("json");
    let entries = audit["entries"].as_array().expect("entries");
    let actions: Vec<&str> = entries
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        ["model.update", "battle.restore", "battle.void", "user.add"]
    );
    assert_eq!(entries[2]["actor"], "op@example.org");
    assert_eq!(entries[2]["target"], id);
    assert_eq!(entries[2]["after"]["reason"], "ballot stuffing");
    assert_eq!(entries[0]["before"]["active"], true);
    assert_eq!(entries[0]["after"]["active"], false);
    assert!(entries[2]["request_id"].is_string());
    // Pages go back in time.
    let page: Value = app
        .get("/api/v1/admin/audit?limit=2")
        .await
        .json()
        .await
        .expect("json");
    let before = page["next_before"].as_i64().expect("next page");
    let rest: Value = app
        .get(&format!("/api/v1/admin/audit?limit=10&before={before}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(rest["entries"].as_array().map(Vec::len), Some(2));

    // Append-only: the table has no route that changes it.
    assert!(
        ENDPOINTS
            .iter()
            .filter(|e| e.path.starts_with("/admin/audit"))
            .all(|e| e.method == "GET")
    );
    for method in ["POST", "PATCH", "PUT", "DELETE"] {
        let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let res = app
            .client
            .request(m, app.url("/api/v1/admin/audit"))
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 405, "{method}");
    }
    let count = app.count("SELECT COUNT(*) FROM audit_log").await;
    assert_eq!(count, 4);
}

async fn admins_manage_users_and_a_disabled_user_is_locked_out_at_once(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    add_user(&app, "admin@example.org", Role::Admin).await;
    let admin = token(&app, "admin@example.org").await;
    let res = http()
        .post(app.url("/api/v1/admin/users"))
        .bearer_auth(&admin)
        .json(&json!({"email": "Doc@Example.org", "role": "expert", "password": PASSWORD, "name": "Dr Li"}))
        .send()
        .await
        .expect("add");
    assert_eq!(res.status(), 201);
    let dup = http()
        .post(app.url("/api/v1/admin/users"))
        .bearer_auth(&admin)
        .json(&json!({"email": "doc@example.org", "role": "expert", "password": PASSWORD}))
        .send()
        .await
        .expect("add");
    assert_error(dup, 409, "email_taken").await;
    let short = http()
        .post(app.url("/api/v1/admin/users"))
        .bearer_auth(&admin)
        .json(&json!({"email": "x@example.org", "role": "expert", "password": "short"}))
        .send()
        .await
        .expect("add");
    assert_error(short, 400, "invalid_body").await;

    let doc = token(&app, "doc@example.org").await;
    let me = call(&app, "GET", "/me", Some(&doc)).await;
    assert_eq!(me.status(), 200);
    let res = http()
        .patch(app.url("/api/v1/admin/users/doc@example.org"))
        .bearer_auth(&admin)
        .json(&json!({"disabled": true}))
        .send()
        .await
        .expect("disable");
    assert_eq!(res.status(), 200);
    assert_error(
        call(&app, "GET", "/me", Some(&doc)).await,
        401,
        "unauthenticated",
    )
    .await;
    let relogin = app
        .post_json(
            "/api/v1/auth/login",
            &json!({ "email": "doc@example.org", "password": PASSWORD }).to_string(),
        )
        .await;
    assert_error(relogin, 401, "invalid_credentials").await;
    let users: Value = http()
        .get(app.url("/api/v1/admin/users"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    let doc_row = users["users"]
        .as_array()
        .and_then(|u| u.iter().find(|u| u["email"] == "doc@example.org"))
        .expect("doc listed");
    assert_eq!(doc_row["disabled"], true);
    assert!(doc_row.get("password_hash").is_none());
    // The only admin cannot step down or lock themselves out; with a second
    // admin they can.
    let patch_self = |body: Value| {
        http()
            .patch(app.url("/api/v1/admin/users/admin@example.org"))
            .bearer_auth(&admin)
            .json(&body)
            .send()
    };
    for body in [json!({"role": "voter"}), json!({"disabled": true})] {
        let res = patch_self(body).await.expect("patch");
        assert_error(res, 409, "last_admin").await;
    }
    add_user(&app, "second@example.org", Role::Admin).await;
    let res = patch_self(json!({"role": "operator"}))
        .await
        .expect("patch");
    assert_eq!(res.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_attempts_are_rate_limited_with_retry_after() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    add_user(&app, "ann@example.org", Role::Voter).await;
    let attempt = || {
        app.post_json(
            "/api/v1/auth/login",
            r#"{"email": "ann@example.org", "password": "not the password"}"#,
        )
    };
    for _ in 0..5 {
        assert_eq!(attempt().await.status(), 401);
    }
    let res = attempt().await;
    assert_eq!(res.status(), 429);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry));
    assert_error(res, 429, "rate_limited").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_email_and_a_wrong_password_take_about_the_same_time() {
    let Some(app) = spawn_app_with(Backend::Sqlite, |s| {
        s.auth.login_per_email_per_minute = 1000;
        s.auth.login_per_ip_per_minute = 1000;
    })
    .await
    else {
        return;
    };
    add_user(&app, "ann@example.org", Role::Voter).await;
    let mut mean = |email: &'static str| {
        let app = &app;
        async move {
            let mut total = Duration::ZERO;
            let rounds = 12;
            for _ in 0..rounds {
                let started = Instant::now();
                let res = app
                    .post_json(
                        "/api/v1/auth/login",
                        &json!({"email": email, "password": "wrong password here"}).to_string(),
                    )
                    .await;
                total += started.elapsed();
                assert_eq!(res.status(), 401);
            }
            total / rounds
        }
    };
    let unknown = mean("nobody@example.org").await;
    let wrong = mean("ann@example.org").await;
    println!("login timing: unknown email {unknown:?} mean, wrong password {wrong:?} mean");
    // Both run one argon2 verification; a missing one would make the unknown
    // email several times faster. The bound is a ratio, not a time.
    let ratio = unknown.as_secs_f64() / wrong.as_secs_f64();
    assert!((0.5..2.0).contains(&ratio), "unknown/wrong = {ratio:.2}");
    let _ = &mut mean;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_site_and_non_json_posts_are_refused_and_store_nothing() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let battles = "SELECT COUNT(*) FROM battles";
    let post = |headers: &[(&str, &str)], body: &str| {
        let mut req = app
            .client
            .post(app.url("/api/v1/battles"))
            .body(body.to_owned());
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send()
    };
    let res = post(
        &[
            ("content-type", "application/json"),
            ("origin", "https://evil.example"),
        ],
        "{}",
    )
    .await
    .expect("request");
    assert_error(res, 403, "cross_origin").await;
    let res = post(
        &[
            ("content-type", "application/json"),
            ("sec-fetch-site", "cross-site"),
        ],
        "{}",
    )
    .await
    .expect("request");
    assert_error(res, 403, "cross_origin").await;
    let res = post(&[("content-type", "text/plain")], "{}")
        .await
        .expect("request");
    assert_error(res, 415, "unsupported_media_type").await;
    let res = post(
        &[("content-type", "application/x-www-form-urlencoded")],
        "a=b",
    )
    .await
    .expect("request");
    assert_error(res, 415, "unsupported_media_type").await;
    assert_eq!(app.count(battles).await, 0);
    // The arena's own origin passes.
    let own = app.address.clone();
    let res = post(
        &[
            ("content-type", "application/json"),
            ("origin", own.as_str()),
        ],
        "{}",
    )
    .await
    .expect("request");
    assert_eq!(res.status(), 201);
    for header in [
        "cross-origin-opener-policy",
        "cross-origin-resource-policy",
        "permissions-policy",
        "content-security-policy",
    ] {
        assert!(res.headers().contains_key(header), "{header}");
    }
    assert!(!res.headers().contains_key("strict-transport-security"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_https_cookies_are_secure_and_hsts_is_sent() {
    let Some(app) = spawn_app_with(Backend::Sqlite, |s| {
        s.public_url = Some("https://arena.example.org".to_owned());
    })
    .await
    else {
        return;
    };
    add_user(&app, "ann@example.org", Role::Voter).await;
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .header("origin", "https://arena.example.org")
        .body(json!({"email": "ann@example.org", "password": PASSWORD}).to_string())
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["strict-transport-security"]
            .to_str()
            .is_ok_and(|v| v.contains("max-age"))
    );
    assert!(
        res.headers()
            .get_all("set-cookie")
            .iter()
            .all(|c| c.to_str().is_ok_and(|c| c.contains("Secure")))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_user_commands_make_the_first_admin_from_stdin() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let run = |args: &[&str], stdin: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_goldarena"))
            .args(args)
            .args(["--database", &app.database_url])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run goldarena user");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write password");
        child.wait_with_output().expect("wait")
    };
    let out = run(
        &[
            "user",
            "add",
            "--email",
            "Root@Example.org",
            "--role",
            "admin",
            "--name",
            "Root",
            "--specialty",
            "pharmacy",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let short = run(
        &["user", "add", "--email", "b@example.org", "--role", "voter"],
        "short\n",
    );
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 12"));
    let dup = run(
        &[
            "user",
            "add",
            "--email",
            "root@example.org",
            "--role",
            "voter",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(!dup.status.success());
    assert!(
        run(
            &[
                "user",
                "set-role",
                "--email",
                "root@example.org",
                "--role",
                "operator"
            ],
            ""
        )
        .status
        .success()
    );
    let list = run(&["user", "list"], "");
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(
        text.contains("root@example.org") && text.contains("operator"),
        "{text}"
    );
    let _ = token(&app, "root@example.org").await;
    assert!(
        run(
            &["user", "reset-password", "--email", "root@example.org"],
            "another long password\n"
        )
        .status
        .success()
    );
    let old = app
        .post_json(
            "/api/v1/auth/login",
            &json!({"email": "root@example.org", "password": PASSWORD}).to_string(),
        )
        .await;
    assert_error(old, 401, "invalid_credentials").await;
    assert!(
        run(&["user", "disable", "--email", "root@example.org"], "")
            .status
            .success()
    );
    let actions = app
        .count("SELECT COUNT(*) FROM audit_log WHERE actor = 'cli'")
        .await;
    assert_eq!(actions, 4, "add, set-role, reset-password, disable");
    // The hash is argon2id; the password itself is nowhere.
    let hash = app
        .count("SELECT COUNT(*) FROM users WHERE password_hash LIKE '$argon2id$%'")
        .await;
    assert_eq!(hash, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_without_a_signing_key_refuses_to_start() {
    let dir = tempfile::tempdir().expect("dir");
    let Some(url) = crate::helpers::fresh_database(Backend::Postgres, dir.path()).await else {
        return;
    };
    let settings = goldarena::config::Settings {
        bind: "127.0.0.1:0".to_owned(),
        database_url: url,
        database_max_connections: 2,
        ..goldarena::config::Settings::default()
    };
    let err = goldarena::startup::Application::build_with_secrets(
        settings,
        std::sync::Arc::new(|_: &str| None),
    )
    .await
    .err()
    .expect("no key, no start");
    assert!(
        format!("{err:#}").contains("GOLDARENA_JWT_SECRET"),
        "{err:#}"
    );
}
