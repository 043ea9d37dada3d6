//! A date as model makers and exam boards state it: a day (`2024-06-01`), a
//! month (`2023-10`) or a year (`2023`). A knowledge cutoff of "2023-10" may
//! include anything written in October 2023, so comparisons use the last day
//! of the period it names.

use std::fmt;

use chrono::{Datelike, NaiveDate};

/// A day, a month or a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dated {
    first: NaiveDate,
    last: NaiveDate,
    precision: Precision,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Precision {
    Day,
    Month,
    Year,
}

impl Dated {
    /// Reads `YYYY-MM-DD`, `YYYY-MM` or `YYYY`.
    ///
    /// # Errors
    /// A message saying which forms are accepted.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let bad = || format!("{text:?} is not a date: write YYYY-MM-DD, YYYY-MM or YYYY");
        let parts: Vec<&str> = t.split('-').collect();
        let num = |s: &str, len: usize| -> Option<u32> {
            (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
        };
        match parts.as_slice() {
            [y] => {
                let y = i32::try_from(num(y, 4).ok_or_else(bad)?).map_err(|_| bad())?;
                let first = NaiveDate::from_ymd_opt(y, 1, 1).ok_or_else(bad)?;
                let last = NaiveDate::from_ymd_opt(y, 12, 31).ok_or_else(bad)?;
                Ok(Self {
                    first,
                    last,
                    precision: Precision::Year,
                })
            }
            [y, m] => {
                let y = i32::try_from(num(y, 4).ok_or_else(bad)?).map_err(|_| bad())?;
                let m = num(m, 2).ok_or_else(bad)?;
                let first = NaiveDate::from_ymd_opt(y, m, 1).ok_or_else(bad)?;
                let next = if m == 12 {
                    NaiveDate::from_ymd_opt(y + 1, 1, 1)
                } else {
                    NaiveDate::from_ymd_opt(y, m + 1, 1)
                }
                .ok_or_else(bad)?;
                Ok(Self {
                    first,
                    last: next.pred_opt().ok_or_else(bad)?,
                    precision: Precision::Month,
                })
            }
            [_, _, _] => {
                let d = NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| bad())?;
                Ok(Self {
                    first: d,
                    last: d,
                    precision: Precision::Day,
                })
            }
            _ => Err(bad()),
        }
    }

    /// The first day of the period.
    #[must_use]
    pub fn first_day(&self) -> NaiveDate {
        self.first
    }

    /// The last day of the period.
    #[must_use]
    pub fn last_day(&self) -> NaiveDate {
        self.last
    }

    /// Whether every day of `self` comes after every day of `other`.
    #[must_use]
    pub fn wholly_after(&self, other: &Self) -> bool {
        self.first > other.last
    }
}

impl fmt::Display for Dated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.precision {
            Precision::Day => write!(f, "{}", self.first.format("%Y-%m-%d")),
            Precision::Month => write!(f, "{:04}-{:02}", self.first.year(), self.first.month()),
            Precision::Year => write!(f, "{:04}", self.first.year()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_a_month_and_a_year_are_read_with_their_last_day() {
        let d = Dated::parse("2024-02-10").expect("day");
        assert_eq!(
            d.last_day(),
            NaiveDate::from_ymd_opt(2024, 2, 10).expect("date")
        );
        let m = Dated::parse("2024-02").expect("month");
        assert_eq!(
            m.first_day(),
            NaiveDate::from_ymd_opt(2024, 2, 1).expect("date")
        );
        assert_eq!(
            m.last_day(),
            NaiveDate::from_ymd_opt(2024, 2, 29).expect("date")
        );
        let dec = Dated::parse("2023-12").expect("december");
        assert_eq!(
            dec.last_day(),
            NaiveDate::from_ymd_opt(2023, 12, 31).expect("date")
        );
        let y = Dated::parse(" 2021 ").expect("year");
        assert_eq!(
            y.last_day(),
            NaiveDate::from_ymd_opt(2021, 12, 31).expect("date")
        );
        assert_eq!(y.to_string(), "2021");
        assert_eq!(m.to_string(), "2024-02");
        assert_eq!(d.to_string(), "2024-02-10");
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in [
            "",
            "24",
            "2024-2",
            "2024-13",
            "2024-02-30",
            "2024/02/01",
            "Oct 2023",
            "2024-02-01-01",
            "+2024",
        ] {
            assert!(Dated::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn after_means_after_the_whole_period() {
        let cutoff = Dated::parse("2023-10").expect("cutoff");
        let same_month = Dated::parse("2023-10-31").expect("exam");
        let next_day = Dated::parse("2023-11-01").expect("exam");
        assert!(!same_month.wholly_after(&cutoff));
        assert!(next_day.wholly_after(&cutoff));
        // An exam dated only by its year is after a cutoff only if the whole year is.
        assert!(!Dated::parse("2023").expect("year").wholly_after(&cutoff));
        assert!(Dated::parse("2024").expect("year").wholly_after(&cutoff));
    }
}
