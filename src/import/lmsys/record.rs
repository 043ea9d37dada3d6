//! One raw record turned into a checked battle: the few fields read from it,
//! each reduced to a [`Scalar`], then checked and filtered.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{BattleRecord, Filter};
use crate::domain::Verdict;

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
/// record is checked, so one bad record never breaks the stream. A field given
/// twice keeps its last value, as Python's `json` (LMSYS's own tooling) reads
/// it; serde's derived reader would refuse the record, and in a JSON array an
/// element that fails to read stops the whole read.
#[derive(Debug, Default)]
pub(super) struct RawRecord<'a> {
    model_a: Option<Scalar<'a>>,
    model_b: Option<Scalar<'a>>,
    winner: Option<Scalar<'a>>,
    tstamp: Option<Scalar<'a>>,
    anony: Option<Scalar<'a>>,
    language: Option<Scalar<'a>>,
    /// GoldArena's exports: `false` for a vote that did not count.
    counted: Option<Scalar<'a>>,
    battle_id: Option<Scalar<'a>>,
    question_id: Option<Scalar<'a>>,
    conv_metadata: Metadata,
}

/// A key of a record, or of its `conv_metadata`.
enum Field {
    ModelA,
    ModelB,
    Winner,
    Tstamp,
    Anony,
    Language,
    Counted,
    BattleId,
    QuestionId,
    ConvMetadata,
    TokensA,
    TokensB,
    HeadersA,
    HeadersB,
    ListsA,
    ListsB,
    BoldA,
    BoldB,
    Other,
}

