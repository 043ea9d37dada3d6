//! Model providers: where answers come from. `openai` calls any
//! OpenAI-compatible `/v1/chat/completions` server and streams its answer.
//! Providers know nothing of battles; the arena drives them. `build` turns
//! the configuration of a live model into its provider.

mod build;
pub mod openai;

pub use build::{SecretSource, build_provider, http_client, install_crypto_provider};

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio::sync::watch;

use crate::domain::FinishReason;

/// One message of a conversation sent to a model.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChatMessage {
    pub role: &'static str,
    pub content: String,
}

impl ChatMessage {
    #[must_use]
    pub fn user(content: impl Into<String>) -> Self {
        Self {
            role: "user",
            content: content.into(),
        }
    }

    #[must_use]
    pub fn assistant(content: impl Into<String>) -> Self {
        Self {
            role: "assistant",
            content: content.into(),
        }
    }
}

/// A finished answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub text: String,
    /// The server's finish reason (`stop`, `length`, ...), or `stopped` when the
    /// voter stopped the answer.
    pub finish_reason: FinishReason,
    pub latency: Duration,
    /// Time to the first piece of text; `None` for an answer without any.
    pub first_token: Option<Duration>,
    pub prompt_tokens: Option<u32>,
    pub completion_tokens: Option<u32>,
}

/// Why a model gave no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    #[error("could not connect: {0}")]
    Connect(String),
    #[error("no first token within {0:?}")]
    FirstTokenTimeout(Duration),
    #[error("answer not finished within {0:?}")]
    AnswerTimeout(Duration),
    #[error("HTTP {status}: {message}")]
    Status { status: u16, message: String },
    #[error("the stream broke off: {0}")]
    Stream(String),
    #[error("the server reported an error: {0}")]
    Upstream(String),
    #[error("unexpected reply: {0}")]
    Protocol(String),
    #[error("no free request slot within {0:?} (max_concurrency)")]
    Busy(Duration),
}

impl ProviderError {
    /// A short description without anything the server sent back (which may
    /// echo the prompt or the answer): what a log line may carry.
    #[must_use]
    pub fn kind(&self) -> String {
        match self {
            Self::Connect(_) => "connection failed".to_owned(),
            Self::FirstTokenTimeout(_) => "first-token timeout".to_owned(),
            Self::AnswerTimeout(_) => "answer timeout".to_owned(),
            Self::Status { status, .. } => format!("HTTP {status}"),
            Self::Stream(_) => "stream broke off".to_owned(),
            Self::Upstream(_) => "error reported in the stream".to_owned(),
            Self::Protocol(_) => "unreadable reply".to_owned(),
            Self::Busy(_) => "no free request slot".to_owned(),
        }
    }

    /// A stable label for metrics: `connect`, `first_token_timeout`,
    /// `answer_timeout`, `http_4xx`, `http_5xx`, `stream`, `upstream`,
    /// `protocol` or `busy`.
    #[must_use]
    pub fn label(&self) -> &'static str {
        match self {
            Self::Connect(_) => "connect",
            Self::FirstTokenTimeout(_) => "first_token_timeout",
            Self::AnswerTimeout(_) => "answer_timeout",
            Self::Status { status, .. } if *status >= 500 => "http_5xx",
            Self::Status { .. } => "http_4xx",
            Self::Stream(_) => "stream",
            Self::Upstream(_) => "upstream",
            Self::Protocol(_) => "protocol",
            Self::Busy(_) => "busy",
        }
    }

    /// Whether the failure says something about the model's health. A
    /// request the server refused as such (400, 413, 422: a content filter, a
    /// conversation longer than the context) is the prompt's doing, and a
    /// full queue is this instance's; neither may bench the model, or a voter
    /// could take any model out of sampling with a few bad prompts. An
    /// answer that ran out of time after it began is a long answer, not a
    /// sick model (a dead one misses its first token instead).
    #[must_use]
    pub fn counts_against_model(&self) -> bool {
        match self {
            Self::Status { status, .. } => !matches!(status, 400 | 413 | 422),
            Self::Busy(_) | Self::AnswerTimeout(_) => false,
            _ => true,
        }
    }
}

/// Receives the answer's text as it arrives.
pub type DeltaSink<'a> = dyn FnMut(&str) + Send + 'a;

/// A boxed future, so that providers can be trait objects.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A source of streamed chat answers.
pub trait ChatProvider: Send + Sync {
    /// Answers the conversation (which ends with a user message), passing text
    /// to `on_delta` as it arrives. When `stop` turns `true`, ends early with
    /// what arrived so far and finish reason [`FinishReason::Stopped`].
    ///
    /// # Errors
    /// When the model gives no complete answer; see [`ProviderError`].
    fn complete<'a>(
        &'a self,
        messages: &'a [ChatMessage],
        on_delta: &'a mut DeltaSink<'a>,
        stop: watch::Receiver<bool>,
    ) -> BoxFuture<'a, Result<Completion, ProviderError>>;

    /// The whole answer, with nobody reading along and nobody to stop it
    /// (batch work: exams, answer sets).
    ///
    /// # Errors
    /// As [`ChatProvider::complete`].
    fn complete_whole<'a>(
        &'a self,
        messages: &'a [ChatMessage],
    ) -> BoxFuture<'a, Result<Completion, ProviderError>> {
        Box::pin(async move {
            // Never stopped: the sender lives until the answer is complete.
            let (_stop, stop) = watch::channel(false);
            let mut ignore = |_: &str| {};
            self.complete(messages, &mut ignore, stop).await
        })
    }
}
