//! `GET /api/v1/models`.

use actix_web::{HttpResponse, web};
use serde::Serialize;

use crate::arena::Arena;
use crate::error::ApiError;
use crate::store;

/// A model as the public sees it: no endpoint, no key variable.
#[derive(Serialize)]
struct ModelBody {
    name: String,
    display_name: String,
    organization: Option<String>,
    license: Option<String>,
    provider: String,
    active: bool,
    sampling_weight: f64,
}

#[derive(Serialize)]
struct ModelsBody {
    models: Vec<ModelBody>,
}

pub(super) async fn list(arena: web::Data<Arena>) -> Result<HttpResponse, ApiError> {
    let models = store::models::list(arena.db()).await?;
    Ok(HttpResponse::Ok().json(ModelsBody {
        models: models
            .into_iter()
            .map(|m| ModelBody {
                name: m.name,
                display_name: m.display_name,
                organization: m.organization,
                license: m.license,
                provider: m.provider,
                active: m.active,
                sampling_weight: m.sampling_weight,
            })
            .collect(),
    }))
}
