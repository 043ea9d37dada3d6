//! The one place where domain types become text in the database and back.
//! Entities use the domain types as column types; sea-orm reads and writes
//! them through these impls, so no query compares a bare `"open"` or `"a"`.

use std::sync::Arc;

use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, StringLen, ValueType, ValueTypeErr};
use sea_orm::{ColIdx, DbErr, QueryResult, TryGetError, TryGetable, Value};

use crate::domain::{
    BattleMode, BattleStatus, FinishReason, ProviderKind, Role, Side, Verdict, VoterId,
};

/// Stored text that names no value of the domain type.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UnknownText(String);

macro_rules! stored_as_text {
    ($($ty:ty => ($to:expr, $from:expr)),* $(,)?) => {$(
        impl From<$ty> for Value {
            fn from(v: $ty) -> Self {
                let to: fn(&$ty) -> String = $to;
                Value::String(Some(to(&v).into()))
            }
        }

        impl TryGetable for $ty {
            fn try_get_by<I: ColIdx>(res: &QueryResult, idx: I) -> Result<Self, TryGetError> {
                let from: fn(&str) -> Result<$ty, String> = $from;
                let text = String::try_get_by(res, idx)?;
                from(&text).map_err(|e| {
                    TryGetError::DbErr(DbErr::TryIntoErr {
                        from: "String",
                        into: stringify!($ty),
                        source: Arc::new(UnknownText(e)),
                    })
                })
            }
        }

        impl ValueType for $ty {
            fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
                let from: fn(&str) -> Result<$ty, String> = $from;
                let text = <String as ValueType>::try_from(v)?;
                from(&text).map_err(|_| ValueTypeErr)
            }

            fn type_name() -> String {
                stringify!($ty).to_owned()
            }

            fn array_type() -> ArrayType {
                ArrayType::String
            }

            fn column_type() -> ColumnType {
                ColumnType::String(StringLen::None)
            }
        }

        impl Nullable for $ty {
            fn null() -> Value {
                Value::String(None)
            }
        }

        impl sea_orm::IntoActiveValue<$ty> for $ty {
            fn into_active_value(self) -> sea_orm::ActiveValue<$ty> {
                sea_orm::ActiveValue::Set(self)
            }
        }
    )*};
}

stored_as_text!(
    Side => (|v| v.as_str().to_owned(), Side::parse),
    BattleStatus => (|v| v.as_str().to_owned(), BattleStatus::parse),
    BattleMode => (|v| v.as_str().to_owned(), BattleMode::parse),
    FinishReason => (|v| v.as_str().to_owned(), |s| Ok(FinishReason::parse(s))),
    Verdict => (|v| v.as_str().to_owned(), Verdict::parse),
    ProviderKind => (|v| v.as_str().to_owned(), ProviderKind::parse),
    VoterId => (ToString::to_string, VoterId::parse),
    Role => (|v| v.as_str().to_owned(), Role::parse),
);
