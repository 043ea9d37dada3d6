//! The operator API under `/api/v1/admin`: models, voiding battles, the
//! audit log (operators and admins), and users (admins). Every change is
//! written to the audit log; the log itself has no route that changes it.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Deserializer, Serialize};
use uuid::Uuid;

use super::extract::{
    AdminRole, BattleIdPath, JsonBody, NoArguments, OperatorRole, RequestBody, RequireRole,
};
use crate::admin::{Admin, AdminError};
use crate::auth::users::{self as accounts, AccountError, NewAccount};
use crate::domain::{Dated, Email, Password, Role, VoterId};
use crate::error::{ApiError, ErrorCode};
use crate::integrity::Integrity;
use crate::store::entities::{audit_log, models, users};
use crate::store::models::ModelChange;

type Operator = RequireRole<OperatorRole>;
type AdminUser = RequireRole<AdminRole>;

impl From<AdminError> for ApiError {
    fn from(e: AdminError) -> Self {
        let code = match &e {
            AdminError::ModelNotFound(_) => ErrorCode::ModelNotFound,
            AdminError::BattleNotFound(_) => ErrorCode::BattleNotFound,
            AdminError::WrongStatus { .. } => ErrorCode::BattleClosed,
            AdminError::Invalid(_) => ErrorCode::InvalidBody,
            AdminError::Unexpected(_) => ErrorCode::InternalError,
        };
        match e {
            AdminError::Unexpected(cause) => ApiError::Unexpected(cause),
            other => ApiError::new(code, other.to_string()),
        }
    }
}

impl From<AccountError> for ApiError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::EmailTaken(_) => ApiError::new(ErrorCode::EmailTaken, e.to_string()),
            AccountError::UnknownUser(_) => ApiError::new(ErrorCode::UserNotFound, e.to_string()),
            AccountError::LastAdmin(_) => ApiError::new(ErrorCode::LastAdmin, e.to_string()),
            AccountError::Unexpected(cause) => ApiError::Unexpected(cause),
        }
    }
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidBody, message)
}

/// A model as an operator sees it (still no endpoint or key variable).
#[derive(Serialize)]
struct AdminModelBody {
    name: String,
    display_name: String,
    organization: Option<String>,
    license: Option<String>,
    provider: &'static str,
    active: bool,
    deprecated: bool,
    sampling_weight: f64,
    knowledge_cutoff: Option<String>,
    release_date: Option<String>,
}

impl From<models::Model> for AdminModelBody {
    fn from(m: models::Model) -> Self {
        Self {
            name: m.name,
            display_name: m.display_name,
            organization: m.organization,
            license: m.license,
            provider: m.provider.as_str(),
            active: m.active,
            deprecated: m.deprecated,
            sampling_weight: m.sampling_weight,
            knowledge_cutoff: m.knowledge_cutoff,
            release_date: m.release_date,
        }
    }
}

pub(super) async fn list_models(
    _: Operator,
    admin: web::Data<Admin>,
) -> Result<HttpResponse, ApiError> {
    let models: Vec<AdminModelBody> = admin
        .models()
        .await?
        .into_iter()
        .map(AdminModelBody::from)
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "models": models })))
}

/// `null` clears an optional field; a missing field leaves it alone.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ModelPatch {
    active: Option<bool>,
    deprecated: Option<bool>,
    weight: Option<f64>,
    display_name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    organization: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    license: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    knowledge_cutoff: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    release_date: Option<Option<String>>,
}

impl RequestBody for ModelPatch {
    const OPTIONAL: bool = false;
}

