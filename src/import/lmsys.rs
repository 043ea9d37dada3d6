//! Streaming reader for LMSYS clean-battle files: a JSON array or JSON lines of
//! records with `model_a`, `model_b`, `winner` (`model_a` / `model_b` / `tie` /
//! `tie (bothbad)`) and optional `tstamp`, `anony`, `language`; every other field
//! (conversations, judge, turn, ...) is skipped without being kept in memory.
//!
//! The file is read through a buffer, record by record: its text is never held
//! whole.

use std::borrow::Cow;
use std::fmt;
use std::io::BufRead;

use rayon::prelude::*;
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

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

/// A JSON value reduced to what the fields here can be; anything nested is
/// skipped without allocation.
#[derive(Debug, Clone, PartialEq)]
enum Scalar<'a> {
    Str(Cow<'a, str>),
    Num(f64),
    Bool(bool),
    Null,
    Other,
}

impl<'de: 'a, 'a> Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Scalar<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Scalar::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Scalar::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Scalar::Str(Cow::Owned(v)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Scalar::Num(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Scalar::Num(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Scalar::Num(v as f64))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Scalar::Bool(v))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Scalar::Null)
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(Scalar::Null)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// The fields read from a record; a value of the wrong type is caught when the
/// record is checked, so one bad record never breaks the stream.
#[derive(Debug, Default, Deserialize)]
struct RawRecord<'a> {
    #[serde(borrow, default)]
    model_a: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    model_b: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    winner: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    tstamp: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    anony: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    language: Option<Scalar<'a>>,
}

enum Checked<'r> {
    Keep(BattleRecord<'r>),
    Drop,
}

fn text<'r>(field: &'r Option<Scalar<'_>>, name: &str) -> Result<&'r str, String> {
    match field {
        Some(Scalar::Str(s)) if !s.is_empty() => Ok(s),
        Some(Scalar::Str(_)) => Err(format!("`{name}` is empty")),
        None | Some(Scalar::Null) => Err(format!("`{name}` is missing")),
        Some(_) => Err(format!("`{name}` is not a string")),
    }
}

fn check<'r>(raw: &'r RawRecord<'_>, filter: &Filter) -> Result<Checked<'r>, String> {
    let model_a = text(&raw.model_a, "model_a")?;
    let model_b = text(&raw.model_b, "model_b")?;
    let verdict = Verdict::parse(text(&raw.winner, "winner")?)?;
    if model_a == model_b {
        return Err(format!("model_a and model_b are both {model_a:?}"));
    }
    let tstamp = match &raw.tstamp {
        Some(Scalar::Num(t)) => Some(*t),
        None | Some(Scalar::Null) => None,
        Some(_) => return Err("`tstamp` is not a number".to_owned()),
    };
    let anony = match &raw.anony {
        Some(Scalar::Bool(b)) => *b,
        None | Some(Scalar::Null) => true,
        Some(_) => return Err("`anony` is not true or false".to_owned()),
    };
    let language_ok = match (&filter.language, &raw.language) {
        (None, _) => true,
        (Some(want), Some(Scalar::Str(got))) => got.eq_ignore_ascii_case(want),
        (Some(_), _) => false,
    };
    let tie = matches!(verdict, Verdict::Tie | Verdict::TieBothBad);
    if (!anony && !filter.include_named) || !language_ok || (tie && filter.exclude_ties) {
        return Ok(Checked::Drop);
    }
    Ok(Checked::Keep(BattleRecord {
        model_a,
        model_b,
        verdict,
        tstamp,
    }))
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
pub fn read<R: BufRead, S: Sink>(
    mut input: R,
    filter: &Filter,
    new_sink: &(dyn Fn() -> S + Sync),
    absorb: &mut dyn FnMut(S),
) -> Result<ReadReport, ReadError> {
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

/// Parses one stretch of whole lines; positions are 1-based lines within it.
fn parse_lines<S: Sink>(bytes: &[u8], filter: &Filter, sink: &mut S) -> (Tally, u64) {
    let mut tally = Tally::default();
    let mut line = 0u64;
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len()));
    for end in ends {
        let raw = &bytes[start..end];
        start = end + 1;
        line += 1;
        let text = match std::str::from_utf8(raw) {
            Ok(t) => t.trim(),
            Err(e) => {
                if !tally.record(filter, sink, Err(format!("not UTF-8: {e}")), line) {
                    break;
                }
                continue;
            }
        };
        if text.is_empty() {
            continue;
        }
        let parsed = serde_json::from_str::<RawRecord<'_>>(text)
            .map_err(|e| format!("not a JSON object: {e}"));
        if !tally.record(filter, sink, parsed, line) {
            break;
        }
    }
    // The text after the last newline counts as one more (possibly empty) line.
    (tally, line.saturating_sub(1))
}

