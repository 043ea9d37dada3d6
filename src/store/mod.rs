//! Persistence: sea-orm entities and the query functions over them. The only place
//! that talks to the database; it stores and fetches, and never decides policy.

pub mod audit;
pub mod battles;
pub mod campaigns;
pub mod counts;
pub mod db;
pub mod entities;
pub mod exams;
pub mod exports;
pub mod imports;
pub mod integrity;
pub mod kept;
pub mod models;
pub mod questions;
pub mod rubrics;
pub mod snapshots;
pub mod text;
pub mod users;
pub mod votes;
pub mod writer;

pub use db::{connect, migrate, ping};

/// The most rows one multi-row statement carries: far below the bound
/// parameters SQLite (32,766) and PostgreSQL (65,535) take, for every table
/// written in such statements.
pub const ROWS_PER_STATEMENT: usize = 1000;

/// `rows` in runs of at most [`ROWS_PER_STATEMENT`], one per statement.
pub fn runs<T>(rows: Vec<T>) -> impl Iterator<Item = Vec<T>> {
    let mut rows = rows.into_iter();
    std::iter::from_fn(move || {
        let run: Vec<T> = rows.by_ref().take(ROWS_PER_STATEMENT).collect();
        (!run.is_empty()).then_some(run)
    })
}

/// The first row `select` finds, as `.one()` gives it, with its `LIMIT 1`
/// written into the statement. sea-orm binds `.one()`'s limit as a
/// parameter, and SQLite's planner reads a bound limit's value, so such a
/// statement is prepared again on every run; written in, it is prepared once.
///
/// # Errors
/// On a database error.
pub async fn first<E, C>(
    db: &C,
    select: sea_orm::Select<E>,
) -> Result<Option<E::Model>, sea_orm::DbErr>
where
    E: sea_orm::EntityTrait,
    C: sea_orm::ConnectionTrait,
{
    use sea_orm::QueryTrait;
    let mut statement = db.get_database_backend().build(&select.into_query());
    statement.sql.push_str(" LIMIT 1");
    E::find().from_raw_sql(statement).one(db).await
}
