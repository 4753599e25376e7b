//! How each variant of the reference gateway is put together: the standard
//! gateway's public parts, with the variant's policy, behind the variant's
//! layers, in front of the variant's interposers, started with the variant's
//! config.
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use failover_conformance::context::{Assembly, Started};
use failover_contract::GatewayConfig;
use futures::StreamExt;
use http::StatusCode;
use reference_gateway::{Gateway, Options, proxy, serve_app};
use serde_json::Value;
use tokio::net::TcpListener;

use crate::defects::{Defect, Wrong};
use crate::interposer;

/// A variant of the reference gateway.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// Lacks one behaviour.
    Defective(Defect),
    /// Behaves, but answers every request `delay` late: a gateway on a slow
    /// machine, for the tolerance factor.
    Slowed(Duration),
}

impl Assembly for Variant {
    fn start<'a>(
        &'a self,
        config: &'a GatewayConfig,
        listener: TcpListener,
    ) -> Pin<Box<dyn Future<Output = Result<Started, String>> + Send + 'a>> {
        Box::pin(async move {
            let defect = match *self {
                Variant::Defective(defect) => Some(defect),
                Variant::Slowed(_) => None,
            };
            let mut config = config.clone();
            match defect {
                Some(Defect::StartsWithBadConfig) => drop_unknown_providers(&mut config),
                Some(Defect::NoActiveProbes) => config.probes = None,
                Some(Defect::NoPrewarm) => config.prewarm = None,
                Some(Defect::NoShedding) => config.limits.max_in_flight = None,
                Some(Defect::IgnoresProviderBound) => config.providers.iter_mut().for_each(|p| p.max_in_flight = None),
                Some(Defect::OpenAdmin) => config.admin = Default::default(),
                Some(Defect::AllGuardrailsOn) if config.guardrails != Default::default() => {
                    let block = failover_contract::PiiAction::Block;
                    let all = vec![
                        failover_contract::PiiKind::Email,
                        failover_contract::PiiKind::Phone,
                        failover_contract::PiiKind::Card,
                    ];
                    let guardrails = &mut config.guardrails;
                    guardrails.prompt_injection.get_or_insert_with(Default::default);
                    guardrails.pii.get_or_insert(failover_contract::PiiGuardConfig { action: block, kinds: all });
                }
                Some(Defect::NoSessions) => config.sessions = None,
                Some(Defect::NoFallbackTail) => {
                    config.cache = None;
                    config.models.iter_mut().for_each(|m| m.default_answer = None);
                }
                Some(Defect::WaitsOnBusySession) => {
                    if let Some(sessions) = &mut config.sessions {
                        sessions.concurrent = failover_contract::ConcurrentConfig::Wait;
                    }
                }
                Some(Defect::NoStore) => (config.store, config.policy.learning) = (None, None),
                Some(Defect::FreshStoreEachStart) => {
                    if let Some(store) = &mut config.store {
                        static STARTS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
                        let n = STARTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        (store.path, store.create) = (format!("{}.fresh-{n}", store.path), true);
                    }
                }
                Some(Defect::ErrorsAllAlike) => {
                    if let Some(health) = &mut config.policy.health {
                        health.class_weights = failover_contract::HealthClassWeights {
                            rate_limited: 1.0,
                            timeout: 1.0,
                            server_error: 1.0,
                            connection_failed: 1.0,
                            other: 1.0,
                        };
                    }
                }
                _ => {}
            }
            let interposers = match defect {
                Some(defect) => interposer::wrap(defect, &mut config).await?,
                None => interposer::Interposers::default(),
            };
            let policy = Wrong::new(defect);
            // Building the gateway reads its store and loads tokenizers:
            // blocking work, kept off the runtime that drives other scenarios.
            let built = {
                let config = config.clone();
                tokio::task::spawn_blocking(move || Gateway::with_policy(&config, Options::default(), policy))
            };
            let gateway = built
                .await
                .map_err(|e| format!("building the gateway failed: {e}"))?
                .map_err(|e| format!("the gateway refused its config: {e}"))?;
            let app = self.layers(proxy::app(gateway.clone()), &config, &interposers);
            let running = serve_app(gateway, app, listener).map_err(|e| format!("cannot serve: {e}"))?;
            Ok(Box::new((running, interposers)) as Started)
        })
    }
}

