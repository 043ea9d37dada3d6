use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "exam_questions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub exam_id: i32,
    pub position: i32,
    /// Where it came from: `file:line`.
    pub source_ref: String,
    pub subject: String,
    /// `single` or `multiple`.
    pub kind: String,
    #[sea_orm(column_type = "Text")]
    pub question: String,
    /// JSON: `[["A", "text"], ...]`.
    #[sea_orm(column_type = "Text")]
    pub options: String,
    /// The right letters, sorted.
    pub answer: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