#[tracing::instrument(skip_all, fields(model = %name))]
pub(super) async fn patch_model(
    req: HttpRequest,
    operator: Operator,
    name: web::Path<String>,
    JsonBody(patch): JsonBody<ModelPatch>,
    admin: web::Data<Admin>,
) -> Result<HttpResponse, ApiError> {
    for (key, value) in [
        ("knowledge_cutoff", &patch.knowledge_cutoff),
        ("release_date", &patch.release_date),
    ] {
        if let Some(Some(v)) = value {
            Dated::parse(v).map_err(|e| invalid(format!("{key}: {e}")))?;
        }
    }
    let change = ModelChange {
        active: patch.active,
        deprecated: patch.deprecated,
        sampling_weight: patch.weight,
        display_name: patch.display_name,
        organization: patch.organization,
        license: patch.license,
        knowledge_cutoff: patch.knowledge_cutoff,
        release_date: patch.release_date,
    };
    let model = admin
        .update_model(&operator.actor(&req), &name, change)
        .await?;
    Ok(HttpResponse::Ok().json(AdminModelBody::from(model)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct VoidRequest {
    reason: String,
}

impl RequestBody for VoidRequest {
    const OPTIONAL: bool = false;
}

#[derive(Serialize)]
struct ModeratedBody {
    battle_id: Uuid,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    void_reason: Option<String>,
}

#[tracing::instrument(skip_all, fields(battle = %id))]
pub(super) async fn void_battle(
    req: HttpRequest,
    operator: Operator,
    BattleIdPath(id): BattleIdPath,
    JsonBody(body): JsonBody<VoidRequest>,
    admin: web::Data<Admin>,
) -> Result<HttpResponse, ApiError> {
    admin
        .void_battle(&operator.actor(&req), id, &body.reason)
        .await?;
    Ok(HttpResponse::Ok().json(ModeratedBody {
        battle_id: id,
        status: "void",
        void_reason: Some(body.reason.trim().to_owned()),
    }))
}

#[tracing::instrument(skip_all, fields(battle = %id))]
pub(super) async fn restore_battle(
    req: HttpRequest,
    operator: Operator,
    BattleIdPath(id): BattleIdPath,
    _: JsonBody<NoArguments>,
    admin: web::Data<Admin>,
) -> Result<HttpResponse, ApiError> {
    admin.restore_battle(&operator.actor(&req), id).await?;
    Ok(HttpResponse::Ok().json(ModeratedBody {
        battle_id: id,
        status: "voted",
        void_reason: None,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AuditQuery {
    limit: Option<u64>,
    before: Option<i64>,
}

#[derive(Serialize)]
struct AuditEntryBody {
    id: i64,
    at: String,
    actor: String,
    action: String,
    target: String,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
    request_id: Option<String>,
}

fn parse_json(text: Option<String>) -> Option<serde_json::Value> {
    text.map(|t| serde_json::from_str(&t).unwrap_or(serde_json::Value::String(t)))
}

impl From<audit_log::Model> for AuditEntryBody {
    fn from(e: audit_log::Model) -> Self {
        Self {
            id: e.id,
            at: e.at.to_rfc3339(),
            actor: e.actor,
            action: e.action,
            target: e.target,
            before: parse_json(e.before),
            after: parse_json(e.after),
            request_id: e.request_id,
        }
    }
}

pub(super) async fn audit(
    _: Operator,
    query: web::Query<AuditQuery>,
    admin: web::Data<Admin>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit.unwrap_or(50).clamp(1, 500);
    let entries = admin.audit_log(limit, query.before).await?;
    let full_page = u64::try_from(entries.len()).unwrap_or(0) == limit;
    let next_before = entries.last().filter(|_| full_page).map(|e| e.id);
    let entries: Vec<AuditEntryBody> = entries.into_iter().map(AuditEntryBody::from).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "entries": entries,
        "next_before": next_before,
    })))
}

#[derive(Serialize)]
struct UserAdminBody {
    email: String,
    role: &'static str,
    name: Option<String>,
    disabled: bool,
    created_at: String,
}

impl From<users::Model> for UserAdminBody {
    fn from(u: users::Model) -> Self {
        Self {
            email: u.email,
            role: u.role.as_str(),
            name: u.name,
            disabled: u.disabled,
            created_at: u.created_at.to_rfc3339(),
        }
    }
}

pub(super) async fn list_users(
    _: AdminUser,
    db: web::Data<sea_orm::DatabaseConnection>,
) -> Result<HttpResponse, ApiError> {
    let users: Vec<UserAdminBody> = accounts::list(db.get_ref())
        .await?
        .into_iter()
        .map(UserAdminBody::from)
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "users": users })))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NewUserRequest {
    email: String,
    role: String,
    password: String,
    name: Option<String>,
    #[serde(default)]
    specialties: Vec<String>,
    #[serde(default)]
    languages: Vec<String>,
    credential: Option<String>,
}

