//! Vote integrity: the signed voter id, the hashed address, every counting
//! rule with its reason, the rate limits, and a ballot-stuffing run.

use std::time::{Duration, Instant};

use goldarena::config::IntegritySettings;
use goldarena::store::entities::battles;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, assert_error, http, relaxed_integrity, spawn_app_with};

both_backends!(
    a_vote_on_another_voters_battle_gets_403_and_stores_nothing,
    a_battle_older_than_its_ttl_takes_no_vote,
    each_counting_rule_stores_the_vote_with_its_reason,
    the_daily_cap_holds_per_voter_and_per_address,
    the_daily_cap_holds_when_votes_race,
    a_flagged_voter_is_not_counted_and_an_operator_can_void_their_votes,
    one_read_gives_the_flag_and_both_counters_with_keys_missing,
);

async fn app_with(backend: Backend, f: impl FnOnce(&mut IntegritySettings)) -> Option<TestApp> {
    spawn_app_with(backend, |s| {
        let mut i = relaxed_integrity();
        f(&mut i);
        s.integrity = i;
    })
    .await
}

/// Starts a battle as `client` with `body`; its id.
async fn start(app: &TestApp, client: &reqwest::Client, body: &str) -> String {
    let battle: Value = client
        .post(app.url("/api/v1/battles"))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("json");
    battle["id"].as_str().expect("id").to_owned()
}

/// Votes "model_a" on battle `id` as `client`; the vote must be taken.
async fn vote(app: &TestApp, client: &reqwest::Client, id: &str) -> Value {
    let res = client
        .post(app.url(&format!("/api/v1/battles/{id}/vote")))
        .json(&json!({"verdict": "model_a"}))
        .send()
        .await
        .expect("vote");
    assert_eq!(res.status(), 200);
    res.json().await.expect("json")
}

async fn battle_and_vote(app: &TestApp, client: &reqwest::Client, body: &str) -> Value {
    let id = start(app, client, body).await;
    vote(app, client, &id).await
}

async fn a_vote_on_another_voters_battle_gets_403_and_stores_nothing(backend: Backend) {
    let Some(app) = app_with(backend, |_| {}).await else {
        return;
    };
    let battle = app.new_battle("{}").await;
    let id = battle["id"].as_str().expect("id");
    let stranger = http();
    let res = stranger
        .post(app.url(&format!("/api/v1/battles/{id}/vote")))
        .json(&json!({"verdict": "model_b"}))
        .send()
        .await
        .expect("vote");
    assert_error(res, 403, "not_your_battle").await;
    assert_eq!(app.count("SELECT COUNT(*) FROM votes").await, 0);
    // A self-invented voter id is no key either: it is replaced by a signed one.
    let invented = battles::Entity::find()
        .one(&app.db)
        .await
        .expect("query")
        .and_then(|b| b.voter_id)
        .expect("voter")
        .to_string();
    let res = http()
        .post(app.url(&format!("/api/v1/battles/{id}/vote")))
        .header("cookie", format!("ga_voter={invented}"))
        .json(&json!({"verdict": "model_b"}))
        .send()
        .await
        .expect("vote");
    assert_error(res, 403, "not_your_battle").await;
    assert_eq!(app.vote(id, "model_a").await.status(), 200);
}

/// A battle's age is its time since it started: time passes for real here
/// (a start time edited in the database would not reach the copy the arena
/// keeps of a battle it started, as nothing else edits it). A fresh battle
/// still takes its vote under the same limit.
async fn a_battle_older_than_its_ttl_takes_no_vote(backend: Backend) {
    let Some(app) = app_with(backend, |i| i.battle_ttl_secs = 1).await else {
        return;
    };
    let battle = app.new_battle("{}").await;
    let id = battle["id"].as_str().expect("id");
    let fresh = app.new_battle("{}").await;
    let fresh_id = fresh["id"].as_str().expect("id");
    assert_eq!(app.vote(fresh_id, "tie").await.status(), 200);
    // More than a whole second past the limit.
    tokio::time::sleep(Duration::from_millis(2_200)).await;
    assert_error(app.vote(id, "tie").await, 409, "battle_expired").await;
    // Read from the database on another instance, the same.
    let other = app
        .another_instance_with(|s| {
            s.integrity = relaxed_integrity();
            s.integrity.battle_ttl_secs = 1;
        })
        .await;
    assert_error(other.vote(id, "tie").await, 409, "battle_expired").await;
    assert_eq!(app.count("SELECT COUNT(*) FROM votes").await, 1);
}

