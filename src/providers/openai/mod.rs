//! OpenAI-compatible chat completions, streamed: `POST {base_url}/chat/completions`
//! with `stream: true`, read as server-sent events (vLLM, Ollama, llama.cpp
//! server, OpenAI, DeepSeek, Qwen and the like all speak it). A server that
//! ignores `stream: true` and answers one `application/json` completion is
//! read too: its answer reaches the voter as one piece.
//!
//! Retries: only before the first token, and only for what is likely to pass
//! on a second try (429, 5xx, connection errors). Once text has reached the
//! voter, a retry would show a different answer, so a failure then is final.

mod guard;
mod wire;

/// How long a stream is read after its finish reason (for the usage chunk and
/// `[DONE]`) before the answer is taken as finished.
const AFTER_FINISH: Duration = Duration::from_secs(3);

use std::fmt;
use std::time::Duration;

use anyhow::Context;
use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use rand::RngExt;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::{Semaphore, watch};
use tokio::time::{Instant, sleep_until, timeout_at};

use self::wire::{Chunk, Message, Request, StreamOptions, Usage, Whole, excerpt, upstream_message};
use super::{BoxFuture, ChatMessage, ChatProvider, Completion, DeltaSink, ProviderError};
use crate::domain::FinishReason;

/// What to ask of one model behind an OpenAI-compatible server.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenAiOptions {
    /// Base URL up to and including `/v1`, e.g. `http://127.0.0.1:8000/v1`.
    pub base_url: String,
    /// The model id the server expects.
    pub model: String,
    pub temperature: f64,
    pub max_tokens: Option<u32>,
    pub system_prompt: Option<String>,
    /// Ask for token usage in the stream (`stream_options.include_usage`).
    pub include_usage: bool,
    /// Requests in flight at once; more wait their turn.
    pub max_concurrency: usize,
}

/// Time and retry limits of one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallLimits {
    pub first_token: Duration,
    pub answer: Duration,
    pub max_retries: u32,
    pub backoff: Duration,
    /// How long to wait for a free request slot (`max_concurrency`); `None`
    /// waits as long as it takes (batch generation). The answer's own clock
    /// starts once a slot is free.
    pub queue: Option<Duration>,
    /// The longest answer kept, in bytes: past it the answer ends there, as
    /// if the model had reached its token limit (`length`).
    pub max_answer_bytes: usize,
}

/// Bytes of an error body read for its message; the rest is never read.
const MAX_ERROR_BODY: usize = 16 * 1024;

/// One model behind an OpenAI-compatible server.
pub struct OpenAiProvider {
    client: reqwest::Client,
    url: reqwest::Url,
    model: String,
    api_key: Option<SecretString>,
    temperature: f64,
    max_tokens: Option<u32>,
    system_prompt: Option<String>,
    include_usage: bool,
    limits: CallLimits,
    permits: Semaphore,
}

impl fmt::Debug for OpenAiProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiProvider")
            .field("url", &self.url.as_str())
            .field("model", &self.model)
            .field("api_key", &self.api_key)
            .finish_non_exhaustive()
    }
}

impl OpenAiProvider {
    /// # Errors
    /// When the base URL is not an http(s) URL or the limits are out of range.
    pub fn new(
        client: reqwest::Client,
        options: OpenAiOptions,
        api_key: Option<SecretString>,
        limits: CallLimits,
    ) -> anyhow::Result<Self> {
        let base = options.base_url.trim_end_matches('/');
        let url = reqwest::Url::parse(&format!("{base}/chat/completions"))
            .with_context(|| format!("base_url {:?} is not a URL", options.base_url))?;
        anyhow::ensure!(
            matches!(url.scheme(), "http" | "https"),
            "base_url {:?} must be http or https",
            options.base_url
        );
        anyhow::ensure!(
            (0.0..=2.0).contains(&options.temperature),
            "temperature must be between 0 and 2"
        );
        anyhow::ensure!(options.max_concurrency >= 1, "max_concurrency must be >= 1");
        anyhow::ensure!(!options.model.trim().is_empty(), "model must not be empty");
        Ok(Self {
            client,
            url,
            model: options.model,
            api_key,
            temperature: options.temperature,
            max_tokens: options.max_tokens,
            system_prompt: options.system_prompt,
            include_usage: options.include_usage,
            limits,
            permits: Semaphore::new(options.max_concurrency),
        })
    }

