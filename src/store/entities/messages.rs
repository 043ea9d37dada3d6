use sea_orm::entity::prelude::*;

use crate::domain::{FinishReason, Side};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub battle_id: Uuid,
    pub turn: i32,
    /// `a` or `b` for answers; `None` for the user's prompt, which both sides share.
    pub side: Option<Side>,
    pub role: String,
    #[sea_orm(column_type = "Text")]
    pub content: String,
    pub latency_ms: Option<i32>,
    pub first_token_ms: Option<i32>,
    pub prompt_tokens: Option<i32>,
    pub completion_tokens: Option<i32>,
    /// `None` while the answer is being generated.
    pub finish_reason: Option<FinishReason>,
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::battles::Entity",
        from = "Column::BattleId",
        to = "super::battles::Column::Id"
    )]
    Battle,
}

impl Related<super::battles::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Battle.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
