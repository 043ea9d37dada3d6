//! Request rate limits per client address and per voter (the `governor`
//! crate's keyed GCRA limiters). They hold per instance; the daily caps,
//! counted in the database, hold across instances.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::domain::VoterId;

/// What is being limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Starting a question-bank battle.
    Battle,
    /// A live prompt, follow-up or regeneration: each costs two paid answers.
    Live,
    Vote,
}

struct Pair {
    by_ip: DefaultKeyedRateLimiter<IpAddr>,
    by_voter: DefaultKeyedRateLimiter<VoterId>,
}

impl Pair {
    fn new(per_minute: u32) -> Self {
        let quota =
            Quota::per_minute(NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN));
        Self {
            by_ip: RateLimiter::keyed(quota),
            by_voter: RateLimiter::keyed(quota),
        }
    }
}

/// Every limiter.
pub struct RateLimits {
    battle: Pair,
    live: Pair,
    vote: Pair,
    clock: DefaultClock,
}

impl RateLimits {
    #[must_use]
    pub fn new(battles_per_minute: u32, live_per_minute: u32, votes_per_minute: u32) -> Self {
        Self {
            battle: Pair::new(battles_per_minute),
            live: Pair::new(live_per_minute),
            vote: Pair::new(votes_per_minute),
            clock: DefaultClock::default(),
        }
    }

    /// Takes one `action` for this address and voter, or says how long to wait.
    ///
    /// # Errors
    /// The wait when either limit is exhausted.
    pub fn check(&self, action: Action, ip: IpAddr, voter: VoterId) -> Result<(), Duration> {
        let pair = match action {
            Action::Battle => &self.battle,
            Action::Live => &self.live,
            Action::Vote => &self.vote,
        };
        let now = self.clock.now();
        let by_ip = pair.by_ip.check_key(&ip).map_err(|n| n.wait_time_from(now));
        let by_voter = pair
            .by_voter
            .check_key(&voter)
            .map_err(|n| n.wait_time_from(now));
        match (by_ip, by_voter) {
            (Ok(()), Ok(())) => Ok(()),
            (Err(a), Err(b)) => Err(a.max(b)),
            (Err(w), _) | (_, Err(w)) => Err(w),
        }
    }

    /// Forgets keys that have fully recovered.
    pub fn shrink(&self) {
        for pair in [&self.battle, &self.live, &self.vote] {
            pair.by_ip.retain_recent();
            pair.by_voter.retain_recent();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_action_has_its_own_budget_per_address_and_voter() {
        let limits = RateLimits::new(2, 1, 100);
        let ip: IpAddr = "203.0.113.7".parse().expect("ip");
        let other: IpAddr = "203.0.113.8".parse().expect("ip");
        let v = VoterId::new_random();
        assert!(limits.check(Action::Battle, ip, v).is_ok());
        assert!(limits.check(Action::Battle, ip, v).is_ok());
        assert!(limits.check(Action::Battle, ip, v).is_err());
        // A new voter id from the same address is still limited...
        assert!(
            limits
                .check(Action::Battle, ip, VoterId::new_random())
                .is_err()
        );
        // ...and so is the same voter from a new address.
        assert!(limits.check(Action::Battle, other, v).is_err());
        assert!(limits.check(Action::Vote, ip, v).is_ok());
        assert!(
            limits
                .check(Action::Live, other, VoterId::new_random())
                .is_ok()
        );
        assert!(
            limits
                .check(Action::Live, other, VoterId::new_random())
                .is_err()
        );
    }
}