    fn request_body<'a>(&'a self, messages: &'a [ChatMessage]) -> Request<'a> {
        let system = self.system_prompt.as_deref().map(|content| Message {
            role: "system",
            content,
        });
        Request {
            model: &self.model,
            messages: system
                .into_iter()
                .chain(messages.iter().map(|m| Message {
                    role: m.role,
                    content: &m.content,
                }))
                .collect(),
            stream: true,
            temperature: self.temperature,
            max_tokens: self.max_tokens,
            stream_options: self.include_usage.then_some(StreamOptions {
                include_usage: true,
            }),
        }
    }

    async fn send(&self, body: &Request<'_>) -> reqwest::Result<reqwest::Response> {
        let mut request = self.client.post(self.url.clone()).json(body);
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key.expose_secret());
        }
        request.send().await
    }

    /// Sends the request, retrying what may pass on a second try, until a
    /// successful response (whose body is the event stream) arrives. Returns
    /// `Ok(None)` when the voter stopped the answer first.
    async fn connect(
        &self,
        body: &Request<'_>,
        deadline: Instant,
        stop: &mut watch::Receiver<bool>,
    ) -> Result<Option<(reqwest::Response, Instant)>, ProviderError> {
        let mut attempt = 0;
        loop {
            let sent = Instant::now();
            let first_token_deadline = (sent + self.limits.first_token).min(deadline);
            let outcome = tokio::select! {
                biased;
                Ok(_) = stop.wait_for(|s| *s) => return Ok(None),
                r = timeout_at(first_token_deadline, self.send(body)) => r,
            };
            let (error, retry_after) = match outcome {
                Err(_) => return Err(self.timeout_error(first_token_deadline, deadline)),
                Ok(Ok(response)) if response.status().is_success() => {
                    return Ok(Some((response, sent)));
                }
                Ok(Ok(response)) => {
                    let status = response.status();
                    let retry_after = retry_after(response.headers());
                    let message = error_message(response, first_token_deadline).await;
                    let error = ProviderError::Status {
                        status: status.as_u16(),
                        message,
                    };
                    if status.as_u16() != 429 && !status.is_server_error() {
                        return Err(error);
                    }
                    (error, retry_after)
                }
                Ok(Err(e)) => (ProviderError::Connect(describe(&e)), None),
            };
            if attempt >= self.limits.max_retries {
                return Err(error);
            }
            let factor = 2u32.saturating_pow(attempt);
            let jitter = rand::rng().random_range(0.5..=1.0);
            let delay = self
                .limits
                .backoff
                .saturating_mul(factor)
                .mul_f64(jitter)
                .max(retry_after.unwrap_or_default());
            let resume = Instant::now() + delay;
            if resume >= deadline {
                return Err(error);
            }
            attempt += 1;
            tracing::warn!(
                model = %self.model,
                attempt,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                error = %error.kind(),
                "retrying a request to a model"
            );
            tokio::select! {
                biased;
                Ok(_) = stop.wait_for(|s| *s) => return Ok(None),
                () = sleep_until(resume) => {}
            }
        }
    }

    fn timeout_error(&self, hit: Instant, answer_deadline: Instant) -> ProviderError {
        if hit >= answer_deadline {
            ProviderError::AnswerTimeout(self.limits.answer)
        } else {
            ProviderError::FirstTokenTimeout(self.limits.first_token)
        }
    }

    async fn run(
        &self,
        messages: &[ChatMessage],
        on_delta: &mut DeltaSink<'_>,
        mut stop: watch::Receiver<bool>,
    ) -> Result<Completion, ProviderError> {
        let queued = Instant::now();
        let acquire = async {
            match self.limits.queue {
                Some(limit) => timeout_at(queued + limit, self.permits.acquire())
                    .await
                    .map_err(|_| ProviderError::Busy(limit)),
                None => Ok(self.permits.acquire().await),
            }
        };
        let _permit = tokio::select! {
            biased;
            Ok(_) = stop.wait_for(|s| *s) => return Ok(stopped(String::new(), queued, None)),
            p = acquire => match p? {
                Ok(permit) => permit,
                Err(_) => return Err(ProviderError::Protocol("provider closed".into())),
            },
        };
        let started = Instant::now();
        let deadline = started + self.limits.answer;
        let body = self.request_body(messages);
        let Some((response, sent)) = self.connect(&body, deadline, &mut stop).await? else {
            return Ok(stopped(String::new(), started, None));
        };
        let first_token_deadline = (sent + self.limits.first_token).min(deadline);
        if is_whole_json(response.headers()) {
            return self
                .read_whole(response, started, deadline, on_delta, stop)
                .await;
        }
        // Valid UTF-8 and events of bounded size reach the SSE parser (see
        // `guard`): an event holds at most one answer, JSON-escaped.
        let event_limit = self
            .limits
            .max_answer_bytes
            .saturating_mul(6)
            .saturating_add(1 << 16);
        let mut guard = guard::Guard::new(event_limit);
        let mut events = response
            .bytes_stream()
            .map(move |chunk| match chunk {
                Ok(bytes) => guard.feed(&bytes).map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            })
            .eventsource();
        let mut text = String::new();
        let mut first_token = None;
        // Reasoning models think aloud (`reasoning_content`) before they
        // answer: that proves the model is working, so it stops the
        // first-token clock, but it is not part of the answer.
        let mut thinking = false;
        let mut finish_reason = None;
        let mut usage = Usage::default();
        // After its finish reason, an upstream sends usage and `[DONE]` at
        // once; one that keeps the connection open after it has still
        // answered in full, and is not waited for past a short grace.
        let mut finished_at: Option<Instant> = None;
        loop {
            let wait_until = if let Some(at) = finished_at {
                (at + AFTER_FINISH).min(deadline)
            } else if first_token.is_none() && !thinking {
                first_token_deadline
            } else {
                deadline
            };
            let next = tokio::select! {
                biased;
                Ok(_) = stop.wait_for(|s| *s) => return Ok(stopped(text, started, first_token)),
                n = timeout_at(wait_until, events.next()) => n,
            };
            let event = match next {
                Err(_) if finish_reason.is_some() => break,
                Err(_) => return Err(self.timeout_error(wait_until, deadline)),
                Ok(None) if finish_reason.is_some() => break,
                Ok(None) => {
                    return Err(ProviderError::Stream(
                        "the stream ended before the answer finished".into(),
                    ));
                }
                Ok(Some(Err(e))) => return Err(ProviderError::Stream(e.to_string())),
                Ok(Some(Ok(event))) => event,
            };
            let data = event.data.trim();
            if data == "[DONE]" {
                break;
            }
            if data.is_empty() {
                continue;
            }
            let chunk: Chunk = serde_json::from_str(data).map_err(|e| {
                ProviderError::Protocol(format!("bad chunk ({e}): {}", excerpt(data)))
            })?;
            if let Some(error) = chunk.error {
                return Err(ProviderError::Upstream(upstream_message(&error)));
            }
            for choice in chunk.choices {
                let delta = choice.delta.unwrap_or_default();
                if delta.thinks() {
                    thinking = true;
                }
                if let Some(mut piece) = delta.content.map(without_control_characters)
                    && !piece.is_empty()
                {
                    first_token.get_or_insert_with(|| started.elapsed());
                    let room = self.limits.max_answer_bytes.saturating_sub(text.len());
                    if cut_to(&mut piece, room) {
                        finish_reason = Some("length".to_owned());
                    }
                    if !piece.is_empty() {
                        text.push_str(&piece);
                        on_delta(&piece);
                    }
                }
                if let Some(reason) = choice.finish_reason
                    && finish_reason.as_deref() != Some("length")
                {
                    finish_reason = Some(reason);
                }
            }
            if text.len() >= self.limits.max_answer_bytes {
                tracing::warn!(model = %self.model, bytes = text.len(), "answer cut at max_answer_bytes");
                finish_reason = Some("length".to_owned());
                break;
            }
            if let Some(u) = chunk.usage {
                usage = u;
            }
            if finish_reason.is_some() {
                finished_at.get_or_insert_with(Instant::now);
            }
        }
        Ok(finished(text, finish_reason, started, first_token, &usage))
    }

    /// The reply of a server that ignored `stream: true`: one
    /// `chat.completion` object, read (up to what `max_answer_bytes` of text
    /// can take as JSON) by the answer's deadline and passed on as one piece.
    async fn read_whole(
        &self,
        response: reqwest::Response,
        started: Instant,
        deadline: Instant,
        on_delta: &mut DeltaSink<'_>,
        mut stop: watch::Receiver<bool>,
    ) -> Result<Completion, ProviderError> {
        // Escaped JSON text takes up to six bytes per byte of text.
        let cap = self
            .limits
            .max_answer_bytes
            .saturating_mul(6)
            .saturating_add(MAX_ERROR_BODY);
        let read = tokio::select! {
            biased;
            Ok(_) = stop.wait_for(|s| *s) => return Ok(stopped(String::new(), started, None)),
            r = timeout_at(deadline, read_capped(response, cap)) => r,
        };
        let (bytes, whole) = match read {
            Err(_) => return Err(ProviderError::AnswerTimeout(self.limits.answer)),
            Ok((_, Err(e))) => return Err(ProviderError::Stream(describe(&e))),
            Ok((bytes, Ok(whole))) => (bytes, whole),
        };
        if !whole {
            return Err(ProviderError::Protocol(format!(
                "the reply is longer than {cap} bytes"
            )));
        }
        let reply: Whole = serde_json::from_slice(&bytes).map_err(|e| {
            ProviderError::Protocol(format!(
                "bad reply ({e}): {}",
                excerpt(&String::from_utf8_lossy(&bytes))
            ))
        })?;
        if let Some(error) = reply.error {
            return Err(ProviderError::Upstream(upstream_message(&error)));
        }
        let Some(choice) = reply.choices.into_iter().next() else {
            return Err(ProviderError::Protocol("the reply has no choice".into()));
        };
        let mut text =
            without_control_characters(choice.message.and_then(|m| m.content).unwrap_or_default());
        let mut finish_reason = choice.finish_reason;
        if cut_to(&mut text, self.limits.max_answer_bytes) {
            finish_reason = Some("length".to_owned());
        }
        let first_token = (!text.is_empty()).then(|| started.elapsed());
        if !text.is_empty() {
            on_delta(&text);
        }
        let usage = reply.usage.unwrap_or_default();
        Ok(finished(text, finish_reason, started, first_token, &usage))
    }
}

