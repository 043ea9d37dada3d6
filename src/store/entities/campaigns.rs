use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "campaigns")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    pub question_set: String,
    /// JSON list of model names.
    #[sea_orm(column_type = "Text")]
    pub models: String,
    pub baseline: Option<String>,
    pub raters_per_item: i32,
    pub rubric: String,
    /// JSON list of expert emails, or `None` for every expert.
    #[sea_orm(column_type = "Text", nullable)]
    pub experts: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub specialties: String,
    /// `draft`, `open` or `closed`.
    pub status: String,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    /// JSON list of gold items: `{"question_id", "model_a", "model_b", "verdict"}`.
    #[sea_orm(column_type = "Text", nullable)]
    pub gold: Option<String>,
    /// Accuracy on the gold items an expert needs before judging the rest.
    #[sea_orm(column_type = "Double", nullable)]
    pub gold_gate: Option<f64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
