//! A JSON array of records, read element by element through serde.

use std::fmt;
use std::io::BufRead;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::record::RawRecord;
use super::{Filter, ReadError, Sink, Tally};

pub(super) fn read_array<R: BufRead, S: Sink>(
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
                    // Stop counting, but let the array end where it ends, or
                    // the parser would take the rest for trailing garbage
                    // and the record's own error would be lost.
                    while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
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

/// An array element: a record object, or any other JSON value. One lives at
/// a time and is moved once; boxing it would cost an allocation per record.
#[allow(clippy::large_enum_variant)]
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
    use super::super::Filter;
    use super::super::tests::collect;

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
