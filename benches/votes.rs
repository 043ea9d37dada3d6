//! Vote throughput over real HTTP: the release binary serves (a child
//! process, as in production) and this process is the crowd. Each
//! connection is one voter with its own cookie jar, alternating "create a
//! battle" (`POST /battles {}`) and "vote on it" (`POST /battles/{id}/vote`).
//!
//! `cargo bench --bench votes` prints, per database, integrity setting and
//! connection count (1, 8, 32, 128): acknowledged votes per second, and the
//! p50 / p99 latency of the create and the vote requests. PostgreSQL runs
//! when `GOLDARENA_BENCH_POSTGRES_URL` names a server (a fresh database is
//! made and dropped). `GOLDARENA_BENCH_SECS` sets each run's length (5);
//! `GOLDARENA_BENCH_CONFIG` adds top-level settings to the server's
//! configuration (`database_max_connections = 4`, say);
//! `GOLDARENA_BENCH_BINARY` serves another build of `goldarena` (an A/B
//! comparison of two commits).
//!
//! "integrity on" judges every vote by every rule (the signed voter id, the
//! daily caps counted in the database with their claims, the flag check,
//! the read time), with the limits raised above what this crowd reaches: the
//! crowd comes from one address, and the default limits would answer nearly
//! every request 429, which measures the limiter, not the vote path. "on,
//! default limits" runs once, at 32 connections, to show that. Refused (429)
//! requests are counted apart.

use std::sync::Arc;
use std::time::{Duration, Instant};

use goldarena_test_support::served::Served;
use sea_orm::{ConnectionTrait, Database};

const CONNECTIONS: [usize; 4] = [1, 8, 32, 128];

/// How the server judges votes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Integrity {
    Off,
    /// Every rule, limits out of the crowd's reach.
    On,
    /// Every rule with the default limits.
    OnDefaultLimits,
}

impl Integrity {
    fn label(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::On => "on",
            Self::OnDefaultLimits => "on,limits",
        }
    }

    fn connections(self) -> &'static [usize] {
        match self {
            Self::OnDefaultLimits => &[32],
            _ => &CONNECTIONS,
        }
    }
}

fn serve(database_url: &str, dir: &std::path::Path, integrity: Integrity) -> Served {
    let config = dir.join("goldarena.toml");
    // The question bank's demo set, on PostgreSQL too.
    // Top-level settings to try (`GOLDARENA_BENCH_CONFIG`, TOML lines).
    let extra = std::env::var("GOLDARENA_BENCH_CONFIG").unwrap_or_default();
    let text = match integrity {
        // Every rule, with limits the crowd does not reach, and a vote cast
        // at once still counts.
        Integrity::On => format!(
            "load_demo = true\n{extra}\n[integrity]\nmin_read_ms = 0\n\
             battles_per_minute = 100000000\nvotes_per_minute = 100000000\n\
             daily_votes_per_voter = 1000000000\ndaily_votes_per_ip = 1000000000\n"
        ),
        Integrity::OnDefaultLimits => {
            format!("load_demo = true\n{extra}\n[integrity]\nmin_read_ms = 0\n")
        }
        Integrity::Off => format!("load_demo = true\n{extra}\n[integrity]\nenabled = false\n"),
    };
    std::fs::write(&config, text).expect("config");
    // A key of this run only (PostgreSQL needs one set).
    let key = format!("bench-{}-{}", std::process::id(), uuid::Uuid::new_v4());
    let binary = std::env::var_os("GOLDARENA_BENCH_BINARY").map_or_else(
        || env!("CARGO_BIN_EXE_goldarena").into(),
        std::path::PathBuf::from,
    );
    Served::start(
        &binary,
        &config,
        database_url,
        &[
            ("RUST_LOG", "warn,goldarena::cli=info"),
            ("GOLDARENA_JWT_SECRET", &key),
        ],
    )
}

#[derive(Default)]
struct Tally {
    votes: u64,
    refused: u64,
    create: Vec<Duration>,
    vote: Vec<Duration>,
}

/// The battle's id in a `POST /battles` response: its first field. Read
/// without parsing the rest (the answers' texts and HTML), so that the
/// crowd spends as little of the two cores as it can (as a load generator
/// such as wrk with a script would).
fn battle_id(body: &[u8]) -> Option<&str> {
    const KEY: &[u8] = b"\"id\":\"";
    let start = memchr::memmem::find(body, KEY)? + KEY.len();
    let len = memchr::memchr(b'"', &body[start..])?;
    std::str::from_utf8(&body[start..start + len]).ok()
}

