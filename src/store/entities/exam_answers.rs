use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "exam_answers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub question_id: i32,
    pub model: String,
    pub sample: i32,
    #[sea_orm(column_type = "Text")]
    pub output: String,
    /// The letters read, or `None` when the answer could not be read.
    pub extracted: Option<String>,
    /// `explicit`, `option_text`, `lone_letter`, or why it is unreadable.
    pub method: String,
    /// `run` or `import`.
    pub origin: String,
    pub prompt_tokens: Option<i32>,
    pub completion_tokens: Option<i32>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