impl Variant {
    /// The layers between the client and the gateway.
    fn layers(self, app: Router, config: &GatewayConfig, interposers: &interposer::Interposers) -> Router {
        match self {
            Variant::Slowed(delay) => app.layer(middleware::from_fn(move |request: Request, next: Next| async move {
                tokio::time::sleep(delay).await;
                next.run(request).await
            })),
            Variant::Defective(Defect::ExhaustedAs500) => {
                app.layer(middleware::map_response(|mut response: Response| async {
                    if response.status() == StatusCode::SERVICE_UNAVAILABLE {
                        *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                    }
                    response
                }))
            }
            Variant::Defective(Defect::BuffersStreams) => app.layer(middleware::map_response(buffered)),
            // Each keeps what it takes for as long as its gateway runs (the
            // router owns it), up to 4,096 of them (256 MiB), far above
            // what a check allows and above what a failover storm sends: a
            // leak for the scenario, not one that starves the self-test's
            // other runs in this process.
            Variant::Defective(Defect::LeaksDescriptors) => {
                let kept = Arc::new(std::sync::Mutex::new(Vec::new()));
                app.layer(middleware::map_request(move |request: Request| {
                    let mut kept = kept.lock().unwrap_or_else(|e| e.into_inner());
                    if kept.len() < 4_096
                        && let Ok(file) = std::fs::File::open("/dev/null")
                    {
                        kept.push(file);
                    }
                    async { request }
                }))
            }
            Variant::Defective(Defect::LeaksMemory) => {
                let kept = Arc::new(std::sync::Mutex::new(Vec::new()));
                app.layer(middleware::map_request(move |request: Request| {
                    // Filled, so that its pages are really taken.
                    let mut kept = kept.lock().unwrap_or_else(|e| e.into_inner());
                    if kept.len() < 4_096 {
                        kept.push(vec![1u8; 64 * 1024]);
                    }
                    async { request }
                }))
            }
            Variant::Defective(Defect::ForgetsTransitions) => app.layer(middleware::from_fn(without_transitions)),
            Variant::Defective(Defect::IgnoresIdempotencyKey) => {
                app.layer(middleware::map_request(|mut request: Request| async {
                    request.headers_mut().remove("idempotency-key");
                    request
                }))
            }
            Variant::Defective(Defect::IgnoresBypass) => {
                app.layer(middleware::map_request(|mut request: Request| async {
                    request.headers_mut().remove(proxy::guard::BYPASS);
                    request
                }))
            }
            Variant::Defective(Defect::BypassForAnyone) => {
                let token = config.admin.token.clone().and_then(|t| http::HeaderValue::from_str(&t).ok());
                app.layer(middleware::map_request(move |mut request: Request| {
                    let token = token.clone();
                    async move {
                        if let (Some(token), true) = (token, request.headers().contains_key(proxy::guard::BYPASS)) {
                            request.headers_mut().insert(proxy::guard::BYPASS, token);
                        }
                        request
                    }
                }))
            }
            Variant::Defective(Defect::MetricsStandStill) => app.layer(middleware::from_fn(standing_still)),
            Variant::Defective(Defect::HealthApiLies) => app.layer(middleware::from_fn(all_is_well)),
            Variant::Defective(Defect::FrozenDashboard) => app.layer(middleware::from_fn(frozen_dashboard)),
            Variant::Defective(Defect::BareErrors) => app.layer(middleware::map_response(bare_errors)),
            Variant::Defective(Defect::RelaysProviderErrors) => {
                let last = interposers.last_error.clone();
                app.layer(middleware::map_response(move |response: Response| {
                    let last = last.lock().unwrap_or_else(|e| e.into_inner()).clone();
                    relay_provider_error(response, last)
                }))
            }
            Variant::Defective(Defect::AcceptsAnyBody) => {
                let config = Arc::new(config.clone());
                app.layer(middleware::from_fn(move |request: Request, next: Next| {
                    let config = config.clone();
                    async move { forward_anything(&config, request, next).await }
                }))
            }
            Variant::Defective(_) => app,
        }
    }
}

/// Drops every chain entry that names a provider the config does not have.
fn drop_unknown_providers(config: &mut GatewayConfig) {
    let known: Vec<String> = config.providers.iter().map(|p| p.id.clone()).collect();
    for model in &mut config.models {
        model.backend_map.retain(|entry| known.contains(&entry.provider));
    }
}

/// The whole body at once, once it has ended.
async fn buffered(response: Response) -> Response {
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    Response::from_parts(parts, Body::from(bytes))
}

