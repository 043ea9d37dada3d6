//! Operator downloads: the battles as a clean-battle file, the votes as CSV,
//! the leaderboard as CSV / JSON / Markdown / LaTeX, each with its SHA-256 in
//! `X-Content-SHA256` and a manifest beside it (`.../manifest`).

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::domain::Scope;
use crate::error::{ApiError, ErrorCode};
use crate::export::battles::{
    BoardFormat, Manifest, encode_battles, encode_board, encode_votes_csv,
};
use crate::export::parse_when;
use crate::leaderboard::{LeaderboardCache, Snapshots};
use crate::store;
use crate::store::exports::ExportFilter;

use super::extract::{OperatorRole, RequireRole};

/// Every export is an operator's (the access guard checks it first; this is
/// the second line).
type Operator = RequireRole<OperatorRole>;

#[derive(Debug, Default, Deserialize)]
pub(super) struct BattlesQuery {
    since: Option<String>,
    until: Option<String>,
    scope: Option<String>,
    #[serde(default)]
    with_conversations: bool,
}

fn bad(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorCode::InvalidBody, e.to_string())
}

impl BattlesQuery {
    fn filter(&self) -> Result<ExportFilter, ApiError> {
        Ok(ExportFilter {
            since: self
                .since
                .as_deref()
                .map(|t| parse_when(t, false))
                .transpose()
                .map_err(|e| bad(format!("{e:#}")))?,
            until: self
                .until
                .as_deref()
                .map(|t| parse_when(t, true))
                .transpose()
                .map_err(|e| bad(format!("{e:#}")))?,
            scope: Scope::parse(self.scope.as_deref().unwrap_or("overall")).map_err(bad)?,
        })
    }
}

async fn battles_file(
    db: &sea_orm::DatabaseConnection,
    query: &BattlesQuery,
) -> Result<(Vec<u8>, Manifest), ApiError> {
    let filter = query.filter()?;
    let votes = store::exports::votes(db, &filter).await?;
    let ids: Vec<uuid::Uuid> = votes.iter().map(|v| v.battle_id).collect();
    let turns = store::exports::turns(db, &ids).await?;
    let conversations = if query.with_conversations {
        Some(store::exports::conversations(db, &ids).await?)
    } else {
        None
    };
    let (body, counts) = encode_battles(&votes, &turns, conversations.as_ref())?;
    let manifest = Manifest::of(
        "battles",
        "battles.jsonl",
        &body,
        "GET /api/v1/export/battles".to_owned(),
        serde_json::json!({
            "since": filter.since.map(|t| t.to_rfc3339()),
            "until": filter.until.map(|t| t.to_rfc3339()),
            "scope": filter.scope.key(),
            "with_conversations": query.with_conversations,
        }),
        serde_json::to_value(&counts).map_err(anyhow::Error::from)?,
        None,
        "goldarena ratings --input battles.jsonl --ci sandwich (records with counted: false or anony: false are left out, as the server's board leaves them out)".to_owned(),
    );
    Ok((body, manifest))
}

fn download(body: Vec<u8>, content_type: &str, name: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("X-Content-SHA256", crate::export::sha256_hex(&body)))
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}\""),
        ))
        .body(body)
}

pub(super) async fn battles(
    _operator: Operator,
    query: web::Query<BattlesQuery>,
    db: web::Data<sea_orm::DatabaseConnection>,
) -> Result<HttpResponse, ApiError> {
    let (body, _) = battles_file(db.get_ref(), &query).await?;
    Ok(download(body, "application/x-ndjson", "battles.jsonl"))
}

pub(super) async fn battles_manifest(
    _operator: Operator,
    query: web::Query<BattlesQuery>,
    db: web::Data<sea_orm::DatabaseConnection>,
) -> Result<HttpResponse, ApiError> {
    let (_, manifest) = battles_file(db.get_ref(), &query).await?;
    Ok(HttpResponse::Ok().json(manifest))
}

pub(super) async fn votes(
    _operator: Operator,
    query: web::Query<BattlesQuery>,
    db: web::Data<sea_orm::DatabaseConnection>,
) -> Result<HttpResponse, ApiError> {
    let votes = store::exports::votes(db.get_ref(), &query.filter()?).await?;
    Ok(download(
        encode_votes_csv(&votes)?,
        "text/csv; charset=utf-8",
        "votes.csv",
    ))
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct BoardQuery {
    format: Option<String>,
    snapshot: Option<i32>,
}

pub(super) async fn leaderboard(
    _operator: Operator,
    query: web::Query<BoardQuery>,
    cache: web::Data<LeaderboardCache>,
    snapshots: web::Data<Snapshots>,
) -> Result<HttpResponse, ApiError> {
    let format = BoardFormat::parse(query.format.as_deref().unwrap_or("csv")).map_err(bad)?;
    let board = match query.snapshot {
        Some(id) => snapshots
            .get(id)
            .await?
            .ok_or_else(|| super::snapshots::not_found(id))?
            .board(),
        None => cache
            .get()
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::LeaderboardNotReady,
                    "the leaderboard is being computed; try again in a moment",
                )
            })?
            .as_ref()
            .clone(),
    };
    let ext = match format {
        BoardFormat::Csv => "csv",
        BoardFormat::Json => "json",
        BoardFormat::Markdown => "md",
        BoardFormat::Latex => "tex",
    };
    Ok(download(
        encode_board(&board, format)?,
        format.content_type(),
        &format!("leaderboard.{ext}"),
    ))
}