async fn each_counting_rule_stores_the_vote_with_its_reason(backend: Backend) {
    let Some(app) = app_with(backend, |i| i.min_read_ms = 60_000).await else {
        return;
    };
    // Voting at once is too fast to have read anything.
    let vote = battle_and_vote(&app, &app.client, "{}").await;
    assert_eq!(vote["counted"], false);
    assert_eq!(vote["not_counted_reason"], "too_fast");
    assert!(vote["not_counted_detail"].is_string());
    // A question the client chose.
    let question = app
        .count("SELECT CAST(MIN(id) AS BIGINT) FROM questions")
        .await;
    let vote = battle_and_vote(
        &app,
        &app.client,
        &json!({"question_id": question}).to_string(),
    )
    .await;
    assert_eq!(vote["not_counted_reason"], "chosen_question");
    assert_eq!(app.count("SELECT COUNT(*) FROM pair_counts").await, 0);
    let stored = app
        .count("SELECT COUNT(*) FROM votes WHERE NOT counted AND not_counted_reason IN ('too_fast', 'chosen_question')")
        .await;
    assert_eq!(stored, 2);
}

async fn the_daily_cap_holds_per_voter_and_per_address(backend: Backend) {
    let Some(app) = app_with(backend, |i| {
        i.daily_votes_per_voter = 2;
        i.daily_votes_per_ip = 3;
    })
    .await
    else {
        return;
    };
    let reasons: Vec<Value> = {
        let mut v = Vec::new();
        for _ in 0..3 {
            v.push(battle_and_vote(&app, &app.client, "{}").await["not_counted_reason"].clone());
        }
        v
    };
    assert_eq!(reasons, [Value::Null, Value::Null, json!("daily_cap")]);
    // A second voter from the same address gets one more counted vote, then
    // the address's cap.
    let other = http();
    assert_eq!(battle_and_vote(&app, &other, "{}").await["counted"], true);
    assert_eq!(
        battle_and_vote(&app, &other, "{}").await["not_counted_reason"],
        "daily_cap"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM votes WHERE counted").await,
        3
    );
}

/// Votes sent side by side, by one voter and then by many voters from one
/// address: each is judged before the others are written, and still no more
/// count than the caps allow. (Under such a race a cap may hold a vote early,
/// see `integrity::CapClaim`; votes sent one by one afterwards then fill it
/// exactly, so no claim outlives its vote.)
async fn the_daily_cap_holds_when_votes_race(backend: Backend) {
    let Some(app) = app_with(backend, |i| {
        i.daily_votes_per_voter = 3;
        i.daily_votes_per_ip = 7;
    })
    .await
    else {
        return;
    };
    async fn counted_together(app: &TestApp, ballots: Vec<(reqwest::Client, String)>) -> usize {
        let sends = ballots.iter().map(|(client, id)| vote(app, client, id));
        let votes = futures_util::future::join_all(sends).await;
        for v in &votes {
            assert!(
                v["counted"] == true || v["not_counted_reason"] == "daily_cap",
                "{v}"
            );
        }
        votes.iter().filter(|v| v["counted"] == true).count()
    }

    // One voter, ten votes at once: the first always counts.
    let mut ballots = Vec::new();
    for _ in 0..10 {
        ballots.push((app.client.clone(), start(&app, &app.client, "{}").await));
    }
    let counted = counted_together(&app, ballots).await;
    assert!(
        (1..=3).contains(&counted),
        "{counted} counted, the cap is 3"
    );
    for _ in counted..3 {
        assert_eq!(
            battle_and_vote(&app, &app.client, "{}").await["counted"],
            true
        );
    }
    assert_eq!(
        battle_and_vote(&app, &app.client, "{}").await["counted"],
        false
    );

    // Ten new voters from the same address: the address has four left.
    let mut ballots = Vec::new();
    for _ in 0..10 {
        let client = http();
        let id = start(&app, &client, "{}").await;
        ballots.push((client, id));
    }
    let counted = counted_together(&app, ballots).await;
    assert!((1..=4).contains(&counted), "{counted} counted, 4 were left");
    for _ in counted..4 {
        assert_eq!(battle_and_vote(&app, &http(), "{}").await["counted"], true);
    }
    assert_eq!(battle_and_vote(&app, &http(), "{}").await["counted"], false);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM votes WHERE counted").await,
        7
    );
    // The counters: one per voter with a counted vote and one for the
    // address, today's. Days before the one given are dropped; today's stay.
    let counters = "SELECT COUNT(*) FROM daily_vote_counts";
    assert_eq!(app.count(counters).await, 6);
    let today = goldarena::store::integrity::day_of(chrono::Utc::now());
    let store = goldarena::store::integrity::prune_daily_counts;
    assert_eq!(store(&app.db, &today).await.expect("prune"), 0);
    assert_eq!(store(&app.db, "9999-12-31").await.expect("prune"), 6);
    assert_eq!(app.count(counters).await, 0);
}

