//! Hostile input, generated: every parser of files people hand the arena
//! (llm_judge question and answer files, clean-battle files, the five exam
//! formats) and the JSON API's request bodies get arbitrary bytes and
//! damaged copies of valid input. None may panic; the API never answers 5xx,
//! and still serves afterwards. Each test prints how many inputs it ran.

use std::collections::HashMap;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};

use crate::helpers::{Backend, spawn_app};

const CASES: u32 = 512;

/// Valid text with a few bytes replaced, inserted or cut off.
fn damaged(valid: &'static str) -> impl Strategy<Value = Vec<u8>> {
    let len = valid.len();
    (
        proptest::collection::vec((0..len, any::<u8>()), 0..6),
        0..=len,
        any::<bool>(),
    )
        .prop_map(move |(edits, cut, truncate)| {
            let mut bytes = valid.as_bytes().to_vec();
            for (at, b) in edits {
                if at < bytes.len() {
                    bytes[at] = b;
                }
            }
            if truncate {
                bytes.truncate(cut);
            }
            bytes
        })
}

fn inputs(valid: &'static str) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512),
        damaged(valid),
        ".{0,300}".prop_map(String::into_bytes),
    ]
}

const QUESTIONS: &str = "{\"question_id\": 81, \"category\": \"writing\", \"turns\": [\"Write a haiku.\", \"Now in French.\"]}\n{\"question_id\": \"q2\", \"category\": \"medical\", \"turns\": [\"Is coffee bad?\"]}\n";
const ANSWERS: &str = "{\"question_id\": 81, \"answer_id\": \"x\", \"model_id\": \"m\", \"choices\": [{\"index\": 0, \"turns\": [\"Leaves fall.\", \"Les feuilles.\"]}], \"tstamp\": 1.0}\n";
const BATTLES: &str = "{\"model_a\": \"a\", \"model_b\": \"b\", \"winner\": \"model_a\", \"tstamp\": 1.5, \"anony\": true, \"language\": \"English\", \"question_id\": \"q1\"}\n{\"model_a\": \"b\", \"model_b\": \"c\", \"winner\": \"tie (bothbad)\"}\n";
const PHARMACIST: &str = "[{\"question\": \"Which drug?\", \"option\": {\"A\": \"x\", \"B\": \"y\", \"C\": \"z\", \"D\": \"w\", \"E\": \"v\"}, \"answer\": \"AC\", \"question_type\": \"多项选择题\", \"source\": \"paper 1\"}]";
const MMLU: &str = "question,A,B,C,D,answer\n\"Which organ?\",heart,liver,lung,skin,B\n";
const MEDQA: &str = "{\"question\": \"Which?\", \"options\": {\"A\": \"x\", \"B\": \"y\"}, \"answer_idx\": \"B\", \"meta_info\": \"step1\"}\n";
const CMB: &str = "[{\"question\": \"哪个？\", \"option\": {\"A\": \"甲\", \"B\": \"乙\"}, \"answer\": \"A\", \"question_type\": \"单项选择题\", \"exam_subject\": \"药学\"}]";

struct Count(u64);

impl goldarena::import::lmsys::Sink for Count {
    fn battle(&mut self, _: goldarena::import::lmsys::BattleRecord<'_>) {
        self.0 += 1;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, ..ProptestConfig::default() })]

    #[test]
    fn llm_judge_files_never_panic(q in inputs(QUESTIONS), a in inputs(ANSWERS)) {
        let q = String::from_utf8_lossy(&q);
        let _ = goldarena::import::llm_judge::parse_questions("question.jsonl", &q);
        let turns = HashMap::from([("81".to_owned(), 2usize), ("q2".to_owned(), 1)]);
        let a = String::from_utf8_lossy(&a);
        let _ = goldarena::import::llm_judge::parse_answers("m.jsonl", &a, &turns);
    }

    #[test]
    fn clean_battle_files_never_panic(bytes in inputs(BATTLES), skip in any::<bool>()) {
        let filter = goldarena::import::lmsys::Filter { skip_invalid: skip, ..Default::default() };
        let mut total = 0;
        let _ = goldarena::import::lmsys::read(&bytes[..], &filter, &|| Count(0), &mut |c: Count| total += c.0);
    }

    #[test]
    fn exam_files_never_panic(
        pharmacist in inputs(PHARMACIST),
        mmlu in inputs(MMLU),
        medqa in inputs(MEDQA),
        cmb in inputs(CMB),
    ) {
        use goldarena::exams::formats::{read, ExamFormat};
        let dir = tempfile::tempdir().expect("dir");
        for (bytes, format, name) in [
            (&pharmacist, ExamFormat::Pharmacist, "pharm.json"),
            (&mmlu, ExamFormat::Mmlu, "anatomy_test.csv"),
            (&mmlu, ExamFormat::Cmmlu, "anatomy.csv"),
            (&medqa, ExamFormat::Medqa, "medqa.jsonl"),
            (&cmb, ExamFormat::Cmb, "cmb.json"),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).expect("write");
            let _ = read(&path, format);
        }
    }
}

