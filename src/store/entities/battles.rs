use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "battles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub mode: String,
    pub model_a: i32,
    pub model_b: i32,
    pub voter_id: Option<String>,
    pub ip_hash: Option<String>,
    pub language: Option<String>,
    pub category: Option<String>,
    pub question_id: Option<i32>,
    pub campaign_id: Option<i32>,
    pub status: String,
    pub void_reason: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
