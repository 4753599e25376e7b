//! The front of a mock provider: a small HTTP server that owns the provider's
//! port and decides each request's fault.
//!
//! Ordinary answers (success, status faults, latency) are rendered by the
//! provider's wiremock server, to which the front forwards the request with the
//! decided fault in an internal header. What wiremock cannot do needs the socket:
//! streaming chunk by chunk, cutting or stalling a stream, resetting a
//! connection before or after the headers, holding a request forever. The front
//! does those itself and journals them in the same journal.
use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt;
use http::{HeaderValue, Request, Response, header};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::task::JoinSet;

use super::fault::{Fault, HANG};
use super::journal::Received;
use super::responder::FAULT_HEADER;
use super::responses;
use super::state::{State, StreamShape, lock};
use super::stream;

type FrontBody = UnsyncBoxBody<Bytes, io::Error>;

/// What the front needs to answer for its provider.
pub struct Front {
    /// Provider id.
    pub id: String,
    /// The key it expects.
    pub api_key: String,
    /// Shared with the wiremock responder.
    pub state: Arc<Mutex<State>>,
    /// The wiremock server rendering ordinary answers.
    pub backend: SocketAddr,
    /// Pooled client to the wiremock server.
    pub client: Client<HttpConnector, Full<Bytes>>,
}

/// Pause before a reset, so that what was sent before it is flushed and read:
/// a reset discards whatever is still unsent or unread.
const FLUSH: Duration = Duration::from_millis(30);

/// One step of an answer the front plays out on the socket.
enum Step {
    Send(Bytes),
    Sleep(Duration),
    Reset,
}

impl Front {
    /// A front for the provider whose wiremock server listens on `backend`.
    pub fn new(id: &str, api_key: &str, state: Arc<Mutex<State>>, backend: SocketAddr) -> Self {
        let client = Client::builder(TokioExecutor::new()).build(HttpConnector::new());
        Self { id: id.to_owned(), api_key: api_key.to_owned(), state, backend, client }
    }

