//! Live battles against a fake OpenAI-compatible server on loopback: streaming,
//! concurrency, failures, retries, the circuit breaker, multi-turn context,
//! regeneration, the stop switch, anonymity, and keys that never leak.
//! Shared set-up here; the tests by theme in the submodules.

mod anonymity;
mod failures;
mod instances;
mod metrics;
mod streaming;
mod turns;

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{Value, json};

use crate::both_backends;
use crate::fake_openai::{FakeOpenAi, Script};
use crate::helpers::{Backend, TestApp, assert_error, spawn_app, spawn_live};

const ALPHA: &str = "Drink water and rest for a day or two.";
const BETA: &str = "See a doctor if the fever lasts more than three days.";

async fn fake_pair() -> FakeOpenAi {
    FakeOpenAi::start(&[
        ("alpha", Script::answer(ALPHA)),
        ("beta", Script::answer(BETA)),
    ])
    .await
}

async fn live_battle(app: &TestApp, prompt: &str) -> Value {
    let res = app
        .post_json("/api/v1/battles", &json!({ "prompt": prompt }).to_string())
        .await;
    assert_eq!(res.status(), 201, "create live battle");
    res.json().await.expect("battle json")
}

fn id(battle: &Value) -> String {
    battle["id"].as_str().expect("id").to_owned()
}

/// Text of each side's deltas, in order, and the `done` events by side.
fn by_side(events: &[(String, Value)]) -> ([String; 2], [Option<Value>; 2]) {
    let mut text = [String::new(), String::new()];
    let mut done = [None, None];
    for (name, data) in events {
        let i = usize::from(data["side"] == "b");
        match name.as_str() {
            "delta" => text[i].push_str(data["text"].as_str().expect("text")),
            "done" => done[i] = Some(data.clone()),
            _ => {}
        }
    }
    (text, done)
}
