use sea_orm::entity::prelude::*;

use crate::domain::Role;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Lower-cased (`domain::Email`), so uniqueness ignores case.
    #[sea_orm(unique)]
    pub email: String,
    /// argon2id, PHC string format.
    pub password_hash: String,
    pub role: Role,
    pub name: Option<String>,
    /// JSON list of free tags (`cardiology`, `pharmacy`).
    #[sea_orm(column_type = "Text")]
    pub specialties: String,
    /// JSON list of language codes.
    #[sea_orm(column_type = "Text")]
    pub languages: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub credential: Option<String>,
    pub disabled: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
