//! The daily caps read a counter per day and key (a voter, an address)
//! instead of counting the day's votes: counting joined every battle of the
//! day started from the address, so each vote from a busy address (a campus
//! behind one NAT) cost more than the one before. A counted vote adds one to
//! its voter's and its address's counters in the transaction that stores it.
//! The counters of the votes already stored since yesterday are filled in
//! here, so an upgrade in the middle of a day keeps that day's caps.
//!
//! Also an index on the audit log's actions: the leaderboard asks for the
//! latest void or restore of a battle at every recompute (the online Elo
//! replays after one).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DailyVoteCounts {
    Table,
    Day,
    Key,
    Count,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Action,
    Id,
}

const AUDIT_INDEX: &str = "idx_audit_log_action_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// In one transaction on SQLite too (its schema changes are
    /// transactional): a start that dies half-way leaves nothing to trip the
    /// next one.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DailyVoteCounts::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(DailyVoteCounts::Day)
                            .string_len(10)
                            .not_null(),
                    )
                    .col(ColumnDef::new(DailyVoteCounts::Key).string().not_null())
                    .col(
                        ColumnDef::new(DailyVoteCounts::Count)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .primary_key(
                        Index::create()
                            .col(DailyVoteCounts::Day)
                            .col(DailyVoteCounts::Key),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(AUDIT_INDEX)
                    .table(AuditLog::Table)
                    .col(AuditLog::Action)
                    .col(AuditLog::Id)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // The UTC day of a vote as `YYYY-MM-DD`: SQLite keeps the time as
        // RFC 3339 text in UTC, PostgreSQL as a timestamp with time zone. The
        // bound is on the time itself, so the index on it serves.
        let db = manager.get_connection();
        let since = yesterday();
        let (day, from) = match manager.get_database_backend() {
            DatabaseBackend::Postgres => (
                "to_char(v.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
                format!("TIMESTAMPTZ '{since} 00:00:00+00'"),
            ),
            _ => ("substr(v.created_at, 1, 10)", format!("'{since}'")),
        };
        for (key, column, join) in [
            ("'voter ' || v.voter_id", "v.voter_id", ""),
            (
                "'address ' || b.ip_hash",
                "b.ip_hash",
                "JOIN battles b ON b.id = v.battle_id",
            ),
        ] {
            db.execute_unprepared(&format!(
                "INSERT INTO daily_vote_counts (day, key, count) \
                 SELECT {day}, {key}, COUNT(*) FROM votes v {join} \
                 WHERE v.counted AND {column} IS NOT NULL AND v.created_at >= {from} \
                 GROUP BY {day}, {key} ON CONFLICT (day, key) DO NOTHING"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(AUDIT_INDEX)
                    .table(AuditLog::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(DailyVoteCounts::Table).to_owned())
            .await
    }
}

/// Yesterday's UTC date, `YYYY-MM-DD`, from the system clock (the days
/// before it are past every cap).
fn yesterday() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = <i64 as std::convert::TryFrom<u64>>::try_from(secs / 86_400).unwrap_or(0) - 1;
    civil_from_days(days)
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard
/// Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> String {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::civil_from_days;

    #[test]
    fn days_since_1970_name_their_date() {
        assert_eq!(civil_from_days(0), "1970-01-01");
        assert_eq!(civil_from_days(20_513), "2026-03-01");
        assert_eq!(civil_from_days(20_788), "2026-12-01");
        assert_eq!(civil_from_days(11_016), "2000-02-29");
    }
}
