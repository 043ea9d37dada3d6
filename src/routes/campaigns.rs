//! Expert campaigns on the wire: operators create, open, close and read
//! them; experts get their next item and judge it.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::extract::{JsonBody, OperatorRole, RequestBody, RequireRole, Signed};
use crate::campaigns::{CampaignError, CampaignRequest, Campaigns, GoldSpec, JudgmentInput};
use crate::domain::Role;
use crate::error::{ApiError, ErrorCode};
use crate::export::campaign as export;
use crate::store::entities::campaigns;

type Operator = RequireRole<OperatorRole>;

impl From<CampaignError> for ApiError {
    fn from(e: CampaignError) -> Self {
        let code = match &e {
            CampaignError::NotFound(_) => ErrorCode::CampaignNotFound,
            CampaignError::ItemNotFound { .. } => ErrorCode::NotFound,
            CampaignError::Invalid(_) => ErrorCode::InvalidBody,
            CampaignError::WrongStatus { .. } => ErrorCode::CampaignNotOpen,
            CampaignError::NotARater(_) => ErrorCode::Forbidden,
            CampaignError::AlreadyJudged(_) => ErrorCode::AlreadyJudged,
            CampaignError::RubricExists(_) => ErrorCode::RubricExists,
            CampaignError::GoldExists { .. } => ErrorCode::GoldExists,
            CampaignError::GateFailed { .. } | CampaignError::GoldFirst(_) => {
                ErrorCode::GoldGateFailed
            }
            CampaignError::Unexpected(_) => ErrorCode::InternalError,
        };
        match e {
            CampaignError::Unexpected(cause) => ApiError::Unexpected(cause),
            other => ApiError::new(code, other.to_string()),
        }
    }
}

fn campaign_body(c: &campaigns::Model) -> serde_json::Value {
    serde_json::json!({
        "id": c.id,
        "name": c.name,
        "question_set": c.question_set,
        "models": serde_json::from_str::<serde_json::Value>(&c.models).unwrap_or_default(),
        "baseline": c.baseline,
        "raters_per_item": c.raters_per_item,
        "rubric": c.rubric,
        "status": c.status,
        "created_at": c.created_at.to_rfc3339(),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateCampaign {
    name: String,
    question_set: String,
    models: Vec<String>,
    #[serde(default)]
    baseline: Option<String>,
    #[serde(default = "three")]
    raters_per_item: usize,
    #[serde(default = "medical")]
    rubric: String,
    #[serde(default)]
    experts: Option<Vec<String>>,
    #[serde(default)]
    specialties: Vec<String>,
    /// Pairs whose better answer is known:
    /// `{"question_id", "model_a", "model_b", "verdict"}`.
    #[serde(default)]
    gold_items: Vec<GoldSpec>,
    /// Accuracy on the gold items an expert needs before judging the rest.
    #[serde(default)]
    gold_gate: Option<f64>,
}

fn three() -> usize {
    3
}

fn medical() -> String {
    "medical-v1".to_owned()
}

impl RequestBody for CreateCampaign {
    const OPTIONAL: bool = false;
}

pub(super) async fn create(
    operator: Operator,
    JsonBody(body): JsonBody<CreateCampaign>,
    campaigns: web::Data<Campaigns>,
) -> Result<HttpResponse, ApiError> {
    let campaign = campaigns
        .create(
            operator.0.email.as_str(),
            CampaignRequest {
                name: body.name,
                question_set: body.question_set,
                models: body.models,
                baseline: body.baseline,
                raters_per_item: body.raters_per_item,
                rubric: body.rubric,
                experts: body.experts,
                specialties: body.specialties,
                gold: body.gold_items,
                gold_gate: body.gold_gate,
            },
        )
        .await?;
    Ok(HttpResponse::Created().json(campaign_body(&campaign)))
}

pub(super) async fn get(
    _: Operator,
    id: web::Path<i32>,
    campaigns: web::Data<Campaigns>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(campaign_body(&campaigns.get(*id).await?)))
}

pub(super) async fn open(
    _: Operator,
    id: web::Path<i32>,
    campaigns: web::Data<Campaigns>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(campaign_body(&campaigns.open(*id).await?)))
}

pub(super) async fn close(
    _: Operator,
    id: web::Path<i32>,
    campaigns: web::Data<Campaigns>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(campaign_body(&campaigns.close(*id).await?)))
}

fn expert(user: &crate::auth::AuthUser) -> Result<(), ApiError> {
    if user.role.allows(Role::Expert) {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::Forbidden,
            "only experts judge campaign items",
        ))
    }
}

