//! `GET /exams` and `GET /exams/{name}/results`.

use actix_web::{HttpResponse, web};

use crate::error::{ApiError, ErrorCode};
use crate::exams::{self, ExamError};

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
    db: web::Data<sea_orm::DatabaseConnection>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(exams::results(db.get_ref(), &name).await?))
}
