use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "prompt_counts")]
pub struct Model {
    /// SHA-256 of the normalised prompt, hex.
    #[sea_orm(primary_key, auto_increment = false)]
    pub hash: String,
    pub count: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
