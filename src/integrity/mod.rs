//! Vote integrity: who the voter is (a signed id, a hashed address), how
//! fast they may go (rate limits), and whether their vote counts (the rules
//! of `[integrity]`). A vote that breaks a rule is still stored, with the
//! rule's code, so that operators can audit the rules.

pub mod anomaly;
mod claims;
pub mod client;
mod flagging;
mod limits;
mod voter;

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use ipnet::IpNet;
use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};

use crate::config::IntegritySettings;
use crate::domain::{NotCounted, VoterId};
use crate::store;
pub use claims::CapClaim;
use claims::InFlight;
pub use flagging::run_anomaly_checks;
pub use limits::Action;
use limits::RateLimits;
use voter::VoterTokens;

/// The requester, as the arena sees them.
#[derive(Debug, Clone)]
pub struct Client {
    pub voter: VoterId,
    pub ip: IpAddr,
    pub ip_hash: String,
    /// A fresh signed voter token to set as the cookie, when the request had
    /// no valid one.
    pub new_token: Option<String>,
}

/// What the rules need to know about a vote.
#[derive(Debug, Clone)]
pub struct VoteFacts<'a> {
    pub voter: Option<VoterId>,
    pub ip_hash: Option<&'a str>,
    pub question_chosen: bool,
    /// When the voter could first read both answers of the latest turn.
    pub answers_available_at: DateTime<Utc>,
    /// The live battle's first prompt (question-bank prompts repeat by design).
    pub live_prompt: Option<&'a str>,
}

/// The integrity service, shared by every request.
pub struct Integrity {
    db: DatabaseConnection,
    settings: IntegritySettings,
    voter_tokens: VoterTokens,
    ip_key: Vec<u8>,
    trusted: Vec<IpNet>,
    limits: RateLimits,
    /// Live answers being generated, across all voters.
    live_slots: std::sync::Arc<tokio::sync::Semaphore>,
    /// Votes judged to count whose write has not finished, per voter and
    /// per address (see [`CapClaim`]).
    in_flight: Arc<Mutex<InFlight>>,
}

/// What the rules say of a vote.
#[must_use]
pub struct Judged {
    /// The first rule the vote breaks, if any.
    pub not_counted: Option<NotCounted>,
    /// Held until the vote is committed, when it counts (see [`CapClaim`]):
    /// give it to the database writer with the vote.
    pub claim: Option<CapClaim>,
}

impl Judged {
    fn reason(r: NotCounted) -> Self {
        Self {
            not_counted: Some(r),
            claim: None,
        }
    }
}

/// Two live answers' places in the global budget, held while they are
/// generated.
pub type LiveSlots = tokio::sync::OwnedSemaphorePermit;

