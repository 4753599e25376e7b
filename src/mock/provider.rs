//! One mock provider: an OpenAI-compatible wiremock server on its own port, a
//! fault plan, and a journal.
//!
//! Each provider owns its port for the whole scenario. While it "refuses
//! connections" the port is held by a socket that is bound but not listening, so
//! the kernel refuses connections and no other socket can take the port; when it
//! recovers, that very socket starts listening and wiremock serves on it.
//! Servers are never taken from wiremock's pool: a pooled server's port could
//! carry a gateway's breaker state over from an earlier scenario.
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::Value;
use socket2::{Domain, Socket, Type};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers::any};

use super::fault::{Fault, HANG, Schedule};
use super::journal::Received;
use super::responses;

/// The mutable part of a provider, shared with the server's responder.
#[derive(Debug, Default)]
struct State {
    plan: Option<(Fault, Schedule)>,
    latency: Duration,
    journal: Vec<Received>,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

/// Answers every request the way the provider's plan says, and journals it.
struct Responder {
    id: String,
    api_key: String,
    state: Arc<Mutex<State>>,
}

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut state = lock(&self.state);
        let seq = state.journal.len() + 1;
        let headers: Vec<(String, String)> = request
            .headers
            .iter()
            .map(|(name, value)| (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
            .collect();
        let authorization = request.headers.get("authorization").and_then(|v| v.to_str().ok());
        let fault = match &mut state.plan {
            Some((fault, schedule)) if *fault != Fault::Refuse => schedule.hits_next().then(|| fault.clone()),
            _ => None,
        };
        let (status, answer, delay) = self.answer(request, authorization, fault.as_ref(), seq, state.latency);
        state.journal.push(Received {
            seq,
            at: Instant::now(),
            path: request.url.path().to_owned(),
            headers,
            body: Bytes::from(request.body.clone()),
            status,
            faulted: fault.is_some(),
            answer: answer.clone(),
        });
        let mut template = ResponseTemplate::new(status)
            .set_body_raw(answer, "application/json")
            .insert_header("x-mock-provider", self.id.as_str())
            .set_delay(delay);
        if let Some(Fault::Status { headers, .. }) = &fault {
            for (name, value) in headers {
                template = template.insert_header(name.as_str(), value.as_str());
            }
        }
        template
    }
}

fn json(value: &Value) -> Bytes {
    Bytes::from(serde_json::to_vec(value).expect("mock bodies serialise"))
}

impl Responder {
    fn answer(
        &self,
        request: &Request,
        authorization: Option<&str>,
        fault: Option<&Fault>,
        seq: usize,
        latency: Duration,
    ) -> (u16, Bytes, Duration) {
        let error = |fault: &Fault| json(&responses::error_body(&self.id, fault));
        match fault {
            Some(Fault::Hang) => return (200, error(&Fault::Hang), HANG),
            Some(Fault::Status { code, body: Some(body), .. }) => return (*code, Bytes::from(body.clone()), latency),
            Some(fault @ Fault::Status { code, .. }) => return (*code, error(fault), latency),
            Some(fault @ Fault::ContextOverflow) => return (400, error(fault), latency),
            Some(Fault::Refuse) | None => {}
        }
        if authorization != Some(format!("Bearer {}", self.api_key).as_str()) {
            return (401, json(&responses::wrong_key(&self.id, authorization)), latency);
        }
        let model = serde_json::from_slice::<Value>(&request.body)
            .ok()
            .and_then(|b| b.get("model").and_then(Value::as_str).map(str::to_owned));
        let Some(model) = model else {
            return (400, error(&Fault::status(400)), latency);
        };
        match request.url.path() {
            "/v1/chat/completions" => (200, json(&responses::chat_completion(&self.id, &model, seq)), latency),
            "/v1/embeddings" => (200, json(&responses::embeddings(&self.id, &model, seq)), latency),
            _ => (404, error(&Fault::status(404)), latency),
        }
    }
}

enum Endpoint {
    Listening(MockServer),
    Refusing(Socket),
}

/// A mock provider in a scenario.
pub struct MockProvider {
    id: String,
    api_key: String,
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    endpoint: tokio::sync::Mutex<Option<Endpoint>>,
}

impl std::fmt::Debug for MockProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockProvider").field("id", &self.id).field("addr", &self.addr).finish()
    }
}

