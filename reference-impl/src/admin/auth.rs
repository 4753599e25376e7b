//! The admin API's bearer token (`admin.token`): every `/admin/` request must
//! carry `Authorization: Bearer <token>`, or gets 401. The token is compared
//! in constant time and never written anywhere: not in events, logs or
//! answers.
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::HeaderValue;
use http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use subtle::ConstantTimeEq;

use crate::proxy::error::ApiError;

/// The token an admin request must carry.
#[derive(Clone)]
pub(crate) struct Token(pub Arc<str>);

pub(crate) async fn require(State(token): State<Token>, request: Request, next: Next) -> Response {
    let offered = request.headers().get(AUTHORIZATION).and_then(|v| v.as_bytes().strip_prefix(b"Bearer "));
    let matches = offered.is_some_and(|offered| bool::from(offered.ct_eq(token.0.as_bytes())));
    if matches {
        return next.run(request).await;
    }
    let mut response = ApiError::unauthorized().into_response();
    response.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"admin\""));
    response
}
