//! The bare pass-through proxy: the gateway's own stack (axum, the gateway's
//! pooled upstream client) forwarding each request's bytes to one upstream and
//! its answer back, with no policy: what the stack alone costs.
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, Uri};
use reference_gateway::proxy::upstream::{AnswerBody, UpstreamClient};

#[derive(Clone)]
struct Pass {
    client: UpstreamClient,
    uri: Uri,
    authorization: HeaderValue,
}

async fn pass(State(pass): State<Pass>, request: Request) -> Response {
    let Ok(body) = axum::body::to_bytes(request.into_body(), 1 << 20).await else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    match pass.client.send(&pass.uri, &pass.authorization, body, deadline, false).await {
        Ok(answer) => {
            let body = match answer.body {
                AnswerBody::Complete(bytes) => Body::from(bytes),
                AnswerBody::Streaming(incoming) => Body::new(incoming),
            };
            let mut response = Response::new(body);
            *response.status_mut() = answer.status;
            if let Some(ct) = answer.content_type {
                response.headers_mut().insert(http::header::CONTENT_TYPE, ct);
            }
            response
        }
        Err(_) => StatusCode::BAD_GATEWAY.into_response(),
    }
}

/// Serves the pass-through to `upstream` on a free loopback port, with the
/// gateway's own workers.
pub fn serve(upstream: SocketAddr, workers: usize) -> std::io::Result<reference_gateway::Running> {
    let pass = Pass {
        client: UpstreamClient::default(),
        uri: format!("http://{upstream}/v1/chat/completions").parse().expect("a URI"),
        authorization: HeaderValue::from_static("Bearer sk-bench"),
    };
    let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
    reference_gateway::spawn_workers(loopback, workers, move |_| {
        axum::Router::new().fallback(pass_handler).with_state(pass.clone())
    })
}

async fn pass_handler(state: State<Pass>, request: Request) -> Response {
    pass(state, request).await
}