/// An answer the voter stopped, with what had come by then.
fn stopped(text: String, started: Instant, first_token: Option<Duration>) -> Completion {
    Completion {
        text,
        finish_reason: FinishReason::Stopped,
        latency: started.elapsed(),
        first_token,
        prompt_tokens: None,
        completion_tokens: None,
    }
}

/// An answer that came to its end (`stop` when the server named none).
fn finished(
    text: String,
    finish_reason: Option<String>,
    started: Instant,
    first_token: Option<Duration>,
    usage: &Usage,
) -> Completion {
    Completion {
        text,
        finish_reason: finish_reason.map_or(FinishReason::Stop, |r| FinishReason::parse(&r)),
        latency: started.elapsed(),
        first_token,
        prompt_tokens: usage.prompt_tokens,
        completion_tokens: usage.completion_tokens,
    }
}

/// Whether a successful response is one JSON document (a server that
/// ignored `stream: true`) rather than an event stream.
fn is_whole_json(headers: &HeaderMap) -> bool {
    headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

/// Cuts `piece` to at most `room` bytes, on a character boundary; true when
/// it cut anything.
fn cut_to(piece: &mut String, room: usize) -> bool {
    if piece.len() <= room {
        return false;
    }
    let mut cut = room;
    while !piece.is_char_boundary(cut) {
        cut -= 1;
    }
    piece.truncate(cut);
    true
}

impl ChatProvider for OpenAiProvider {
    fn complete<'a>(
        &'a self,
        messages: &'a [ChatMessage],
        on_delta: &'a mut DeltaSink<'a>,
        stop: watch::Receiver<bool>,
    ) -> BoxFuture<'a, Result<Completion, ProviderError>> {
        Box::pin(self.run(messages, on_delta, stop))
    }
}

