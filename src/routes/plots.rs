//! `GET /plots/{kind}`: the board's plots as SVG (`image/svg+xml`), drawn on
//! the server. Kinds: `ratings`, `win_fraction`, `battle_count`,
//! `predicted_win` (each with `?show_deprecated=true`), and `history`
//! (`?models=a,b&reference=c&from=&to=`). A heatmap's numbers, for its data
//! table, with `?format=json`: `{"kind", "models", "cells"}`.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::error::{ApiError, ErrorCode};
use crate::leaderboard::plots::{PlotError, PlotQuery, matrix, render};
use crate::leaderboard::{LeaderboardCache, Snapshots};
use crate::plots::Kind;

/// `v` is for the page: a new value (the board's time) makes the browser
/// fetch the plot again; the server ignores it.
const PARAMETERS: [&str; 7] = [
    "models",
    "reference",
    "from",
    "to",
    "show_deprecated",
    "format",
    "v",
];

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidBody, message)
}

fn parse_query(kind: Kind, q: &HashMap<String, String>) -> Result<PlotQuery, ApiError> {
    if let Some(unknown) = q.keys().find(|k| !PARAMETERS.contains(&k.as_str())) {
        return Err(invalid(format!(
            "unknown parameter {unknown:?}; a plot takes {}",
            PARAMETERS.join(", ")
        )));
    }
    let history_only = ["models", "reference", "from", "to"];
    if kind != Kind::History
        && let Some(k) = history_only.iter().find(|k| q.contains_key(**k))
    {
        return Err(invalid(format!("{k} applies to the history plot only")));
    }
    let time = |key: &str, end: bool| {
        q.get(key)
            .filter(|t| !t.trim().is_empty())
            .map(|t| {
                crate::export::parse_when(t, end).map_err(|e| invalid(format!("{key}: {e:#}")))
            })
            .transpose()
    };
    let show_deprecated = match q.get("show_deprecated").map(String::as_str) {
        None | Some("false" | "0" | "") => false,
        Some("true" | "1") => true,
        Some(other) => {
            return Err(invalid(format!(
                "show_deprecated is true or false, not {other:?}"
            )));
        }
    };
    let mut models: Vec<String> = Vec::new();
    for m in q
        .get("models")
        .map(|m| m.split(',').map(str::trim).filter(|m| !m.is_empty()))
        .into_iter()
        .flatten()
    {
        if !models.iter().any(|x| x == m) {
            models.push(m.to_owned());
        }
    }
    Ok(PlotQuery {
        models,
        reference: q
            .get("reference")
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty()),
        from: time("from", false)?,
        to: time("to", true)?,
        show_deprecated,
    })
}

fn api_error(e: PlotError) -> ApiError {
    match e {
        PlotError::Invalid(m) => invalid(m),
        PlotError::ModelNotFound(_) => ApiError::new(ErrorCode::ModelNotFound, e.to_string()),
        PlotError::NotReady => ApiError::new(ErrorCode::LeaderboardNotReady, e.to_string()),
        PlotError::Unexpected(cause) => ApiError::Unexpected(cause),
    }
}

pub(super) async fn get(
    kind: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
    cache: web::Data<LeaderboardCache>,
    snapshots: web::Data<Snapshots>,
    db: web::Data<sea_orm::DatabaseConnection>,
) -> Result<HttpResponse, ApiError> {
    let kind = Kind::parse(&kind).ok_or_else(|| {
        invalid(format!(
            "no plot called {:?}; the plots are {}",
            kind.as_str(),
            Kind::ALL.map(Kind::as_str).join(", ")
        ))
    })?;
    let json = match query.get("format").map(String::as_str) {
        None | Some("svg") => false,
        Some("json")
            if matches!(
                kind,
                Kind::WinFraction | Kind::BattleCount | Kind::PredictedWin
            ) =>
        {
            true
        }
        Some(other) => {
            return Err(invalid(format!(
                "format is svg, or json for a heatmap; not {other:?} for {}",
                kind.as_str()
            )));
        }
    };
    let query = parse_query(kind, &query)?;
    let board = cache.get();
    if json {
        let board = board.ok_or(PlotError::NotReady).map_err(api_error)?;
        let matrix = matrix(db.get_ref(), &board, kind, query.show_deprecated)
            .await
            .map_err(api_error)?;
        return Ok(HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .json(matrix));
    }
    let svg = render(db.get_ref(), board.as_deref(), &snapshots, kind, &query)
        .await
        .map_err(api_error)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(svg))
}
