//! Queries on campaigns, their items, assignments and judgments.

use anyhow::Context;
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};

use super::entities::{assignments, campaign_items, campaigns, judgments, users};
use crate::domain::Role;

/// A campaign to create (draft).
#[derive(Debug, Clone)]
pub struct NewCampaign {
    pub name: String,
    pub question_set: String,
    pub models: Vec<String>,
    pub baseline: Option<String>,
    pub raters_per_item: i32,
    pub rubric: String,
    pub experts: Option<Vec<String>>,
    pub specialties: Vec<String>,
    pub created_by: String,
    pub gold: Option<String>,
    pub gold_gate: Option<f64>,
}

/// # Errors
/// On a database error.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    c: NewCampaign,
) -> anyhow::Result<campaigns::Model> {
    campaigns::ActiveModel {
        name: Set(c.name),
        question_set: Set(c.question_set),
        models: Set(serde_json::to_string(&c.models).context("encode models")?),
        baseline: Set(c.baseline),
        raters_per_item: Set(c.raters_per_item),
        rubric: Set(c.rubric),
        experts: Set(c
            .experts
            .map(|e| serde_json::to_string(&e))
            .transpose()
            .context("encode experts")?),
        specialties: Set(serde_json::to_string(&c.specialties).context("encode specialties")?),
        status: Set("draft".to_owned()),
        created_by: Set(c.created_by),
        created_at: Set(Utc::now()),
        gold: Set(c.gold),
        gold_gate: Set(c.gold_gate),
        ..Default::default()
    }
    .insert(db)
    .await
    .context("failed to create the campaign")
}

/// # Errors
/// On a database error.
pub async fn find<C: ConnectionTrait>(db: &C, id: i32) -> anyhow::Result<Option<campaigns::Model>> {
    super::first(db, campaigns::Entity::find_by_id(id))
        .await
        .context("failed to load the campaign")
}

/// Sets the status if it is `from`; returns whether it changed.
///
/// # Errors
/// On a database error.
pub async fn set_status<C: ConnectionTrait>(
    db: &C,
    id: i32,
    from: &str,
    to: &str,
) -> anyhow::Result<bool> {
    let r = campaigns::Entity::update_many()
        .col_expr(campaigns::Column::Status, Expr::value(to))
        .filter(campaigns::Column::Id.eq(id))
        .filter(campaigns::Column::Status.eq(from))
        .exec(db)
        .await
        .context("failed to change the campaign's status")?;
    Ok(r.rows_affected == 1)
}

/// Every enabled expert.
///
/// # Errors
/// On a database error.
pub async fn experts<C: ConnectionTrait>(db: &C) -> anyhow::Result<Vec<users::Model>> {
    users::Entity::find()
        .filter(users::Column::Role.eq(Role::Expert))
        .filter(users::Column::Disabled.eq(false))
        .order_by_asc(users::Column::Email)
        .all(db)
        .await
        .context("failed to list experts")
}

