//! Following a battle's latest turn as it is generated: from the generation
//! running in this process, or, when another instance runs it (or it ended),
//! from the database.

use std::time::Duration;

use futures_util::Stream;
use tokio::sync::mpsc;
use uuid::Uuid;

use super::generation::{AnswerStats, FAILED_TURN_REASON, Progress, Running};
use crate::arena::view::shown_answers;
use crate::arena::{Arena, ArenaError};
use crate::domain::{BattleStatus, FinishReason, Side};
use crate::store;
use crate::store::entities::messages;

/// What the voter's page is told, in order: text deltas, one `Done` per side,
/// `Void` if the battle failed, and `End` last.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    Delta {
        side: Side,
        turn: i32,
        text: String,
    },
    Done {
        side: Side,
        turn: i32,
        text: String,
        stats: AnswerStats,
    },
    Void {
        reason: String,
    },
    /// A later turn failed on `side`; the battle stays open for a retry.
    Failed {
        side: Side,
        turn: i32,
        reason: String,
    },
    /// The battle's status, or `None` when the stream itself failed.
    End {
        status: Option<BattleStatus>,
    },
}

/// How often the database is looked at while another instance generates.
const POLL: Duration = Duration::from_millis(250);

/// The answer streams one battle may have open at once: a page, a few tabs
/// or a reconnect while the old connection is being noticed gone. Each
/// stream holds a connection and, while its answers are generated on
/// another instance, reads the database four times a second.
pub const MAX_STREAMS_PER_BATTLE: usize = 4;

/// The answer streams open per battle.
#[derive(Default)]
pub(in crate::arena) struct OpenStreams(std::sync::Mutex<std::collections::HashMap<Uuid, usize>>);

/// One open stream's place, given back when its feed ends.
struct StreamPlace {
    streams: std::sync::Arc<OpenStreams>,
    battle: Uuid,
}

impl OpenStreams {
    fn open(self: &std::sync::Arc<Self>, battle: Uuid) -> Option<StreamPlace> {
        let mut open = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = open.entry(battle).or_default();
        if *n >= MAX_STREAMS_PER_BATTLE {
            return None;
        }
        *n += 1;
        Some(StreamPlace {
            streams: std::sync::Arc::clone(self),
            battle,
        })
    }
}

impl Drop for StreamPlace {
    fn drop(&mut self) {
        let mut open = self
            .streams
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(n) = open.get_mut(&self.battle) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.battle);
            }
        }
    }
}

/// Told when a placeholder outlived every timeout: the instance generating it
/// is gone.
pub const INTERRUPTED_REASON: &str =
    "the answers were interrupted; your vote would not count; start a new round";

/// Why a battle was voided when its instance shut down mid-answer.
pub const SHUTDOWN_REASON: &str =
    "the server restarted while answering; your vote would not count; start a new round";

impl Arena {
    /// Voids the open battles whose answers stopped being generated (their
    /// instance stopped or crashed) longer ago than any answer may take.
    /// Returns how many were voided.
    ///
    /// # Errors
    /// On a database error.
    pub async fn void_interrupted(&self) -> anyhow::Result<usize> {
        let cutoff = chrono::Utc::now()
            - chrono::Duration::from_std(self.interruption_grace())
                .unwrap_or(chrono::Duration::MAX);
        let mut voided = 0;
        for id in store::battles::stalled(&self.db, cutoff).await? {
            if store::battles::void(&self.db, id, INTERRUPTED_REASON, None).await? {
                voided += 1;
            }
        }
        Ok(voided)
    }

    /// The battles this instance is generating answers for now.
    #[must_use]
    pub fn running_battles(&self) -> Vec<Uuid> {
        self.hub.battles()
    }

    /// Voids those of `battles` whose answers are still unfinished, each with
    /// `reason`: this instance is shutting down and nobody would finish them.
    /// A battle whose answers completed meanwhile stays open for its vote.
    /// Returns how many it voided.
    ///
    /// # Errors
    /// On a database error.
    pub async fn void_unfinished(&self, battles: &[Uuid], reason: &str) -> anyhow::Result<usize> {
        let mut voided = 0;
        for &id in battles {
            if store::battles::has_unfinished_answers(&self.db, id).await?
                && store::battles::void(&self.db, id, reason, None).await?
            {
                voided += 1;
            }
        }
        Ok(voided)
    }

