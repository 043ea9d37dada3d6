//! `GET /metrics`: Prometheus text format. The state is read from the
//! database at scrape time; see [`crate::metrics`].

use actix_web::{HttpResponse, web};

use crate::arena::Arena;
use crate::error::ApiError;
use crate::leaderboard::LeaderboardCache;
use crate::metrics::{State, render};
use crate::store;

pub(super) async fn get(
    db: web::Data<sea_orm::DatabaseConnection>,
    arena: web::Data<Arena>,
    cache: web::Data<LeaderboardCache>,
) -> Result<HttpResponse, ApiError> {
    let db = db.get_ref();
    let votes = store::integrity::votes_by_reason(db)
        .await?
        .into_iter()
        .map(|(reason, n)| (reason.is_none(), reason.unwrap_or_default(), n))
        .collect();
    let battles = store::battles::tally(db)
        .await?
        .into_iter()
        .map(|(mode, status, n)| (mode.as_str().to_owned(), status.as_str().to_owned(), n))
        .collect();
    let breakers = arena
        .live_info()
        .models
        .into_iter()
        .map(|m| (m.name, !m.available))
        .collect();
    let board = cache.get();
    let (pool_size, pool_idle) = match db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => {
            let p = db.get_postgres_connection_pool();
            (p.size(), p.num_idle())
        }
        _ => {
            let p = db.get_sqlite_connection_pool();
            (p.size(), p.num_idle())
        }
    };
    let text = render(&State {
        votes,
        battles,
        breakers,
        leaderboard_age: board.as_ref().map(|b| {
            (chrono::Utc::now() - b.computed_at)
                .num_milliseconds()
                .max(0) as f64
                / 1000.0
        }),
        leaderboard_votes: board.as_ref().map(|b| b.total_votes),
        pool_size,
        pool_idle,
    })?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text))
}
