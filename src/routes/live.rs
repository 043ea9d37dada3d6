//! Live battles on the wire: the answer stream (server-sent events), follow-up
//! turns, regeneration, the stop switch, and what the page needs to know.

use std::time::Duration;

use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::battles::{BattleBody, battle_id};
use super::body::{self, BodyLimit};
use super::voter;
use crate::arena::{Arena, StreamEvent};
use crate::error::ApiError;
use crate::markdown::to_safe_html;

/// A comment line this often keeps proxies from closing a quiet stream (a
/// model may think for a while before its first token).
const KEEP_ALIVE: Duration = Duration::from_secs(15);

#[derive(Serialize)]
struct ArenaInfo {
    live: LiveBody,
}

#[derive(Serialize)]
struct LiveBody {
    enabled: bool,
    /// Live models not sitting out a cool-down.
    models: usize,
    max_prompt_chars: usize,
    max_turns: usize,
    /// Every live model, for a named battle (`mode: named`).
    choices: Vec<Choice>,
}

#[derive(Serialize)]
struct Choice {
    name: String,
    display_name: String,
}

pub(super) async fn info(arena: web::Data<Arena>) -> HttpResponse {
    let i = arena.live_info();
    HttpResponse::Ok().json(ArenaInfo {
        live: LiveBody {
            enabled: i.enabled,
            models: i.available_models,
            max_prompt_chars: i.max_prompt_chars,
            max_turns: i.max_turns,
            choices: i
                .models
                .into_iter()
                .map(|(name, display_name)| Choice { name, display_name })
                .collect(),
        },
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TurnRequest {
    prompt: String,
}

#[tracing::instrument(skip_all, fields(battle = %path))]
pub(super) async fn add_turn(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    limit: web::Data<BodyLimit>,
    arena: web::Data<Arena>,
) -> Result<HttpResponse, ApiError> {
    let id = battle_id(&path)?;
    let bytes = body::read(payload, **limit).await?;
    let request: TurnRequest = body::parse(&bytes, false)?;
    let voter = voter::existing(&req);
    let view = arena
        .add_turn(id, &request.prompt, voter.as_deref())
        .await?;
    Ok(HttpResponse::Created().json(BattleBody::from(view)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Empty {}

/// Regenerate and stop take no arguments: an empty body or `{}`, nothing else.
async fn no_body(payload: web::Payload, limit: BodyLimit) -> Result<(), ApiError> {
    let bytes = body::read(payload, limit).await?;
    let _: Empty = body::parse(&bytes, true)?;
    Ok(())
}

#[tracing::instrument(skip_all, fields(battle = %path))]
pub(super) async fn regenerate(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    limit: web::Data<BodyLimit>,
    arena: web::Data<Arena>,
) -> Result<HttpResponse, ApiError> {
    let id = battle_id(&path)?;
    no_body(payload, **limit).await?;
    let voter = voter::existing(&req);
    let view = arena.regenerate(id, voter.as_deref()).await?;
    Ok(HttpResponse::Created().json(BattleBody::from(view)))
}

#[tracing::instrument(skip_all, fields(battle = %path))]
pub(super) async fn stop(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    limit: web::Data<BodyLimit>,
    arena: web::Data<Arena>,
) -> Result<HttpResponse, ApiError> {
    let id = battle_id(&path)?;
    no_body(payload, **limit).await?;
    let voter = voter::existing(&req);
    let stopped = arena.stop(id, voter.as_deref()).await?;
    Ok(HttpResponse::Ok().json(json!({ "battle_id": id, "stopped": stopped })))
}

#[tracing::instrument(skip(arena))]
pub(super) async fn stream(
    path: web::Path<String>,
    arena: web::Data<Arena>,
) -> Result<HttpResponse, ApiError> {
    let id = battle_id(&path)?;
    let events = arena.stream(id).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(sse(events)))
}

/// Encodes the events as server-sent events, with keep-alive comments while
/// nothing happens.
fn sse(
    events: impl Stream<Item = StreamEvent> + Send + 'static,
) -> impl Stream<Item = Result<Bytes, std::convert::Infallible>> {
    futures_util::stream::unfold(Box::pin(events), |mut events| async move {
        let frame = match tokio::time::timeout(KEEP_ALIVE, events.next()).await {
            Err(_) => Bytes::from_static(b": keep-alive\n\n"),
            Ok(None) => return None,
            Ok(Some(event)) => encode(&event),
        };
        Some((Ok(frame), events))
    })
}

fn encode(event: &StreamEvent) -> Bytes {
    let (name, data) = match event {
        StreamEvent::Delta { side, turn, text } => (
            "delta",
            json!({ "side": side.as_str(), "turn": turn, "text": text }),
        ),
        StreamEvent::Done {
            side,
            turn,
            text,
            stats,
        } => (
            "done",
            json!({
                "side": side.as_str(),
                "turn": turn,
                "text": text,
                "html": to_safe_html(text),
                "finish_reason": stats.finish_reason,
                "latency_ms": stats.latency_ms,
                "first_token_ms": stats.first_token_ms,
                "prompt_tokens": stats.prompt_tokens,
                "completion_tokens": stats.completion_tokens,
            }),
        ),
        StreamEvent::Void { reason } => ("void", json!({ "reason": reason })),
        StreamEvent::End { status } => ("end", json!({ "status": status })),
    };
    // Compact JSON has no raw newline, so one `data:` line carries it.
    Bytes::from(format!("event: {name}\ndata: {data}\n\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Side;

    #[test]
    fn events_are_single_line_sse_frames() {
        let frame = encode(&StreamEvent::Delta {
            side: Side::B,
            turn: 1,
            text: "line one\nline two".into(),
        });
        let text = String::from_utf8(frame.to_vec()).expect("utf-8");
        assert!(text.starts_with("event: delta\ndata: {"));
        assert!(text.ends_with("}\n\n"));
        assert_eq!(text.matches('\n').count(), 3);
        assert!(text.contains(r#""text":"line one\nline two""#));
    }
}
