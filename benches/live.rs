//! Live battles end to end on loopback: the real server relaying two streamed
//! answers from the fake OpenAI-compatible server of the API tests.
//!
//! `cargo bench --bench live` prints:
//! - relay throughput: one battle with two long answers sent as fast as the
//!   fake server can, against reading the same answer from the fake server
//!   directly (what the relay costs per delta);
//! - concurrent battles: many voters at once, each creating a battle and
//!   reading its stream to the end (battles per second, time to first delta).
//!
//! Figures include the fake server, which runs in the same process.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use goldarena::config::{LiveModelConfig, LiveSettings, Settings};
use goldarena::startup::Application;
use goldarena_test_support::fake_openai::{FakeOpenAi, Script};

fn model(name: &str, base_url: &str) -> LiveModelConfig {
    LiveModelConfig {
        name: name.to_owned(),
        display_name: None,
        organization: None,
        base_url: base_url.to_owned(),
        model: name.to_owned(),
        api_key_env: None,
        temperature: 0.7,
        max_tokens: None,
        system_prompt: None,
        weight: 1.0,
        max_concurrency: 256,
        include_usage: true,
        identity_words: Vec::new(),
        release_date: None,
        knowledge_cutoff: None,
        input_cost_per_mtok: None,
        output_cost_per_mtok: None,
    }
}

fn answer(words: usize) -> Script {
    let text: Vec<String> = (0..words).map(|i| format!("word{i}")).collect();
    let mut s = Script::answer(&text.join(" "));
    s.chunk_delay = Duration::ZERO;
    s
}

/// Reads one battle's stream to its end; returns (deltas, time to first delta).
async fn read_stream(client: &reqwest::Client, url: &str) -> (usize, Option<Duration>) {
    let started = Instant::now();
    let res = client.get(url).send().await.expect("stream");
    let mut events = res.bytes_stream().eventsource();
    let mut deltas = 0;
    let mut first = None;
    while let Some(event) = events.next().await {
        let event = event.expect("event");
        match event.event.as_str() {
            "delta" => {
                first.get_or_insert_with(|| started.elapsed());
                deltas += 1;
            }
            "end" => break,
            "void" => panic!("a battle failed: {}", event.data),
            _ => {}
        }
    }
    (deltas, first)
}

async fn new_battle(client: &reqwest::Client, base: &str) -> String {
    let battle: serde_json::Value = client
        .post(format!("{base}/api/v1/battles"))
        .json(&serde_json::json!({"prompt": "Tell me something long."}))
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("json");
    battle["id"].as_str().expect("id").to_owned()
}

/// Streams the fake server's answer directly, as the baseline.
async fn direct(client: &reqwest::Client, fake: &FakeOpenAi) -> (usize, Duration) {
    let started = Instant::now();
    let res = client
        .post(format!("{}/chat/completions", fake.base_url))
        .json(&serde_json::json!({"model": "long-a", "messages": [], "stream": true}))
        .send()
        .await
        .expect("direct");
    let mut events = res.bytes_stream().eventsource();
    let mut n = 0;
    while let Some(e) = events.next().await {
        if e.expect("event").data == "[DONE]" {
            break;
        }
        n += 1;
    }
    (n, started.elapsed())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    const LONG: usize = 20_000;
    const SHORT: usize = 200;
    const BATTLES: usize = 200;
    const CONCURRENT: usize = 50;
    let fake = FakeOpenAi::start(&[
        ("long-a", answer(LONG)),
        ("long-b", answer(LONG)),
        ("short-a", answer(SHORT)),
        ("short-b", answer(SHORT)),
    ])
    .await;
    goldarena::providers::install_crypto_provider();
    let client = reqwest::Client::new();

    for (label, models) in [
        ("relay", ["long-a", "long-b"]),
        ("concurrent", ["short-a", "short-b"]),
    ] {
        let dir = tempfile::tempdir().expect("dir");
        let settings = Settings {
            // The bench is one client at machine speed: no rate limits.
            integrity: goldarena::config::IntegritySettings {
                enabled: false,
                ..goldarena::config::IntegritySettings::default()
            },
            bind: "127.0.0.1:0".to_owned(),
            database_url: format!("sqlite://{}?mode=rwc", dir.path().join("b.db").display()),
            load_demo: Some(false),
            live: LiveSettings {
                first_token_timeout_ms: 60_000,
                answer_timeout_ms: 600_000,
                ..LiveSettings::default()
            },
            live_models: models.iter().map(|m| model(m, &fake.base_url)).collect(),
            ..Settings::default()
        };
        let none: HashMap<String, String> = HashMap::new();
        let app = Application::build_with_secrets(
            settings,
            Arc::new(move |k: &str| none.get(k).cloned()),
        )
        .await
        .expect("app");
        let base = format!("http://127.0.0.1:{}", app.port());
        let handle = app.handle();
        tokio::spawn(app.run_until_stopped());

        if label == "relay" {
            let (n, took) = direct(&client, &fake).await;
            println!(
                "direct from the fake server: {n} chunks in {:.3} s ({:.0} chunks/s)",
                took.as_secs_f64(),
                n as f64 / took.as_secs_f64()
            );
            let id = new_battle(&client, &base).await;
            let started = Instant::now();
            let (deltas, _) =
                read_stream(&client, &format!("{base}/api/v1/battles/{id}/stream")).await;
            let took = started.elapsed();
            println!(
                "through GoldArena: two answers of {LONG} chunks each in {:.3} s \
                 ({} SSE deltas to the page, {:.0} upstream chunks/s)",
                took.as_secs_f64(),
                deltas,
                (2 * LONG) as f64 / took.as_secs_f64()
            );
        } else {
            let started = Instant::now();
            let mut firsts = Vec::new();
            let mut done = 0;
            while done < BATTLES {
                let batch = CONCURRENT.min(BATTLES - done);
                let runs = (0..batch).map(|_| {
                    let client = client.clone();
                    let base = base.clone();
                    tokio::spawn(async move {
                        let id = new_battle(&client, &base).await;
                        read_stream(&client, &format!("{base}/api/v1/battles/{id}/stream")).await
                    })
                });
                for run in futures_util::future::join_all(runs).await {
                    let (_, first) = run.expect("join");
                    firsts.push(first.expect("a delta"));
                }
                done += batch;
            }
            let took = started.elapsed();
            firsts.sort();
            println!(
                "{BATTLES} battles, {CONCURRENT} at a time, two answers of {SHORT} chunks each: \
                 {:.2} s ({:.0} battles/s); time from opening the stream to the first delta p50 {:.1} ms, p99 {:.1} ms",
                took.as_secs_f64(),
                BATTLES as f64 / took.as_secs_f64(),
                percentile(&firsts, 0.5).as_secs_f64() * 1e3,
                percentile(&firsts, 0.99).as_secs_f64() * 1e3,
            );
        }
        handle.stop(true).await;
    }
}