/// Drops a wiremock server on a thread of its own. Its `Drop` blocks on a tokio
/// lock through a foreign executor; inside a tokio task whose cooperative budget
/// is spent, that lock never becomes ready and the drop spins forever.
fn retire(server: MockServer) {
    std::thread::spawn(move || drop(server));
}

impl Drop for MockProvider {
    fn drop(&mut self) {
        if let Some(Endpoint::Listening(server)) = self.endpoint.get_mut().take() {
            retire(server);
        }
    }
}

fn unbound_socket() -> std::io::Result<Socket> {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    Ok(socket)
}

impl MockProvider {
    /// Starts a healthy provider on a fresh loopback port, with a random key.
    pub async fn start(id: &str) -> std::io::Result<Self> {
        let key = format!("sk-mock-{id}-{:08x}", fastrand::u32(..));
        Self::start_on(id, SocketAddr::from(([127, 0, 0, 1], 0)), &key).await
    }

    /// Starts a healthy provider on `addr` that expects `api_key`.
    pub async fn start_on(id: &str, addr: SocketAddr, api_key: &str) -> std::io::Result<Self> {
        let socket = unbound_socket()?;
        socket.bind(&addr.into())?;
        let addr = socket.local_addr()?.as_socket().expect("an IPv4 address");
        let provider = Self {
            id: id.to_owned(),
            api_key: api_key.to_owned(),
            addr,
            state: Arc::default(),
            endpoint: tokio::sync::Mutex::new(Some(Endpoint::Refusing(socket))),
        };
        provider.listen().await?;
        Ok(provider)
    }

    /// The provider id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The API key it expects.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// Its base URL, without `/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Makes the provider fail the requests `schedule` picks with `fault`
    /// (a refused connection always applies to every connection).
    pub async fn fail(&self, fault: Fault, schedule: Schedule) -> std::io::Result<()> {
        let refuse = fault == Fault::Refuse;
        lock(&self.state).plan = Some((fault, schedule));
        if refuse { self.refuse().await } else { self.listen().await }
    }

    /// Clears every fault: the provider answers normally again.
    pub async fn recover(&self) -> std::io::Result<()> {
        lock(&self.state).plan = None;
        self.listen().await
    }

    /// Delays every successful answer by `latency`.
    pub fn set_latency(&self, latency: Duration) {
        lock(&self.state).latency = latency;
    }

    /// A copy of the journal.
    pub fn journal(&self) -> Vec<Received> {
        lock(&self.state).journal.clone()
    }

    /// How many requests it has received.
    pub fn received(&self) -> usize {
        lock(&self.state).journal.len()
    }

    async fn listen(&self) -> std::io::Result<()> {
        let mut endpoint = self.endpoint.lock().await;
        let socket = match endpoint.take() {
            Some(Endpoint::Refusing(socket)) => socket,
            listening => {
                *endpoint = listening;
                return Ok(());
            }
        };
        socket.listen(1024)?;
        let listener: TcpListener = socket.into();
        let server = MockServer::builder().listener(listener).start().await;
        let responder = Responder { id: self.id.clone(), api_key: self.api_key.clone(), state: self.state.clone() };
        Mock::given(any()).respond_with(responder).mount(&server).await;
        *endpoint = Some(Endpoint::Listening(server));
        Ok(())
    }

    async fn refuse(&self) -> std::io::Result<()> {
        let mut endpoint = self.endpoint.lock().await;
        let server = match endpoint.take() {
            Some(Endpoint::Listening(server)) => server,
            refusing => {
                *endpoint = refusing;
                return Ok(());
            }
        };
        retire(server);
        // The server's thread closes its listener shortly after the drop; take the
        // port back as soon as it is free, within a deadline.
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let socket = unbound_socket()?;
            match socket.bind(&self.addr.into()) {
                Ok(()) => {
                    *endpoint = Some(Endpoint::Refusing(socket));
                    return Ok(());
                }
                Err(e) if Instant::now() >= deadline => return Err(e),
                Err(_) => tokio::time::sleep(Duration::from_millis(2)).await,
            }
        }
    }
}
