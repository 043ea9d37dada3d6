//! Login attempts, limited per email address and per client IP (the
//! `governor` crate's keyed GCRA limiters), so that guessing passwords is
//! slow both for one account and from one address.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Both limiters.
pub struct LoginLimiter {
    by_email: DefaultKeyedRateLimiter<String>,
    by_ip: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN))
}

impl LoginLimiter {
    #[must_use]
    pub fn new(per_email_per_minute: u32, per_ip_per_minute: u32) -> Self {
        Self {
            by_email: RateLimiter::keyed(per_minute(per_email_per_minute)),
            by_ip: RateLimiter::keyed(per_minute(per_ip_per_minute)),
            clock: DefaultClock::default(),
        }
    }

    /// Takes one attempt for `email` from `ip`, or says how long to wait.
    pub fn check(&self, email: &str, ip: IpAddr) -> Result<(), Duration> {
        let now = self.clock.now();
        let ip_result = self.by_ip.check_key(&ip);
        let email_result = self.by_email.check_key(&email.to_owned());
        match (ip_result, email_result) {
            (Ok(()), Ok(())) => Ok(()),
            (Err(a), Ok(())) => Err(a.wait_time_from(now)),
            (Ok(()), Err(b)) => Err(b.wait_time_from(now)),
            (Err(a), Err(b)) => Err(a.wait_time_from(now).max(b.wait_time_from(now))),
        }
    }

    /// Forgets limiter state that has fully recovered, so the maps stay small.
    pub fn shrink(&self) {
        self.by_email.retain_recent();
        self.by_ip.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_past_the_quota_wait_and_other_keys_do_not() {
        let l = LoginLimiter::new(2, 100);
        let ip: IpAddr = "127.0.0.1".parse().expect("ip");
        assert!(l.check("a@x.org", ip).is_ok());
        assert!(l.check("a@x.org", ip).is_ok());
        let wait = l.check("a@x.org", ip).expect_err("limited");
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(60));
        assert!(l.check("b@x.org", ip).is_ok());
        let per_ip = LoginLimiter::new(100, 1);
        assert!(per_ip.check("a@x.org", ip).is_ok());
        assert!(per_ip.check("b@x.org", ip).is_err());
    }
}
