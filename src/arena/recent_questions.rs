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
//! the bank are ([`super::bank_index`]). A list read while this process
//! started a battle for the voter keeps that battle (see
//! [`RecentQuestions::read`]). Two starts of one voter at the same moment
//! may both leave out the same list and draw the same question; they could
//! when every start read the database too.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use quick_cache::sync::Cache;
use quick_cache::{OptionsBuilder, Weighter};

use crate::domain::VoterId;

/// How long a voter's list read from the database is used before it is
/// read again (what this process adds to it meanwhile is kept).
pub const FRESH_FOR: Duration = Duration::from_secs(2);

/// Question ids kept at most, over every voter (4 bytes each).
const KEPT_IDS: u64 = 4 * 1024 * 1024;

/// The cache's shards. Each holds an equal part of the ids, and a voter's
/// list must fit in one part (the default, four per CPU, would leave a
/// many-core host too small a part for the lists of a large bank).
const SHARDS: usize = 4;

/// One voter's latest distinct questions, newest first, at most `limit`,
/// and the battles started for them since `read_at` (newest last, at most
/// `limit`), which a list read later but begun earlier may lack.
struct Seen {
    read_at: Instant,
    limit: usize,
    questions: VecDeque<i32>,
    started: VecDeque<(Instant, i32)>,
}

impl Seen {
    fn add(&mut self, question: i32) {
        self.questions.retain(|q| *q != question);
        self.questions.push_front(question);
        self.questions.truncate(self.limit);
    }
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
        let options = OptionsBuilder::new()
            .estimated_items_capacity(4096)
            .weight_capacity(ids)
            .shards(SHARDS)
            .build();
        let kept = match options {
            Ok(options) => {
                Cache::with_options(options, Ids, Default::default(), Default::default())
            }
            // (Only a zero estimate or capacity is refused.)
            Err(_) => Cache::with_weighter(4096, ids, Ids),
        };
        Self { kept }
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
    /// questions (as will the list kept). The battles this process started
    /// for the voter since the read began are added to it (the read may
    /// have missed them); a list kept that was read later still is kept.
    pub fn read(&self, voter: VoterId, questions: Vec<i32>, limit: usize, read_at: Instant) {
        let limit = limit.max(1);
        let mut seen = Seen {
            read_at,
            limit,
            questions: VecDeque::from(questions),
            started: VecDeque::new(),
        };
        seen.questions.truncate(limit);
        if let Some(old) = self.kept.get(&voter) {
            let old = old.lock().unwrap_or_else(PoisonError::into_inner);
            if old.read_at > read_at {
                return;
            }
            for &(at, question) in old.started.iter().filter(|(at, _)| *at >= read_at) {
                seen.add(question);
                seen.started.push_back((at, question));
            }
        }
        self.kept.insert(voter, Arc::new(Mutex::new(seen)));
    }

    /// A battle on `question` was stored for the voter: it comes first in
    /// the kept list, the oldest going past the read's limit. Nothing is
    /// kept for a voter whose list was not read.
    pub fn started(&self, voter: VoterId, question: i32) {
        let Some(entry) = self.kept.get(&voter) else {
            return;
        };
        let mut seen = entry.lock().unwrap_or_else(PoisonError::into_inner);
        seen.add(question);
        seen.started.push_back((Instant::now(), question));
        if seen.started.len() > seen.limit {
            seen.started.pop_front();
        }
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
    fn a_read_keeps_the_battles_started_since_it_began() {
        let recent = RecentQuestions::default();
        let v = voter();
        let first = Instant::now();
        recent.read(v, vec![1], 10, first);
        // A second read begins; a battle on 2 is started meanwhile, which the
        // read does not return.
        let second = Instant::now();
        recent.started(v, 2);
        recent.read(v, vec![3, 1], 10, second);
        assert_eq!(recent.fresh(v), Some(vec![2, 3, 1]));
        // A read that began before the list kept was read is not kept.
        recent.read(v, vec![9], 10, first);
        assert_eq!(recent.fresh(v), Some(vec![2, 3, 1]));
    }

    #[test]
    fn a_large_banks_list_is_kept() {
        // The list of a bank of 450,000 questions fits in a shard, whatever
        // the number of CPUs.
        let recent = RecentQuestions::default();
        let v = voter();
        recent.read(v, (0..900_000).collect(), 900_000, Instant::now());
        assert_eq!(recent.fresh(v).map(|l| l.len()), Some(900_000));
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
