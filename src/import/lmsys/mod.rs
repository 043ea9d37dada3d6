//! Streaming reader for LMSYS clean-battle files: a JSON array or JSON lines of
//! records with `model_a`, `model_b`, `winner` (`model_a` / `model_b` / `tie` /
//! `tie (bothbad)`) and optional `tstamp`, `anony`, `language`; every other field
//! (conversations, judge, turn, ...) is skipped without being kept in memory.
//!
//! The file is read through a buffer, record by record: its text is never held
//! whole.
//!
//! [`read`] tells the two forms apart; `lines` reads JSON lines in parallel
//! chunks, `array` reads a JSON array, and `record` turns each raw record into
//! a checked battle.

mod array;
mod lines;
mod record;

use std::io::BufRead;

use self::array::read_array;
use self::lines::read_lines;
use self::record::{Checked, RawRecord, check};
use crate::domain::Verdict;

/// Which records count.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Count battles with `anony: false` too.
    pub include_named: bool,
    /// Keep only battles in this language (case-insensitive).
    pub language: Option<String>,
    /// Drop both kinds of tie.
    pub exclude_ties: bool,
    /// Count and skip malformed records instead of stopping at the first.
    pub skip_invalid: bool,
}

/// One battle that passed the filter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BattleRecord<'a> {
    pub model_a: &'a str,
    pub model_b: &'a str,
    pub verdict: Verdict,
    pub tstamp: Option<f64>,
    /// `anony` (true when absent).
    pub anony: bool,
    /// `counted` (GoldArena's exports; true when absent).
    pub counted: bool,
    pub language: Option<&'a str>,
    /// What identifies the battle: `battle_id` (GoldArena's exports) or
    /// `question_id` (LMSYS releases give each battle its own), when present.
    pub key: Option<&'a str>,
    /// `conv_metadata`'s style counts of side A and B (tokens, headers,
    /// lists, bold), when the record has all of them.
    pub style: Option<[[f64; 4]; 2]>,
}

/// What a read saw.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadReport {
    pub records: u64,
    pub kept: u64,
    pub filtered_out: u64,
    pub invalid: u64,
    /// The first few problems, located.
    pub examples: Vec<String>,
}

/// A record that is not a battle, or a file that is not JSON.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{location}: {message}")]
    Invalid { location: String, message: String },
    #[error("cannot read the input: {0}")]
    Io(#[from] std::io::Error),
}

/// Receives the battles of one stretch of the input. JSON lines are read in
/// parallel stretches, each with its own sink; the sinks are handed back in input
/// order, so the result does not depend on the number of threads.
pub trait Sink: Send {
    fn battle(&mut self, battle: BattleRecord<'_>);
}

/// Counts and the first problems of one stretch, with locations relative to it.
#[derive(Default)]
struct Tally {
    records: u64,
    kept: u64,
    filtered_out: u64,
    invalid: u64,
    examples: Vec<(u64, String)>,
    error: Option<(u64, String)>,
}

impl Tally {
    /// Handles one parsed record (or its parse error) at `position` (a line
    /// number or an array index). Returns `false` when the read must stop.
    fn record<S: Sink>(
        &mut self,
        filter: &Filter,
        sink: &mut S,
        parsed: Result<RawRecord<'_>, String>,
        position: u64,
    ) -> bool {
        self.records += 1;
        let outcome = parsed.and_then(|raw| match check(&raw, filter)? {
            Checked::Keep(b) => {
                sink.battle(b);
                Ok(true)
            }
            Checked::Drop => Ok(false),
        });
        match outcome {
            Ok(true) => self.kept += 1,
            Ok(false) => self.filtered_out += 1,
            Err(message) => {
                if !filter.skip_invalid {
                    self.error = Some((position, message));
                    return false;
                }
                self.invalid += 1;
                if self.examples.len() < 5 {
                    self.examples.push((position, message));
                }
            }
        }
        true
    }

