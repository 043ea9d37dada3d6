use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "exams")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub name: String,
    pub format: String,
    pub language: Option<String>,
    /// `YYYY-MM-DD`: when the exam was held (for contamination).
    pub exam_date: Option<String>,
    /// Accuracy needed to pass (0.6 for the pharmacist exam).
    pub pass_mark: Option<f64>,
    /// SHA-256 of the questions as imported: a re-import of the same bank
    /// changes nothing, a different bank under the same name is refused.
    pub content_sha256: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