pub(super) async fn next(
    Signed(user): Signed,
    id: web::Path<i32>,
    campaigns: web::Data<Campaigns>,
) -> Result<HttpResponse, ApiError> {
    expert(&user)?;
    let Some(item) = campaigns.next(*id, &user).await? else {
        return Ok(HttpResponse::NoContent().finish());
    };
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "item_id": item.item_id,
        "question": item.question,
        "a": item.a_html,
        "b": item.b_html,
        "rubric": {
            "id": item.rubric.id,
            "axes": item.rubric.axes,
        },
        "progress": {"done": item.done, "total": item.total},
    })))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Judgment {
    item_id: i32,
    preference: String,
    axes: HashMap<String, String>,
    #[serde(default)]
    safety_flags: SafetyFlags,
    #[serde(default)]
    comment: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SafetyFlags {
    #[serde(default)]
    a: Option<String>,
    #[serde(default)]
    b: Option<String>,
}

impl RequestBody for Judgment {
    const OPTIONAL: bool = false;
}

pub(super) async fn judge(
    Signed(user): Signed,
    id: web::Path<i32>,
    JsonBody(body): JsonBody<Judgment>,
    campaigns: web::Data<Campaigns>,
) -> Result<HttpResponse, ApiError> {
    expert(&user)?;
    campaigns
        .judge(
            *id,
            &user,
            JudgmentInput {
                item_id: body.item_id,
                preference: body.preference,
                axes: body.axes,
                safety_a: body.safety_flags.a,
                safety_b: body.safety_flags.b,
                comment: body.comment,
            },
        )
        .await?;
    Ok(
        HttpResponse::Created()
            .json(serde_json::json!({ "item_id": body.item_id, "stored": true })),
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Skip {
    item_id: i32,
    reason: String,
}

impl RequestBody for Skip {
    const OPTIONAL: bool = false;
}

pub(super) async fn skip(
    Signed(user): Signed,
    id: web::Path<i32>,
    JsonBody(body): JsonBody<Skip>,
    campaigns: web::Data<Campaigns>,
) -> Result<HttpResponse, ApiError> {
    expert(&user)?;
    campaigns
        .skip(*id, &user, body.item_id, &body.reason)
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "item_id": body.item_id, "skipped": true })))
}

pub(super) async fn results(
    _: Operator,
    id: web::Path<i32>,
    campaigns: web::Data<Campaigns>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(campaigns.results(*id).await?))
}

#[derive(Debug, Deserialize)]
pub(super) struct ExportQuery {
    #[serde(default)]
    format: Option<String>,
}

pub(super) async fn export(
    _: Operator,
    id: web::Path<i32>,
    query: web::Query<ExportQuery>,
    campaigns: web::Data<Campaigns>,
) -> Result<HttpResponse, ApiError> {
    let format = export::Format::parse(query.format.as_deref().unwrap_or("jsonl"))
        .map_err(|m| ApiError::new(ErrorCode::InvalidBody, m))?;
    let rows = campaigns.export(*id).await?;
    let body = export::encode(&rows, format)?;
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header(("X-Content-SHA256", crate::export::sha256_hex(&body)))
        .body(body))
}

/// `GET /campaigns/{id}/export/manifest?format=`: the manifest of the export
/// in that format, as it stands now (its SHA-256 matches a download made
/// before any further judgment).
pub(super) async fn export_manifest(
    _: Operator,
    id: web::Path<i32>,
    query: web::Query<ExportQuery>,
    campaigns: web::Data<Campaigns>,
) -> Result<HttpResponse, ApiError> {
    let format = export::Format::parse(query.format.as_deref().unwrap_or("jsonl"))
        .map_err(|m| ApiError::new(ErrorCode::InvalidBody, m))?;
    let rows = campaigns.export(*id).await?;
    let body = export::encode(&rows, format)?;
    Ok(HttpResponse::Ok().json(export::manifest(*id, &rows, format, &body)))
}

/// `GET /campaigns/{id}/adjudication`: items the experts disagree on, or that
/// carry a safety flag, waiting for an operator's resolution.
pub(super) async fn disputed(
    _: Operator,
    id: web::Path<i32>,
    campaigns: web::Data<Campaigns>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": campaigns.disputed(*id).await? })))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Resolution {
    item_id: i32,
    /// In the item's own orientation (its first model is `model_a`).
    verdict: String,
}

impl RequestBody for Resolution {
    const OPTIONAL: bool = false;
}

/// `GET /rubrics`: the rubrics a campaign may use, built-in first.
pub(super) async fn rubrics(
    _: Operator,
    campaigns: web::Data<Campaigns>,
) -> Result<HttpResponse, ApiError> {
    let rubrics = campaigns.rubrics().await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "rubrics": rubrics })))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NewRubric {
    /// The rubric as TOML (`id`, `[[axes]] key, label, labels`).
    toml: String,
}

impl RequestBody for NewRubric {
    const OPTIONAL: bool = false;
}

/// `POST /rubrics {"toml"}`: stores a custom rubric; 201 when new, 200 when
/// the same rubric is there already, 409 `rubric_exists` for a different one.
pub(super) async fn add_rubric(
    req: actix_web::HttpRequest,
    operator: Operator,
    JsonBody(body): JsonBody<NewRubric>,
    campaigns: web::Data<Campaigns>,
) -> Result<HttpResponse, ApiError> {
    let (rubric, created) = campaigns
        .add_rubric(&operator.actor(&req), &body.toml)
        .await?;
    let mut res = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(res.json(rubric))
}

/// `POST /campaigns/{id}/adjudication`: resolves an item; the resolution is
/// stored as a gold item, and audited.
pub(super) async fn resolve(
    req: actix_web::HttpRequest,
    operator: Operator,
    id: web::Path<i32>,
    JsonBody(body): JsonBody<Resolution>,
    campaigns: web::Data<Campaigns>,
    db: web::Data<sea_orm::DatabaseConnection>,
) -> Result<HttpResponse, ApiError> {
    // The same resolution again changes nothing, and is not audited again.
    if campaigns.resolve(*id, body.item_id, &body.verdict).await? {
        crate::auth::users::audit(
            db.get_ref(),
            &operator.actor(&req),
            "campaign.adjudicate",
            &format!("campaign {} item {}", *id, body.item_id),
            None,
            Some(serde_json::json!({ "gold": body.verdict })),
        )
        .await?;
    }
    Ok(HttpResponse::Ok()
        .json(serde_json::json!({ "item_id": body.item_id, "gold": body.verdict })))
}
