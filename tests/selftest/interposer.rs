//! Interposers: small proxies between a variant's gateway and its providers
//! that do on the wire what a careless gateway does, so that the gateway
//! itself stays the standard one.
//!
//! - splicing: when a provider's stream breaks, is cut, stalls or turns to
//!   garbage after its first event, carry on with the next provider's stream;
//! - waiting for a missing `[DONE]`: hold a stream that ended without it open;
//! - dropping the streamed usage chunk;
//! - dropping history on failover: a provider that is not first in a chain
//!   gets only the system prompt and the latest message;
//! - keeping the last error a provider answered, for a gateway that shows it.
use std::convert::Infallible;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use failover_contract::GatewayConfig;
use http::{Request, Response, header};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::defects::Defect;

type ProxyBody = UnsyncBoxBody<Bytes, io::Error>;
type Upstream = Client<HttpConnector, Full<Bytes>>;

/// The last error body any provider answered, as an interposer saw it.
pub type LastError = Arc<std::sync::Mutex<Option<Bytes>>>;

/// The interposers of one gateway; dropping them stops them.
#[derive(Default)]
pub struct Interposers {
    tasks: Vec<JoinHandle<()>>,
    /// For relaying providers' errors: the last one seen.
    pub last_error: LastError,
}

impl Drop for Interposers {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Where an interposer sends what it receives, and where a splice goes.
struct Route {
    defect: Defect,
    base_url: String,
    /// For splicing: the next provider of the chain, and its key.
    next: Option<(String, String)>,
    client: Upstream,
    last_error: LastError,
}

/// Puts an interposer in front of every provider `defect` concerns and points
/// `config` at them.
pub async fn wrap(defect: Defect, config: &mut GatewayConfig) -> Result<Interposers, String> {
    let mut interposers = Interposers::default();
    for i in 0..config.providers.len() {
        let id = config.providers[i].id.clone();
        let positions: Vec<(usize, usize)> = config
            .models
            .iter()
            .enumerate()
            .filter_map(|(m, model)| model.backend_map.iter().position(|e| e.provider == id).map(|p| (m, p)))
            .collect();
        let next = positions.iter().find_map(|&(m, p)| {
            let entry = config.models[m].backend_map.get(p + 1)?;
            let provider = config.providers.iter().find(|q| q.id == entry.provider)?;
            Some((provider.base_url.clone(), provider.api_key.clone()))
        });
        let next = next.filter(|_| defect == Defect::SplicesStreams);
        let concerned = match defect {
            Defect::DropsHistoryOnFailover => positions.iter().any(|&(_, p)| p > 0),
            Defect::SplicesStreams => next.is_some(),
            Defect::WaitsForMissingDone | Defect::DropsStreamedUsage | Defect::RelaysProviderErrors => true,
            _ => false,
        };
        // An interposer cannot refuse a connection it has accepted: a provider
        // refusing connections when the gateway starts is left as it is.
        if !concerned || refuses(&config.providers[i].base_url).await {
            continue;
        }
        let client = Client::builder(TokioExecutor::new()).build(HttpConnector::new());
        let last_error = interposers.last_error.clone();
        let route =
            Arc::new(Route { defect, base_url: config.providers[i].base_url.clone(), next, client, last_error });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| format!("interposer: {e}"))?;
        let addr = listener.local_addr().map_err(|e| format!("interposer: {e}"))?;
        interposers.tasks.push(tokio::spawn(serve(listener, route)));
        config.providers[i].base_url = format!("http://{addr}");
    }
    Ok(interposers)
}

/// Whether nothing accepts connections at `base_url` (`http://host:port`).
async fn refuses(base_url: &str) -> bool {
    let address = base_url.trim_start_matches("http://");
    let connect = tokio::net::TcpStream::connect(address);
    !matches!(tokio::time::timeout(Duration::from_millis(500), connect).await, Ok(Ok(_)))
}

async fn serve(listener: tokio::net::TcpListener, route: Arc<Route>) {
    while let Ok((socket, _)) = listener.accept().await {
        let route = route.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| handle(route.clone(), request));
            let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(socket), service).await;
        });
    }
}

async fn send(client: &Upstream, url: String, authorization: &str, body: Bytes) -> io::Result<Response<Incoming>> {
    let request = Request::post(url)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, authorization)
        .body(Full::new(body))
        .map_err(io::Error::other)?;
    client.request(request).await.map_err(io::Error::other)
}

