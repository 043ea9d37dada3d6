use sea_orm::entity::prelude::*;

/// A question and an ordered pair of models: the item's own orientation
/// (`model_a` first), whatever side an expert was shown.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "campaign_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub campaign_id: i32,
    pub question_id: i32,
    pub model_a: i32,
    pub model_b: i32,
    /// For a gold item, the known verdict in the item's orientation.
    pub gold: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
