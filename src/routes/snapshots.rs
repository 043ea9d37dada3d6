//! Rating snapshots and history: `GET/POST /snapshots`, `GET /snapshots/{id}`,
//! `GET /models/{name}/history`. A snapshot's board is also served by
//! `GET /leaderboard?snapshot=ID`.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::extract::{JsonBody, OperatorRole, RequestBody, RequireRole};
use super::views::{LeaderboardBody, SnapshotBody};
use crate::error::{ApiError, ErrorCode};
use crate::leaderboard::Snapshots;

/// `from` / `to`: an RFC 3339 time or a date (`2026-11-30`, the whole day).
#[derive(Debug, Default, Deserialize)]
pub(super) struct Range {
    from: Option<String>,
    to: Option<String>,
}

fn parse_time(text: &str, end: bool) -> Result<DateTime<Utc>, ApiError> {
    crate::export::parse_when(text, end)
        .map_err(|e| ApiError::new(ErrorCode::InvalidBody, format!("{e:#}")))
}

/// A time range, either end open.
type Bounds = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

impl Range {
    fn bounds(&self) -> Result<Bounds, ApiError> {
        Ok((
            self.from
                .as_deref()
                .map(|t| parse_time(t, false))
                .transpose()?,
            self.to
                .as_deref()
                .map(|t| parse_time(t, true))
                .transpose()?,
        ))
    }
}

pub(super) async fn list(
    query: web::Query<Range>,
    snapshots: web::Data<Snapshots>,
) -> Result<HttpResponse, ApiError> {
    let (from, to) = query.bounds()?;
    let list = snapshots.list(from, to).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "snapshots": list.iter().map(SnapshotBody::from).collect::<Vec<_>>(),
    })))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TakeSnapshot {
    #[serde(default)]
    label: Option<String>,
}

impl RequestBody for TakeSnapshot {
    const OPTIONAL: bool = true;
}

/// `POST /snapshots {"label"}`: takes a snapshot now (audited).
pub(super) async fn take(
    req: actix_web::HttpRequest,
    operator: RequireRole<OperatorRole>,
    JsonBody(body): JsonBody<TakeSnapshot>,
    snapshots: web::Data<Snapshots>,
    db: web::Data<sea_orm::DatabaseConnection>,
) -> Result<HttpResponse, ApiError> {
    let label = body
        .label
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty());
    if label.as_ref().is_some_and(|l| l.chars().count() > 200) {
        return Err(ApiError::new(
            ErrorCode::InvalidBody,
            "a label has at most 200 characters",
        ));
    }
    let snapshot = snapshots
        .take(label, None)
        .await?
        .ok_or_else(|| anyhow::anyhow!("an on-demand snapshot was not stored"))?;
    crate::auth::users::audit(
        db.get_ref(),
        &operator.actor(&req),
        "snapshot.take",
        &format!("snapshot {}", snapshot.id),
        None,
        Some(serde_json::json!({ "label": snapshot.label, "input_sha256": snapshot.input_sha256 })),
    )
    .await?;
    Ok(HttpResponse::Created().json(SnapshotBody::from(&snapshot)))
}

pub(super) async fn get(
    id: web::Path<i32>,
    snapshots: web::Data<Snapshots>,
) -> Result<HttpResponse, ApiError> {
    let snapshot = snapshots.get(*id).await?.ok_or_else(|| not_found(*id))?;
    let board = snapshot.board();
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "snapshot": SnapshotBody::from(&snapshot),
        "leaderboard": LeaderboardBody::new(&board, true, true),
    })))
}

pub(super) fn not_found(id: i32) -> ApiError {
    ApiError::new(
        ErrorCode::SnapshotNotFound,
        format!("no snapshot with id {id}"),
    )
}

/// `GET /models/{name}/history?from=&to=`.
pub(super) async fn history(
    name: web::Path<String>,
    query: web::Query<Range>,
    snapshots: web::Data<Snapshots>,
    db: web::Data<sea_orm::DatabaseConnection>,
) -> Result<HttpResponse, ApiError> {
    if crate::store::models::find_by_name(db.get_ref(), &name)
        .await?
        .is_none()
    {
        return Err(ApiError::new(
            ErrorCode::ModelNotFound,
            format!("no model called {:?}", name.as_str()),
        ));
    }
    let (from, to) = query.bounds()?;
    let points = snapshots.history(&name, from, to).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "model": name.as_str(), "points": points })))
}
