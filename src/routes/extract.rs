//! Extractors: what every handler needs from a request, parsed once, with the
//! API's own error codes.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::body::{self, BodyLimit};
use crate::error::{ApiError, ErrorCode};

/// The battle id of a `/battles/{id}/...` path. A malformed id names no
/// battle: 404 `battle_not_found`, as for an unknown one.
#[derive(Debug, Clone, Copy)]
pub struct BattleIdPath(pub Uuid);

impl FromRequest for BattleIdPath {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let raw = req.match_info().get("id").unwrap_or_default();
        std::future::ready(Uuid::parse_str(raw).map(Self).map_err(|_| {
            ApiError::new(
                ErrorCode::BattleNotFound,
                format!("no battle with id {raw:?}"),
            )
        }))
    }
}

/// A request body type: whether an empty body stands for its default.
pub trait RequestBody: DeserializeOwned + Default {
    /// `true` when the body may be left out (it then reads as `Default`).
    const OPTIONAL: bool;
}

/// A JSON body read within the configured size limit: 413
/// `payload_too_large`, 400 `invalid_json` or `invalid_body`.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: RequestBody + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<BodyLimit>>()
            .map_or(BodyLimit::default(), |l| *l.get_ref());
        let payload = payload.take();
        Box::pin(async move {
            let bytes = body::read(payload, limit).await?;
            body::parse::<T>(&bytes, T::OPTIONAL).map(Self)
        })
    }
}

/// The body of requests that take no arguments: nothing, or `{}`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoArguments {}

impl RequestBody for NoArguments {
    const OPTIONAL: bool = true;
}