/// `/admin/events` without breaker transitions and failbacks.
async fn without_transitions(request: Request, next: Next) -> Response {
    let events = request.uri().path() == "/admin/events";
    let response = next.run(request).await;
    if !events {
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let mut log: Value = serde_json::from_slice(&bytes).unwrap_or_default();
    if let Some(list) = log.get_mut("events").and_then(Value::as_array_mut) {
        list.retain(|e| !matches!(e["type"].as_str(), Some("breaker_transition" | "failback")));
    }
    Response::from_parts(parts, Body::from(log.to_string()))
}

/// `/metrics` with every sample at zero.
async fn standing_still(request: Request, next: Next) -> Response {
    let metrics = request.uri().path() == "/metrics";
    let response = next.run(request).await;
    if !metrics {
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes);
    let still: Vec<String> = text
        .lines()
        .map(|line| match line.rsplit_once(' ') {
            Some((sample, _)) if !line.starts_with('#') => format!("{sample} 0"),
            _ => line.to_owned(),
        })
        .collect();
    Response::from_parts(parts, Body::from(still.join("\n") + "\n"))
}

/// `/admin/providers` with every provider closed, scoring 0, never failing.
async fn all_is_well(request: Request, next: Next) -> Response {
    let listing = request.uri().path() == "/admin/providers";
    let response = next.run(request).await;
    if !listing || !response.status().is_success() {
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let mut listing: Value = serde_json::from_slice(&bytes).unwrap_or_default();
    for entry in listing.get_mut("providers").and_then(Value::as_array_mut).into_iter().flatten() {
        entry["state"] = "closed".into();
        entry["score"] = 0.0.into();
        entry["last_failure"] = Value::Null;
    }
    Response::from_parts(parts, Body::from(listing.to_string()))
}

/// `/admin/dashboard/stream` with its first event and then silence.
async fn frozen_dashboard(request: Request, next: Next) -> Response {
    let stream = request.uri().path() == "/admin/dashboard/stream";
    let response = next.run(request).await;
    if !stream {
        return response;
    }
    let (parts, body) = response.into_parts();
    let first = body.into_data_stream().take(1).chain(futures::stream::pending());
    Response::from_parts(parts, Body::from_stream(first))
}

/// The gateway's own errors (no provider served them) as a bare status line.
async fn bare_errors(response: Response) -> Response {
    let own = !response.headers().contains_key(proxy::forward::SERVED_BY);
    if own && response.status().is_client_error() {
        let status = response.status();
        let mut bare = Response::new(Body::from(status.canonical_reason().unwrap_or("error")));
        *bare.status_mut() = status;
        return bare;
    }
    response
}

/// The last provider error, shown: in the message of the gateway's own 5xx,
/// and in a header of every answer.
async fn relay_provider_error(response: Response, last: Option<bytes::Bytes>) -> Response {
    let Some(last) = last else { return response };
    let said = String::from_utf8_lossy(&last).replace(|c: char| !(' '..='~').contains(&c), " ");
    let (mut parts, body) = response.into_parts();
    if let Ok(value) = http::HeaderValue::from_str(&said) {
        parts.headers.insert("x-upstream-error", value);
    }
    let own = !parts.headers.contains_key(proxy::forward::SERVED_BY);
    if !(own && parts.status.is_server_error()) {
        return Response::from_parts(parts, body);
    }
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let mut error: Value = serde_json::from_slice(&bytes).unwrap_or_default();
    let Some(message) = error.pointer_mut("/error/message") else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    *message = format!("{} (the provider said: {said})", message.as_str().unwrap_or_default()).into();
    parts.headers.remove(http::header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(error.to_string()))
}

/// Sends a body the gateway would reject (not a JSON object naming a known
/// model, or too large) to the first provider of the first model as it is.
async fn forward_anything(config: &GatewayConfig, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::new(Body::empty());
    };
    let readable = serde_json::from_slice::<Value>(&bytes)
        .ok()
        .and_then(|v| v.get("model").and_then(Value::as_str).map(str::to_owned))
        .is_some_and(|model| config.models.iter().any(|m| m.name == model));
    let small = bytes.len() as u64 <= config.limits.max_body_bytes;
    if (readable && small) || parts.method != http::Method::POST || !parts.uri.path().starts_with("/api/v1/") {
        return next.run(Request::from_parts(parts, Body::from(bytes))).await;
    }
    let (Some(model), Some(first)) = (config.models.first(), config.providers.first()) else {
        return Response::new(Body::empty());
    };
    let provider = config.providers.iter().find(|p| p.id == model.backend_map[0].provider).unwrap_or(first);
    let url = format!("{}/v1/{}", provider.base_url, parts.uri.path().trim_start_matches("/api/v1/"));
    let client = reqwest::Client::new();
    let sent = client.post(url).bearer_auth(&provider.api_key).header("content-type", "application/json").body(bytes);
    match sent.send().await {
        Ok(answer) => {
            let status = answer.status();
            let body = answer.bytes().await.unwrap_or_default();
            let mut response = Response::new(Body::from(body));
            *response.status_mut() = status;
            response
        }
        Err(_) => {
            let mut response = Response::new(Body::empty());
            *response.status_mut() = StatusCode::BAD_GATEWAY;
            response
        }
    }
}
