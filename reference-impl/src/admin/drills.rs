//! `POST /admin/drills` starts a fire drill; `GET /admin/drills` lists them
//! and `GET /admin/drills/{id}` reports one (capability `drills`).
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use failover_policy::Decide;
use http::StatusCode;
use serde::Deserialize;
use serde_json::json;

use crate::Gateway;
use crate::drills::{View, class_named, start};
use crate::proxy::error::ApiError;

/// The longest drill the API starts: a drill left running by mistake ends.
const LONGEST: Duration = Duration::from_secs(3_600);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Request {
    provider: String,
    class: String,
    #[serde(default = "all")]
    share: f64,
    duration_ms: u64,
}

fn all() -> f64 {
    1.0
}

pub(crate) async fn create<D: Decide>(State(gateway): State<Arc<Gateway<D>>>, body: Bytes) -> Response {
    let shape = "send {\"provider\": <id>, \"class\": \"server_error\"|\"rate_limited\"|\"connection_failed\"|\"timeout\", \"share\": (0, 1], \"duration_ms\": <ms>}";
    let request: Request = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return ApiError::bad_request(format!("not a drill: {e}; {shape}"), None).into_response(),
    };
    let Some(upstream) = gateway.settings.upstreams.iter().position(|u| *u.id == *request.provider) else {
        let known: Vec<&str> = gateway.settings.upstreams.iter().map(|u| &*u.id).collect();
        let message = format!("no provider \"{}\"; providers: {}", request.provider, known.join(", "));
        return ApiError::bad_request(message, Some("provider")).into_response();
    };
    let Some(class) = class_named(&request.class) else {
        return ApiError::bad_request(format!("\"{}\" is not a drill class; {shape}", request.class), Some("class"))
            .into_response();
    };
    if !(request.share.is_finite() && request.share > 0.0 && request.share <= 1.0) {
        return ApiError::bad_request(format!("share must be in (0, 1], found {}", request.share), Some("share"))
            .into_response();
    }
    let duration = Duration::from_millis(request.duration_ms);
    if duration.is_zero() || duration > LONGEST {
        let message = format!("duration_ms must be from 1 to {}, found {}", LONGEST.as_millis(), request.duration_ms);
        return ApiError::bad_request(message, Some("duration_ms")).into_response();
    }
    let id = start(&gateway, upstream, class, request.share, duration, false);
    let drill = gateway.drills.all().into_iter().find(|d| d.id == id).expect("just started");
    (StatusCode::CREATED, Json(View::of(&gateway, &drill, Instant::now()))).into_response()
}

pub(crate) async fn list<D: Decide>(State(gateway): State<Arc<Gateway<D>>>) -> Response {
    let now = Instant::now();
    let drills: Vec<View> = gateway.drills.all().iter().map(|d| View::of(&gateway, d, now)).collect();
    Json(json!({ "drills": drills })).into_response()
}

pub(crate) async fn one<D: Decide>(State(gateway): State<Arc<Gateway<D>>>, Path(id): Path<String>) -> Response {
    match gateway.drills.all().iter().find(|d| d.id.to_string() == id) {
        Some(drill) => Json(View::of(&gateway, drill, Instant::now())).into_response(),
        None => ApiError::unknown_path(&format!("/admin/drills/{id}")).into_response(),
    }
}
