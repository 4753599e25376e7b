//! `GET /admin/events?since=N`: the decision log, oldest first, from sequence
//! number `N + 1` on; `next_seq` is what to pass as `since` next time.
use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::Gateway;
use crate::proxy::error::ApiError;
use failover_policy::Decide;

#[derive(Deserialize)]
pub(crate) struct Since {
    since: Option<u64>,
}

pub(crate) async fn events<D: Decide>(
    State(gateway): State<Arc<Gateway<D>>>,
    query: Result<Query<Since>, QueryRejection>,
) -> Response {
    let since = match query {
        Ok(Query(q)) => q.since.unwrap_or(0),
        Err(e) => {
            return ApiError::bad_request(format!("{e}; use ?since=<sequence number>"), Some("since")).into_response();
        }
    };
    let (events, next_seq) = gateway.events.since(since);
    Json(json!({ "events": events, "next_seq": next_seq })).into_response()
}
