use sea_orm::entity::prelude::*;

use crate::domain::{BattleMode, BattleStatus, VoterId};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "battles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub mode: BattleMode,
    pub model_a: i32,
    pub model_b: i32,
    pub voter_id: Option<VoterId>,
    pub ip_hash: Option<String>,
    pub language: Option<String>,
    pub category: Option<String>,
    pub question_id: Option<i32>,
    pub campaign_id: Option<i32>,
    pub status: BattleStatus,
    pub void_reason: Option<String>,
    pub created_at: DateTimeUtc,
    /// The client chose the question (`question_id` in the request).
    pub question_chosen: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::messages::Entity")]
    Messages,
}

impl Related<super::messages::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Messages.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
