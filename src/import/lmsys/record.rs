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
/// record is checked, so one bad record never breaks the stream.
#[derive(Debug, Default, Deserialize)]
pub(super) struct RawRecord<'a> {
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
    /// GoldArena's exports: `false` for a vote that did not count.
    #[serde(borrow, default)]
    counted: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    battle_id: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    question_id: Option<Scalar<'a>>,
    #[serde(default)]
    conv_metadata: Metadata,
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
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                ConvMetadata::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(|m| Metadata(Some(Box::new(m))))
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
#[derive(Debug, Default, Deserialize)]
struct ConvMetadata {
    #[serde(default)]
    sum_assistant_a_tokens: Count,
    #[serde(default)]
    sum_assistant_b_tokens: Count,
    #[serde(default)]
    header_count_a: Count,
    #[serde(default)]
    header_count_b: Count,
    #[serde(default)]
    list_count_a: Count,
    #[serde(default)]
    list_count_b: Count,
    #[serde(default)]
    bold_count_a: Count,
    #[serde(default)]
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
