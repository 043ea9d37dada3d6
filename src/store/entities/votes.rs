use sea_orm::entity::prelude::*;

use crate::domain::{Verdict, VoterId};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "votes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub battle_id: Uuid,
    pub verdict: Verdict,
    pub voter_id: Option<VoterId>,
    #[sea_orm(column_type = "Text", nullable)]
    pub rubric: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub comment: Option<String>,
    pub counted: bool,
    /// A stable code (`too_fast`, `daily_cap`, ...) when the vote does not count.
    pub not_counted_reason: Option<String>,
    pub created_at: DateTimeUtc,
    /// What the code means for this vote, in words.
    #[sea_orm(column_type = "Text", nullable)]
    pub not_counted_detail: Option<String>,
    /// Style features of answer A and B (see `domain::StyleFeatures`).
    pub style_tokens_a: Option<i32>,
    pub style_tokens_b: Option<i32>,
    pub style_headers_a: Option<i32>,
    pub style_headers_b: Option<i32>,
    pub style_lists_a: Option<i32>,
    pub style_lists_b: Option<i32>,
    pub style_bold_a: Option<i32>,
    pub style_bold_b: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
