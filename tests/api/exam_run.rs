//! `goldarena exam run` against the fake model server: a bank written here
//! (invented questions, no fixture needed), two models run one answer at a
//! time, the process killed mid-run, the same command again to resume, then
//! the results with contamination; and a few-shot, majority-of-samples run.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::fake_openai::{FakeOpenAi, Script};

/// Ten invented questions; the answers are B, B, A, C, B, D, A, B, C, C.
const ANSWERS: [char; 10] = ['B', 'B', 'A', 'C', 'B', 'D', 'A', 'B', 'C', 'C'];

fn bank() -> String {
    let mut csv = String::new();
    for (i, answer) in ANSWERS.iter().enumerate() {
        csv.push_str(&format!(
            "\"Invented question {i}: which option is marked right?\",first option {i},second option {i},third option {i},fourth option {i},{answer}\n"
        ));
    }
    csv
}

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_goldarena"));
    cmd.args(args)
        .args(["--database", "sqlite://arena.db?mode=rwc"])
        .current_dir(dir)
        .env("FAKE_EXAM_KEY", "sk-exam");
    cmd
}

async fn goldarena(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = command(dir, args);
    tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("join")
        .expect("run goldarena")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn results(dir: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["exam", "results", "tiny", "--format", "json"];
    args.extend_from_slice(extra);
    serde_json::from_str(&ok(&goldarena(dir, &args).await)).expect("results JSON")
}

fn overall<'a>(results: &'a Value, model: &str) -> Option<&'a Value> {
    results["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["model"] == model && r["subject"] == "all" && r["question_type"] == "all")
}