/// A key for one purpose, derived from the server's secret.
fn derive(secret: &[u8], purpose: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret)
        .unwrap_or_else(|_| <Hmac<Sha256> as Mac>::new(&Default::default()));
    mac.update(purpose.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// Chatbot Arena's dedup key: the prompt lower-cased, its whitespace
/// collapsed, hashed.
#[must_use]
pub fn prompt_key(prompt: &str) -> String {
    let normalised = prompt
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    Sha256::digest(normalised.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Integrity {
    /// # Errors
    /// When a `trusted_proxies` entry is not a CIDR or an address.
    pub fn new(
        db: DatabaseConnection,
        settings: &IntegritySettings,
        secret: &[u8],
    ) -> anyhow::Result<Self> {
        Ok(Self {
            db,
            trusted: client::parse_trusted(&settings.trusted_proxies)?,
            settings: settings.clone(),
            voter_tokens: VoterTokens::new(derive(secret, "goldarena voter id v1")),
            ip_key: derive(secret, "goldarena ip hash v1"),
            limits: RateLimits::new(
                settings.battles_per_minute,
                settings.live_per_minute,
                settings.votes_per_minute,
            ),
            live_slots: std::sync::Arc::new(tokio::sync::Semaphore::new(
                settings.max_live_in_flight.max(2),
            )),
            in_flight: Arc::default(),
        })
    }

    #[must_use]
    pub fn settings(&self) -> &IntegritySettings {
        &self.settings
    }

    #[must_use]
    pub fn enabled(&self) -> bool {
        self.settings.enabled
    }

    /// Who is asking: a registered user votes as themselves; otherwise the
    /// signed voter token, or a fresh one when it is missing or does not
    /// verify (a self-invented or tampered id).
    #[must_use]
    pub fn identify(
        &self,
        peer: IpAddr,
        forwarded_for: Option<&str>,
        voter_cookie: Option<&str>,
        user: Option<VoterId>,
    ) -> Client {
        let ip = client::client_ip(peer, forwarded_for, &self.trusted);
        let ip_hash = client::ip_hash(&self.ip_key, Utc::now().date_naive(), ip);
        if let Some(voter) = user {
            return Client {
                voter,
                ip,
                ip_hash,
                new_token: None,
            };
        }
        match voter_cookie.and_then(|t| self.voter_tokens.verify(t)) {
            Some(voter) => Client {
                voter,
                ip,
                ip_hash,
                new_token: None,
            },
            None => {
                let voter = VoterId::new_random();
                Client {
                    voter,
                    ip,
                    ip_hash,
                    new_token: Some(self.voter_tokens.sign(voter)),
                }
            }
        }
    }

    /// The voter of a request that must already have one (follow-ups, votes):
    /// `None` for a missing or forged token.
    #[must_use]
    pub fn existing_voter(
        &self,
        voter_cookie: Option<&str>,
        user: Option<VoterId>,
    ) -> Option<VoterId> {
        user.or_else(|| voter_cookie.and_then(|t| self.voter_tokens.verify(t)))
    }

    /// Takes one `action` from the client's budget.
    ///
    /// # Errors
    /// How long to wait, when a limit is exhausted.
    pub fn limit(&self, action: Action, client: &Client) -> Result<(), Duration> {
        if !self.enabled() {
            return Ok(());
        }
        self.limits.check(action, client.ip, client.voter)
    }

    /// Two places in the global live budget (both answers of a turn), or
    /// `None` when it is spent. Named battles leave `live_reserved_for_anonymous`
    /// places to anonymous ones, which feed the leaderboard. With integrity
    /// off there is no budget.
    #[must_use]
    pub fn live_slots(&self, named: bool) -> Option<Option<LiveSlots>> {
        if !self.enabled() {
            return Some(None);
        }
        let reserve = if named {
            self.settings.live_reserved_for_anonymous
        } else {
            0
        };
        if self.live_slots.available_permits() < 2 + reserve {
            return None;
        }
        std::sync::Arc::clone(&self.live_slots)
            .try_acquire_many_owned(2)
            .ok()
            .map(Some)
    }

    /// Whether the voter used up today's live tokens.
    ///
    /// # Errors
    /// On a database error.
    pub async fn tokens_spent(&self, voter: VoterId) -> anyhow::Result<bool> {
        if !self.enabled() {
            return Ok(false);
        }
        let today = Utc::now()
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .map_or_else(Utc::now, |d| d.and_utc());
        let used = store::integrity::tokens_used_by_voter(&self.db, voter, today).await?;
        Ok(used >= self.settings.daily_tokens_per_voter)
    }

    /// Forgets recovered rate-limit keys.
    pub fn shrink(&self) {
        self.limits.shrink();
    }

    /// Whether a battle created at `created_at` is too old to take a vote.
    #[must_use]
    pub fn expired(&self, created_at: DateTime<Utc>) -> bool {
        self.enabled()
            && (Utc::now() - created_at).num_seconds()
                > i64::try_from(self.settings.battle_ttl_secs).unwrap_or(i64::MAX)
    }

    /// The first rule this vote breaks, if any, and for a vote that counts
    /// its claim under the daily caps, to hold until it is written.
    ///
    /// # Errors
    /// On a database error.
    pub async fn judge(&self, vote: &VoteFacts<'_>) -> anyhow::Result<Judged> {
        if !self.enabled() {
            return Ok(Judged {
                not_counted: None,
                claim: None,
            });
        }
        let s = &self.settings;
        if vote.question_chosen {
            return Ok(Judged::reason(NotCounted::ChosenQuestion));
        }
        let read_for = Utc::now() - vote.answers_available_at;
        if read_for.num_milliseconds() < i64::try_from(s.min_read_ms).unwrap_or(i64::MAX) {
            return Ok(Judged::reason(NotCounted::TooFast));
        }
        if let Some(prompt) = vote.live_prompt
            && store::integrity::prompt_count(&self.db, &prompt_key(prompt)).await?
                > s.max_prompt_repeats
        {
            return Ok(Judged::reason(NotCounted::DuplicatePrompt));
        }
        let today = store::integrity::day_of(Utc::now());
        let voter_key = vote.voter.map(store::integrity::voter_key);
        let address_key = vote.ip_hash.map(store::integrity::address_key);
        // Claimed before the counts are read, and the earlier claims taken
        // just before the read: see `CapClaim`.
        let claim = CapClaim::take(
            &self.in_flight,
            voter_key.iter().chain(&address_key).cloned().collect(),
        );
        let earlier =
            [&voter_key, &address_key].map(|k| k.as_ref().map_or(0, |k| claim.earlier(k)));
        // The flag and both counters in one statement.
        let checks = store::integrity::vote_checks(
            &self.db,
            vote.voter,
            &today,
            voter_key.as_deref(),
            address_key.as_deref(),
        )
        .await?;
        if checks.flagged {
            return Ok(Judged::reason(NotCounted::FlaggedVoter));
        }
        for (key, stored, earlier, cap) in [
            (
                &voter_key,
                checks.voter_count,
                earlier[0],
                s.daily_votes_per_voter,
            ),
            (
                &address_key,
                checks.address_count,
                earlier[1],
                s.daily_votes_per_ip,
            ),
        ] {
            if key.is_some() && stored.saturating_add(earlier) >= cap {
                return Ok(Judged::reason(NotCounted::DailyCap));
            }
        }
        Ok(Judged {
            not_counted: None,
            claim: Some(claim),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompts_that_differ_in_case_and_spacing_share_a_key() {
        assert_eq!(prompt_key("Hello   World\n"), prompt_key("hello world"));
        assert_ne!(prompt_key("hello world"), prompt_key("hello, world"));
    }
}
