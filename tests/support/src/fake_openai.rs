//! A real HTTP server on loopback that speaks the OpenAI chat-completions
//! streaming protocol, scripted per upstream model id: delays, HTTP errors,
//! a connection that breaks mid-answer, self-identifying answers. It records
//! every request so tests can check what was sent upstream.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::web::{self, Bytes};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer};
use serde_json::{Value, json};

/// How one upstream model behaves.
#[derive(Debug, Clone)]
pub struct Script {
    /// The answer, piece by piece.
    pub chunks: Vec<String>,
    /// Reasoning pieces sent before the answer (reasoning models).
    pub reasoning: Vec<String>,
    /// The delta field they come in: `reasoning_content` (DeepSeek, vLLM)
    /// or `reasoning` (OpenRouter).
    pub reasoning_key: &'static str,
    /// Ignore `stream: true` and answer one `application/json` completion
    /// (after `first_delay`), as some servers and proxies do.
    pub unstreamed: bool,
    /// Before the first piece (after the response headers).
    pub first_delay: Duration,
    /// Between pieces.
    pub chunk_delay: Duration,
    /// Statuses answered to the first requests, in order, before streaming.
    pub fail_first: Vec<u16>,
    /// Every request fails with this status.
    pub always_fail: Option<u16>,
    /// The connection breaks after this many pieces.
    pub break_after: Option<usize>,
    /// After the finish reason and usage, no `[DONE]`: the connection stays
    /// open, sending nothing.
    pub open_after_finish: bool,
}

impl Script {
    pub fn answer(text: &str) -> Self {
        Self {
            chunks: text.split_inclusive(' ').map(str::to_owned).collect(),
            reasoning: Vec::new(),
            reasoning_key: "reasoning_content",
            unstreamed: false,
            first_delay: Duration::ZERO,
            chunk_delay: Duration::from_millis(5),
            fail_first: Vec::new(),
            always_fail: None,
            break_after: None,
            open_after_finish: false,
        }
    }

    pub fn slow(mut self, first: Duration, between: Duration) -> Self {
        self.first_delay = first;
        self.chunk_delay = between;
        self
    }
}

/// What the server received.
#[derive(Debug, Clone)]
pub struct Received {
    pub model: String,
    pub authorization: Option<String>,
    pub body: Value,
}

#[derive(Default)]
struct State {
    scripts: Mutex<HashMap<String, Script>>,
    attempts: Mutex<HashMap<String, usize>>,
    received: Mutex<Vec<Received>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

pub struct FakeOpenAi {
    pub base_url: String,
    state: Arc<State>,
    handle: actix_web::dev::ServerHandle,
}

impl Drop for FakeOpenAi {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(handle.stop(false));
        });
    }
}

impl FakeOpenAi {
    pub async fn start(scripts: &[(&str, Script)]) -> Self {
        let state = Arc::new(State::default());
        {
            let mut s = state.scripts.lock().expect("lock");
            for (model, script) in scripts {
                s.insert((*model).to_owned(), script.clone());
            }
        }
        let data = web::Data::from(Arc::clone(&state));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/v1/chat/completions", web::post().to(completions))
        })
        .workers(2)
        .bind("127.0.0.1:0")
        .expect("bind fake server");
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            base_url: format!("http://127.0.0.1:{port}/v1"),
            state,
            handle,
        }
    }

    pub fn set_script(&self, model: &str, script: Script) {
        self.state
            .scripts
            .lock()
            .expect("lock")
            .insert(model.to_owned(), script);
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().expect("lock").clone()
    }

    pub fn requests_for(&self, model: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.model == model)
            .collect()
    }

    /// The most answers streamed at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.state.max_in_flight.load(Ordering::SeqCst)
    }
}

/// Counts an answer as in flight while its stream lives.
struct InFlight(Arc<State>);

