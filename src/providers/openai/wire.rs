//! The wire format of OpenAI-compatible chat completions: the request body
//! sent, the stream's chunks read back, and the error messages servers put in
//! either.

use serde::{Deserialize, Serialize};

#[derive(Serialize)]
pub(super) struct Request<'a> {
    pub(super) model: &'a str,
    pub(super) messages: Vec<Message<'a>>,
    pub(super) stream: bool,
    pub(super) temperature: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) max_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) stream_options: Option<StreamOptions>,
}

#[derive(Serialize)]
pub(super) struct Message<'a> {
    pub(super) role: &'a str,
    pub(super) content: &'a str,
}

#[derive(Serialize)]
pub(super) struct StreamOptions {
    pub(super) include_usage: bool,
}

#[derive(Deserialize)]
pub(super) struct Chunk {
    #[serde(default, deserialize_with = "null_as_empty")]
    pub(super) choices: Vec<Choice>,
    #[serde(default)]
    pub(super) usage: Option<Usage>,
    #[serde(default)]
    pub(super) error: Option<serde_json::Value>,
}

#[derive(Deserialize)]
pub(super) struct Choice {
    #[serde(default)]
    pub(super) delta: Option<Delta>,
    #[serde(default)]
    pub(super) finish_reason: Option<String>,
}

#[derive(Default, Deserialize)]
pub(super) struct Delta {
    #[serde(default)]
    pub(super) content: Option<String>,
    /// A reasoning model's thinking: `reasoning_content` (DeepSeek, vLLM,
    /// SGLang) or `reasoning` (OpenRouter, newer vLLM).
    #[serde(default)]
    pub(super) reasoning_content: Option<String>,
    #[serde(default)]
    pub(super) reasoning: Option<String>,
}

impl Delta {
    /// Whether this piece is the model thinking aloud.
    pub(super) fn thinks(&self) -> bool {
        [&self.reasoning_content, &self.reasoning]
            .into_iter()
            .any(|r| r.as_ref().is_some_and(|r| !r.is_empty()))
    }
}

/// The whole reply of a server that ignores `stream: true` and answers one
/// `chat.completion` object.
#[derive(Deserialize)]
pub(super) struct Whole {
    #[serde(default, deserialize_with = "null_as_empty")]
    pub(super) choices: Vec<WholeChoice>,
    #[serde(default)]
    pub(super) usage: Option<Usage>,
    #[serde(default)]
    pub(super) error: Option<serde_json::Value>,
}

#[derive(Deserialize)]
pub(super) struct WholeChoice {
    #[serde(default)]
    pub(super) message: Option<WholeMessage>,
    #[serde(default)]
    pub(super) finish_reason: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct WholeMessage {
    #[serde(default)]
    pub(super) content: Option<String>,
}

/// A list that a server may also send as `null`.
fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

#[derive(Default, Deserialize)]
pub(super) struct Usage {
    #[serde(default)]
    pub(super) prompt_tokens: Option<u32>,
    #[serde(default)]
    pub(super) completion_tokens: Option<u32>,
}

/// `{"message": ...}` objects (OpenAI) and plain strings (Ollama).
pub(super) fn upstream_message(error: &serde_json::Value) -> String {
    let message = match error {
        serde_json::Value::String(s) => s.clone(),
        other => other
            .get("message")
            .and_then(serde_json::Value::as_str)
            .map_or_else(|| other.to_string(), str::to_owned),
    };
    excerpt(&message)
}

/// The start of an upstream's text, as errors quote it (and as they are
/// stored with a failed answer), with what looks like a credential masked.
pub(super) fn excerpt(text: &str) -> String {
    const MAX: usize = 300;
    let text = redacted(text);
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

/// `text` with the word after `Bearer` and words that start with `sk-` (an
/// OpenAI-style key) replaced by `[redacted]`: a gateway that echoes the
/// request's key in its error must not put it in the database or the logs.
fn redacted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut after_bearer = false;
    for piece in text.split_inclusive(char::is_whitespace) {
        let word = piece.trim_end();
        if word.is_empty() {
            out.push_str(piece);
            continue;
        }
        let bare = word.trim_matches(|c: char| !c.is_alphanumeric() && c != '-' && c != '_');
        if after_bearer || (bare.starts_with("sk-") && bare.len() > 6) {
            out.push_str("[redacted]");
            out.push_str(&piece[word.len()..]);
        } else {
            out.push_str(piece);
        }
        after_bearer = bare.eq_ignore_ascii_case("bearer");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_upstream_text_are_masked() {
        assert_eq!(
            excerpt("bad header: Authorization: Bearer abc.def-123 (expired)"),
            "bad header: Authorization: Bearer [redacted] (expired)"
        );
        assert_eq!(
            excerpt("Incorrect API key provided: sk-proj-AbC123xyz. See docs."),
            "Incorrect API key provided: [redacted] See docs."
        );
        assert_eq!(
            excerpt("rate limited, try again"),
            "rate limited, try again"
        );
        assert_eq!(excerpt("a task-list and sk-1"), "a task-list and sk-1");
    }

    #[test]
    fn upstream_errors_read_both_shapes() {
        let openai = serde_json::json!({"message": "rate limited", "type": "x"});
        assert_eq!(upstream_message(&openai), "rate limited");
        assert_eq!(
            upstream_message(&serde_json::json!("model not found")),
            "model not found"
        );
    }

    #[test]
    fn chunks_read_the_shapes_servers_send() {
        let null_choices: Chunk = serde_json::from_str(
            r#"{"choices": null, "usage": {"prompt_tokens": 3, "completion_tokens": null}}"#,
        )
        .expect("a usage chunk with null choices");
        assert!(null_choices.choices.is_empty());
        assert_eq!(null_choices.usage.and_then(|u| u.prompt_tokens), Some(3));
        for key in ["reasoning_content", "reasoning"] {
            let chunk: Chunk = serde_json::from_str(&format!(
                r#"{{"choices": [{{"delta": {{"{key}": "hmm", "content": null}}}}]}}"#
            ))
            .expect("a thinking chunk");
            let delta = chunk
                .choices
                .into_iter()
                .next()
                .and_then(|c| c.delta)
                .expect("delta");
            assert!(delta.thinks(), "{key}");
        }
        let empty: Chunk =
            serde_json::from_str(r#"{"choices": [{"delta": {"reasoning": ""}}]}"#).expect("chunk");
        assert!(
            !empty
                .choices
                .into_iter()
                .next()
                .and_then(|c| c.delta)
                .expect("delta")
                .thinks()
        );
    }

    #[test]
    fn excerpts_cut_on_character_boundaries() {
        let long = "é".repeat(400);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), 301);
    }
}