    /// Serves connections from `listener` until the task is aborted; aborting it
    /// closes the listener and every connection.
    pub async fn serve(self: Arc<Self>, listener: std::net::TcpListener) -> io::Result<()> {
        listener.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let mut connections = JoinSet::new();
        loop {
            let (socket, _) = listener.accept().await?;
            lock(&self.state).accepted.push(std::time::Instant::now());
            // Closing a connection resets it, as a crashed provider would.
            socket2::SockRef::from(&socket).set_linger(Some(Duration::ZERO))?;
            socket.set_nodelay(true)?;
            let front = self.clone();
            connections.spawn(async move {
                let service = service_fn(move |request| front.clone().handle(request));
                let _ =
                    hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(socket), service).await;
            });
            while connections.try_join_next().is_some() {}
        }
    }

    async fn handle(self: Arc<Self>, request: Request<Incoming>) -> Result<Response<FrontBody>, io::Error> {
        if request.uri().path() == "/healthz" {
            // A provider never answers a gateway's health path, nor journals it:
            // a harness that polled the wrong port must not take a mock for its gateway.
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "a mock provider has no /healthz"));
        }
        if request.method() == http::Method::GET && request.uri().path() == "/v1/models" {
            lock(&self.state).models_listed += 1;
            let list = Bytes::from_static(br#"{"object": "list", "data": []}"#);
            let mut response = Response::new(play(vec![Step::Send(list)]));
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            return Ok(response);
        }
        let (parts, body) = request.into_parts();
        let body = body.collect().await.map_err(io::Error::other)?.to_bytes();
        let authorization = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
        if super::live_keys::is_left_over(authorization.as_deref()) {
            let refusal = Bytes::from(responses::wrong_key(&self.id, authorization.as_deref()).to_string());
            let mut response = Response::new(play(vec![Step::Send(refusal)]));
            *response.status_mut() = http::StatusCode::UNAUTHORIZED;
            return Ok(response);
        }
        let mut accepted =
            responses::accept(&self.id, &self.api_key, authorization.as_deref(), parts.uri.path(), &body);
        let (fault, shape, latency) = {
            let mut state = lock(&self.state);
            if let (Ok(a), Some(model)) = (&mut accepted, &state.answers_as) {
                a.model.clone_from(model);
            }
            (state.next_fault(), state.stream, state.latency_now())
        };
        let streaming = matches!(&accepted, Ok(a) if a.stream);
        let script = match (&fault, &accepted) {
            (Some(f), _) if f.is_http_answer() => return self.forward(parts, body, fault).await,
            (Some(Fault::Wrong(_)), Ok(a)) if !a.stream => return self.forward(parts, body, fault).await,
            (None, Ok(a)) if a.stream => self.stream_script(a, shape, latency, None),
            (None, _) => return self.forward(parts, body, None).await,
            (Some(f), Ok(a)) if a.stream => self.stream_script(a, shape, latency, Some(&f.on_a_stream())),
            (Some(f), Ok(a)) => self.whole_script(a, latency, f),
            (Some(f), Err(_)) => self.whole_script(
                &responses::Accepted {
                    path: parts.uri.path().to_owned(),
                    model: String::new(),
                    stream: false,
                    include_usage: false,
                    json: false,
                },
                latency,
                f,
            ),
        };
        let sent: Vec<u8> =
            script.iter().flat_map(|s| if let Step::Send(b) = s { b.to_vec() } else { Vec::new() }).collect();
        self.journal(&parts, body, fault.is_some(), Bytes::from(sent));
        if matches!(fault, Some(Fault::ResetBeforeAnswer)) {
            return Err(io::Error::new(io::ErrorKind::ConnectionReset, "mock provider resets the connection"));
        }
        let content_type = if streaming { "text/event-stream" } else { "application/json" };
        let mut response = Response::new(play(script));
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        response.headers_mut().insert("x-mock-provider", HeaderValue::from_str(&self.id).map_err(io::Error::other)?);
        Ok(response)
    }

    fn journal(&self, parts: &http::request::Parts, body: Bytes, faulted: bool, answer: Bytes) {
        let headers = parts
            .headers
            .iter()
            .map(|(name, value)| (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
            .collect();
        let mut state = lock(&self.state);
        let seq = state.journal.len() + 1;
        state.journal.push(Received {
            seq,
            at: Instant::now(),
            path: parts.uri.path().to_owned(),
            headers,
            body,
            status: 200,
            faulted,
            answer,
        });
    }

    /// A successful stream, or one with a stream fault, as steps on the socket.
    fn stream_script(
        &self,
        accepted: &responses::Accepted,
        shape: StreamShape,
        latency: Duration,
        fault: Option<&Fault>,
    ) -> Vec<Step> {
        let seq = lock(&self.state).journal.len() + 1;
        let events: Vec<Bytes> =
            stream::events(&self.id, &accepted.model, seq, shape.chunks, accepted.include_usage, accepted.json)
                .into_iter()
                .map(Bytes::from)
                .collect();
        let events = match fault {
            Some(Fault::Wrong(wrong)) => {
                stream::wrong_events(&self.id, &accepted.model, seq, *wrong, accepted.include_usage)
                    .into_iter()
                    .map(Bytes::from)
                    .collect()
            }
            _ => events,
        };
        let done = events.last().expect("a stream has its [DONE]").clone();
        // Cut points count content chunks: a cut stream never carries finish_reason.
        let cut = |n: usize| n.min(shape.chunks);
        let mut first_delay = latency;
        let mut plan: Vec<Bytes> = events.clone();
        let mut tail = Vec::new();
        match fault {
            None => {}
            Some(Fault::StreamCut(n)) => plan.truncate(cut(*n)),
            Some(Fault::StreamReset(n)) => {
                plan.truncate(cut(*n));
                tail.extend([Step::Sleep(FLUSH), Step::Reset]);
            }
            Some(Fault::ResetAfterHeaders) => {
                plan = vec![Bytes::from_static(b": mock provider is about to reset\n\n")];
                tail.extend([Step::Sleep(FLUSH), Step::Reset]);
            }
            Some(Fault::StreamStall(n)) => {
                plan.truncate(cut(*n));
                tail.push(Step::Sleep(HANG));
            }
            Some(Fault::MalformedChunk(n)) => plan.insert(cut(*n), Bytes::from_static(stream::MALFORMED.as_bytes())),
            Some(Fault::FirstChunkDelay(d)) => first_delay += *d,
            Some(Fault::MissingDone) => plan.retain(|e| *e != done),
            Some(Fault::Hang | Fault::HangAfterHeaders) => {
                plan.clear();
                first_delay = HANG;
            }
            Some(_) => {}
        }
        let mut script = vec![Step::Sleep(first_delay)];
        for (i, event) in plan.into_iter().enumerate() {
            if i > 0 && !shape.delay.is_zero() {
                script.push(Step::Sleep(shape.delay));
            }
            script.push(Step::Send(event));
        }
        script.extend(tail);
        script
    }

    /// A non-streaming answer with a socket fault.
    fn whole_script(&self, accepted: &responses::Accepted, latency: Duration, fault: &Fault) -> Vec<Step> {
        let seq = lock(&self.state).journal.len() + 1;
        let whole = match accepted.path.as_str() {
            "/v1/embeddings" => responses::embeddings(&self.id, &accepted.model, seq),
            _ => responses::chat_completion(&self.id, &accepted.model, seq, accepted.json),
        };
        let whole = Bytes::from(whole.to_string());
        let half = whole.slice(..whole.len() / 2);
        match fault {
            Fault::Hang | Fault::HangAfterHeaders => vec![Step::Sleep(HANG)],
            Fault::ResetBeforeAnswer => vec![],
            Fault::ResetAfterHeaders | Fault::StreamReset(_) => {
                vec![Step::Sleep(latency), Step::Send(half), Step::Sleep(FLUSH), Step::Reset]
            }
            Fault::StreamCut(_) | Fault::CutShort => vec![Step::Sleep(latency), Step::Send(half)],
            Fault::StreamStall(_) | Fault::StallHalfway => {
                vec![Step::Sleep(latency), Step::Send(half), Step::Sleep(HANG)]
            }
            Fault::MalformedChunk(_) | Fault::NotJson => {
                vec![Step::Sleep(latency), Step::Send(Bytes::from_static(b"this is not json"))]
            }
            Fault::FirstChunkDelay(d) => vec![Step::Sleep(latency + *d), Step::Send(whole)],
            _ => vec![Step::Sleep(latency), Step::Send(whole)],
        }
    }

    /// Hands the request to wiremock, with the decided HTTP fault, and relays its answer.
    async fn forward(
        &self,
        parts: http::request::Parts,
        body: Bytes,
        fault: Option<Fault>,
    ) -> Result<Response<FrontBody>, io::Error> {
        let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        let mut request = Request::builder().method(parts.method).uri(format!("http://{}{path}", self.backend));
        for (name, value) in &parts.headers {
            if name != header::HOST {
                request = request.header(name, value);
            }
        }
        if let Some(fault) = fault {
            request = request.header(FAULT_HEADER, fault.to_string());
        }
        let request = request.body(Full::new(body)).map_err(io::Error::other)?;
        let response = self.client.request(request).await.map_err(io::Error::other)?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await.map_err(io::Error::other)?.to_bytes();
        Ok(Response::from_parts(parts, Full::new(body).map_err(|never: Infallible| match never {}).boxed_unsync()))
    }
}

/// Plays a script out as a response body.
fn play(script: Vec<Step>) -> FrontBody {
    let frames = futures::stream::unfold(script.into_iter(), |mut steps| async move {
        loop {
            match steps.next()? {
                Step::Sleep(d) => tokio::time::sleep(d).await,
                Step::Send(bytes) => return Some((Ok(Frame::data(bytes)), steps)),
                Step::Reset => {
                    let reset = io::Error::new(io::ErrorKind::ConnectionReset, "mock provider resets the connection");
                    return Some((Err(reset), steps));
                }
            }
        }
    });
    BodyExt::boxed_unsync(StreamBody::new(frames.boxed()))
}
