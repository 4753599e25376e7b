//! The pooled keep-alive HTTP client that carries one attempt to a provider.
//!
//! Bodies go through untouched: the request body is the client's bytes (or the
//! same bytes with the model name spliced), and a successful streaming answer is
//! handed back as the live body. Only a non-streaming answer is read whole
//! before the client sees anything, so that a body that breaks halfway can still
//! fail over.
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderMap, HeaderValue, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use failover_policy::TransportFailure;

/// Largest error body read for classification and relay.
const MAX_ERROR_BODY: usize = 1 << 20;

/// A provider's answer to one attempt.
pub struct Answer {
    /// HTTP status.
    pub status: StatusCode,
    /// Its `Content-Type`, relayed to the client.
    pub content_type: Option<HeaderValue>,
    /// How long the provider asked us to wait, from `retry-after-ms` or `Retry-After`.
    pub retry_after: Option<Duration>,
    /// Share of its rate limit the provider says is used, from `x-ratelimit-*`.
    pub utilisation: Option<f64>,
    /// The body.
    pub body: AnswerBody,
}

/// The body of an answer.
pub enum AnswerBody {
    /// Read whole.
    Complete(Bytes),
    /// A successful streaming answer, still arriving.
    Streaming(Incoming),
}

type Pooled = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

thread_local! {
    /// One pool per single-threaded worker: a pooled connection is driven by
    /// a task of the worker's runtime, so a worker that keeps its own pool
    /// never wakes another thread to hear from a provider. The threads of a
    /// multi-threaded runtime share one pool instead: a task may move between
    /// them, and a connection warmed on one must serve a request on another.
    static POOL: Pooled = match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::CurrentThread) => pooled(),
        _ => SHARED.get_or_init(pooled).clone(),
    };
}

/// The pool the threads of multi-threaded runtimes share.
static SHARED: std::sync::OnceLock<Pooled> = std::sync::OnceLock::new();

/// The pooled keep-alive client requests go out through: the pool of the
/// thread that sends.
#[derive(Clone, Copy, Debug, Default)]
pub struct UpstreamClient {
    /// Whether answers' rate-limit headers are read (only health scoring
    /// uses them: otherwise the hot path does not look).
    pub rate_limits: bool,
}

fn pooled() -> Pooled {
    let mut http = HttpConnector::new();
    http.set_nodelay(true);
    http.enforce_http(false);
    // Plain HTTP for local providers, TLS (Mozilla's roots, compiled in) for the rest.
    let connector =
        HttpsConnectorBuilder::new().with_webpki_roots().https_or_http().enable_http1().wrap_connector(http);
    Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(256)
        .build(connector)
}

impl UpstreamClient {
    /// Sends one attempt; everything, the body included, must arrive by `deadline`.
    /// With `stream`, a 2xx answer is returned as soon as its headers arrive.
    pub async fn send(
        &self,
        uri: &Uri,
        authorization: &HeaderValue,
        body: Bytes,
        deadline: Instant,
        stream: bool,
    ) -> Result<Answer, TransportFailure> {
        let request = Request::post(uri.clone())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header(AUTHORIZATION, authorization.clone())
            .body(Full::new(body))
            .expect("request parts are valid by construction");
        let exchange = async {
            let response = POOL
                .with(Pooled::clone)
                .request(request)
                .await
                .map_err(|e| if e.is_connect() { TransportFailure::Refused } else { TransportFailure::Reset })?;
            let (parts, incoming) = response.into_parts();
            let retry_after = retry_after(&parts.headers);
            let utilisation = if self.rate_limits { utilisation(&parts.headers) } else { None };
            let content_type = parts.headers.get(CONTENT_TYPE).cloned();
            let body = if stream && parts.status.is_success() {
                AnswerBody::Streaming(incoming)
            } else {
                let limit = if parts.status.is_success() { usize::MAX } else { MAX_ERROR_BODY };
                let collected = Limited::new(incoming, limit).collect().await;
                AnswerBody::Complete(collected.map_err(|_| TransportFailure::Reset)?.to_bytes())
            };
            Ok(Answer { status: parts.status, content_type, retry_after, utilisation, body })
        };
        tokio::time::timeout_at(deadline.into(), exchange).await.unwrap_or(Err(TransportFailure::TimedOut))
    }
}

impl UpstreamClient {
    /// Keeps a connection to a provider warm: `GET uri`, its answer read
    /// whole (so the connection goes back to the pool) and dropped. Whether
    /// it succeeded does not matter: a provider that is down is the
    /// breaker's business, not this.
    pub async fn warm(&self, uri: &Uri, authorization: &HeaderValue, deadline: Instant) {
        let request = Request::get(uri.clone())
            .header(AUTHORIZATION, authorization.clone())
            .body(Full::new(Bytes::new()))
            .expect("request parts are valid by construction");
        let exchange = async {
            let response = POOL.with(Pooled::clone).request(request).await.ok()?;
            Limited::new(response.into_body(), MAX_ERROR_BODY).collect().await.ok()
        };
        let _ = tokio::time::timeout_at(deadline.into(), exchange).await;
    }
}

/// The larger share of a rate limit used, requests or tokens, from OpenAI's
/// `x-ratelimit-limit-*` and `x-ratelimit-remaining-*` headers.
fn utilisation(headers: &HeaderMap) -> Option<f64> {
    let number = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse::<f64>().ok();
    const PAIRS: [(&str, &str); 2] = [
        ("x-ratelimit-limit-requests", "x-ratelimit-remaining-requests"),
        ("x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens"),
    ];
    PAIRS
        .iter()
        .filter_map(|(limit, remaining)| {
            let limit = number(limit).filter(|l| *l > 0.0)?;
            Some((1.0 - number(remaining)? / limit).clamp(0.0, 1.0))
        })
        .reduce(f64::max)
}

/// Reads `retry-after-ms` (milliseconds, as OpenAI and Azure send it) or
/// `Retry-After` in seconds. An HTTP-date `Retry-After` is ignored.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let number = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse::<f64>().ok();
    let ms = number("retry-after-ms").or_else(|| number(RETRY_AFTER.as_str()).map(|s| s * 1e3))?;
    Duration::try_from_secs_f64(ms / 1e3).ok()
}