fn count(answers: &[char], letter: char) -> usize {
    answers.iter().filter(|a| **a == letter).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exam_run_killed_midway_resumes_where_it_stopped_and_scores_with_contamination() {
    let fake = FakeOpenAi::start(&[
        (
            "steady",
            Script::answer("Option two fits best. The answer is B"),
        ),
        // Slow enough to be killed between answers.
        (
            "slow",
            Script::answer("I would pick the third option.\n\n**答案是：C**")
                .slow(Duration::from_millis(250), Duration::from_millis(5)),
        ),
        ("sampler", Script::answer("The answer is A")),
    ])
    .await;
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("tiny.csv"), bank()).expect("bank");
    let mut toml = String::from("[live]\nmax_retries = 0\n");
    for (m, cutoff) in [
        ("steady", "2024-12"),
        ("slow", "2025-06"),
        ("sampler", "2025"),
    ] {
        toml.push_str(&format!(
            "\n[[live_models]]\nname = \"{m}\"\nbase_url = \"{}\"\nmodel = \"{m}\"\napi_key_env = \"FAKE_EXAM_KEY\"\nknowledge_cutoff = \"{cutoff}\"\ninput_cost_per_mtok = 2.0\noutput_cost_per_mtok = 8.0\n",
            fake.base_url
        ));
    }
    std::fs::write(dir.path().join("goldarena.toml"), toml).expect("config");
    let imported = ok(&goldarena(
        dir.path(),
        &[
            "import",
            "exam",
            "--format",
            "mmlu",
            "tiny.csv",
            "--name",
            "tiny",
            "--date",
            "2025-03-01",
            "--language",
            "en",
        ],
    )
    .await);
    assert!(imported.contains("10 questions"), "{imported}");

    let run = [
        "exam",
        "run",
        "--exam",
        "tiny",
        "--models",
        "steady,slow",
        "--concurrency",
        "1",
    ];
    // Killed (SIGKILL) once two of slow's answers are stored and a third asked.
    let mut child = command(dir.path(), &run)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start exam run");
    while fake.requests_for("slow").len() < 3 {
        assert!(
            child.try_wait().expect("poll").is_none(),
            "the run ended before it was killed"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().expect("kill");
    child.wait().expect("reap");
    assert_eq!(fake.requests_for("steady").len(), 10);
    let partial = results(dir.path(), &[]).await;
    assert_eq!(overall(&partial, "steady").expect("steady")["n"], 10);
    let stored_slow = overall(&partial, "slow").expect("slow")["n"]
        .as_u64()
        .expect("n");
    assert!(
        (2..=3).contains(&stored_slow),
        "{stored_slow} of slow's answers kept"
    );

    // The same command again: only what is missing is asked for.
    let again = ok(&goldarena(dir.path(), &run).await);
    let stored_before = 10 + stored_slow;
    assert!(
        again.contains(&format!(
            "{} answers now, {stored_before} stored before, 0 failed",
            20 - stored_before
        )),
        "{again}"
    );
    assert_eq!(
        fake.requests_for("steady").len(),
        10,
        "steady was asked again"
    );
    let slow_requests = fake.requests_for("slow").len() as u64;
    assert!(
        slow_requests <= 11,
        "{slow_requests} requests for 10 answers and one killed"
    );
    // Tokens and cost cover every stored answer (the fake counts 11 prompt
    // tokens and one completion token per chunk).
    assert!(again.contains("220 prompt + "), "{again}");
    assert!(again.contains("cost 0.00"), "{again}");

    // The prompt: the English template, the question and its lettered options.
    let body = &fake.requests_for("steady")[0].body;
    let messages = body["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 1, "zero-shot sends the question alone");
    let prompt = messages[0]["content"].as_str().expect("prompt");
    assert!(
        prompt.starts_with("The following is a multiple-choice question with one correct answer"),
        "{prompt}"
    );
    assert!(
        prompt.contains(
            "\nA. first option 0\nB. second option 0\nC. third option 0\nD. fourth option 0\n"
        ),
        "{prompt}"
    );

    let done = results(dir.path(), &[]).await;
    for (model, letter, contamination) in [("steady", 'B', "fresh"), ("slow", 'C', "possibly_seen")]
    {
        let row = overall(&done, model).expect("row");
        let right = count(&ANSWERS, letter);
        assert_eq!(row["n"], 10, "{model}");
        assert_eq!(row["correct"].as_u64(), Some(right as u64), "{model}");
        assert_eq!(row["unreadable"], 0, "{model}");
        assert_eq!(row["contamination"], contamination, "{model}");
    }
    // Only the model whose cutoff is before the exam.
    let fresh = results(dir.path(), &["--fresh-only"]).await;
    assert!(overall(&fresh, "steady").is_some());
    assert!(overall(&fresh, "slow").is_none());
    assert_eq!(fresh["fresh_only"], true);

    // Two worked examples and three samples per question, scored by majority.
    let sampled = ok(&goldarena(
        dir.path(),
        &[
            "exam",
            "run",
            "--exam",
            "tiny",
            "--models",
            "sampler",
            "--shots",
            "2",
            "--samples",
            "3",
        ],
    )
    .await);
    assert!(
        sampled.contains("30 answers now, 0 stored before"),
        "{sampled}"
    );
    let requests = fake.requests_for("sampler");
    assert_eq!(requests.len(), 30);
    for r in &requests {
        let messages = r.body["messages"].as_array().expect("messages");
        assert_eq!(
            messages.len(),
            5,
            "two examples, each a question and its answer, then the question"
        );
        let example_answer = messages[1]["content"].as_str().expect("example");
        assert!(
            example_answer.starts_with("The answer is "),
            "{example_answer}"
        );
    }
    let all = results(dir.path(), &[]).await;
    let row = overall(&all, "sampler").expect("sampler");
    assert_eq!(row["n"], 10);
    assert_eq!(row["correct"].as_u64(), Some(count(&ANSWERS, 'A') as u64));
    assert_eq!(
        row["contamination"], "possibly_seen",
        "a cutoff of 2025 covers March 2025"
    );

    // Bad requests are refused with reasons.
    for (args, says) in [
        (
            &["--exam", "nope", "--models", "steady"][..],
            "no exam called \"nope\"",
        ),
        (
            &["--exam", "tiny", "--models", "ghost"],
            "no live model \"ghost\"",
        ),
        (
            &["--exam", "tiny", "--models", "steady", "--samples", "0"],
            "--samples must be at least 1",
        ),
    ] {
        let out = goldarena(dir.path(), &[&["exam", "run"][..], args].concat()).await;
        assert!(!out.status.success(), "{args:?} was accepted");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}
