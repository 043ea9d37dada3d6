//! Live battles on the wire: the answer stream (server-sent events), follow-up
//! turns, regeneration, the stop switch, and what the page needs to know.

use std::time::Duration;

use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use futures_util::{Stream, StreamExt};
use serde::Deserialize;
use serde_json::json;

use super::extract::{BattleIdPath, JsonBody, NoArguments, RequestBody};
use super::views::{ArenaInfoBody, BattleBody, StoppedBody};
use super::voter::Voter;
use crate::arena::{Arena, StreamEvent};
use crate::error::ApiError;
use crate::integrity::{Action, Integrity};
use crate::markdown::to_safe_html;

/// A comment line this often keeps proxies from closing a quiet stream (a
/// model may think for a while before its first token).
const KEEP_ALIVE: Duration = Duration::from_secs(15);

pub(super) async fn info(arena: web::Data<Arena>) -> HttpResponse {
    HttpResponse::Ok().json(ArenaInfoBody::from(arena.live_info()))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TurnRequest {
    prompt: String,
}

impl RequestBody for TurnRequest {
    const OPTIONAL: bool = false;
    const CHECKS_OWN_TEXT: bool = true;
}

#[tracing::instrument(skip_all, fields(battle = %id))]
pub(super) async fn add_turn(
    voter: Voter,
    BattleIdPath(id): BattleIdPath,
    JsonBody(request): JsonBody<TurnRequest>,
    arena: web::Data<Arena>,
    integrity: web::Data<Integrity>,
) -> Result<HttpResponse, ApiError> {
    voter.limit(&integrity, Action::Live)?;
    let view = arena
        .add_turn(id, &request.prompt, Some(voter.id()))
        .await?;
    Ok(HttpResponse::Created().json(BattleBody::from(view)))
}

/// Regenerate and stop take no arguments: an empty body or `{}`, nothing else.
#[tracing::instrument(skip_all, fields(battle = %id))]
pub(super) async fn regenerate(
    voter: Voter,
    BattleIdPath(id): BattleIdPath,
    _: JsonBody<NoArguments>,
    arena: web::Data<Arena>,
    integrity: web::Data<Integrity>,
) -> Result<HttpResponse, ApiError> {
    voter.limit(&integrity, Action::Live)?;
    let view = arena.regenerate(id, Some(voter.id())).await?;
    Ok(HttpResponse::Created().json(BattleBody::from(view)))
}

#[tracing::instrument(skip_all, fields(battle = %id))]
pub(super) async fn stop(
    voter: Voter,
    BattleIdPath(id): BattleIdPath,
    _: JsonBody<NoArguments>,
    arena: web::Data<Arena>,
) -> Result<HttpResponse, ApiError> {
    let stopped = arena.stop(id, Some(voter.id())).await?;
    Ok(HttpResponse::Ok().json(StoppedBody {
        battle_id: id,
        stopped,
    }))
}

#[tracing::instrument(skip(arena))]
pub(super) async fn stream(
    BattleIdPath(id): BattleIdPath,
    arena: web::Data<Arena>,
) -> Result<HttpResponse, ApiError> {
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
        // How fast and how long each answer was is told with the vote, not
        // here: speed and token counts (a prompt's tokens name the tokenizer,
        // so the model family) must not sway or unblind it.
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
                "finish_reason": stats.finish_reason.as_str(),
            }),
        ),
        StreamEvent::Void { reason } => ("void", json!({ "reason": reason })),
        StreamEvent::Failed { side, turn, reason } => (
            "failed",
            json!({ "side": side.as_str(), "turn": turn, "reason": reason }),
        ),
        StreamEvent::End { status } => (
            "end",
            json!({ "status": status.map_or("error", |s| s.as_str()) }),
        ),
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
