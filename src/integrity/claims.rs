//! A vote's place under the daily caps while it is written (see
//! [`CapClaim`]).

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

/// Votes judged to count whose write has not finished: per key (a voter or
/// an address), the tickets of their claims.
#[derive(Default)]
pub(super) struct InFlight {
    next_ticket: u64,
    held: HashMap<String, BTreeSet<u64>>,
}

/// A vote's place under the daily caps while it is written.
///
/// The caps are counted in the database, and a vote is written after it is
/// judged, so votes of one voter (or address) judged side by side would each
/// read the count before the others' writes and all count past the cap. So
/// a vote first takes a ticket for each of its keys; just before it reads a
/// key's stored count, it adds the claims of that key with earlier tickets
/// still held. A claim is dropped by the database writer once the vote is
/// committed (or has failed), so an earlier vote is either still held (and
/// added) or committed before the read began (and in the count): none is
/// missed, and on one instance the caps are never passed. A vote committed
/// in the instant before the read whose claim is still held is counted
/// twice, so under a race a cap may hold a vote early (as may, for the time
/// of its read, the claim of a flagged voter's vote, whose flag is read with
/// the counts and which then does not count). Instances do not see
/// each other's claims: across them, a race can pass a cap by the votes in
/// flight.
#[must_use]
pub struct CapClaim {
    in_flight: Arc<Mutex<InFlight>>,
    ticket: u64,
    keys: Vec<String>,
}

impl CapClaim {
    pub(super) fn take(in_flight: &Arc<Mutex<InFlight>>, keys: Vec<String>) -> Self {
        let mut state = in_flight.lock().unwrap_or_else(PoisonError::into_inner);
        let ticket = state.next_ticket;
        state.next_ticket += 1;
        for key in &keys {
            state.held.entry(key.clone()).or_default().insert(ticket);
        }
        drop(state);
        Self {
            in_flight: Arc::clone(in_flight),
            ticket,
            keys,
        }
    }

    /// The claims of `key` taken before this one and still held.
    pub(super) fn earlier(&self, key: &str) -> u64 {
        let state = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        state
            .held
            .get(key)
            .map_or(0, |t| t.range(..self.ticket).count() as u64)
    }
}

impl Drop for CapClaim {
    fn drop(&mut self) {
        let mut state = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for key in &self.keys {
            if let Some(tickets) = state.held.get_mut(key) {
                tickets.remove(&self.ticket);
                if tickets.is_empty() {
                    state.held.remove(key);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_counts_the_earlier_claims_of_its_key_still_held() {
        let in_flight = Arc::new(Mutex::new(InFlight::default()));
        let keys = |k: &[&str]| k.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let first = CapClaim::take(&in_flight, keys(&["voter a", "address x"]));
        let second = CapClaim::take(&in_flight, keys(&["voter b", "address x"]));
        let third = CapClaim::take(&in_flight, keys(&["voter a", "address x"]));
        assert_eq!(first.earlier("address x"), 0);
        assert_eq!(second.earlier("address x"), 1);
        assert_eq!(third.earlier("address x"), 2);
        assert_eq!(third.earlier("voter a"), 1);
        assert_eq!(second.earlier("voter b"), 0);
        // A later claim is not counted by an earlier one; a dropped one by no one.
        drop(first);
        assert_eq!(third.earlier("address x"), 1);
        assert_eq!(third.earlier("voter a"), 0);
        drop(second);
        drop(third);
        let state = in_flight.lock().unwrap_or_else(PoisonError::into_inner);
        assert!(state.held.is_empty(), "every key is forgotten");
    }
}
