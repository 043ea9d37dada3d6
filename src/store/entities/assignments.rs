use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "assignments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub campaign_id: i32,
    pub item_id: i32,
    pub expert_id: i32,
    /// The item's `model_b` was shown on the left (as A).
    pub shown_swapped: bool,
    /// The order in which the expert gets their items.
    pub position: i32,
    /// `pending`, `done` or `skipped`.
    pub status: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub skip_reason: Option<String>,
    pub assigned_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
