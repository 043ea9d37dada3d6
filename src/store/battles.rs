//! Queries on battles and their messages.

use anyhow::Context;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use super::entities::{battles, messages};

/// A battle to store, with its conversation so far.
#[derive(Debug, Clone)]
pub struct NewBattle {
    pub id: Uuid,
    pub mode: String,
    pub model_a: i32,
    pub model_b: i32,
    pub voter_id: Option<String>,
    pub language: Option<String>,
    pub category: Option<String>,
    pub question_id: Option<i32>,
    pub messages: Vec<NewMessage>,
}

/// One message: a user prompt (`side` = `None`) or one side's answer.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub turn: i32,
    pub side: Option<String>,
    pub role: String,
    pub content: String,
}

/// Stores the battle, open, with its messages, in one transaction.
///
/// # Errors
/// On a database error; nothing is stored then.
pub async fn insert<C: TransactionTrait>(db: &C, battle: NewBattle) -> anyhow::Result<()> {
    let txn = db.begin().await.context("failed to begin transaction")?;
    let now = chrono::Utc::now();
    battles::ActiveModel {
        id: Set(battle.id),
        mode: Set(battle.mode),
        model_a: Set(battle.model_a),
        model_b: Set(battle.model_b),
        voter_id: Set(battle.voter_id),
        ip_hash: Set(None),
        language: Set(battle.language),
        category: Set(battle.category),
        question_id: Set(battle.question_id),
        campaign_id: Set(None),
        status: Set("open".to_owned()),
        void_reason: Set(None),
        created_at: Set(now),
    }
    .insert(&txn)
    .await
    .context("failed to insert battle")?;
    if !battle.messages.is_empty() {
        let rows = battle.messages.into_iter().map(|m| messages::ActiveModel {
            battle_id: Set(battle.id),
            turn: Set(m.turn),
            side: Set(m.side),
            role: Set(m.role),
            content: Set(m.content),
            latency_ms: Set(None),
            prompt_tokens: Set(None),
            completion_tokens: Set(None),
            finish_reason: Set(None),
            error: Set(None),
            created_at: Set(now),
            ..Default::default()
        });
        messages::Entity::insert_many(rows)
            .exec(&txn)
            .await
            .context("failed to insert battle messages")?;
    }
    txn.commit().await.context("failed to commit battle")?;
    Ok(())
}

/// One battle by id.
///
/// # Errors
/// On a database error.
pub async fn find<C: ConnectionTrait>(db: &C, id: Uuid) -> anyhow::Result<Option<battles::Model>> {
    battles::Entity::find_by_id(id)
        .one(db)
        .await
        .context("failed to load battle")
}

/// A battle's messages in conversation order.
///
/// # Errors
/// On a database error.
pub async fn messages<C: ConnectionTrait>(
    db: &C,
    battle_id: Uuid,
) -> anyhow::Result<Vec<messages::Model>> {
    messages::Entity::find()
        .filter(messages::Column::BattleId.eq(battle_id))
        .order_by_asc(messages::Column::Turn)
        .order_by_asc(messages::Column::Id)
        .all(db)
        .await
        .context("failed to load battle messages")
}
