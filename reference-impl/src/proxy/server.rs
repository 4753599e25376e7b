//! Routes and handlers: extract, call the attempt loop, map the result.
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::{Method, Uri};
use http_body_util::LengthLimitError;
use serde_json::json;

use super::error::ApiError;
use super::forward::{Endpoint, forward};
use super::request::{BadBody, Inbound};
use crate::Gateway;
use crate::admin;

/// The gateway's HTTP application.
pub fn app(gateway: Arc<Gateway>) -> Router {
    Router::new()
        .route("/api/v1/chat/completions", post(chat))
        .route("/api/v1/embeddings", post(embeddings))
        .route("/healthz", get(healthz))
        .route("/admin/events", get(admin::events::events))
        .fallback(unknown_path)
        .method_not_allowed_fallback(wrong_method)
        .with_state(gateway)
}

async fn chat(State(gateway): State<Arc<Gateway>>, request: Request) -> Response {
    serve(&gateway, request.into_body(), Endpoint::Chat).await
}

async fn embeddings(State(gateway): State<Arc<Gateway>>, request: Request) -> Response {
    serve(&gateway, request.into_body(), Endpoint::Embeddings).await
}

async fn serve(gateway: &Gateway, body: Body, endpoint: Endpoint) -> Response {
    let lenient = gateway.sabotage.accepts_any_body();
    let limit = if lenient { usize::MAX } else { gateway.settings.max_body_bytes };
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => bytes,
        Err(e) if is_length_limit(&e) => return ApiError::too_large(limit).into_response(),
        Err(e) => return ApiError::bad_request(format!("could not read the request body: {e}"), None).into_response(),
    };
    let inbound = match Inbound::parse(bytes.clone()) {
        Ok(inbound) => inbound,
        Err(_) if lenient => Inbound::opaque(bytes, &gateway.settings.routes[0].model),
        Err(bad) => return bad_body(bad).into_response(),
    };
    let route = match gateway.settings.by_model.get(&inbound.model) {
        Some(&route) => route,
        None if lenient => 0,
        None => {
            let known: Vec<&str> = gateway.settings.routes.iter().map(|r| &*r.model).collect();
            return ApiError::unknown_model(&inbound.model, &known).into_response();
        }
    };
    forward(gateway, route, inbound, endpoint).await
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
        BadBody::Malformed(why) => ApiError::bad_request(format!("the request body is not a valid JSON object: {why}"), None),
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
