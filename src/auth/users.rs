//! Managing accounts: add, change role, disable, reset a password. Each change
//! and its audit-log entry are written in one transaction. Used by the
//! `user` commands and the admin API alike.

use crate::store::db::BeginWrite;
use anyhow::Context;
use sea_orm::DatabaseConnection;
use serde_json::json;

use super::{Actor, password};
use crate::domain::{Email, Password, Role};
use crate::store;
use crate::store::audit::NewEntry;
use crate::store::entities::users;
use crate::store::users::{NewUser, UserChange};

/// An account to create.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub email: Email,
    pub role: Role,
    pub name: Option<String>,
    pub specialties: Vec<String>,
    pub languages: Vec<String>,
    pub credential: Option<String>,
    pub password: Password,
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("a user with email {0} exists already")]
    EmailTaken(Email),
    #[error("no user with email {0}")]
    UnknownUser(Email),
    #[error("{0} is the last enabled admin: make another user admin first")]
    LastAdmin(Email),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// What the audit log keeps of a user: never the password hash.
fn snapshot(u: &users::Model) -> serde_json::Value {
    json!({
        "email": u.email,
        "role": u.role.as_str(),
        "name": u.name,
        "disabled": u.disabled,
    })
}

async fn hash(password: Password) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || password::hash(password.expose()))
        .await
        .context("password hashing panicked")?
}

/// Creates an account.
///
/// # Errors
/// `EmailTaken`, or a database error.
pub async fn add(
    db: &DatabaseConnection,
    actor: &Actor,
    account: NewAccount,
) -> Result<users::Model, AccountError> {
    let password_hash = hash(account.password).await?;
    let txn = db
        .begin_write()
        .await
        .context("failed to begin transaction")?;
    let email = account.email.clone();
    let user = store::users::insert(
        &txn,
        NewUser {
            email: account.email,
            password_hash,
            role: account.role,
            name: account.name,
            specialties: account.specialties,
            languages: account.languages,
            credential: account.credential,
        },
    )
    .await?
    .ok_or(AccountError::EmailTaken(email))?;
    audit(
        &txn,
        actor,
        "user.add",
        &user.email,
        None,
        Some(snapshot(&user)),
    )
    .await?;
    txn.commit().await.context("failed to commit")?;
    Ok(user)
}

/// Every account, by email.
///
/// # Errors
/// On a database error.
pub async fn list(db: &DatabaseConnection) -> anyhow::Result<Vec<users::Model>> {
    store::users::list(db).await
}

/// Changes a user's role.
///
/// # Errors
/// `UnknownUser`, or a database error.
pub async fn set_role(
    db: &DatabaseConnection,
    actor: &Actor,
    email: &Email,
    role: Role,
) -> Result<users::Model, AccountError> {
    change(
        db,
        actor,
        email,
        "user.set_role",
        UserChange {
            role: Some(role),
            ..UserChange::default()
        },
    )
    .await
}

/// Disables (or re-enables) a user. A disabled user cannot log in, their
/// refresh tokens are revoked, and their access tokens stop working at once.
///
/// # Errors
/// `UnknownUser`, or a database error.
pub async fn set_disabled(
    db: &DatabaseConnection,
    actor: &Actor,
    email: &Email,
    disabled: bool,
) -> Result<users::Model, AccountError> {
    let action = if disabled {
        "user.disable"
    } else {
        "user.enable"
    };
    change(
        db,
        actor,
        email,
        action,
        UserChange {
            disabled: Some(disabled),
            ..UserChange::default()
        },
    )
    .await
}

/// Sets a new password and ends the user's sessions.
///
/// # Errors
/// `UnknownUser`, or a database error.
pub async fn reset_password(
    db: &DatabaseConnection,
    actor: &Actor,
    email: &Email,
    password: Password,
) -> Result<users::Model, AccountError> {
    let password_hash = hash(password).await?;
    change(
        db,
        actor,
        email,
        "user.reset_password",
        UserChange {
            password_hash: Some(password_hash),
            ..UserChange::default()
        },
    )
    .await
}

async fn change(
    db: &DatabaseConnection,
    actor: &Actor,
    email: &Email,
    action: &str,
    change: UserChange,
) -> Result<users::Model, AccountError> {
    let ends_sessions = change.disabled == Some(true) || change.password_hash.is_some();
    let txn = db
        .begin_write()
        .await
        .context("failed to begin transaction")?;
    let before = store::users::find_by_email(&txn, email)
        .await?
        .ok_or_else(|| AccountError::UnknownUser(email.clone()))?;
    let after = store::users::update(&txn, email, change)
        .await?
        .ok_or_else(|| AccountError::UnknownUser(email.clone()))?;
    // Through the API, the last enabled admin cannot step down or be
    // disabled: nobody could manage users any more but the command line
    // (which may, as it is how one recovers).
    let is_admin = |u: &users::Model| u.role == Role::Admin && !u.disabled;
    if !actor.is_command_line() && is_admin(&before) && !is_admin(&after) {
        let admins = store::users::list(&txn).await?;
        if !admins.iter().any(is_admin) {
            return Err(AccountError::LastAdmin(email.clone()));
        }
    }
    if ends_sessions {
        store::users::revoke_user_tokens(&txn, after.id).await?;
    }
    audit(
        &txn,
        actor,
        action,
        &after.email,
        Some(snapshot(&before)),
        Some(snapshot(&after)),
    )
    .await?;
    txn.commit().await.context("failed to commit")?;
    Ok(after)
}

/// Appends an audit entry in the caller's transaction.
///
/// # Errors
/// On a database error.
pub async fn audit<C: sea_orm::ConnectionTrait>(
    db: &C,
    actor: &Actor,
    action: &str,
    target: &str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> anyhow::Result<()> {
    store::audit::append(
        db,
        NewEntry {
            actor: actor.name.clone(),
            action: action.to_owned(),
            target: target.to_owned(),
            before,
            after,
            request_id: actor.request_id.clone(),
        },
    )
    .await
}
