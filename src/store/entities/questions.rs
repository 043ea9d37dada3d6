use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "questions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub question_set_id: i32,
    pub external_id: String,
    pub category: String,
    pub language: String,
    /// JSON array of the user turns.
    #[sea_orm(column_type = "Text")]
    pub turns: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::question_sets::Entity",
        from = "Column::QuestionSetId",
        to = "super::question_sets::Column::Id"
    )]
    QuestionSet,
}

impl Related<super::question_sets::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::QuestionSet.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
