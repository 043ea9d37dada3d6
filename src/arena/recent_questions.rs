//! The questions each voter saw last, kept in memory so that starting a
//! question-bank battle need not read them from the database every time.
//!
//! A battle start leaves out the questions the voter saw since they last
//! went through the whole bank ([`super::bank`]). That list used to be read
//! at every start: the only statement a start made before its write, and a
//! round trip to the database driver's thread each time. Now it is read
//! once per voter and then kept up to date here with every battle this
//! process starts for them; it is read again once it is older than
//! [`FRESH_FOR`], so battles started for the same voter through another
//! instance (or the command line) are seen within that time, as changes to
//! the bank are ([`super::bank_index`]). Two starts of one voter at the same
//! moment may both leave out the same list and draw the same question; they
//! could when every start read the database too.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use quick_cache::Weighter;
use quick_cache::sync::Cache;

use crate::domain::VoterId;

/// How long a voter's list read from the database is used before it is
/// read again (what this process adds to it meanwhile is kept).
pub const FRESH_FOR: Duration = Duration::from_secs(2);

/// Question ids kept at most, over every voter (4 bytes each).
const KEPT_IDS: u64 = 4 * 1024 * 1024;

/// One voter's latest distinct questions, newest first, at most `limit`.
struct Seen {
    read_at: Instant,
    limit: usize,
    questions: VecDeque<i32>,
}

type Entry = Arc<Mutex<Seen>>;

#[derive(Clone)]
struct Ids;

impl Weighter<VoterId, Entry> for Ids {
    fn weight(&self, _: &VoterId, seen: &Entry) -> u64 {
        // As many ids as the list may grow to (it is weighed when kept),
        // plus the entry's own bookkeeping.
        let limit = seen.lock().unwrap_or_else(PoisonError::into_inner).limit;
        limit as u64 + 16
    }
}

/// The kept lists, shared by the arena's clones.
pub struct RecentQuestions {
    kept: Cache<VoterId, Entry, Ids>,
}

impl Default for RecentQuestions {
    fn default() -> Self {
        Self::with_capacity(KEPT_IDS)
    }
}

impl RecentQuestions {
    /// Keeps at most about `ids` question ids.
    #[must_use]
    pub fn with_capacity(ids: u64) -> Self {
        Self {
            kept: Cache::with_weighter(4096, ids, Ids),
        }
    }

    /// The voter's latest distinct questions, newest first, when the list
    /// kept was read from the database less than [`FRESH_FOR`] ago.
    #[must_use]
    pub fn fresh(&self, voter: VoterId) -> Option<Vec<i32>> {
        let entry = self.kept.get(&voter)?;
        let seen = entry.lock().unwrap_or_else(PoisonError::into_inner);
        (seen.read_at.elapsed() < FRESH_FOR).then(|| seen.questions.iter().copied().collect())
    }

    /// Keeps the list just read from the database (newest first, distinct),
    /// whose read began at `read_at` and which holds at most `limit`
    /// questions (as will the list kept).
    pub fn read(&self, voter: VoterId, questions: Vec<i32>, limit: usize, read_at: Instant) {
        let mut questions = VecDeque::from(questions);
        let limit = limit.max(1);
        questions.truncate(limit);
        let entry = Arc::new(Mutex::new(Seen {
            read_at,
            limit,
            questions,
        }));
        self.kept.insert(voter, entry);
    }

    /// A battle on `question` was stored for the voter: it comes first in
    /// the kept list, the oldest going past the read's limit. Nothing is
    /// kept for a voter whose list was not read.
    pub fn started(&self, voter: VoterId, question: i32) {
        let Some(entry) = self.kept.get(&voter) else {
            return;
        };
        let mut seen = entry.lock().unwrap_or_else(PoisonError::into_inner);
        seen.questions.retain(|q| *q != question);
        seen.questions.push_front(question);
        let limit = seen.limit;
        seen.questions.truncate(limit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voter() -> VoterId {
        VoterId::new_random()
    }

    #[test]
    fn a_started_battle_comes_first_once() {
        let recent = RecentQuestions::default();
        let v = voter();
        // Nothing is kept before a read.
        recent.started(v, 1);
        assert_eq!(recent.fresh(v), None);
        recent.read(v, vec![3, 2, 1], 4, Instant::now());
        recent.started(v, 1);
        recent.started(v, 4);
        assert_eq!(recent.fresh(v), Some(vec![4, 1, 3, 2]));
        // The limit holds, the oldest going first.
        recent.started(v, 5);
        assert_eq!(recent.fresh(v), Some(vec![5, 4, 1, 3]));
        // Other voters are apart.
        assert_eq!(recent.fresh(voter()), None);
    }

    #[test]
    fn a_list_read_long_ago_is_read_again() {
        let recent = RecentQuestions::default();
        let v = voter();
        let long_ago = Instant::now()
            .checked_sub(FRESH_FOR + Duration::from_millis(1))
            .expect("the clock runs long enough");
        recent.read(v, vec![1], 10, long_ago);
        recent.started(v, 2);
        assert_eq!(recent.fresh(v), None);
        recent.read(v, vec![2, 1], 10, Instant::now());
        assert_eq!(recent.fresh(v), Some(vec![2, 1]));
    }

    #[test]
    fn the_lists_stay_within_their_ids() {
        let recent = RecentQuestions::with_capacity(2_000);
        let voters: Vec<VoterId> = (0..100).map(|_| voter()).collect();
        for v in &voters {
            recent.read(*v, (0..100).collect(), 100, Instant::now());
        }
        let kept = voters
            .iter()
            .filter(|v| recent.fresh(**v).is_some())
            .count();
        assert!((1..=20).contains(&kept), "{kept} kept");
    }
}