async fn handle(route: Arc<Route>, request: Request<Incoming>) -> Result<Response<ProxyBody>, io::Error> {
    let (parts, body) = request.into_parts();
    let mut body = body.collect().await.map_err(io::Error::other)?.to_bytes();
    if route.defect == Defect::DropsHistoryOnFailover {
        body = without_history(body);
    }
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let authorization = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
    // A broken upstream breaks the gateway's connection too.
    let answer = send(&route.client, format!("{}{path}", route.base_url), authorization, body.clone()).await?;
    let streaming = answer
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/event-stream"));
    let (parts, incoming) = answer.into_parts();
    if !streaming {
        let whole = incoming.collect().await.map_err(io::Error::other)?.to_bytes();
        if route.defect == Defect::RelaysProviderErrors && parts.status.as_u16() >= 400 {
            *route.last_error.lock().unwrap_or_else(|e| e.into_inner()) = Some(whole.clone());
        }
        return Ok(Response::from_parts(
            parts,
            Full::new(whole).map_err(|never: Infallible| match never {}).boxed_unsync(),
        ));
    }
    let (tx, rx) = mpsc::channel::<io::Result<Bytes>>(64);
    tokio::spawn(pump(route, incoming, tx, path, body));
    let frames = futures::stream::unfold(rx, |mut rx| async move { Some((rx.recv().await?.map(Frame::data), rx)) });
    Ok(Response::from_parts(parts, BodyExt::boxed_unsync(StreamBody::new(frames))))
}

/// Relays a stream's events as the defect would.
async fn pump(
    route: Arc<Route>,
    mut incoming: Incoming,
    tx: mpsc::Sender<io::Result<Bytes>>,
    path: String,
    body: Bytes,
) {
    let mut events = Events::default();
    let (mut relayed, mut done) = (0usize, false);
    let splicing = route.defect == Defect::SplicesStreams;
    loop {
        // A splicer takes silence after the first event for a stall.
        let silence = if splicing && relayed > 0 { Duration::from_millis(100) } else { Duration::from_secs(3_600) };
        let broke = match tokio::time::timeout(silence, incoming.frame()).await {
            Ok(Some(Ok(frame))) => {
                let mut garbage = false;
                for event in events.push(frame.data_ref().map_or(&[][..], |d| d)) {
                    done |= event.contains("[DONE]");
                    garbage |= data(&event).is_some_and(|d| d != "[DONE]" && serde_json::from_str::<Value>(d).is_err());
                    if route.defect == Defect::DropsStreamedUsage && event.contains("\"choices\":[]") {
                        continue;
                    }
                    if splicing && garbage {
                        break;
                    }
                    relayed += 1;
                    if tx.send(Ok(Bytes::from(event))).await.is_err() {
                        return;
                    }
                }
                splicing && garbage
            }
            Ok(Some(Err(e))) => {
                if !splicing {
                    let _ = tx.send(Err(io::Error::other(e))).await;
                    return;
                }
                true
            }
            Ok(None) if done => return,
            Ok(None) if route.defect == Defect::WaitsForMissingDone => {
                tokio::time::sleep(Duration::from_secs(5)).await;
                return;
            }
            Ok(None) if splicing => true,
            Ok(None) => return,
            Err(_) => true,
        };
        if broke {
            if let Some((base_url, key)) = &route.next {
                splice(&route.client, format!("{base_url}{path}"), key, body, &tx).await;
            }
            return;
        }
    }
}

/// Carries on with the next provider's stream.
async fn splice(client: &Upstream, url: String, key: &str, body: Bytes, tx: &mpsc::Sender<io::Result<Bytes>>) {
    let Ok(answer) = send(client, url, &format!("Bearer {key}"), body).await else { return };
    let mut incoming = answer.into_body();
    while let Some(Ok(frame)) = incoming.frame().await {
        if let Some(bytes) = frame.data_ref() {
            if tx.send(Ok(bytes.clone())).await.is_err() {
                return;
            }
        }
    }
}

/// Splits a body into whole SSE events (each with its blank line).
#[derive(Default)]
struct Events(BytesMut);

impl Events {
    fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        self.0.extend_from_slice(bytes);
        let mut out = Vec::new();
        while let Some(end) = self.0.windows(2).position(|w| w == b"\n\n") {
            let event = self.0.split_to(end + 2);
            out.push(String::from_utf8_lossy(&event).into_owned());
        }
        out
    }
}

/// The `data:` payload of an event, if it has one (comments have none).
fn data(event: &str) -> Option<&str> {
    event.lines().find_map(|l| l.strip_prefix("data:")).map(str::trim)
}

/// Only the system prompt and the latest message.
fn without_history(body: Bytes) -> Bytes {
    let Ok(mut json) = serde_json::from_slice::<Value>(&body) else { return body };
    if let Some(messages) = json.get_mut("messages").and_then(Value::as_array_mut) {
        let last = messages.pop();
        messages.retain(|m| m.get("role").and_then(Value::as_str) == Some("system"));
        messages.extend(last);
    }
    Bytes::from(json.to_string())
}