impl InFlight {
    fn new(state: Arc<State>) -> Self {
        let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        state.max_in_flight.fetch_max(now, Ordering::SeqCst);
        Self(state)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn completions(req: HttpRequest, body: Bytes, state: web::Data<State>) -> HttpResponse {
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return HttpResponse::BadRequest().json(json!({"error": {"message": "bad json"}}));
    };
    let model = body["model"].as_str().unwrap_or_default().to_owned();
    // The script is read before the request is recorded: a test that waits for
    // request N and then changes the script must only ever reach request N + 1.
    let script = state.scripts.lock().expect("lock").get(&model).cloned();
    state.received.lock().expect("lock").push(Received {
        model: model.clone(),
        authorization: req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: body.clone(),
    });
    let Some(script) = script else {
        return HttpResponse::NotFound()
            .json(json!({"error": {"message": format!("model {model} does not exist")}}));
    };
    let attempt = {
        let mut attempts = state.attempts.lock().expect("lock");
        let n = attempts.entry(model.clone()).or_default();
        *n += 1;
        *n - 1
    };
    let failure = script
        .fail_first
        .get(attempt)
        .copied()
        .or(script.always_fail);
    if let Some(status) = failure {
        let status = actix_web::http::StatusCode::from_u16(status).expect("status");
        return HttpResponse::build(status)
            .json(json!({"error": {"message": "scripted failure", "type": "server_error"}}));
    }
    if script.unstreamed {
        tokio::time::sleep(script.first_delay).await;
        let text: String = script.chunks.concat();
        return HttpResponse::Ok().json(json!({
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "model": model,
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": text, "reasoning_content": script.reasoning.concat()},
                "finish_reason": "stop",
            }],
            "usage": {"prompt_tokens": 11, "completion_tokens": script.chunks.len(), "total_tokens": 11 + script.chunks.len()},
        }));
    }
    let include_usage = body["stream_options"]["include_usage"].as_bool() == Some(true);
    let guard = InFlight::new(Arc::clone(&state.into_inner()));
    let frames = frames(&script, &model, include_usage);
    let stream = futures_util::stream::unfold(
        (frames.into_iter(), script, guard, 0usize),
        |(mut frames, script, guard, sent)| async move {
            let Some(frame) = frames.next() else {
                if script.open_after_finish {
                    std::future::pending::<()>().await;
                }
                return None;
            };
            let delay = if sent == 0 {
                script.first_delay
            } else {
                script.chunk_delay
            };
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            if script.break_after == Some(sent) {
                let broken = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "scripted");
                return Some((
                    Err(broken),
                    (Vec::new().into_iter(), script, guard, sent + 1),
                ));
            }
            Some((Ok(Bytes::from(frame)), (frames, script, guard, sent + 1)))
        },
    );
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .streaming(stream)
}

fn frames(script: &Script, model: &str, include_usage: bool) -> Vec<String> {
    let chunk = |delta: Value, finish: Value| {
        json!({
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        })
    };
    let mut frames: Vec<Value> = script
        .reasoning
        .iter()
        .map(|r| chunk(json!({ script.reasoning_key: r }), Value::Null))
        .collect();
    for (i, piece) in script.chunks.iter().enumerate() {
        let delta = if i == 0 {
            json!({"role": "assistant", "content": piece})
        } else {
            json!({"content": piece})
        };
        frames.push(chunk(delta, Value::Null));
    }
    frames.push(chunk(json!({}), json!("stop")));
    if include_usage {
        frames.push(json!({
            "id": "chatcmpl-fake",
            "choices": [],
            "usage": {"prompt_tokens": 11, "completion_tokens": script.chunks.len(), "total_tokens": 11 + script.chunks.len()},
        }));
    }
    let mut out: Vec<String> = frames.iter().map(|f| format!("data: {f}\n\n")).collect();
    if !script.open_after_finish {
        out.push("data: [DONE]\n\n".to_owned());
    }
    out
}
