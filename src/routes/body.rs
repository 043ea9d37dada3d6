//! Reading JSON request bodies with a size limit and error codes of our own.

use actix_web::dev::Payload;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ErrorCode};

/// The largest request body accepted, in bytes.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

impl Default for BodyLimit {
    /// The configuration's default, for an app that set none.
    fn default() -> Self {
        Self(65_536)
    }
}

/// Reads the whole body, refusing more than `limit` bytes with 413
/// `payload_too_large`.
///
/// # Errors
/// 413 as above; 400 `invalid_body` when the stream breaks.
pub async fn read(mut payload: Payload, limit: BodyLimit) -> Result<Vec<u8>, ApiError> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::new(
                ErrorCode::InvalidBody,
                format!("could not read the request body: {e}"),
            )
        })?;
        if body.len() + chunk.len() > limit.0 {
            return Err(ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!("the request body is larger than {} bytes", limit.0),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Whether a JSON text holds the escape `\u0000` (NUL) in a string: the
/// escape preceded by an odd number of backslashes (an even number is an
/// escaped backslash followed by the text `u0000`). A raw NUL byte is not
/// JSON at all, and the parse refuses it.
#[must_use]
pub fn holds_nul(bytes: &[u8]) -> bool {
    memchr::memmem::find_iter(bytes, b"\\u0000").any(|at| {
        let backslashes = bytes[..=at]
            .iter()
            .rev()
            .take_while(|&&b| b == b'\\')
            .count();
        backslashes % 2 == 1
    })
}

/// Parses a JSON body. An empty body reads as `T::default()` when `empty_ok`;
/// text that is not JSON is `invalid_json`, JSON of the wrong shape is
/// `invalid_body`, both 400.
///
/// # Errors
/// As above.
pub fn parse<T>(bytes: &[u8], empty_ok: bool) -> Result<T, ApiError>
where
    T: DeserializeOwned + Default,
{
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return if empty_ok {
            Ok(T::default())
        } else {
            Err(ApiError::new(
                ErrorCode::InvalidBody,
                "the request body is empty; a JSON object is expected",
            ))
        };
    }
    serde_json::from_slice(bytes).map_err(|e| {
        if e.is_data() {
            ApiError::new(
                ErrorCode::InvalidBody,
                format!("request body has the wrong shape: {e}"),
            )
        } else {
            ApiError::new(
                ErrorCode::InvalidJson,
                format!("request body is not valid JSON: {e}"),
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use super::{holds_nul, parse};

    #[derive(serde::Deserialize, Default, Debug)]
    #[serde(deny_unknown_fields)]
    struct Probe {
        #[expect(dead_code, reason = "only parsed")]
        n: Option<i32>,
    }

    #[test]
    fn body_errors_have_distinct_codes() {
        let code = |b: &[u8], empty_ok| {
            parse::<Probe>(b, empty_ok)
                .expect_err("must fail")
                .code()
                .as_str()
        };
        assert_eq!(code(b"{nope", true), "invalid_json");
        assert_eq!(code(br#"{"n": "x"}"#, true), "invalid_body");
        assert_eq!(code(br#"{"m": 1}"#, true), "invalid_body");
        assert_eq!(code(b"", false), "invalid_body");
        assert!(parse::<Probe>(b"  ", true).is_ok());
    }

    #[test]
    fn a_nul_escape_is_found_and_an_escaped_backslash_is_not_one() {
        assert!(holds_nul(br#"{"reason": "a\u0000b"}"#));
        assert!(holds_nul(br#"{"reason": "\\\u0000"}"#));
        assert!(!holds_nul(
            br#"{"reason": "\\u0000 is how JSON writes NUL"}"#
        ));
        assert!(holds_nul(br#"{"reason": "\u00001"}"#));
        assert!(!holds_nul(br#"{"reason": "plain"}"#));
    }
}