/// `Retry-After` in seconds (the form model servers use), capped at a minute.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let seconds: u64 = headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds.min(60)))
}

/// The error message of a failed response: `error.message` of a JSON body, or
/// the start of the body as text.
async fn error_message(response: reqwest::Response, deadline: Instant) -> String {
    let status = response.status();
    let body = timeout_at(deadline, capped_body(response, MAX_ERROR_BODY))
        .await
        .unwrap_or_default();
    let parsed = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("error").map(upstream_message));
    match parsed {
        Some(m) => m,
        None if body.trim().is_empty() => status.canonical_reason().unwrap_or("error").to_owned(),
        None => excerpt(body.trim()),
    }
}

/// At most `cap` bytes of a body, as text; a server that sends more is not
/// read further, and a body that breaks off is taken as far as it came.
async fn capped_body(response: reqwest::Response, cap: usize) -> String {
    let (bytes, _) = read_capped(response, cap).await;
    String::from_utf8_lossy(&bytes).into_owned()
}

/// At most `cap` bytes of a body, with whether that was all of it (`false`:
/// there was more, which is not read) or the error it broke off with.
async fn read_capped(
    mut response: reqwest::Response,
    cap: usize,
) -> (Vec<u8>, reqwest::Result<bool>) {
    let mut bytes = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = cap.saturating_sub(bytes.len());
                if chunk.len() > room {
                    bytes.extend_from_slice(&chunk[..room]);
                    return (bytes, Ok(false));
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => return (bytes, Ok(true)),
            Err(e) => return (bytes, Err(e)),
        }
    }
}

