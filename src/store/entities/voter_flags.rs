use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "voter_flags")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub voter_id: String,
    /// The anomaly score that flagged the voter.
    #[sea_orm(column_type = "Double")]
    pub score: f64,
    /// How many of the voter's votes were scored.
    pub votes: i32,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub flagged_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