impl RequestBody for NewUserRequest {
    const OPTIONAL: bool = false;
}

#[tracing::instrument(skip_all)]
pub(super) async fn add_user(
    req: HttpRequest,
    admin_user: AdminUser,
    JsonBody(body): JsonBody<NewUserRequest>,
    db: web::Data<sea_orm::DatabaseConnection>,
) -> Result<HttpResponse, ApiError> {
    let account = NewAccount {
        email: Email::parse(&body.email).map_err(invalid)?,
        role: Role::parse(&body.role).map_err(invalid)?,
        name: body.name,
        specialties: body.specialties,
        languages: body.languages,
        credential: body.credential,
        password: Password::parse(&body.password).map_err(invalid)?,
    };
    let user = accounts::add(db.get_ref(), &admin_user.actor(&req), account).await?;
    Ok(HttpResponse::Created().json(UserAdminBody::from(user)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct UserPatch {
    role: Option<String>,
    disabled: Option<bool>,
}

impl RequestBody for UserPatch {
    const OPTIONAL: bool = false;
}

#[tracing::instrument(skip_all, fields(user = %email))]
pub(super) async fn patch_user(
    req: HttpRequest,
    admin_user: AdminUser,
    email: web::Path<String>,
    JsonBody(patch): JsonBody<UserPatch>,
    db: web::Data<sea_orm::DatabaseConnection>,
) -> Result<HttpResponse, ApiError> {
    let email = Email::parse(&email).map_err(|e| ApiError::new(ErrorCode::UserNotFound, e))?;
    let actor = admin_user.actor(&req);
    let mut user = None;
    if let Some(role) = patch.role {
        let role = Role::parse(&role).map_err(invalid)?;
        user = Some(accounts::set_role(db.get_ref(), &actor, &email, role).await?);
    }
    if let Some(disabled) = patch.disabled {
        user = Some(accounts::set_disabled(db.get_ref(), &actor, &email, disabled).await?);
    }
    let user = user.ok_or_else(|| invalid("give role or disabled"))?;
    Ok(HttpResponse::Ok().json(UserAdminBody::from(user)))
}

/// `GET /admin/integrity`: the rules in force, the stored votes by reason,
/// and the flagged voters.
pub(super) async fn integrity(
    _: Operator,
    integrity: web::Data<Integrity>,
    db: web::Data<sea_orm::DatabaseConnection>,
) -> Result<HttpResponse, ApiError> {
    let reasons: Vec<serde_json::Value> = crate::store::integrity::votes_by_reason(db.get_ref())
        .await?
        .into_iter()
        .map(|(reason, votes)| {
            serde_json::json!({ "reason": reason.unwrap_or_else(|| "counted".to_owned()), "votes": votes })
        })
        .collect();
    let flagged: Vec<serde_json::Value> = crate::store::integrity::flags(db.get_ref())
        .await?
        .into_iter()
        .map(|f| {
            serde_json::json!({
                "voter_id": f.voter_id,
                "score": f.score,
                "votes": f.votes,
                "reason": f.reason,
                "flagged_at": f.flagged_at.to_rfc3339(),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "enabled": integrity.enabled(),
        "rules": integrity.settings(),
        "votes_by_reason": reasons,
        "flagged_voters": flagged,
    })))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct VoidVoterRequest {
    reason: String,
}

impl RequestBody for VoidVoterRequest {
    const OPTIONAL: bool = false;
}

/// `POST /admin/voters/{voter}/void`: voids the battles of a voter's counted
/// votes of the last 30 days, in one call.
#[tracing::instrument(skip_all, fields(voter = %voter))]
pub(super) async fn void_voter(
    req: HttpRequest,
    operator: Operator,
    voter: web::Path<String>,
    JsonBody(body): JsonBody<VoidVoterRequest>,
    admin: web::Data<Admin>,
) -> Result<HttpResponse, ApiError> {
    let id = VoterId::parse(&voter).map_err(invalid)?;
    let voided = admin
        .void_voter(&operator.actor(&req), id, &body.reason)
        .await?;
    Ok(
        HttpResponse::Ok()
            .json(serde_json::json!({ "voter_id": id.to_string(), "voided": voided })),
    )
}
