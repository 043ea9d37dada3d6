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

struct Reader<'f, F> {
    filter: &'f Filter,
    report: ReadReport,
    on_battle: F,
}

impl<F: FnMut(BattleRecord<'_>)> Reader<'_, F> {
    /// Handles one parsed record (or its parse error) at `location`.
    fn record(
        &mut self,
        parsed: Result<RawRecord<'_>, String>,
        location: &dyn Fn() -> String,
    ) -> Result<(), ReadError> {
        self.report.records += 1;
        let outcome = parsed.and_then(|raw| match check(&raw, self.filter)? {
            Checked::Keep(b) => {
                (self.on_battle)(b);
                Ok(true)
            }
            Checked::Drop => Ok(false),
        });
        match outcome {
            Ok(true) => self.report.kept += 1,
            Ok(false) => self.report.filtered_out += 1,
            Err(message) => {
                if !self.filter.skip_invalid {
                    return Err(ReadError::Invalid {
                        location: location(),
                        message,
                    });
                }
                self.report.invalid += 1;
                if self.report.examples.len() < 5 {
                    self.report
                        .examples
                        .push(format!("{}: {message}", location()));
                }
            }
        }
        Ok(())
    }
}

/// Reads battles from `input` (a JSON array or JSON lines, told apart by the first
/// non-blank byte), calling `on_battle` for each one that passes `filter`.
///
/// # Errors
/// The first malformed record with its line (JSON lines) or index (array), unless
/// `skip_invalid`; a JSON array that is not well-formed JSON stops the read either
/// way, since no later record can be found in it reliably.
pub fn read<R: BufRead>(
    mut input: R,
    filter: &Filter,
    on_battle: impl FnMut(BattleRecord<'_>),
) -> Result<ReadReport, ReadError> {
    let mut reader = Reader {
        filter,
        report: ReadReport::default(),
        on_battle,
    };
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
    match first {
        None => {}
        Some(b'[') => read_array(input, &mut reader)?,
        Some(_) => read_lines(input, &mut reader)?,
    }
    Ok(reader.report)
}

fn read_lines<R: BufRead, F: FnMut(BattleRecord<'_>)>(
    mut input: R,
    reader: &mut Reader<'_, F>,
) -> Result<(), ReadError> {
    let mut line = String::new();
    let mut number = 0u64;
    loop {
        line.clear();
        if input.read_line(&mut line)? == 0 {
            return Ok(());
        }
        number += 1;
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        let parsed = serde_json::from_str::<RawRecord<'_>>(trimmed)
            .map_err(|e| format!("not a JSON object: {e}"));
        reader.record(parsed, &|| format!("line {number}"))?;
    }
}

fn read_array<R: BufRead, F: FnMut(BattleRecord<'_>)>(
    input: R,
    reader: &mut Reader<'_, F>,
) -> Result<(), ReadError> {
    struct Records<'r, 'f, F>(&'r mut Reader<'f, F>);
    impl<'de, F: FnMut(BattleRecord<'_>)> Visitor<'de> for Records<'_, '_, F> {
        type Value = Result<(), ReadError>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON array of battle records")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut index = 0u64;
            loop {
                let element = match seq.next_element::<RecordOrNot<'de>>() {
                    Ok(Some(e)) => e,
                    Ok(None) => return Ok(Ok(())),
                    Err(e) => return Err(e),
                };
                let parsed = match element {
                    RecordOrNot::Record(r) => Ok(r),
                    RecordOrNot::Not => Err("not a JSON object".to_owned()),
                };
                let i = index;
                if let Err(e) = self.0.record(parsed, &|| format!("record {i}")) {
                    return Ok(Err(e));
                }
                index += 1;
            }
        }
    }
    let mut de = serde_json::Deserializer::from_reader(input);
    let result = de
        .deserialize_seq(Records(reader))
        .map_err(|e| ReadError::Invalid {
            location: format!("line {}, column {}", e.line(), e.column()),
            message: format!("the JSON array is malformed: {e}"),
        })?;
    result?;
    de.end().map_err(|e| ReadError::Invalid {
        location: format!("line {}, column {}", e.line(), e.column()),
        message: format!("unexpected text after the JSON array: {e}"),
    })
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

    fn collect(input: &str, filter: &Filter) -> Result<(Vec<Owned>, ReadReport), ReadError> {
        let mut out = Vec::new();
        let report = read(input.as_bytes(), filter, |b| {
            out.push((
                b.model_a.to_owned(),
                b.model_b.to_owned(),
                b.verdict,
                b.tstamp,
            ));
        })?;
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
