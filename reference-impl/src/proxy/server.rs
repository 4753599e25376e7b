//! Routes and handlers: extract, call the attempt loop, map the result.
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::{HeaderValue, Method, StatusCode, Uri};
use http_body_util::LengthLimitError;
use serde_json::json;
use std::time::Instant;

use super::error::ApiError;
use super::forward::{Endpoint, forward};
use super::idempotency::{self, Begin, Kept};
use super::request::{BadBody, Inbound};
use crate::Gateway;
use crate::admin;
use failover_policy::Decide;
use failover_policy::guard::Guardrail;

/// The gateway's HTTP application.
pub fn app<D: Decide>(gateway: Arc<Gateway<D>>) -> Router {
    let mut admin = Router::new()
        .route("/admin/events", get(admin::events::events::<D>))
        .route("/admin/providers", get(admin::providers::providers::<D>))
        .route("/admin/analytics", get(admin::analytics::analytics::<D>))
        .route("/admin/budgets", get(admin::budgets::budgets::<D>))
        .route("/admin/slo", get(admin::slo::slo::<D>))
        .route("/admin/drills", post(admin::drills::create::<D>).get(admin::drills::list::<D>))
        .route("/admin/drills/{id}", get(admin::drills::one::<D>))
        .route("/admin/dashboard/stream", get(admin::dashboard::stream::<D>));
    if let Some(token) = &gateway.settings.admin_token {
        let token = admin::auth::Token(Arc::from(token.as_str()));
        admin = admin.route_layer(axum::middleware::from_fn_with_state(token, admin::auth::require));
    }
    Router::new()
        .route("/api/v1/chat/completions", post(chat::<D>))
        .route("/api/v1/embeddings", post(embeddings::<D>))
        .route("/healthz", get(healthz))
        .route("/metrics", get(admin::metrics::metrics::<D>))
        .route("/admin/dashboard", get(admin::dashboard::page))
        .route("/admin/dashboard/app.js", get(admin::dashboard::script))
        .merge(admin)
        .fallback(unknown_path)
        .method_not_allowed_fallback(wrong_method)
        .with_state(gateway)
}

async fn chat<D: Decide>(State(gateway): State<Arc<Gateway<D>>>, request: Request) -> Response {
    serve(&gateway, request, Endpoint::Chat).await
}

async fn embeddings<D: Decide>(State(gateway): State<Arc<Gateway<D>>>, request: Request) -> Response {
    serve(&gateway, request, Endpoint::Embeddings).await
}

async fn serve<D: Decide>(gateway: &Arc<Gateway<D>>, request: Request, endpoint: Endpoint) -> Response {
    let (parts, body) = request.into_parts();
    let limit = gateway.settings.max_body_bytes;
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => bytes,
        Err(e) if is_length_limit(&e) => return ApiError::too_large(limit).into_response(),
        Err(e) => return ApiError::bad_request(format!("could not read the request body: {e}"), None).into_response(),
    };
    let mut inbound = match Inbound::parse(bytes) {
        Ok(inbound) => inbound,
        Err(bad) => return bad_body(bad).into_response(),
    };
    let route = match gateway.settings.by_model.get(&inbound.model) {
        Some(&route) => route,
        None => {
            let known: Vec<&str> = gateway.settings.routes.iter().map(|r| &*r.model).collect();
            return ApiError::unknown_model(&inbound.model, &known).into_response();
        }
    };
    inbound.idempotent &= gateway.settings.routes[route].idempotent;
    if let Some(guards) = &gateway.guards
        && let Err(refused) = super::guard::input(gateway, guards, &parts.headers, endpoint, &mut inbound)
    {
        return *refused;
    }
    if let Err(refused) = super::session::open(gateway, &parts.headers, route, endpoint, &mut inbound).await {
        return refused;
    }
    inbound.spending = super::spend::open(gateway, &parts.headers, route, endpoint, &inbound.body);
    // A whole answer's turn is written back here; a stream's, as it ends.
    let session = inbound.session.clone().filter(|_| !inbound.stream);
    let redacted = inbound.redacted;
    let place = match &gateway.admission {
        None => None,
        Some(admission) => match admission.enter().await {
            Ok(place) => Some(place),
            Err(shed) => return ApiError::overloaded(shed.in_flight, shed.max_queued).into_response(),
        },
    };
    let response = match parts.headers.get(IDEMPOTENCY_KEY) {
        None => forward(gateway, route, inbound, endpoint).await,
        Some(key) => with_idempotency_key(gateway, key, route, inbound, endpoint).await,
    };
    let response = match session {
        Some(turn) if !response.headers().contains_key(idempotency::REPLAYED) => {
            super::session::recorded(turn, response).await
        }
        _ => response,
    };
    let response = if redacted { super::guard::named(response, Guardrail::Pii) } else { response };
    match place {
        None => response,
        // The place is given back when the answer's body has been sent or dropped.
        Some(place) => response.map(|body| {
            use futures_util::StreamExt;
            Body::from_stream(body.into_data_stream().map(move |chunk| {
                let _held = &place;
                chunk
            }))
        }),
    }
}