/// Arbitrary and damaged bodies to the API's write endpoints: never a 5xx,
/// and the arena still serves afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_bodies_never_get_a_5xx() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let battle = app.new_battle("{}").await;
    let id = battle["id"].as_str().expect("id").to_owned();
    let endpoints = [
        (
            "/api/v1/battles".to_owned(),
            "{\"prompt\": \"Hello?\", \"mode\": \"anonymous\"}",
        ),
        (
            format!("/api/v1/battles/{id}/vote"),
            "{\"verdict\": \"model_a\"}",
        ),
        (
            format!("/api/v1/battles/{id}/turns"),
            "{\"prompt\": \"And then?\"}",
        ),
        (
            "/api/v1/auth/login".to_owned(),
            "{\"email\": \"a@b.org\", \"password\": \"x\"}",
        ),
    ];
    let mut runner = TestRunner::new(Config {
        cases: CASES,
        ..Config::default()
    });
    let mut ran = 0u64;
    for (path, valid) in &endpoints {
        let strategy = inputs(valid);
        for _ in 0..CASES / 4 {
            let body = strategy.new_tree(&mut runner).expect("input").current();
            let res = app
                .client
                .post(app.url(path))
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .expect("request");
            let status = res.status();
            let answer: serde_json::Value = res.json().await.unwrap_or_default();
            // This arena has no live models: a well-formed prompt is 503
            // `no_live_models` by design, not a failure.
            let by_design = status == 503 && answer["error"]["code"] == "no_live_models";
            assert!(
                status.as_u16() < 500 || by_design,
                "{path} answered {status} {answer} to {:?}",
                String::from_utf8_lossy(&body)
            );
            ran += 1;
        }
    }
    assert_eq!(app.get("/api/v1/health").await.status(), 200);
    let board = app.get("/api/v1/leaderboard").await;
    assert!(board.status().as_u16() < 500);
    eprintln!("{ran} request bodies, no 5xx");
}

/// A valid answer stream, as an OpenAI-compatible server sends it.
const STREAM: &str = "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\ndata: {\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"hmm\"}}]}\n\ndata: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello, \"}}]}\n\n: keep-alive\n\ndata: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"world \\u00e9\\u4e16\"},\"finish_reason\":null}]}\n\ndata: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4}}\n\ndata: [DONE]\n\n";

/// A valid whole reply, as a server that ignores `stream: true` sends it.
const WHOLE: &str = "{\"id\":\"c1\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hello, world \\u00e9\\u4e16\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4}}";

/// One reply of the raw upstream: its body, where it is cut into writes, and
/// whether it says it is JSON (else an event stream).
type RawCase = (Vec<u8>, Vec<usize>, bool);

/// An upstream that answers every request with 200, `text/event-stream` or
/// `application/json`, and the body of the current case, written in the
/// case's pieces.
async fn raw_upstream(case: std::sync::Arc<std::sync::Mutex<RawCase>>) -> std::net::SocketAddr {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let case = std::sync::Arc::clone(&case);
            tokio::spawn(async move {
                // The request: headers, then a body of content-length bytes.
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                let body_start = loop {
                    let Ok(n) = socket.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buf[..n]);
                    if let Some(i) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                };
                let head = String::from_utf8_lossy(&request[..body_start]).to_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                while request.len() < body_start + length {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let (body, cuts, json) = case.lock().expect("case").clone();
                let kind = if json {
                    "application/json"
                } else {
                    "text/event-stream"
                };
                let head =
                    format!("HTTP/1.1 200 OK\r\ncontent-type: {kind}\r\nconnection: close\r\n\r\n");
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let mut at = 0;
                for cut in cuts.into_iter().chain([body.len()]) {
                    let cut = cut.clamp(at, body.len());
                    if socket.write_all(&body[at..cut]).await.is_err() {
                        return;
                    }
                    let _ = socket.flush().await;
                    tokio::task::yield_now().await;
                    at = cut;
                }
                let _ = socket.shutdown().await;
            });
        }
    });
    addr
}