/// A transport error without the request's headers (reqwest never prints
/// them, but the chain is kept short and free of anything but the cause).
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_connect() {
        "connection failed"
    } else if e.is_timeout() {
        "connection timed out"
    } else {
        "request failed"
    };
    match std::error::Error::source(e) {
        Some(cause) => format!("{kind}: {cause}"),
        None => kind.to_owned(),
    }
}

/// An answer's text without NUL and other control characters (line breaks
/// and tabs stay): PostgreSQL refuses NUL in text, and none of them is
/// anything a voter should see.
fn without_control_characters(piece: String) -> String {
    if piece
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        piece
            .chars()
            .filter(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
            .collect()
    } else {
        piece
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_dropped_from_answers_but_line_breaks_stay() {
        assert_eq!(
            without_control_characters("a\0b\u{1b}[1m c\n\td\r\n".to_owned()),
            "ab[1m c\n\td\r\n"
        );
        assert_eq!(without_control_characters("你好".to_owned()), "你好");
    }

    #[test]
    fn retry_after_reads_seconds_and_caps_them() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert(RETRY_AFTER, "2".parse().expect("header"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        h.insert(RETRY_AFTER, "86400".parse().expect("header"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(60)));
        h.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().expect("header"),
        );
        assert_eq!(retry_after(&h), None);
    }
}
