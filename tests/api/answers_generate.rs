//! `goldarena answers generate` against the fake model server: multi-turn
//! answers, failures reported, a resumed run that skips what is done and
//! drops a cut-off line, then the import into the database.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Value, json};

use crate::fake_openai::{FakeOpenAi, Script};

async fn goldarena(args: Vec<String>, dir: &Path) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_goldarena"));
    cmd.args(args)
        .current_dir(dir)
        .env("FAKE_GENERATE_KEY", "sk-gen");
    tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("join")
        .expect("run goldarena")
}

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .expect("answer file")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_generate_resumes_and_imports_an_answer_set() {
    let mut down = Script::answer("unused");
    down.always_fail = Some(500);
    let fake =
        FakeOpenAi::start(&[("alpha", Script::answer("Alpha answer.")), ("beta", down)]).await;
    let dir = tempfile::tempdir().expect("dir");
    let questions = dir.path().join("questions.jsonl");
    let records = [
        json!({"question_id": 81, "category": "medical", "turns": ["What lowers blood pressure?"]}),
        json!({"question_id": 82, "category": "medical", "turns": ["Is coffee bad?", "And tea?"]}),
        json!({"question_id": "q3", "category": "writing", "turns": ["Write a haiku."]}),
    ];
    let text: Vec<String> = records.iter().map(Value::to_string).collect();
    std::fs::write(&questions, text.join("\n") + "\n").expect("questions");
    let mut toml = String::from("[live]\nmax_retries = 0\n");
    for m in ["alpha", "beta"] {
        toml.push_str(&format!(
            "\n[[live_models]]\nname = \"{m}\"\nbase_url = \"{}\"\nmodel = \"{m}\"\napi_key_env = \"FAKE_GENERATE_KEY\"\n",
            fake.base_url
        ));
    }
    std::fs::write(dir.path().join("goldarena.toml"), toml).expect("config");
    let out = dir.path().join("medical-set");
    let args = |import: bool| {
        let mut a: Vec<String> = [
            "answers",
            "generate",
            "--questions",
            "questions.jsonl",
            "--models",
            "alpha,beta",
            "--out",
            "medical-set",
            "--database",
            "sqlite://arena.db?mode=rwc",
        ]
        .map(str::to_owned)
        .to_vec();
        if import {
            a.push("--import".into());
        }
        a
    };

    // Beta is down: alpha's answers are written, the run fails and says why.
    let first = goldarena(args(true), dir.path()).await;
    assert!(!first.status.success());
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(stderr.contains("3 answers failed"), "{stderr}");
    assert!(stderr.contains("beta on question 82"), "{stderr}");
    let alpha_file = out.join("model_answer/alpha.jsonl");
    let alpha = lines(&alpha_file);
    assert_eq!(alpha.len(), 3);
    let second_turn = alpha
        .iter()
        .find(|l| l["question_id"] == 82)
        .expect("question 82");
    assert_eq!(
        second_turn["choices"][0]["turns"],
        json!(["Alpha answer.", "Alpha answer."])
    );
    assert_eq!(second_turn["model_id"], "alpha");
    assert!(alpha.iter().any(|l| l["question_id"] == "q3"));
    // The second turn was asked with the first answer in the conversation.
    let asked = fake.requests_for("alpha");
    assert_eq!(asked.len(), 4);
    assert!(asked.iter().any(|r| r.body["messages"]
        == json!([
            {"role": "user", "content": "Is coffee bad?"},
            {"role": "assistant", "content": "Alpha answer."},
            {"role": "user", "content": "And tea?"},
        ])));
    assert!(
        !dir.path().join("arena.db").exists(),
        "nothing imported after a failure"
    );

    // An interruption left half a line behind; beta is back.
    let mut raw = std::fs::read_to_string(&alpha_file).expect("read");
    raw.push_str("{\"question_id\": 83, \"choi");
    std::fs::write(&alpha_file, raw).expect("write");
    fake.set_script("beta", Script::answer("Beta answer."));
    let second = goldarena(args(true), dir.path()).await;
    let stdout = String::from_utf8_lossy(&second.stdout);
    assert!(
        second.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&second.stderr)
    );
    assert!(
        stdout.contains("3 answers generated, 3 already there, 0 failed"),
        "{stdout}"
    );
    assert_eq!(lines(&alpha_file).len(), 3, "the cut-off line is gone");
    assert_eq!(
        fake.requests_for("alpha").len(),
        4,
        "alpha was not asked again"
    );
    assert_eq!(lines(&out.join("model_answer/beta.jsonl")).len(), 3);
    assert!(
        stdout.contains("question set medical-set: 2 models"),
        "{stdout}"
    );
    assert!(stdout.contains("answers 6 new"), "{stdout}");

    // A third run has nothing left to do.
    let third = goldarena(args(false), dir.path()).await;
    assert!(third.status.success());
    assert!(
        String::from_utf8_lossy(&third.stdout).contains("0 answers generated, 6 already there")
    );
}
