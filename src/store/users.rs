//! Queries on users and their refresh tokens.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use super::entities::{refresh_tokens, users};
use crate::domain::{Email, Role};

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: Email,
    pub password_hash: String,
    pub role: Role,
    pub name: Option<String>,
    pub specialties: Vec<String>,
    pub languages: Vec<String>,
    pub credential: Option<String>,
}

fn encode_tags(tags: &[String]) -> anyhow::Result<String> {
    serde_json::to_string(tags).context("failed to encode tags")
}

/// A stored tag list (specialties, languages).
///
/// # Errors
/// When the stored text is not a JSON list of strings.
pub fn decode_tags(json: &str) -> anyhow::Result<Vec<String>> {
    serde_json::from_str(json).context("stored tags are not a JSON list")
}

/// Stores a new user. Returns `None` when the email is taken.
///
/// # Errors
/// On a database error.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    user: NewUser,
) -> anyhow::Result<Option<users::Model>> {
    if find_by_email(db, &user.email).await?.is_some() {
        return Ok(None);
    }
    let row = users::ActiveModel {
        email: Set(user.email.as_str().to_owned()),
        password_hash: Set(user.password_hash),
        role: Set(user.role),
        name: Set(user.name),
        specialties: Set(encode_tags(&user.specialties)?),
        languages: Set(encode_tags(&user.languages)?),
        credential: Set(user.credential),
        disabled: Set(false),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .with_context(|| format!("failed to add user {}", user.email))?;
    Ok(Some(row))
}

/// # Errors
/// On a database error.
pub async fn find_by_email<C: ConnectionTrait>(
    db: &C,
    email: &Email,
) -> anyhow::Result<Option<users::Model>> {
    super::first(
        db,
        users::Entity::find().filter(users::Column::Email.eq(email.as_str())),
    )
    .await
    .context("failed to look up user")
}

/// # Errors
/// On a database error.
pub async fn find<C: ConnectionTrait>(db: &C, id: i32) -> anyhow::Result<Option<users::Model>> {
    super::first(db, users::Entity::find_by_id(id))
        .await
        .context("failed to load user")
}

/// Every user, by email.
///
/// # Errors
/// On a database error.
pub async fn list<C: ConnectionTrait>(db: &C) -> anyhow::Result<Vec<users::Model>> {
    users::Entity::find()
        .order_by_asc(users::Column::Email)
        .all(db)
        .await
        .context("failed to list users")
}

/// What to change on a user; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    pub password_hash: Option<String>,
}

/// Applies `change` to the user and returns the row as it is now, or `None`
/// when there is no such user.
///
/// # Errors
/// On a database error.
pub async fn update<C: ConnectionTrait>(
    db: &C,
    email: &Email,
    change: UserChange,
) -> anyhow::Result<Option<users::Model>> {
    let Some(user) = find_by_email(db, email).await? else {
        return Ok(None);
    };
    let mut row: users::ActiveModel = user.into();
    if let Some(role) = change.role {
        row.role = Set(role);
    }
    if let Some(disabled) = change.disabled {
        row.disabled = Set(disabled);
    }
    if let Some(hash) = change.password_hash {
        row.password_hash = Set(hash);
    }
    let updated = row
        .update(db)
        .await
        .with_context(|| format!("failed to update user {email}"))?;
    Ok(Some(updated))
}

/// A refresh token to store (its hash only).
#[derive(Debug, Clone)]
pub struct NewRefreshToken {
    pub user_id: i32,
    pub family: String,
    pub token_hash: String,
    pub expires_at: DateTime<Utc>,
}

/// # Errors
/// On a database error.
pub async fn insert_refresh_token<C: ConnectionTrait>(
    db: &C,
    token: NewRefreshToken,
) -> anyhow::Result<()> {
    refresh_tokens::Entity::insert(refresh_tokens::ActiveModel {
        user_id: Set(token.user_id),
        family: Set(token.family),
        token_hash: Set(token.token_hash),
        created_at: Set(Utc::now()),
        expires_at: Set(token.expires_at),
        used_at: Set(None),
        revoked: Set(false),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await
    .context("failed to store refresh token")?;
    Ok(())
}

/// # Errors
/// On a database error.
pub async fn find_refresh_token<C: ConnectionTrait>(
    db: &C,
    token_hash: &str,
) -> anyhow::Result<Option<refresh_tokens::Model>> {
    super::first(
        db,
        refresh_tokens::Entity::find().filter(refresh_tokens::Column::TokenHash.eq(token_hash)),
    )
    .await
    .context("failed to look up refresh token")
}

/// Marks the token used, if it was not used yet. Returns whether this call
/// did: of two concurrent uses, exactly one wins.
///
/// # Errors
/// On a database error.
pub async fn use_refresh_token<C: ConnectionTrait>(db: &C, id: i32) -> anyhow::Result<bool> {
    let updated = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::UsedAt, Expr::value(Utc::now()))
        .filter(refresh_tokens::Column::Id.eq(id))
        .filter(refresh_tokens::Column::UsedAt.is_null())
        .filter(refresh_tokens::Column::Revoked.eq(false))
        .exec(db)
        .await
        .context("failed to use refresh token")?;
    Ok(updated.rows_affected == 1)
}

/// Revokes every token of a family.
///
/// # Errors
/// On a database error.
pub async fn revoke_family<C: ConnectionTrait>(db: &C, family: &str) -> anyhow::Result<()> {
    refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::Revoked, Expr::value(true))
        .filter(refresh_tokens::Column::Family.eq(family))
        .exec(db)
        .await
        .context("failed to revoke refresh tokens")?;
    Ok(())
}

/// Revokes every token of a user (when they are disabled or their password
/// is reset).
///
/// # Errors
/// On a database error.
pub async fn revoke_user_tokens<C: ConnectionTrait>(db: &C, user_id: i32) -> anyhow::Result<()> {
    refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::Revoked, Expr::value(true))
        .filter(refresh_tokens::Column::UserId.eq(user_id))
        .exec(db)
        .await
        .context("failed to revoke refresh tokens")?;
    Ok(())
}