impl Field {
    fn of(key: &str) -> Self {
        match key {
            "model_a" => Self::ModelA,
            "model_b" => Self::ModelB,
            "winner" => Self::Winner,
            "tstamp" => Self::Tstamp,
            "anony" => Self::Anony,
            "language" => Self::Language,
            "counted" => Self::Counted,
            "battle_id" => Self::BattleId,
            "question_id" => Self::QuestionId,
            "conv_metadata" => Self::ConvMetadata,
            "sum_assistant_a_tokens" => Self::TokensA,
            "sum_assistant_b_tokens" => Self::TokensB,
            "header_count_a" => Self::HeadersA,
            "header_count_b" => Self::HeadersB,
            "list_count_a" => Self::ListsA,
            "list_count_b" => Self::ListsB,
            "bold_count_a" => Self::BoldA,
            "bold_count_b" => Self::BoldB,
            _ => Self::Other,
        }
    }
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Field;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E>(self, v: &str) -> Result<Field, E> {
                Ok(Field::of(v))
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Field, E> {
                Ok(std::str::from_utf8(v).map_or(Field::Other, Field::of))
            }
        }
        d.deserialize_identifier(V)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for RawRecord<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = RawRecord<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a battle record (a JSON object)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut r = RawRecord::default();
                while let Some(key) = map.next_key::<Field>()? {
                    let slot = match key {
                        Field::ModelA => &mut r.model_a,
                        Field::ModelB => &mut r.model_b,
                        Field::Winner => &mut r.winner,
                        Field::Tstamp => &mut r.tstamp,
                        Field::Anony => &mut r.anony,
                        Field::Language => &mut r.language,
                        Field::Counted => &mut r.counted,
                        Field::BattleId => &mut r.battle_id,
                        Field::QuestionId => &mut r.question_id,
                        Field::ConvMetadata => {
                            r.conv_metadata = map.next_value()?;
                            continue;
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                            continue;
                        }
                    };
                    *slot = Some(map.next_value()?);
                }
                Ok(r)
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// `conv_metadata` when it is an object; any other value (a string, as
/// conversions from CSV or Parquet leave it) is read as absent, so it never
/// breaks the stream (in a JSON array, an element that fails to read stops
/// the whole read).
#[derive(Debug, Default)]
struct Metadata(Option<Box<ConvMetadata>>);

impl<'de> Deserialize<'de> for Metadata {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Metadata;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("conv_metadata")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                // A key given twice keeps its last value, as in the record.
                let mut m = ConvMetadata::default();
                while let Some(key) = map.next_key::<Field>()? {
                    let slot = match key {
                        Field::TokensA => &mut m.sum_assistant_a_tokens,
                        Field::TokensB => &mut m.sum_assistant_b_tokens,
                        Field::HeadersA => &mut m.header_count_a,
                        Field::HeadersB => &mut m.header_count_b,
                        Field::ListsA => &mut m.list_count_a,
                        Field::ListsB => &mut m.list_count_b,
                        Field::BoldA => &mut m.bold_count_a,
                        Field::BoldB => &mut m.bold_count_b,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                            continue;
                        }
                    };
                    *slot = map.next_value()?;
                }
                Ok(Metadata(Some(Box::new(m))))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Metadata(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(Metadata(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Metadata(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Metadata(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Metadata(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Metadata(None))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Metadata(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// A style count of `conv_metadata`: a number, or a map of numbers that add
/// up (`header_count_a: {"h1": 1, "h2": 3}`); anything else is unknown.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Count(Option<f64>);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Count;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a count, or a map of counts")
            }
            fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Count(v.is_finite().then_some(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Count(Some(v as f64)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Count(Some(v as f64)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut sum = 0.0;
                while let Some((_, v)) = map.next_entry::<IgnoredAny, Count>()? {
                    sum += v.0.unwrap_or(0.0);
                }
                Ok(Count(Some(sum)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Count(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(Count(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Count(None))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Count(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// The style counts of LMSYS's `conv_metadata` (what FastChat's style control
/// reads); other keys are skipped.
#[derive(Debug, Default)]
struct ConvMetadata {
    sum_assistant_a_tokens: Count,
    sum_assistant_b_tokens: Count,
    header_count_a: Count,
    header_count_b: Count,
    list_count_a: Count,
    list_count_b: Count,
    bold_count_a: Count,
    bold_count_b: Count,
}

impl ConvMetadata {
    /// Each side's (tokens, headers, lists, bold), when all eight are known.
    fn style(&self) -> Option<[[f64; 4]; 2]> {
        let side = |t: Count, h: Count, l: Count, b: Count| Some([t.0?, h.0?, l.0?, b.0?]);
        Some([
            side(
                self.sum_assistant_a_tokens,
                self.header_count_a,
                self.list_count_a,
                self.bold_count_a,
            )?,
            side(
                self.sum_assistant_b_tokens,
                self.header_count_b,
                self.list_count_b,
                self.bold_count_b,
            )?,
        ])
    }
}

pub(super) enum Checked<'r> {
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

pub(super) fn check<'r>(raw: &'r RawRecord<'_>, filter: &Filter) -> Result<Checked<'r>, String> {
    let anony = match &raw.anony {
        Some(Scalar::Bool(b)) => *b,
        None | Some(Scalar::Null) => true,
        Some(_) => return Err("`anony` is not true or false".to_owned()),
    };
    let counted = match &raw.counted {
        Some(Scalar::Bool(b)) => *b,
        None | Some(Scalar::Null) => true,
        Some(_) => return Err("`counted` is not true or false".to_owned()),
    };
    // A record the filter leaves out is not checked further: a flaw in a
    // named battle must not stop a run that counts anonymous ones only.
    if (!anony && !filter.include_named) || !counted {
        return Ok(Checked::Drop);
    }
    let model_a = text(&raw.model_a, "model_a")?;
    let model_b = text(&raw.model_b, "model_b")?;
    let verdict = Verdict::parse_released(text(&raw.winner, "winner")?)?;
    if model_a == model_b {
        return Err(format!("model_a and model_b are both {model_a:?}"));
    }
    let tstamp = match &raw.tstamp {
        Some(Scalar::Num(t)) => Some(*t),
        None | Some(Scalar::Null) => None,
        Some(_) => return Err("`tstamp` is not a number".to_owned()),
    };
    let language_ok = match (&filter.language, &raw.language) {
        (None, _) => true,
        (Some(want), Some(Scalar::Str(got))) => got.eq_ignore_ascii_case(want),
        (Some(_), _) => false,
    };
    let tie = matches!(verdict, Verdict::Tie | Verdict::TieBothBad);
    if !language_ok || (tie && filter.exclude_ties) {
        return Ok(Checked::Drop);
    }
    Ok(Checked::Keep(BattleRecord {
        model_a,
        model_b,
        verdict,
        tstamp,
        anony,
        counted,
        language: match &raw.language {
            Some(Scalar::Str(l)) if !l.is_empty() => Some(l.as_ref()),
            _ => None,
        },
        key: [&raw.battle_id, &raw.question_id]
            .into_iter()
            .find_map(|f| match f {
                Some(Scalar::Str(k)) if !k.is_empty() => Some(k.as_ref()),
                _ => None,
            }),
        style: raw.conv_metadata.0.as_deref().and_then(ConvMetadata::style),
    }))
}
