use sea_orm::entity::prelude::*;

/// An expert's judgment, stored in the item's own orientation.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "judgments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub assignment_id: i32,
    pub campaign_id: i32,
    pub item_id: i32,
    pub expert_id: i32,
    pub preference: String,
    /// JSON object: axis key -> verdict.
    #[sea_orm(column_type = "Text")]
    pub axes: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub safety_a: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub safety_b: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub comment: Option<String>,
    pub rubric_version: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
