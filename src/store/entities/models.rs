use sea_orm::entity::prelude::*;

use crate::domain::ProviderKind;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "models")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub name: String,
    pub display_name: String,
    pub organization: Option<String>,
    pub license: Option<String>,
    pub provider: ProviderKind,
    pub base_url: Option<String>,
    pub upstream_model: Option<String>,
    pub api_key_env: Option<String>,
    #[sea_orm(column_type = "Double")]
    pub sampling_weight: f64,
    pub active: bool,
    pub created_at: DateTimeUtc,
    /// Hidden from the board by default; still in every fit.
    pub deprecated: bool,
    /// The model's training-data cutoff, as its maker states it.
    pub knowledge_cutoff: Option<String>,
    /// When the model was released (`YYYY-MM-DD`, or a month or year).
    pub release_date: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