const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// Serves a request carrying an `Idempotency-Key`: runs it once, replays its
/// answer to repeats (see `idempotency`).
async fn with_idempotency_key<D: Decide>(
    gateway: &Arc<Gateway<D>>,
    key: &HeaderValue,
    route: usize,
    inbound: Inbound,
    endpoint: Endpoint,
) -> Response {
    let Ok(key) = key.to_str().map(str::to_owned) else {
        return ApiError::bad_request(
            "the Idempotency-Key header must be printable ASCII".into(),
            Some("Idempotency-Key"),
        )
        .into_response();
    };
    if inbound.stream {
        let message = "Idempotency-Key is not supported with \"stream\": true: a stream cannot be replayed; drop the key or the stream flag".into();
        return ApiError::bad_request(message, Some("Idempotency-Key")).into_response();
    }
    let body = idempotency::fingerprint(&inbound.body);
    match gateway.idempotency.begin(&key, body, Instant::now()) {
        Begin::Replay(kept) => {
            let mut response = Response::new(Body::from(kept.body));
            *response.status_mut() = kept.status;
            *response.headers_mut() = kept.headers;
            response.headers_mut().insert(idempotency::REPLAYED, HeaderValue::from_static("true"));
            return response;
        }
        Begin::BodyMismatch => return ApiError::idempotency_mismatch(&key).into_response(),
        Begin::InProgress => return ApiError::idempotency_in_progress(&key).into_response(),
        Begin::Run => {}
    }
    let response = forward(gateway, route, inbound, endpoint).await;
    let status = response.status();
    // A 429 (a spent budget) says to come back later: not an answer to keep.
    if !(status.is_success() || status.is_client_error()) || status == StatusCode::TOO_MANY_REQUESTS {
        gateway.idempotency.release(&key);
        return response;
    }
    let (parts, body) = response.into_parts();
    match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => {
            let kept = Kept { status, headers: parts.headers.clone(), body: bytes.clone() };
            gateway.idempotency.complete(&key, kept, Instant::now());
            Response::from_parts(parts, Body::from(bytes))
        }
        Err(e) => {
            gateway.idempotency.release(&key);
            ApiError::unreadable_answer(&e.to_string()).into_response()
        }
    }
}

fn is_length_limit(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = source {
        if s.is::<LengthLimitError>() {
            return true;
        }
        source = s.source();
    }
    false
}

fn bad_body(bad: BadBody) -> ApiError {
    match bad {
        BadBody::Malformed(why) => {
            ApiError::bad_request(format!("the request body is not a valid JSON object: {why}"), None)
        }
        BadBody::MissingModel => ApiError::bad_request("the request body has no \"model\" field".into(), Some("model")),
        BadBody::ModelNotString => ApiError::bad_request("\"model\" must be a string".into(), Some("model")),
    }
}

async fn healthz() -> Response {
    axum::Json(json!({ "status": "ok" })).into_response()
}

async fn unknown_path(uri: Uri) -> Response {
    ApiError::unknown_path(uri.path()).into_response()
}

async fn wrong_method(method: Method, uri: Uri) -> Response {
    ApiError::method_not_allowed(method.as_str(), uri.path()).into_response()
}
