//! `GET /exams`, `GET /exams/{name}/results` and `GET /exams/{name}/comparison`.

use actix_web::{HttpResponse, web};

use crate::error::{ApiError, ErrorCode};
use crate::exams::compare::ArenaStanding;
use crate::exams::{self, ExamError};
use crate::leaderboard::{LeaderboardCache, Standing};

/// `?fresh_only=true`: only the models for which the exam is fresh (held
/// after their knowledge cutoff).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ExamQuery {
    #[serde(default)]
    fresh_only: bool,
}

impl From<ExamError> for ApiError {
    fn from(e: ExamError) -> Self {
        match e {
            ExamError::NotFound(name) => {
                ApiError::new(ErrorCode::NotFound, format!("no exam called {name:?}"))
            }
            ExamError::Invalid(problems) => {
                ApiError::new(ErrorCode::InvalidBody, problems.join("; "))
            }
            ExamError::Unexpected(cause) => ApiError::Unexpected(cause),
        }
    }
}

pub(super) async fn list(
    db: web::Data<sea_orm::DatabaseConnection>,
) -> Result<HttpResponse, ApiError> {
    let list = exams::list(db.get_ref()).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "exams": list.iter().map(|(e, n)| serde_json::json!({
            "name": e.name, "format": e.format, "language": e.language,
            "exam_date": e.exam_date, "pass_mark": e.pass_mark, "questions": n,
        })).collect::<Vec<_>>(),
    })))
}

pub(super) async fn results(
    name: web::Path<String>,
    query: web::Query<ExamQuery>,
    db: web::Data<sea_orm::DatabaseConnection>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(exams::results(db.get_ref(), &name, query.fresh_only).await?))
}

/// The arena's ranked models (deprecated ones left out, as on the board)
/// beside their accuracy on the exam, with Spearman's ρ.
pub(super) async fn comparison(
    name: web::Path<String>,
    query: web::Query<ExamQuery>,
    db: web::Data<sea_orm::DatabaseConnection>,
    cache: web::Data<LeaderboardCache>,
) -> Result<HttpResponse, ApiError> {
    let board = cache.get().ok_or_else(|| {
        ApiError::new(
            ErrorCode::LeaderboardNotReady,
            "the leaderboard is being computed; try again in a moment",
        )
    })?;
    let arena: Vec<ArenaStanding> = board
        .rows
        .iter()
        .filter(|r| r.standing == Standing::Ranked && !r.deprecated)
        .filter_map(|r| {
            Some(ArenaStanding {
                model: r.model.clone(),
                display_name: r.display_name.clone(),
                rating: r.rating,
                rank: r.rank?,
            })
        })
        .collect();
    let comparison = exams::comparison(db.get_ref(), &name, &arena, query.fresh_only).await?;
    Ok(HttpResponse::Ok().json(comparison))
}
