//! `GET /api/v1/leaderboard`.

use actix_web::{HttpResponse, web};

use super::views::LeaderboardBody;
use crate::domain::Scope;
use crate::error::{ApiError, ErrorCode};
use crate::integrity::Integrity;
use crate::leaderboard::LeaderboardCache;

/// `?show_deprecated=true` lists deprecated models too (they are in every
/// fit either way).
#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct BoardQuery {
    #[serde(default)]
    show_deprecated: bool,
    /// A category's board (`?category=medical`), from its own counts.
    category: Option<String>,
    /// A language's board (`?language=cmn`); with `category`, the board of
    /// both at once.
    language: Option<String>,
    /// `?style_control=true`: each row also gets its rating with the
    /// answers' style held equal, and Rank (StyleCtrl).
    #[serde(default)]
    style_control: bool,
    /// `?snapshot=ID`: the board as that snapshot keeps it.
    snapshot: Option<i32>,
}

/// A category or language as a scope names it: a scope's key is written
/// `category:NAME,language:CODE`, so a name with `,` would read as another
/// scope (`medical,language:eng`, and its board be cached under that one's
/// key); control characters are no name either. (Question files cannot give a
/// category a `,`.)
fn scope_name(what: &str, name: &str) -> Result<String, ApiError> {
    if name.contains(',') || name.chars().any(char::is_control) {
        return Err(ApiError::new(
            ErrorCode::InvalidBody,
            format!("a {what} has no ',' or control characters in its name"),
        ));
    }
    Ok(name.to_owned())
}

#[tracing::instrument(skip_all)]
pub(super) async fn get(
    cache: web::Data<LeaderboardCache>,
    integrity: web::Data<Integrity>,
    query: web::Query<BoardQuery>,
    db: web::Data<sea_orm::DatabaseConnection>,
    snapshots: web::Data<crate::leaderboard::Snapshots>,
) -> Result<HttpResponse, ApiError> {
    if let Some(id) = query.snapshot {
        if query.category.is_some() || query.language.is_some() || query.style_control {
            return Err(ApiError::new(
                ErrorCode::InvalidBody,
                "a snapshot keeps the overall board only: leave out category, language and style_control",
            ));
        }
        let snapshot = snapshots
            .get(id)
            .await?
            .ok_or_else(|| super::snapshots::not_found(id))?;
        let board = snapshot.board();
        return Ok(HttpResponse::Ok().json(LeaderboardBody::new(
            &board,
            integrity.enabled(),
            query.show_deprecated,
        )));
    }
    let category = query
        .category
        .as_deref()
        .map(|c| scope_name("category", c))
        .transpose()?;
    let language = query
        .language
        .as_deref()
        .map(|l| scope_name("language", l))
        .transpose()?;
    let scope = match (category, language) {
        (Some(c), Some(l)) => Scope::CategoryLanguage(c, l),
        (Some(c), None) => Scope::Category(c),
        (None, Some(l)) => Scope::Language(l),
        (None, None) => Scope::Overall,
    };
    let board = if query.style_control {
        cache.style_controlled(db.get_ref(), &scope).await?
    } else if scope == Scope::Overall {
        cache.get()
    } else {
        cache.scoped(db.get_ref(), &scope).await?
    };
    let board = board.ok_or_else(|| {
        ApiError::new(
            ErrorCode::LeaderboardNotReady,
            "the leaderboard is being computed; try again in a moment",
        )
    })?;
    Ok(HttpResponse::Ok().json(LeaderboardBody::new(
        &board,
        integrity.enabled(),
        query.show_deprecated,
    )))
}

/// `GET /leaderboard/scopes`: the categories and languages with a board of
/// their own, each with its counted votes, and the battles a model needs
/// there before it is ranked.
pub(super) async fn scopes(
    db: web::Data<sea_orm::DatabaseConnection>,
    cache: web::Data<LeaderboardCache>,
) -> Result<HttpResponse, ApiError> {
    let totals = crate::store::counts::scope_totals(db.get_ref()).await?;
    let pick = |prefix: &str| -> Vec<serde_json::Value> {
        totals
            .iter()
            .filter_map(|(key, votes)| {
                key.strip_prefix(prefix)
                    .map(|name| serde_json::json!({ "name": name, "votes": votes }))
            })
            .collect()
    };
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "min_votes": cache.min_votes(),
        "categories": pick("category:"),
        "languages": pick("language:"),
    })))
}
