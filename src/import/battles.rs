//! `goldarena import battles FILE`: a FastChat / LMSYS clean-battle file (a
//! public arena release, or another GoldArena's export) into the database,
//! so that an operator can continue an existing arena.
//!
//! - The whole file is checked before anything is written; a bad record stops
//!   the import with its line (or array index).
//! - Each record becomes a voted battle with its vote, at its own time
//!   (`tstamp`); counted votes (`anony` not false, `counted` not false) go
//!   into the pair counts (overall and the record's language), so they count
//!   on the board at once.
//! - Models the arena does not know are registered as imported models (rated,
//!   never sampled).
//! - A battle keeps its identity: `battle_id` when it is a UUID, else a UUID
//!   derived from `question_id` (LMSYS gives each battle its own), else from
//!   the record's content and its rank among identical records. Importing the
//!   same file again adds nothing.

use crate::store::db::BeginWrite;
use std::collections::{HashMap, HashSet};
use std::io::BufReader;
use std::path::Path;

use anyhow::Context;
use chrono::{TimeZone, Utc};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::lmsys::{self, BattleRecord, Filter, Sink};
use crate::domain::{BattleMode, NotCounted, Scope, StyleFeatures, Verdict};
use crate::store;
use crate::store::imports::ImportedBattle;

/// A record, owned.
#[derive(Debug, Clone)]
struct Owned {
    model_a: String,
    model_b: String,
    verdict: Verdict,
    tstamp: Option<f64>,
    anony: bool,
    counted: bool,
    language: Option<String>,
    key: Option<String>,
    style: Option<[[f64; 4]; 2]>,
}

#[derive(Default)]
struct Collect(Vec<Owned>);

impl Sink for Collect {
    fn battle(&mut self, b: BattleRecord<'_>) {
        self.0.push(Owned {
            model_a: b.model_a.to_owned(),
            model_b: b.model_b.to_owned(),
            verdict: b.verdict,
            tstamp: b.tstamp,
            anony: b.anony,
            counted: b.counted,
            // The code native votes get (`English` -> `eng`), so imported
            // and native votes share their language's board.
            language: b.language.map(crate::domain::language_code),
            key: b.key.map(str::to_owned),
            style: b.style,
        });
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BattlesReport {
    pub records: u64,
    pub added: usize,
    pub already_there: usize,
    pub counted: usize,
    pub models_added: usize,
}

/// The namespace of the battle ids derived here.
const NAMESPACE: Uuid = Uuid::from_u128(0x6f1d_2a8e_4c3b_4a51_9e0d_7b2c_5a41_3e90);

fn battle_id(r: &Owned, rank: usize) -> Uuid {
    if let Some(k) = &r.key {
        if let Ok(id) = Uuid::parse_str(k) {
            return id;
        }
        return Uuid::new_v5(&NAMESPACE, format!("key\t{k}").as_bytes());
    }
    let text = format!(
        "record\t{}\t{}\t{}\t{:?}\t{}",
        r.model_a,
        r.model_b,
        r.verdict.as_str(),
        r.tstamp,
        rank
    );
    Uuid::new_v5(&NAMESPACE, text.as_bytes())
}

fn features(x: [f64; 4]) -> StyleFeatures {
    let n = |v: f64| {
        if v.is_finite() && v > 0.0 {
            v.min(f64::from(u32::MAX)) as u32
        } else {
            0
        }
    };
    StyleFeatures {
        tokens: n(x[0]),
        headers: n(x[1]),
        list_items: n(x[2]),
        bold: n(x[3]),
    }
}

/// Imports the battles of `path`.
///
/// # Errors
/// An unreadable file, a bad record (`file: line N: problem`; nothing is
/// written then), or a database error (nothing is written either).
pub async fn import_battles(db: &DatabaseConnection, path: &Path) -> anyhow::Result<BattlesReport> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let filter = Filter {
        include_named: true,
        ..Filter::default()
    };
    let mut records: Vec<Owned> = Vec::new();
    let report = lmsys::read(
        BufReader::with_capacity(1 << 20, file),
        &filter,
        &Collect::default,
        &mut |c: Collect| records.extend(c.0),
    )
    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;

    // Identities: the rank among identical key-less records keeps them apart.
    let mut seen: HashMap<String, usize> = HashMap::new();
    let ids: Vec<Uuid> = records
        .iter()
        .map(|r| {
            let rank = seen
                .entry(format!(
                    "{}\t{}\t{}\t{:?}",
                    r.model_a,
                    r.model_b,
                    r.verdict.as_str(),
                    r.tstamp
                ))
                .or_default();
            *rank += 1;
            battle_id(r, *rank)
        })
        .collect();
    let mut unique = HashSet::new();
    if let Some(dup) = ids.iter().position(|id| !unique.insert(*id)) {
        anyhow::bail!(
            "{}: record {} repeats the battle id of an earlier record",
            path.display(),
            dup + 1
        );
    }

    let txn = db.begin_write().await.context("begin")?;
    let there = store::imports::existing(&txn, &ids).await?;
    let mut model_ids: HashMap<String, i32> = HashMap::new();
    let mut models_added = 0;
    let mut battles = Vec::new();
    let mut counts: std::collections::BTreeMap<store::counts::PairKey, i64> =
        std::collections::BTreeMap::new();
    for (r, id) in records.iter().zip(&ids) {
        if there.contains(id) {
            continue;
        }
        let model = |name: &str| {
            let name = name.to_owned();
            let txn = &txn;
            let known = model_ids.get(&name).copied();
            async move {
                match known {
                    Some(id) => Ok::<_, anyhow::Error>((name, id, false)),
                    None => {
                        let (id, added) = store::models::ensure_imported_model(txn, &name).await?;
                        Ok((name, id, added))
                    }
                }
            }
        };
        let (na, a, added_a) = model(&r.model_a).await?;
        let (nb, b, added_b) = model(&r.model_b).await?;
        models_added += usize::from(added_a) + usize::from(added_b);
        model_ids.insert(na, a);
        model_ids.insert(nb, b);
        let counted = r.anony && r.counted;
        let at = r
            .tstamp
            .and_then(|t| Utc.timestamp_micros((t * 1e6) as i64).single())
            .unwrap_or_else(Utc::now);
        if counted {
            for scope in Scope::of_battle(None, r.language.as_deref()) {
                *counts.entry((scope.key(), a, b, r.verdict)).or_default() += 1;
            }
        }
        battles.push(ImportedBattle {
            id: *id,
            mode: if r.anony {
                BattleMode::Anonymous
            } else {
                BattleMode::Named
            },
            model_a: a,
            model_b: b,
            language: r.language.clone(),
            at,
            verdict: r.verdict,
            counted,
            not_counted_reason: if counted {
                None
            } else if !r.anony {
                Some(NotCounted::NamedBattle.as_str().to_owned())
            } else {
                Some("imported_not_counted".to_owned())
            },
            style: r.style.map(|[x, y]| [features(x), features(y)]),
        });
    }
    store::imports::insert(&txn, &battles).await?;
    store::counts::add(&txn, &counts).await?;
    txn.commit().await.context("commit")?;
    Ok(BattlesReport {
        records: report.records,
        added: battles.len(),
        already_there: there.len(),
        counted: battles.iter().filter(|b| b.counted).count(),
        models_added,
    })
}