async fn a_flagged_voter_is_not_counted_and_an_operator_can_void_their_votes(backend: Backend) {
    let Some(app) = app_with(backend, |_| {}).await else {
        return;
    };
    assert_eq!(
        battle_and_vote(&app, &app.client, "{}").await["counted"],
        true
    );
    assert_eq!(
        battle_and_vote(&app, &app.client, "{}").await["counted"],
        true
    );
    let voter = battles::Entity::find()
        .one(&app.db)
        .await
        .expect("query")
        .and_then(|b| b.voter_id)
        .expect("voter");
    goldarena::store::integrity::flag(&app.db, &voter.to_string(), 20.0, 40, "test")
        .await
        .expect("flag");
    let vote = battle_and_vote(&app, &app.client, "{}").await;
    assert_eq!(vote["not_counted_reason"], "flagged_voter");

    // An operator sees the flag and the tally, and voids the voter's votes.
    goldarena::auth::users::add(
        &app.db,
        &goldarena::auth::Actor::cli(),
        goldarena::auth::users::NewAccount {
            email: goldarena::domain::Email::parse("op@example.org").expect("email"),
            role: goldarena::domain::Role::Operator,
            name: None,
            specialties: vec![],
            languages: vec![],
            credential: None,
            password: goldarena::domain::Password::parse("correct horse battery staple")
                .expect("password"),
        },
    )
    .await
    .expect("operator");
    let op = http();
    let login = op
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": "op@example.org", "password": "correct horse battery staple"}))
        .send()
        .await
        .expect("login");
    assert_eq!(login.status(), 200);
    let report: Value = op
        .get(app.url("/api/v1/admin/integrity"))
        .send()
        .await
        .expect("report")
        .json()
        .await
        .expect("json");
    assert_eq!(report["enabled"], true);
    assert_eq!(report["rules"]["battle_ttl_secs"], 3600);
    assert_eq!(report["flagged_voters"][0]["voter_id"], voter.to_string());
    let tally = report["votes_by_reason"].as_array().expect("tally");
    assert!(
        tally
            .iter()
            .any(|r| r["reason"] == "flagged_voter" && r["votes"] == 1),
        "{tally:?}"
    );
    assert!(
        tally
            .iter()
            .any(|r| r["reason"] == "counted" && r["votes"] == 2),
        "{tally:?}"
    );
    let res = op
        .post(app.url(&format!("/api/v1/admin/voters/{voter}/void")))
        .json(&json!({"reason": "flagged by the anomaly check"}))
        .send()
        .await
        .expect("void");
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["voided"], 2);
    assert_eq!(
        app.count("SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) FROM pair_counts WHERE scope = 'overall'")
            .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_voter_cookie_is_replaced_by_a_signed_one() {
    let Some(app) = app_with(Backend::Sqlite, |_| {}).await else {
        return;
    };
    let invented = uuid::Uuid::new_v4().to_string();
    let res = http()
        .post(app.url("/api/v1/battles"))
        .header("content-type", "application/json")
        .header("cookie", format!("ga_voter={invented}.00ff"))
        .body("{}")
        .send()
        .await
        .expect("create");
    assert_eq!(res.status(), 201);
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("ga_voter="))
        .expect("a fresh voter cookie")
        .to_owned();
    assert!(!cookie.contains(&invented), "{cookie}");
    assert!(
        cookie.contains('.') && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    let stored = app
        .count(&format!(
            "SELECT COUNT(*) FROM battles WHERE voter_id = '{invented}'"
        ))
        .await;
    assert_eq!(stored, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_address_is_stored_hashed_and_forwarded_for_needs_a_trusted_proxy() {
    let hashes = |app: &TestApp| {
        let db = app.db.clone();
        async move {
            let mut h: Vec<String> = battles::Entity::find()
                .filter(battles::Column::IpHash.is_not_null())
                .all(&db)
                .await
                .expect("query")
                .into_iter()
                .filter_map(|b| b.ip_hash)
                .collect();
            h.dedup();
            h
        }
    };
    let create = |app: &TestApp, xff: &str| {
        let req = http()
            .post(app.url("/api/v1/battles"))
            .header("content-type", "application/json")
            .header("x-forwarded-for", xff.to_owned())
            .body("{}");
        async move { assert_eq!(req.send().await.expect("create").status(), 201) }
    };
    let Some(untrusted) = app_with(Backend::Sqlite, |_| {}).await else {
        return;
    };
    create(&untrusted, "203.0.113.1").await;
    create(&untrusted, "203.0.113.2").await;
    let h = hashes(&untrusted).await;
    assert_eq!(
        h.len(),
        1,
        "the header of an untrusted peer is ignored: {h:?}"
    );
    assert_eq!(h[0].len(), 32);
    assert!(!h[0].contains("127.0.0.1") && !h[0].contains("203.0.113"));

    let Some(trusted) = app_with(Backend::Sqlite, |i| {
        i.trusted_proxies = vec!["127.0.0.1/32".to_owned()];
    })
    .await
    else {
        return;
    };
    create(&trusted, "203.0.113.1").await;
    create(&trusted, "203.0.113.2").await;
    let mut h = hashes(&trusted).await;
    h.sort();
    h.dedup();
    assert_eq!(
        h.len(),
        2,
        "behind a trusted proxy each client is itself: {h:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_past_a_rate_limit_get_429_with_retry_after() {
    let Some(app) = app_with(Backend::Sqlite, |i| i.battles_per_minute = 3).await else {
        return;
    };
    for _ in 0..3 {
        app.new_battle("{}").await;
    }
    let res = app.post_json("/api/v1/battles", "{}").await;
    assert_eq!(res.status(), 429);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("secs");
    assert!((1..=60).contains(&retry));
    assert_error(res, 429, "rate_limited").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_integrity_off_every_vote_counts_and_nothing_is_limited() {
    let Some(app) = app_with(Backend::Sqlite, |i| {
        i.enabled = false;
        i.min_read_ms = 60_000;
        i.battles_per_minute = 1;
        i.daily_votes_per_voter = 1;
    })
    .await
    else {
        return;
    };
    for _ in 0..3 {
        assert_eq!(
            battle_and_vote(&app, &app.client, "{}").await["counted"],
            true
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ballot_stuffing_run_is_capped_and_an_honest_voter_is_not_hurt() {
    // Two clients behind a trusted proxy, so each has an address of its own.
    let Some(app) = app_with(Backend::Sqlite, |i| {
        i.trusted_proxies = vec!["127.0.0.1/32".to_owned()];
        i.battles_per_minute = 30;
        i.votes_per_minute = 30;
        i.daily_votes_per_voter = 50;
        i.daily_votes_per_ip = 100;
    })
    .await
    else {
        return;
    };
    let stuffer = http();
    let honest = http();
    let url = app.url("/api/v1/battles");
    let stuffing = {
        let url = url.clone();
        let base = app.url("/api/v1/battles");
        tokio::spawn(async move {
            let (mut created, mut limited, mut voted) = (0u32, 0u32, 0u32);
            for _ in 0..2000 {
                let res = stuffer
                    .post(&url)
                    .header("content-type", "application/json")
                    .header("x-forwarded-for", "203.0.113.66")
                    .body("{}")
                    .send()
                    .await
                    .expect("create");
                if res.status() == 429 {
                    limited += 1;
                    continue;
                }
                created += 1;
                let b: Value = res.json().await.expect("json");
                let id = b["id"].as_str().expect("id").to_owned();
                let v = stuffer
                    .post(format!("{base}/{id}/vote"))
                    .header("x-forwarded-for", "203.0.113.66")
                    .json(&json!({"verdict": "model_a"}))
                    .send()
                    .await
                    .expect("vote");
                if v.status() == 429 {
                    limited += 1;
                } else {
                    voted += 1;
                }
            }
            (created, limited, voted)
        })
    };
    let mut honest_latency = Vec::new();
    for _ in 0..10 {
        let started = Instant::now();
        let res = honest
            .post(&url)
            .header("content-type", "application/json")
            .header("x-forwarded-for", "198.51.100.7")
            .body("{}")
            .send()
            .await
            .expect("create");
        honest_latency.push(started.elapsed());
        assert_eq!(res.status(), 201, "the honest voter is never limited");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (created, limited, voted) = stuffing.await.expect("stuffer");
    let counted = app.count("SELECT COUNT(*) FROM votes WHERE counted").await;
    honest_latency.sort();
    println!(
        "stuffing run: 2000 attempts, {created} battles created, {voted} votes stored, \
         {limited} requests refused with 429, {counted} votes counted; honest voter's \
         creates: median {:?}, max {:?}",
        honest_latency[honest_latency.len() / 2],
        honest_latency[honest_latency.len() - 1]
    );
    assert!(limited > 0, "429s must appear");
    assert!(counted <= 50, "counted {counted} votes past the cap");
}

/// The flag and both daily counters come from one statement
/// (`store::integrity::vote_checks`): each alone, with keys not given (a
/// vote without a voter or an address binds NULL), and for counters not
/// written yet.
async fn one_read_gives_the_flag_and_both_counters_with_keys_missing(backend: Backend) {
    use goldarena::domain::VoterId;
    use goldarena::store::integrity::{
        VoteChecks, add_daily_counts, address_key, flag, vote_checks, voter_key,
    };
    let Some(app) = app_with(backend, |_| {}).await else {
        return;
    };
    let (flagged, clean) = (VoterId::new_random(), VoterId::new_random());
    let day = "2026-12-01";
    let (address, other_address) = (address_key("hash-1"), address_key("hash-2"));
    let checks = |voter: Option<VoterId>, address: Option<String>| {
        let db = app.db.clone();
        async move {
            vote_checks(
                &db,
                voter,
                day,
                voter.map(voter_key).as_deref(),
                address.as_deref(),
            )
            .await
            .expect("checks")
        }
    };
    let nothing = VoteChecks {
        flagged: false,
        voter_count: 0,
        address_count: 0,
    };
    assert_eq!(checks(None, None).await, nothing);
    assert_eq!(checks(Some(clean), Some(address.clone())).await, nothing);
    flag(&app.db, &flagged.to_string(), 9.5, 40, "test")
        .await
        .expect("flag");
    let counts = [
        ((day.to_owned(), voter_key(clean)), 3),
        ((day.to_owned(), voter_key(flagged)), 5),
        ((day.to_owned(), address.clone()), 7),
        // Another day's counter is not today's.
        (("2026-11-30".to_owned(), voter_key(clean)), 11),
    ]
    .into_iter()
    .collect();
    add_daily_counts(&app.db, &counts).await.expect("counts");
    assert_eq!(
        checks(Some(clean), Some(address.clone())).await,
        VoteChecks {
            flagged: false,
            voter_count: 3,
            address_count: 7,
        }
    );
    assert_eq!(
        checks(Some(flagged), None).await,
        VoteChecks {
            flagged: true,
            voter_count: 5,
            address_count: 0,
        }
    );
    assert_eq!(
        checks(None, Some(address.clone())).await,
        VoteChecks {
            flagged: false,
            voter_count: 0,
            address_count: 7,
        }
    );
    assert_eq!(
        checks(Some(VoterId::new_random()), Some(other_address)).await,
        nothing
    );
}