    /// How long an unfinished answer may sit before its generation counts as
    /// interrupted: the longest a live instance may still be working on it
    /// (the wait for a free request slot, at most the first-token timeout,
    /// then the whole answer with its retries), plus a margin. So the sweep
    /// of one instance never voids an answer another is still generating.
    fn interruption_grace(&self) -> Duration {
        let settings = self.live.settings();
        Duration::from_millis(settings.first_token_timeout_ms)
            + Duration::from_millis(settings.answer_timeout_ms)
            + Duration::from_secs(15)
    }

    /// The events of the battle's latest turn, from where it stands now.
    ///
    /// # Errors
    /// `BattleNotFound`, `TooManyStreams` (see [`MAX_STREAMS_PER_BATTLE`]),
    /// or a database error.
    pub async fn stream(
        &self,
        battle_id: Uuid,
    ) -> Result<impl Stream<Item = StreamEvent> + Send + 'static, ArenaError> {
        store::battles::find(&self.db, battle_id)
            .await?
            .ok_or(ArenaError::BattleNotFound(battle_id))?;
        let place = self
            .streams
            .open(battle_id)
            .ok_or(ArenaError::TooManyStreams {
                id: battle_id,
                max: MAX_STREAMS_PER_BATTLE,
            })?;
        let (tx, rx) = mpsc::channel(64);
        let arena = self.clone();
        tokio::spawn(async move {
            // Held while the feed runs: it ends when the page goes away.
            let _place = place;
            if let Err(e) = arena.feed(battle_id, &tx).await {
                tracing::error!(battle = %battle_id, error = format!("{e:#}"), "battle stream failed");
                let _ = tx.send(StreamEvent::End { status: None }).await;
            }
        });
        Ok(futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|event| (event, rx))
        }))
    }

    async fn feed(&self, battle_id: Uuid, tx: &mpsc::Sender<StreamEvent>) -> anyhow::Result<()> {
        let grace = self.interruption_grace();
        // Once the running generation was followed, its text has been sent;
        // the database only adds how the battle ended.
        let mut followed = false;
        loop {
            if let Some(running) = self.hub.get(battle_id) {
                follow(&running, tx).await;
                followed = true;
            }
            let battle = store::battles::find(&self.db, battle_id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("battle {battle_id} disappeared"))?;
            let messages = store::battles::messages(&self.db, battle_id).await?;
            let latest = latest_answers(&messages);
            if battle.status == BattleStatus::Void {
                let reason = battle.void_reason.unwrap_or_default();
                send(tx, StreamEvent::Void { reason }).await;
                send(tx, end(battle.status)).await;
                return Ok(());
            }
            let pending = latest.iter().flatten().find(|m| m.finish_reason.is_none());
            let Some(pending) = pending else {
                let replayed = if followed { [None, None] } else { latest };
                for (side, message) in Side::BOTH.into_iter().zip(replayed) {
                    if let Some(m) = message.filter(|m| !failed(m)) {
                        replay(tx, side, m).await;
                    }
                }
                let failure = Side::BOTH
                    .into_iter()
                    .zip(latest)
                    .find_map(|(side, m)| m.filter(|m| failed(m)).map(|m| (side, m.turn)));
                if let Some((side, turn)) = failure {
                    // The battle was read before the messages: a first-turn
                    // failure may have voided it in between. Look again.
                    let now = store::battles::find(&self.db, battle_id)
                        .await?
                        .ok_or_else(|| anyhow::anyhow!("battle {battle_id} disappeared"))?;
                    if now.status == BattleStatus::Void {
                        let reason = now.void_reason.unwrap_or_default();
                        send(tx, StreamEvent::Void { reason }).await;
                        send(tx, end(now.status)).await;
                        return Ok(());
                    }
                    let reason = FAILED_TURN_REASON.to_owned();
                    send(tx, StreamEvent::Failed { side, turn, reason }).await;
                }
                send(tx, end(battle.status)).await;
                return Ok(());
            };
            // Generated elsewhere, or by an instance that is gone.
            let age = chrono::Utc::now() - pending.created_at;
            if age.to_std().is_ok_and(|age| age > grace) {
                store::battles::void(&self.db, battle_id, INTERRUPTED_REASON, None).await?;
                continue;
            }
            if tx.is_closed() {
                return Ok(());
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

/// Sends the progress of a running generation until it finishes or the page
/// goes away. Text is sent once: each update sends only what is new.
async fn follow(running: &Running, tx: &mpsc::Sender<StreamEvent>) {
    let mut progress = running.progress.subscribe();
    let mut sent = [0usize; 2];
    let mut done = [false; 2];
    loop {
        let (events, finished) = {
            let p = progress.borrow_and_update();
            (news(&p, &mut sent, &mut done), p.finished)
        };
        for event in events {
            if tx.send(event).await.is_err() {
                return;
            }
        }
        if finished {
            return;
        }
        // A page that went away ends the follow at once, not at the next
        // piece of text (an upstream may be silent for a while).
        tokio::select! {
            changed = progress.changed() => {
                if changed.is_err() {
                    return;
                }
            }
            () = tx.closed() => return,
        }
    }
}

fn news(p: &Progress, sent: &mut [usize; 2], done: &mut [bool; 2]) -> Vec<StreamEvent> {
    let mut events = Vec::new();
    for side in Side::BOTH {
        let index = side.index();
        let s = &p.sides[index];
        if s.text.len() > sent[index] {
            events.push(StreamEvent::Delta {
                side,
                turn: p.turn,
                text: s.text[sent[index]..].to_owned(),
            });
            sent[index] = s.text.len();
        }
        if let Some(stats) = &s.done
            && !done[index]
        {
            done[index] = true;
            events.push(StreamEvent::Done {
                side,
                turn: p.turn,
                text: s.text.clone(),
                stats: stats.clone(),
            });
        }
    }
    events
}

/// An answer that failed, or was cancelled because the other side failed.
fn failed(m: &messages::Model) -> bool {
    matches!(
        m.finish_reason,
        Some(FinishReason::Error | FinishReason::Cancelled)
    )
}

/// The answer shown on each side in the latest turn.
fn latest_answers(messages: &[messages::Model]) -> [Option<&messages::Model>; 2] {
    let last_turn = messages.iter().map(|m| m.turn).max().unwrap_or(0);
    let shown = shown_answers(messages);
    Side::BOTH.map(|side| shown.get(&(last_turn, side)).copied())
}

async fn replay(tx: &mpsc::Sender<StreamEvent>, side: Side, m: &messages::Model) {
    if !m.content.is_empty() {
        send(
            tx,
            StreamEvent::Delta {
                side,
                turn: m.turn,
                text: m.content.clone(),
            },
        )
        .await;
    }
    let stats = AnswerStats {
        finish_reason: m.finish_reason.clone().unwrap_or(FinishReason::Cancelled),
        latency_ms: m.latency_ms,
        first_token_ms: m.first_token_ms,
        prompt_tokens: m.prompt_tokens,
        completion_tokens: m.completion_tokens,
    };
    send(
        tx,
        StreamEvent::Done {
            side,
            turn: m.turn,
            text: m.content.clone(),
            stats,
        },
    )
    .await;
}

fn end(status: BattleStatus) -> StreamEvent {
    StreamEvent::End {
        status: Some(status),
    }
}

async fn send(tx: &mpsc::Sender<StreamEvent>, event: StreamEvent) {
    // A closed channel means the page went away; there is no one left to tell.
    let _ = tx.send(event).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arena::live::generation::SideProgress;

    fn stats() -> AnswerStats {
        AnswerStats {
            finish_reason: FinishReason::Stop,
            latency_ms: Some(10),
            first_token_ms: Some(2),
            prompt_tokens: None,
            completion_tokens: None,
        }
    }

    #[test]
    fn each_piece_of_text_is_sent_once_and_done_once() {
        let mut p = Progress::default();
        let (mut sent, mut done) = ([0; 2], [false; 2]);
        p.sides[0].text.push_str("Hel");
        assert_eq!(news(&p, &mut sent, &mut done).len(), 1);
        assert!(news(&p, &mut sent, &mut done).is_empty());
        p.sides[0].text.push_str("lo");
        p.sides[1] = SideProgress {
            text: "Hi".into(),
            done: Some(stats()),
        };
        let events = news(&p, &mut sent, &mut done);
        assert_eq!(
            events,
            vec![
                StreamEvent::Delta {
                    side: Side::A,
                    turn: 0,
                    text: "lo".into()
                },
                StreamEvent::Delta {
                    side: Side::B,
                    turn: 0,
                    text: "Hi".into()
                },
                StreamEvent::Done {
                    side: Side::B,
                    turn: 0,
                    text: "Hi".into(),
                    stats: stats()
                },
            ]
        );
        assert!(news(&p, &mut sent, &mut done).is_empty());
    }
}