async fn voter(base: Arc<String>, until: Instant, verdicts: [&'static str; 3]) -> Tally {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let create_url = format!("{base}/battles");
    let votes: Vec<String> = verdicts
        .iter()
        .map(|v| format!("{{\"verdict\":\"{v}\"}}"))
        .collect();
    let mut t = Tally::default();
    let mut i = 0;
    while Instant::now() < until {
        let started = Instant::now();
        let Ok(res) = client
            .post(&create_url)
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
        else {
            continue;
        };
        if res.status() != 201 {
            t.refused += 1;
            let _ = res.bytes().await;
            continue;
        }
        let body = res.bytes().await.expect("battle body");
        t.create.push(started.elapsed());
        let id = battle_id(&body).expect("the battle's id");
        let started = Instant::now();
        let Ok(res) = client
            .post(format!("{base}/battles/{id}/vote"))
            .header("content-type", "application/json")
            .body(votes[i % votes.len()].clone())
            .send()
            .await
        else {
            continue;
        };
        let ok = res.status() == 200;
        let _ = res.bytes().await;
        if ok {
            t.vote.push(started.elapsed());
            t.votes += 1;
        } else {
            t.refused += 1;
        }
        i += 1;
    }
    t
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

async fn fresh_postgres(server: &str) -> (String, String) {
    let name = format!("goldarena_bench_{}", std::process::id());
    let admin = Database::connect(server).await.expect("connect PostgreSQL");
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\""))
        .await
        .expect("drop");
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("create");
    let (base, query) = server
        .split_once('?')
        .map_or((server, String::new()), |(b, q)| (b, format!("?{q}")));
    let (prefix, _) = base.rsplit_once('/').expect("a database URL has a path");
    (format!("{prefix}/{name}{query}"), name)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    goldarena::providers::install_crypto_provider();
    // `cargo bench` passes --bench; a filter argument picks "sqlite" or "postgres".
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    let secs: u64 = std::env::var("GOLDARENA_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let pg = std::env::var("GOLDARENA_BENCH_POSTGRES_URL").ok();
    println!(
        "votes over HTTP, {secs} s per row; the server is the release binary in its own process"
    );
    println!(
        "{:<10} {:<9} {:>5} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "database",
        "integrity",
        "conns",
        "votes/s",
        "refused/s",
        "create50",
        "create99",
        "vote50",
        "vote99"
    );
    for backend in ["sqlite", "postgres"] {
        if filter.as_deref().is_some_and(|f| f != backend) {
            continue;
        }
        for integrity in [Integrity::Off, Integrity::On, Integrity::OnDefaultLimits] {
            let dir = tempfile::tempdir().expect("dir");
            let (url, pg_name) = match backend {
                "sqlite" => (
                    format!(
                        "sqlite://{}?mode=rwc",
                        dir.path().join("bench.db").display()
                    ),
                    None,
                ),
                _ => {
                    let Some(server) = &pg else {
                        println!("postgres   (skipped: set GOLDARENA_BENCH_POSTGRES_URL)");
                        break;
                    };
                    let (url, name) = fresh_postgres(server).await;
                    (url, Some(name))
                }
            };
            let server = serve(&url, dir.path(), integrity);
            let base = Arc::new(format!("http://127.0.0.1:{}/api/v1", server.port));
            for &conns in integrity.connections() {
                let until = Instant::now() + Duration::from_secs(secs);
                let started = Instant::now();
                let tasks: Vec<_> = (0..conns)
                    .map(|_| {
                        tokio::spawn(voter(
                            Arc::clone(&base),
                            until,
                            ["model_a", "model_b", "tie"],
                        ))
                    })
                    .collect();
                let mut all = Tally::default();
                for t in tasks {
                    let t = t.await.expect("voter");
                    all.votes += t.votes;
                    all.refused += t.refused;
                    all.create.extend(t.create);
                    all.vote.extend(t.vote);
                }
                let elapsed = started.elapsed().as_secs_f64();
                all.create.sort();
                all.vote.sort();
                println!(
                    "{:<10} {:<9} {:>5} {:>9.0} {:>9.0} {:>8.1}ms {:>8.1}ms {:>8.1}ms {:>8.1}ms",
                    backend,
                    integrity.label(),
                    conns,
                    all.votes as f64 / elapsed,
                    all.refused as f64 / elapsed,
                    percentile(&all.create, 0.5),
                    percentile(&all.create, 0.99),
                    percentile(&all.vote, 0.5),
                    percentile(&all.vote, 0.99),
                );
            }
            drop(server);
            if let (Some(name), Some(server)) = (pg_name, &pg)
                && let Ok(admin) = Database::connect(server.as_str()).await
            {
                let _ = admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await;
            }
        }
    }
}
