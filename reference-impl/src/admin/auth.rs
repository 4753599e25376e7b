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

/// The credentials of `Authorization: Bearer <credentials>`, if `headers`
/// carry one; the scheme's name is matched in any case (RFC 7235).
pub(crate) fn bearer(headers: &http::HeaderMap) -> Option<&[u8]> {
    let value = headers.get(AUTHORIZATION)?.as_bytes();
    let (scheme, rest) = value.split_at_checked(6)?;
    let credentials = rest.strip_prefix(b" ")?.trim_ascii();
    (scheme.eq_ignore_ascii_case(b"bearer") && !credentials.is_empty()).then_some(credentials)
}

pub(crate) async fn require(State(token): State<Token>, request: Request, next: Next) -> Response {
    let offered = bearer(request.headers());
    let matches = offered.is_some_and(|offered| bool::from(offered.ct_eq(token.0.as_bytes())));
    if matches {
        return next.run(request).await;
    }
    let mut response = ApiError::unauthorized().into_response();
    response.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"admin\""));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_scheme_is_matched_in_any_case() {
        let with = |value: &str| {
            let mut headers = http::HeaderMap::new();
            headers.insert(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
            bearer(&headers).map(<[u8]>::to_vec)
        };
        assert_eq!(with("Bearer k1"), Some(b"k1".to_vec()));
        assert_eq!(with("bearer k1"), Some(b"k1".to_vec()));
        assert_eq!(with("BEARER  k1 "), Some(b"k1".to_vec()));
        assert_eq!(with("Basic k1"), None);
        assert_eq!(with("Bearer"), None);
        assert_eq!(with("Bearer "), None);
        assert_eq!(with("Bearerk1"), None);
    }
}
