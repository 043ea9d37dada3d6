//! The embedded web pages: `/` (arena), `/leaderboard`, `/model`, `/exam`, `/operator`, and
//! `/static/...`.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use rust_embed::RustEmbed;

use crate::error::{ApiError, ErrorCode};

#[derive(RustEmbed)]
#[folder = "frontend/"]
struct Assets;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    for (path, page) in [
        ("/", "index.html"),
        ("/leaderboard", "leaderboard.html"),
        ("/model", "model.html"),
        ("/exam", "exam.html"),
        ("/operator", "operator.html"),
        ("/expert", "expert.html"),
        ("/results", "results.html"),
        ("/api", "api.html"),
    ] {
        cfg.route(
            path,
            web::get().to(move || async move { embedded_page(page) }),
        );
    }
    cfg.route("/static/{path:.*}", web::get().to(asset))
        .default_service(web::to(not_found));
}

fn file(path: &str) -> Option<HttpResponse> {
    let file = Assets::get(path)?;
    let mime = file.metadata.mimetype().to_owned();
    let cache = if path.ends_with(".html") {
        "no-cache"
    } else {
        "public, max-age=300"
    };
    Some(
        HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, mime))
            .insert_header((header::CACHE_CONTROL, cache))
            .body(file.data.into_owned()),
    )
}

fn embedded_page(name: &str) -> Result<HttpResponse, ApiError> {
    file(name).ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("{name} is not embedded")))
}

async fn asset(path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    // rust-embed only knows the embedded names, so `..` cannot escape the folder.
    file(&path).ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no asset {path}")))
}

async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::new(ErrorCode::NotFound, "no such page"))
}