/// The answer stream of an upstream, arbitrary or damaged, cut into pieces
/// at arbitrary places: the provider never panics, ends in time, and what it
/// keeps is the text it passed on, within the size cap, without control
/// characters.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_answer_streams_never_panic() {
    use goldarena::providers::openai::{CallLimits, OpenAiOptions, OpenAiProvider};
    use goldarena::providers::{ChatMessage, ChatProvider};

    let case = std::sync::Arc::new(std::sync::Mutex::new((Vec::new(), Vec::new(), false)));
    let addr = raw_upstream(std::sync::Arc::clone(&case)).await;
    let client =
        goldarena::providers::http_client(std::time::Duration::from_secs(2)).expect("client");
    let cap = 64;
    let provider = OpenAiProvider::new(
        client,
        OpenAiOptions {
            base_url: format!("http://{addr}/v1"),
            model: "fuzz".to_owned(),
            temperature: 0.0,
            max_tokens: None,
            system_prompt: None,
            include_usage: true,
            max_concurrency: 1,
        },
        None,
        CallLimits {
            first_token: std::time::Duration::from_secs(2),
            answer: std::time::Duration::from_secs(5),
            max_retries: 0,
            backoff: std::time::Duration::from_millis(1),
            queue: None,
            max_answer_bytes: cap,
        },
    )
    .expect("provider");
    let bodies = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512),
        damaged(STREAM),
        damaged(STREAM),
        // Well-formed chunks with arbitrary text (control characters,
        // any script, pieces past the size cap), then the finish.
        proptest::collection::vec(any::<String>(), 0..6).prop_map(|pieces| {
            let mut body: String = pieces
                .iter()
                .map(|p| {
                    let chunk = serde_json::json!({"choices": [{"index": 0, "delta": {"content": p}}]});
                    format!("data: {chunk}\n\n")
                })
                .collect();
            body.push_str("data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
            body.into_bytes()
        }),
        // Well-formed events with arbitrary data.
        proptest::collection::vec("[ -~]{0,40}", 0..6).prop_map(|data| {
            data.iter()
                .map(|d| format!("data: {d}\n\n"))
                .collect::<String>()
                .into_bytes()
        }),
        // Whole replies: damaged, or well-formed with arbitrary text.
        damaged(WHOLE),
        any::<String>().prop_map(|text| {
            serde_json::json!({"choices": [{"message": {"content": text}, "finish_reason": "stop"}]})
                .to_string()
                .into_bytes()
        }),
    ];
    // Any body may come as either kind: a server can also mislabel it.
    let strategy = (
        bodies,
        proptest::collection::vec(0..600usize, 0..8),
        any::<bool>(),
    );
    let mut runner = TestRunner::new(Config {
        cases: CASES,
        ..Config::default()
    });
    let (mut ok, mut failed) = (0u64, 0u64);
    for _ in 0..CASES {
        let (body, mut cuts, json) = strategy.new_tree(&mut runner).expect("input").current();
        cuts.sort_unstable();
        *case.lock().expect("case") = (body.clone(), cuts, json);
        let (_stop_tx, stop) = tokio::sync::watch::channel(false);
        let messages = [ChatMessage::user("Hi")];
        let mut passed_on = String::new();
        let mut sink = |piece: &str| passed_on.push_str(piece);
        let started = std::time::Instant::now();
        let result = provider.complete(&messages, &mut sink, stop).await;
        assert!(
            started.elapsed() < std::time::Duration::from_secs(8),
            "the answer's deadline did not hold for {:?}",
            String::from_utf8_lossy(&body)
        );
        match result {
            Ok(done) => {
                assert_eq!(done.text, passed_on);
                assert!(done.text.len() <= cap);
                assert!(
                    !done
                        .text
                        .chars()
                        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')),
                    "{:?}",
                    done.text
                );
                ok += 1;
            }
            Err(_) => failed += 1,
        }
    }
    // The valid stream and the valid whole reply themselves are read whole.
    for (body, json) in [(STREAM, false), (WHOLE, true)] {
        *case.lock().expect("case") = (body.as_bytes().to_vec(), vec![7, 100, 101, 300], json);
        let (_stop_tx, stop) = tokio::sync::watch::channel(false);
        let mut sink = |_: &str| {};
        let done = provider
            .complete(&[ChatMessage::user("Hi")], &mut sink, stop)
            .await
            .expect("a valid reply");
        assert_eq!(done.text, "Hello, world é世", "json: {json}");
        assert_eq!(done.completion_tokens, Some(4));
    }
    // An invalid UTF-8 byte inside an answer (cut across writes) becomes
    // U+FFFD and the answer goes on; an event that never ends fails as such
    // once it outgrows the bound, whatever the parser would have buffered.
    let bad_byte = b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\xFFb\"}}]}\n\ndata: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"c\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
    *case.lock().expect("case") = (bad_byte.to_vec(), vec![40, 41, 42], false);
    let (_stop_tx, stop) = tokio::sync::watch::channel(false);
    let done = provider
        .complete(&[ChatMessage::user("Hi")], &mut |_: &str| {}, stop)
        .await
        .expect("an answer with a bad byte");
    assert_eq!(done.text, "a\u{FFFD}bc");
    let mut endless =
        b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\n".to_vec();
    endless.extend(std::iter::repeat_n(b"data: x\n".as_slice(), 20_000).flatten());
    *case.lock().expect("case") = (endless, vec![100, 5_000, 50_000], false);
    let (_stop_tx, stop) = tokio::sync::watch::channel(false);
    let err = provider
        .complete(&[ChatMessage::user("Hi")], &mut |_: &str| {}, stop)
        .await
        .expect_err("an event that never ends");
    assert!(format!("{err:?}").contains("grew past"), "{err:?}");
    eprintln!("{CASES} upstream streams: {ok} answers kept, {failed} refused, no panic");
}
