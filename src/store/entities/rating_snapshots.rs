use sea_orm::entity::prelude::*;

/// A leaderboard as it stood: immutable once stored.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "rating_snapshots")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub taken_at: DateTimeUtc,
    pub label: Option<String>,
    #[sea_orm(unique)]
    pub slot: Option<String>,
    pub scope: String,
    pub method: String,
    pub ci_method: String,
    pub seed: i64,
    pub bootstrap_rounds: i32,
    pub min_votes: i64,
    /// JSON: which votes went in.
    #[sea_orm(column_type = "Text")]
    pub filters: String,
    pub software_version: String,
    pub vote_count: i64,
    pub input_sha256: String,
    pub reference_model: Option<String>,
    /// JSON array of the rows.
    #[sea_orm(column_type = "Text")]
    pub rows: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