    /// Adds a stretch's tally to the report, its positions shifted by `offset`.
    fn merge_into(self, report: &mut ReadReport, offset: u64, unit: &str) -> Result<(), ReadError> {
        report.records += self.records;
        report.kept += self.kept;
        report.filtered_out += self.filtered_out;
        report.invalid += self.invalid;
        for (at, message) in self.examples {
            if report.examples.len() < 5 {
                report
                    .examples
                    .push(format!("{unit} {}: {message}", at + offset));
            }
        }
        match self.error {
            Some((at, message)) => Err(ReadError::Invalid {
                location: format!("{unit} {}", at + offset),
                message,
            }),
            None => Ok(()),
        }
    }
}

/// Bytes read per round of parallel parsing of JSON lines.
const CHUNK_BYTES: usize = 4 << 20;

/// Reads battles from `input` (a JSON array or JSON lines, told apart by the first
/// non-blank byte). Each battle that passes `filter` goes to a sink made by
/// `new_sink`; every sink is handed to `absorb`, in input order.
///
/// # Errors
/// The first malformed record with its line (JSON lines) or index (array), unless
/// `skip_invalid`; a JSON array that is not well-formed JSON stops the read either
/// way, since no later record can be found in it reliably.
pub fn read<R: BufRead + Send, S: Sink>(
    mut input: R,
    filter: &Filter,
    new_sink: &(dyn Fn() -> S + Sync),
    absorb: &mut dyn FnMut(S),
) -> Result<ReadReport, ReadError> {
    // A file saved with a byte-order mark reads as one without.
    if input.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
        input.consume(3);
    }
    let first = loop {
        let buf = input.fill_buf()?;
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => break Some(buf[i]),
            None if buf.is_empty() => break None,
            None => {
                let n = buf.len();
                input.consume(n);
            }
        }
    };
    let mut report = ReadReport::default();
    match first {
        None => {}
        Some(b'[') => {
            let mut sink = new_sink();
            let tally = read_array(input, filter, &mut sink)?;
            tally.merge_into(&mut report, 0, "record")?;
            absorb(sink);
        }
        Some(_) => read_lines(input, filter, new_sink, absorb, &mut report, CHUNK_BYTES)?,
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Owned = (String, String, Verdict, Option<f64>);

    #[derive(Default)]
    pub(super) struct Collected(pub(super) Vec<Owned>);

    impl Sink for Collected {
        fn battle(&mut self, b: BattleRecord<'_>) {
            self.0.push((
                b.model_a.to_owned(),
                b.model_b.to_owned(),
                b.verdict,
                b.tstamp,
            ));
        }
    }

    pub(super) fn collect(
        input: &str,
        filter: &Filter,
    ) -> Result<(Vec<Owned>, ReadReport), ReadError> {
        let mut out = Vec::new();
        let report = read(
            input.as_bytes(),
            filter,
            &Collected::default,
            &mut |c: Collected| out.extend(c.0),
        )?;
        Ok((out, report))
    }

    const LINES: &str = r#"{"model_a": "x", "model_b": "y", "winner": "model_a", "tstamp": 2.5, "conversation_a": [{"role": "user", "content": "hi"}], "judge": "j1"}
{"model_a": "y", "model_b": "z", "winner": "tie (bothbad)", "anony": true, "language": "English"}

{"model_a": "x", "model_b": "z", "winner": "tie", "anony": false}
{"model_a": "z", "model_b": "x", "winner": "model_b", "language": "Chinese", "turn": 2}
"#;

    #[test]
    fn reads_json_lines_and_applies_the_filters() {
        let (b, r) = collect(LINES, &Filter::default()).expect("valid");
        assert_eq!(b.len(), 3, "the named battle is left out");
        assert_eq!(b[0], ("x".into(), "y".into(), Verdict::ModelA, Some(2.5)));
        assert_eq!((r.records, r.kept, r.filtered_out, r.invalid), (4, 3, 1, 0));
        let named = Filter {
            include_named: true,
            ..Filter::default()
        };
        assert_eq!(collect(LINES, &named).expect("valid").0.len(), 4);
        let english = Filter {
            language: Some("english".into()),
            ..Filter::default()
        };
        assert_eq!(collect(LINES, &english).expect("valid").0.len(), 1);
        let no_ties = Filter {
            exclude_ties: true,
            ..Filter::default()
        };
        assert_eq!(collect(LINES, &no_ties).expect("valid").0.len(), 2);
    }

    #[test]
    fn reads_a_json_array_the_same_way() {
        let array = format!(
            "  [{}]",
            LINES
                .lines()
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(",\n")
        );
        let (from_array, _) = collect(&array, &Filter::default()).expect("valid");
        let (from_lines, _) = collect(LINES, &Filter::default()).expect("valid");
        assert_eq!(from_array, from_lines);
        assert_eq!(
            collect("[]", &Filter::default()).expect("valid").1.records,
            0
        );
        assert_eq!(collect("", &Filter::default()).expect("valid").1.records, 0);
    }

    #[test]
    fn a_byte_order_mark_and_newer_tie_spellings_are_read() {
        let (plain, _) = collect(LINES, &Filter::default()).expect("valid");
        let (marked, _) = collect(&format!("\u{feff}{LINES}"), &Filter::default()).expect("valid");
        assert_eq!(marked, plain);
        let array = "\u{feff}[{\"model_a\": \"x\", \"model_b\": \"y\", \"winner\": \"both_bad\"}]";
        let (battles, _) = collect(array, &Filter::default()).expect("valid");
        assert_eq!(battles[0].2, Verdict::TieBothBad);
        let line = "{\"model_a\": \"x\", \"model_b\": \"y\", \"winner\": \"tie (inconsistent)\"}\n";
        let (battles, _) = collect(line, &Filter::default()).expect("valid");
        assert_eq!(battles[0].2, Verdict::Tie);
    }

    #[test]
    fn a_flawed_record_the_filter_leaves_out_does_not_stop_the_run() {
        let input = "{\"model_a\": \"x\", \"model_b\": \"y\", \"winner\": \"model_a\"}\n{\"model_a\": \"x\", \"model_b\": \"x\", \"winner\": \"tie\", \"anony\": false, \"tstamp\": \"noon\"}\n";
        let (battles, report) = collect(input, &Filter::default()).expect("valid");
        assert_eq!((battles.len(), report.filtered_out), (1, 1));
        let named = Filter {
            include_named: true,
            ..Filter::default()
        };
        let err = collect(input, &named).expect_err("counted, so checked");
        assert!(err.to_string().starts_with("line 2: "), "{err}");
    }

    #[test]
    fn conv_metadata_that_is_not_an_object_is_read_as_absent() {
        let record = "{\"model_a\": \"x\", \"model_b\": \"y\", \"winner\": \"model_a\", \"conv_metadata\": \"{'sum_assistant_a_tokens': 3}\"}";
        for input in [format!("{record}\n"), format!("[{record}, {record}]")] {
            let (battles, report) = collect(&input, &Filter::default()).expect("valid");
            assert_eq!(battles.len() as u64, report.records, "{input}");
        }
    }

    #[test]
    fn a_bad_record_is_an_error_naming_its_line_or_index() {
        let bad = "{\"model_a\": \"x\", \"model_b\": \"y\", \"winner\": \"model_a\"}\n{\"model_a\": \"x\", \"model_b\": \"y\", \"winner\": \"draw\"}\n";
        let err = collect(bad, &Filter::default()).expect_err("invalid");
        assert!(err.to_string().starts_with("line 2: "), "{err}");
        let array = "[{\"model_a\": \"x\", \"model_b\": \"y\", \"winner\": \"model_a\"}, {\"model_a\": 3, \"model_b\": \"y\", \"winner\": \"tie\"}]";
        let err = collect(array, &Filter::default()).expect_err("invalid");
        assert!(err.to_string().starts_with("record 1: "), "{err}");
        assert!(err.to_string().contains("model_a"), "{err}");
    }

    #[test]
    fn skip_invalid_counts_and_reports_what_it_skipped() {
        let input = "{\"model_a\": \"x\", \"model_b\": \"y\", \"winner\": \"model_a\"}\nnot json\n{\"model_a\": \"x\", \"model_b\": \"x\", \"winner\": \"tie\"}\n[1]\n{\"model_b\": \"y\", \"winner\": \"tie\"}\n";
        let skip = Filter {
            skip_invalid: true,
            ..Filter::default()
        };
        let (b, r) = collect(input, &skip).expect("skips");
        assert_eq!(b.len(), 1);
        assert_eq!(r.invalid, 4);
        assert!(r.examples[0].starts_with("line 2: "), "{:?}", r.examples);
        assert!(
            r.examples.iter().any(|e| e.contains("both")),
            "{:?}",
            r.examples
        );
        let array = "[{\"model_a\": \"x\", \"model_b\": \"y\", \"winner\": \"model_a\"}, 7, {\"winner\": 1}]";
        let (b, r) = collect(array, &skip).expect("skips");
        assert_eq!((b.len(), r.invalid), (1, 2));
    }

    #[test]
    fn a_field_given_twice_keeps_its_last_value_as_python_reads_it() {
        let record = r#"{"model_a": "x", "model_a": "z", "model_b": "y", "winner": "tie", "winner": "model_b", "conv_metadata": {"bold_count_a": 1, "bold_count_a": 2}}"#;
        let next = r#"{"model_a": "x", "model_b": "y", "winner": "model_a"}"#;
        for input in [format!("{record}\n{next}\n"), format!("[{record}, {next}]")] {
            let (battles, report) = collect(&input, &Filter::default()).expect("valid");
            assert_eq!(report.records, 2, "{input}");
            assert_eq!(
                battles[0],
                ("z".into(), "y".into(), Verdict::ModelB, None),
                "{input}"
            );
            assert_eq!(battles[1].2, Verdict::ModelA);
        }
    }
}
