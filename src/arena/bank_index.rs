//! Which questions of the bank can be played, and by whom: an index of the
//! active models that answered each question, with their sampling weights,
//! and the models' rows, kept in memory so that starting a battle does not
//! group every stored answer again, and a vote does not read its models.
//!
//! The index reloads when this process changes the bank
//! ([`store::questions::bank_changed`]) and at the latest [`MAX_AGE`] after
//! it was loaded, which bounds how long a change made by another instance
//! (or the command line) on the same database goes unseen.
//!
//! Each loaded index also keeps the texts battles were started on since it
//! was loaded ([`BankTexts`]): a question and its answers are read once per
//! index, not once per battle. They go with the index, so they are never
//! older than it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use quick_cache::Weighter;
use quick_cache::sync::Cache;
use sea_orm::DatabaseConnection;

use super::sampling::Candidate;
use crate::store;
use crate::store::entities::models;
use crate::store::questions::Question;

/// How long a loaded index is trusted when this process changed nothing.
pub const MAX_AGE: Duration = Duration::from_secs(2);

/// The playable questions and their candidates.
#[derive(Default)]
pub struct BankIndex {
    /// Questions that at least two drawable models (active, weight > 0)
    /// answered, in id order.
    pub playable: Vec<i32>,
    /// Every active model that answered each question, with its weight.
    pub candidates: HashMap<i32, Vec<Candidate>>,
    /// Every model's row, by id.
    pub models: HashMap<i32, models::Model>,
    /// The texts read since this index was loaded.
    pub texts: BankTexts,
}

/// Bytes of question and answer texts an index keeps at most.
pub const TEXT_BYTES: u64 = 32 * 1024 * 1024;

/// One stored answer's turns.
pub type AnswerTurns = Arc<Vec<String>>;

#[derive(Clone)]
struct Bytes;

fn turns_bytes(turns: &[String]) -> u64 {
    // A few dozen bytes of bookkeeping per turn and entry besides the texts.
    (turns.iter().map(|t| t.len() + 32).sum::<usize>() + 64) as u64
}

impl Weighter<i32, Arc<Question>> for Bytes {
    fn weight(&self, _: &i32, q: &Arc<Question>) -> u64 {
        turns_bytes(&q.turns) + (q.set_name.len() + q.external_id.len()) as u64
    }
}

impl Weighter<(i32, i32), AnswerTurns> for Bytes {
    fn weight(&self, _: &(i32, i32), turns: &AnswerTurns) -> u64 {
        turns_bytes(turns)
    }
}

/// The questions, and the answers by `(question, model)`, that battles were
/// started on, bounded in bytes ([`TEXT_BYTES`]; the least recently used
/// go first).
pub struct BankTexts {
    questions: Cache<i32, Arc<Question>, Bytes>,
    answers: Cache<(i32, i32), AnswerTurns, Bytes>,
}

impl Default for BankTexts {
    fn default() -> Self {
        Self {
            questions: Cache::with_weighter(1024, TEXT_BYTES / 4, Bytes),
            answers: Cache::with_weighter(4096, TEXT_BYTES / 4 * 3, Bytes),
        }
    }
}

impl BankTexts {
    /// Question `question_id` with the answers of `model_a` and `model_b` to
    /// it (each `None` when that model has none); `None` when there is no
    /// such question. Read from the database, in one query, only when one
    /// of the three is not kept yet.
    ///
    /// # Errors
    /// On a database error or a corrupt stored row.
    pub async fn question_with_pair(
        &self,
        db: &DatabaseConnection,
        question_id: i32,
        model_a: i32,
        model_b: i32,
    ) -> anyhow::Result<Option<(Arc<Question>, [Option<AnswerTurns>; 2])>> {
        if let (Some(q), Some(a), Some(b)) = (
            self.questions.get(&question_id),
            self.answers.get(&(question_id, model_a)),
            self.answers.get(&(question_id, model_b)),
        ) {
            return Ok(Some((q, [Some(a), Some(b)])));
        }
        let Some((question, pair)) =
            store::questions::with_answer_pair(db, question_id, model_a, model_b).await?
        else {
            return Ok(None);
        };
        let question = Arc::new(question);
        self.questions.insert(question_id, Arc::clone(&question));
        let pair = pair.map(|turns| turns.map(Arc::new));
        for (model, turns) in [model_a, model_b].into_iter().zip(&pair) {
            if let Some(turns) = turns {
                self.answers.insert((question_id, model), Arc::clone(turns));
            }
        }
        Ok(Some((question, pair)))
    }
}

