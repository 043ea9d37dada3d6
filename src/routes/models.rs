//! `GET /api/v1/models`.

use actix_web::{HttpResponse, web};
use sea_orm::DatabaseConnection;
use serde::Serialize;

use super::views::ModelBody;
use crate::error::ApiError;
use crate::store;

#[derive(Serialize)]
struct ModelsBody {
    models: Vec<ModelBody>,
}

pub(super) async fn list(db: web::Data<DatabaseConnection>) -> Result<HttpResponse, ApiError> {
    let models = store::models::list(db.get_ref()).await?;
    Ok(HttpResponse::Ok().json(ModelsBody {
        models: models.into_iter().map(ModelBody::from).collect(),
    }))
}