/// Stores an item; returns its id.
///
/// # Errors
/// On a database error.
pub async fn insert_item<C: ConnectionTrait>(
    db: &C,
    campaign_id: i32,
    question_id: i32,
    model_a: i32,
    model_b: i32,
) -> anyhow::Result<i32> {
    let item = campaign_items::ActiveModel {
        campaign_id: Set(campaign_id),
        question_id: Set(question_id),
        model_a: Set(model_a),
        model_b: Set(model_b),
        gold: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
    .context("failed to store a campaign item")?;
    Ok(item.id)
}

/// Stores the assignments `(item, expert, shown_swapped, position)`.
///
/// # Errors
/// On a database error.
pub async fn insert_assignments<C: ConnectionTrait>(
    db: &C,
    campaign_id: i32,
    rows: &[(i32, i32, bool, i32)],
) -> anyhow::Result<()> {
    let now = Utc::now();
    for chunk in rows.chunks(200) {
        assignments::Entity::insert_many(chunk.iter().map(|&(item, expert, swapped, position)| {
            assignments::ActiveModel {
                campaign_id: Set(campaign_id),
                item_id: Set(item),
                expert_id: Set(expert),
                shown_swapped: Set(swapped),
                position: Set(position),
                status: Set("pending".to_owned()),
                skip_reason: Set(None),
                assigned_at: Set(now),
                ..Default::default()
            }
        }))
        .exec_without_returning(db)
        .await
        .context("failed to store assignments")?;
    }
    Ok(())
}

/// The expert's next pending assignment in the campaign, in their order.
///
/// # Errors
/// On a database error.
pub async fn next_assignment<C: ConnectionTrait>(
    db: &C,
    campaign_id: i32,
    expert_id: i32,
) -> anyhow::Result<Option<assignments::Model>> {
    super::first(
        db,
        assignments::Entity::find()
            .filter(assignments::Column::CampaignId.eq(campaign_id))
            .filter(assignments::Column::ExpertId.eq(expert_id))
            .filter(assignments::Column::Status.eq("pending"))
            .order_by_asc(assignments::Column::Position),
    )
    .await
    .context("failed to load the next assignment")
}

/// The expert's assignment of an item, if any.
///
/// # Errors
/// On a database error.
pub async fn assignment<C: ConnectionTrait>(
    db: &C,
    campaign_id: i32,
    item_id: i32,
    expert_id: i32,
) -> anyhow::Result<Option<assignments::Model>> {
    super::first(
        db,
        assignments::Entity::find()
            .filter(assignments::Column::CampaignId.eq(campaign_id))
            .filter(assignments::Column::ItemId.eq(item_id))
            .filter(assignments::Column::ExpertId.eq(expert_id)),
    )
    .await
    .context("failed to load the assignment")
}

/// Whether the expert has any assignment in the campaign.
///
/// # Errors
/// On a database error.
pub async fn is_rater<C: ConnectionTrait>(
    db: &C,
    campaign_id: i32,
    expert_id: i32,
) -> anyhow::Result<bool> {
    Ok(assignments::Entity::find()
        .filter(assignments::Column::CampaignId.eq(campaign_id))
        .filter(assignments::Column::ExpertId.eq(expert_id))
        .count(db)
        .await
        .context("failed to count assignments")?
        > 0)
}

/// Marks an assignment done or skipped, if it is still pending; returns
/// whether it was.
///
/// # Errors
/// On a database error.
pub async fn finish_assignment<C: ConnectionTrait>(
    db: &C,
    id: i32,
    status: &str,
    skip_reason: Option<String>,
) -> anyhow::Result<bool> {
    let r = assignments::Entity::update_many()
        .col_expr(assignments::Column::Status, Expr::value(status))
        .col_expr(assignments::Column::SkipReason, Expr::value(skip_reason))
        .filter(assignments::Column::Id.eq(id))
        .filter(assignments::Column::Status.eq("pending"))
        .exec(db)
        .await
        .context("failed to finish the assignment")?;
    Ok(r.rows_affected == 1)
}

/// Stores a judgment.
///
/// # Errors
/// On a database error.
pub async fn insert_judgment<C: ConnectionTrait>(
    db: &C,
    j: judgments::ActiveModel,
) -> anyhow::Result<()> {
    judgments::Entity::insert(j)
        .exec_without_returning(db)
        .await
        .context("failed to store the judgment")?;
    Ok(())
}

/// Everything of a campaign, for results and exports.
pub struct CampaignData {
    pub items: Vec<campaign_items::Model>,
    pub assignments: Vec<assignments::Model>,
    pub judgments: Vec<judgments::Model>,
}

/// # Errors
/// On a database error.
pub async fn data<C: ConnectionTrait>(db: &C, campaign_id: i32) -> anyhow::Result<CampaignData> {
    Ok(CampaignData {
        items: campaign_items::Entity::find()
            .filter(campaign_items::Column::CampaignId.eq(campaign_id))
            .order_by_asc(campaign_items::Column::Id)
            .all(db)
            .await
            .context("failed to load items")?,
        assignments: assignments::Entity::find()
            .filter(assignments::Column::CampaignId.eq(campaign_id))
            .all(db)
            .await
            .context("failed to load assignments")?,
        judgments: judgments::Entity::find()
            .filter(judgments::Column::CampaignId.eq(campaign_id))
            .order_by_asc(judgments::Column::Id)
            .all(db)
            .await
            .context("failed to load judgments")?,
    })
}

/// # Errors
/// On a database error.
pub async fn item<C: ConnectionTrait>(
    db: &C,
    id: i32,
) -> anyhow::Result<Option<campaign_items::Model>> {
    super::first(db, campaign_items::Entity::find_by_id(id))
        .await
        .context("failed to load the item")
}

/// Marks an item that has no gold verdict yet as gold with its known verdict
/// (the item's orientation). Returns `false` when the item has one already
/// (a gold verdict is never replaced) or does not exist.
///
/// # Errors
/// On a database error.
pub async fn set_gold<C: ConnectionTrait>(
    db: &C,
    item_id: i32,
    verdict: &str,
) -> anyhow::Result<bool> {
    let r = campaign_items::Entity::update_many()
        .col_expr(campaign_items::Column::Gold, Expr::value(verdict))
        .filter(campaign_items::Column::Id.eq(item_id))
        .filter(campaign_items::Column::Gold.is_null())
        .exec(db)
        .await
        .context("failed to mark a gold item")?;
    Ok(r.rows_affected == 1)
}

/// A counted crowd vote on a question of a campaign, as the battle had it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrowdVote {
    pub question_id: i32,
    pub model_a: i32,
    pub model_b: i32,
    pub verdict: crate::domain::Verdict,
}