impl BankIndex {
    /// Builds the index from `(question_id, model_id, weight)` rows.
    #[must_use]
    pub fn from_rows(
        rows: impl IntoIterator<Item = (i32, i32, f64)>,
        models: Vec<models::Model>,
    ) -> Self {
        let mut candidates: HashMap<i32, Vec<Candidate>> = HashMap::new();
        for (question, model_id, weight) in rows {
            candidates
                .entry(question)
                .or_default()
                .push(Candidate { model_id, weight });
        }
        let mut playable: Vec<i32> = candidates
            .iter()
            .filter(|(_, c)| c.iter().filter(|c| c.weight > 0.0).count() >= 2)
            .map(|(q, _)| *q)
            .collect();
        playable.sort_unstable();
        Self {
            playable,
            candidates,
            models: models.into_iter().map(|m| (m.id, m)).collect(),
            texts: BankTexts::default(),
        }
    }

    /// The models that may be drawn for `question` (none when it has none).
    #[must_use]
    pub fn candidates(&self, question: i32) -> &[Candidate] {
        self.candidates.get(&question).map_or(&[], Vec::as_slice)
    }
}

struct Loaded {
    index: Arc<BankIndex>,
    generation: u64,
    at: Instant,
}

/// The cached index, shared by the arena's clones.
#[derive(Default)]
pub struct BankCache {
    loaded: Mutex<Option<Loaded>>,
    /// A request is reloading an index that only grew old.
    refreshing: AtomicBool,
}

/// Clears `refreshing` when the reload ends, also when its request is
/// dropped part-way (the client went away).
struct Refreshing<'a>(&'a AtomicBool);

impl Drop for Refreshing<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl BankCache {
    /// The current index, loaded again when the bank changed in this process
    /// or the one held is older than [`MAX_AGE`]. After a change here, every
    /// caller waits for an index that has it. An index that only grew old is
    /// reloaded by one caller while the others go on with it, so that a busy
    /// arena does not send a crowd of identical reloads every [`MAX_AGE`]:
    /// a change made elsewhere is then seen within `MAX_AGE` plus one reload.
    ///
    /// # Errors
    /// On a database error (the old index is kept for the next try).
    pub async fn get(&self, db: &DatabaseConnection) -> anyhow::Result<Arc<BankIndex>> {
        let generation = store::questions::bank_generation();
        let held = self
            .lock()
            .as_ref()
            .filter(|l| l.generation == generation)
            .map(|l| (Arc::clone(&l.index), l.at));
        if let Some((index, at)) = held {
            if at.elapsed() < MAX_AGE {
                return Ok(index);
            }
            if self.refreshing.swap(true, Ordering::AcqRel) {
                return Ok(index);
            }
            let _refreshing = Refreshing(&self.refreshing);
            return self.load(db, generation).await;
        }
        // Several requests may reload at once after a change; each gets a
        // correct index, and the newest load wins.
        self.load(db, generation).await
    }

    async fn load(
        &self,
        db: &DatabaseConnection,
        generation: u64,
    ) -> anyhow::Result<Arc<BankIndex>> {
        let at = Instant::now();
        let index = Arc::new(BankIndex::from_rows(
            store::questions::active_answerers(db).await?,
            store::models::list(db).await?,
        ));
        let mut slot = self.lock();
        if slot.as_ref().is_none_or(|l| l.at <= at) {
            *slot = Some(Loaded {
                index: Arc::clone(&index),
                generation,
                at,
            });
        }
        Ok(index)
    }

    /// The models with the given ids, from the index where it has them
    /// (a model registered since it was loaded is read from the database).
    ///
    /// # Errors
    /// On a database error.
    pub async fn models(
        &self,
        db: &DatabaseConnection,
        ids: &[i32],
    ) -> anyhow::Result<HashMap<i32, models::Model>> {
        let index = self.get(db).await?;
        let mut found: HashMap<i32, models::Model> = ids
            .iter()
            .filter_map(|id| index.models.get(id).map(|m| (*id, m.clone())))
            .collect();
        let missing: Vec<i32> = ids
            .iter()
            .copied()
            .filter(|id| !found.contains_key(id))
            .collect();
        if !missing.is_empty() {
            found.extend(store::models::by_ids(db, &missing).await?);
        }
        Ok(found)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Loaded>> {
        // The slot is only ever replaced whole, so a poisoned lock still
        // holds a consistent value.
        self.loaded
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_question_needs_two_drawable_answerers() {
        let index = BankIndex::from_rows(
            [
                (1, 10, 1.0),
                (1, 11, 1.0),
                (2, 10, 1.0),
                (2, 11, 0.0),
                (3, 12, 2.0),
                (3, 10, 0.5),
                (3, 11, 0.0),
            ],
            Vec::new(),
        );
        assert_eq!(index.playable, vec![1, 3]);
        // A weight-0 model stays a candidate (the draw skips it).
        assert_eq!(index.candidates(3).len(), 3);
        assert!(index.candidates(4).is_empty());
    }
}