/// Reads JSON lines chunk by chunk; each chunk is split into pieces at line ends
/// that the thread pool parses in parallel. (A separate reader thread to overlap
/// the reading was tried and measured no faster on two cores.)
fn read_lines<R: BufRead, S: Sink>(
    mut input: R,
    filter: &Filter,
    new_sink: &(dyn Fn() -> S + Sync),
    absorb: &mut dyn FnMut(S),
    report: &mut ReadReport,
    chunk_bytes: usize,
) -> Result<(), ReadError> {
    let pieces_per_chunk = rayon::current_num_threads() * 2;
    let mut buf: Vec<u8> = Vec::with_capacity(chunk_bytes + (1 << 16));
    let mut lines_before = 0u64;
    loop {
        // Fill to a chunk, then cut after the last complete line.
        let mut eof = false;
        while buf.len() < chunk_bytes {
            let got = input.fill_buf()?;
            if got.is_empty() {
                eof = true;
                break;
            }
            let n = got.len().min(chunk_bytes - buf.len());
            buf.extend_from_slice(&got[..n]);
            input.consume(n);
        }
        let cut = if eof {
            buf.len()
        } else {
            match memchr::memrchr(b'\n', &buf) {
                Some(i) => i + 1,
                // One line longer than a chunk: read on until it ends.
                None => {
                    input.read_until(b'\n', &mut buf)?;
                    buf.len()
                }
            }
        };
        let work = &buf[..cut];
        let mut bounds = vec![0usize];
        let step = work.len().div_ceil(pieces_per_chunk).max(1);
        while let Some(&last) = bounds.last() {
            if last >= work.len() {
                break;
            }
            let target = (last + step).min(work.len());
            let end = memchr::memchr(b'\n', &work[target..]).map_or(work.len(), |i| target + i + 1);
            bounds.push(end);
        }
        let results: Vec<(S, Tally, u64)> = bounds
            .windows(2)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|w| {
                let mut sink = new_sink();
                let (tally, lines) = parse_lines(&work[w[0]..w[1]], filter, &mut sink);
                (sink, tally, lines)
            })
            .collect();
        for (sink, tally, lines) in results {
            tally.merge_into(report, lines_before, "line")?;
            absorb(sink);
            lines_before += lines;
        }
        if eof {
            return Ok(());
        }
        buf.drain(..cut);
    }
}

fn read_array<R: BufRead, S: Sink>(
    input: R,
    filter: &Filter,
    sink: &mut S,
) -> Result<Tally, ReadError> {
    struct Records<'r, S> {
        filter: &'r Filter,
        sink: &'r mut S,
        tally: Tally,
    }
    impl<'de, S: Sink> Visitor<'de> for Records<'_, S> {
        type Value = Tally;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON array of battle records")
        }
        fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut index = 0u64;
            while let Some(element) = seq.next_element::<RecordOrNot<'de>>()? {
                let parsed = match element {
                    RecordOrNot::Record(r) => Ok(r),
                    RecordOrNot::Not => Err("not a JSON object".to_owned()),
                };
                if !self.tally.record(self.filter, self.sink, parsed, index) {
                    return Ok(self.tally);
                }
                index += 1;
            }
            Ok(self.tally)
        }
    }
    let mut de = serde_json::Deserializer::from_reader(input);
    let tally = de
        .deserialize_seq(Records {
            filter,
            sink,
            tally: Tally::default(),
        })
        .map_err(|e| ReadError::Invalid {
            location: format!("line {}, column {}", e.line(), e.column()),
            message: format!("the JSON array is malformed: {e}"),
        })?;
    if tally.error.is_none() {
        de.end().map_err(|e| ReadError::Invalid {
            location: format!("line {}, column {}", e.line(), e.column()),
            message: format!("unexpected text after the JSON array: {e}"),
        })?;
    }
    Ok(tally)
}

/// An array element: a record object, or any other JSON value.
enum RecordOrNot<'a> {
    Record(RawRecord<'a>),
    Not,
}

impl<'de> Deserialize<'de> for RecordOrNot<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RecordOrNot<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a battle record")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                RawRecord::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RecordOrNot::Record)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(RecordOrNot::Not)
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(RecordOrNot::Not)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(RecordOrNot::Not)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(RecordOrNot::Not)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(RecordOrNot::Not)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(RecordOrNot::Not)
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(RecordOrNot::Not)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Owned = (String, String, Verdict, Option<f64>);

    #[derive(Default)]
    struct Collected(Vec<Owned>);

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

    fn collect(input: &str, filter: &Filter) -> Result<(Vec<Owned>, ReadReport), ReadError> {
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
    fn small_chunks_give_the_same_battles_and_line_numbers() {
        let mut text = String::new();
        for i in 0..300 {
            let winner = ["model_a", "model_b", "tie"][i % 3];
            text.push_str(&format!(
                "{{\"model_a\": \"m{}\", \"model_b\": \"m{}\", \"winner\": \"{winner}\"}}\n",
                i % 7,
                (i + 1) % 7
            ));
            if i == 250 {
                text.push_str("{broken\n");
            }
        }
        let (whole, _) = collect(
            &text,
            &Filter {
                skip_invalid: true,
                ..Filter::default()
            },
        )
        .expect("reads");
        for chunk in [1, 37, 64, 1000] {
            let mut out = Vec::new();
            let mut report = ReadReport::default();
            let filter = Filter {
                skip_invalid: true,
                ..Filter::default()
            };
            read_lines(
                text.as_bytes(),
                &filter,
                &Collected::default,
                &mut |c: Collected| out.extend(c.0),
                &mut report,
                chunk,
            )
            .expect("reads");
            assert_eq!(out, whole, "chunk {chunk}");
            assert_eq!(report.invalid, 1);
            assert_eq!(
                report.examples,
                vec![
                    "line 252: not a JSON object: key must be a string at line 1 column 2"
                        .to_owned()
                ],
                "chunk {chunk}"
            );
            let mut report = ReadReport::default();
            let err = read_lines(
                text.as_bytes(),
                &Filter::default(),
                &Collected::default,
                &mut |_| {},
                &mut report,
                chunk,
            )
            .expect_err("stops");
            assert!(
                err.to_string().starts_with("line 252: "),
                "chunk {chunk}: {err}"
            );
        }
    }

    #[test]
    fn a_truncated_array_is_an_error_even_when_skipping() {
        let skip = Filter {
            skip_invalid: true,
            ..Filter::default()
        };
        let err = collect(
            "[{\"model_a\": \"x\", \"model_b\": \"y\", \"winner\": \"model_a\"}, {\"mod",
            &skip,
        )
        .expect_err("broken");
        assert!(err.to_string().contains("malformed"), "{err}");
    }
}