/// The counted crowd votes on question-bank battles over the questions that
/// campaign `campaign_id` has items for (not those on battles voided since).
///
/// # Errors
/// On a database error.
pub async fn crowd_votes<C: ConnectionTrait>(
    db: &C,
    campaign_id: i32,
) -> anyhow::Result<Vec<CrowdVote>> {
    use super::entities::{battles, votes};
    use sea_orm::sea_query::{ExprTrait, Query};
    let questions = Query::select()
        .column(campaign_items::Column::QuestionId)
        .from(campaign_items::Entity)
        .and_where(Expr::col(campaign_items::Column::CampaignId).eq(campaign_id))
        .to_owned();
    let stmt = Query::select()
        .column((battles::Entity, battles::Column::QuestionId))
        .column((battles::Entity, battles::Column::ModelA))
        .column((battles::Entity, battles::Column::ModelB))
        .column((votes::Entity, votes::Column::Verdict))
        .from(votes::Entity)
        .inner_join(
            battles::Entity,
            Expr::col((battles::Entity, battles::Column::Id))
                .equals((votes::Entity, votes::Column::BattleId)),
        )
        .and_where(Expr::col((votes::Entity, votes::Column::Counted)).eq(true))
        .and_where(
            Expr::col((battles::Entity, battles::Column::Status))
                .eq(crate::domain::BattleStatus::Voted),
        )
        .and_where(Expr::col((battles::Entity, battles::Column::QuestionId)).in_subquery(questions))
        .to_owned();
    let rows = db
        .query_all(&stmt)
        .await
        .context("failed to load the crowd's votes on the campaign's questions")?;
    rows.iter()
        .map(|r| {
            Ok(CrowdVote {
                question_id: r.try_get_by_index(0).context("bad question_id")?,
                model_a: r.try_get_by_index(1).context("bad model_a")?,
                model_b: r.try_get_by_index(2).context("bad model_b")?,
                verdict: r.try_get_by_index(3).context("bad verdict")?,
            })
        })
        .collect()
}
