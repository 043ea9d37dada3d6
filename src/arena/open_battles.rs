//! Question-bank battles this process started and that wait for a vote,
//! kept as they were stored, so that the vote need not read them back.
//!
//! What a vote reads of a question-bank battle does not change while it is
//! open: its row (models, voter, address hash, scope, start time) and its
//! messages are written once, whole, when it starts. Only its status can
//! change (voted, or made void elsewhere), and the vote's own write
//! re-checks that in its conditional update, which then says why the battle
//! was not open, as it does for a battle read from the database. A copy
//! therefore decides every vote exactly as a read would.
//!
//! The copy is taken only once the battle is stored, and dropped when a
//! vote on it is written or refused by the database. Live battles are never
//! kept: their answers are written while they stream. Another instance on
//! the same database reads what it does not hold. The copies are bounded by
//! their size in bytes ([`KEPT_BYTES`]), so battles never voted on go, the
//! least recently used first.

use std::sync::Arc;

use quick_cache::Weighter;
use quick_cache::sync::Cache;
use uuid::Uuid;

use crate::store::entities::{battles, messages};

/// Bytes of battles (mostly their answers' text) kept at most.
pub const KEPT_BYTES: u64 = 64 * 1024 * 1024;

/// A battle's row and messages, as stored.
#[derive(Debug)]
pub struct Stored {
    pub battle: battles::Model,
    pub messages: Vec<messages::Model>,
}

#[derive(Clone)]
struct Bytes;

impl Weighter<Uuid, Arc<Stored>> for Bytes {
    fn weight(&self, _: &Uuid, stored: &Arc<Stored>) -> u64 {
        // The texts, plus a few hundred bytes of fields and bookkeeping.
        let texts: usize = stored.messages.iter().map(|m| m.content.len() + 128).sum();
        (texts + 256) as u64
    }
}

/// The kept battles, shared by the arena's clones.
pub struct OpenBattles {
    kept: Cache<Uuid, Arc<Stored>, Bytes>,
}

impl Default for OpenBattles {
    fn default() -> Self {
        Self::with_capacity(KEPT_BYTES)
    }
}

impl OpenBattles {
    /// A store that keeps at most `bytes` of battles.
    #[must_use]
    pub fn with_capacity(bytes: u64) -> Self {
        Self {
            kept: Cache::with_weighter(4096, bytes, Bytes),
        }
    }

    /// Keeps a battle just stored.
    pub fn keep(&self, stored: Stored) {
        self.kept.insert(stored.battle.id, Arc::new(stored));
    }

    /// The battle `id`, if it is kept.
    #[must_use]
    pub fn get(&self, id: Uuid) -> Option<Arc<Stored>> {
        self.kept.get(&id)
    }

    /// Drops the copy of `id` (a vote on it was written or refused).
    pub fn forget(&self, id: Uuid) {
        self.kept.remove(&id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{BattleMode, FinishReason, Side};
    use crate::store::battles::{NewBattle, NewMessage, started_now};

    fn battle(answer: &str) -> Stored {
        let (battle, messages) = NewBattle {
            id: Uuid::now_v7(),
            mode: BattleMode::Anonymous,
            model_a: 1,
            model_b: 2,
            voter_id: None,
            ip_hash: None,
            question_chosen: false,
            prompt_key: None,
            language: None,
            category: None,
            question_id: Some(1),
            created_at: started_now(),
            messages: vec![
                NewMessage::prompt(0, "q".into()),
                NewMessage::answer(0, Side::A, answer.into(), FinishReason::AnswerSet),
                NewMessage::answer(0, Side::B, answer.into(), FinishReason::AnswerSet),
            ],
        }
        .rows();
        Stored { battle, messages }
    }

    #[test]
    fn a_kept_battle_is_found_until_forgotten() {
        let open = OpenBattles::default();
        let b = battle("an answer");
        let id = b.battle.id;
        open.keep(b);
        assert_eq!(open.get(id).map(|s| s.messages.len()), Some(3));
        open.forget(id);
        assert!(open.get(id).is_none());
        assert!(open.get(Uuid::now_v7()).is_none());
    }

    #[test]
    fn the_store_stays_within_its_bytes() {
        // Room for about ten battles of 10 kB of answers.
        let open = OpenBattles::with_capacity(100_000);
        let text = "x".repeat(5_000);
        let ids: Vec<Uuid> = (0..100)
            .map(|_| {
                let b = battle(&text);
                let id = b.battle.id;
                open.keep(b);
                id
            })
            .collect();
        let kept = ids.iter().filter(|id| open.get(**id).is_some()).count();
        assert!((1..=10).contains(&kept), "{kept} kept");
    }
}
