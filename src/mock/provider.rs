//! One mock provider: a front that owns its port, a wiremock server behind it,
//! a fault plan and a journal.
//!
//! Each provider owns its port for the whole scenario. While it "refuses
//! connections" the port is held by a socket that is bound but not listening, so
//! the kernel refuses connections and no other socket can take the port; when it
//! recovers, that very socket starts listening again. Wiremock servers are never
//! taken from wiremock's pool: a pooled server's port could carry a gateway's
//! breaker state over from an earlier scenario.
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use socket2::{Domain, Socket, Type};
use tokio::task::JoinHandle;
use wiremock::{Mock, MockServer, matchers::any};

use super::fault::{Fault, Schedule};
use super::front::Front;
use super::journal::Received;
use super::responder::Responder;

use super::state::{State, StreamShape, lock};

/// Connections a mock provider holds before accepting them.
const BACKLOG: i32 = 4096;

enum Endpoint {
    Listening(JoinHandle<std::io::Result<()>>),
    Refusing(Socket),
}

/// A mock provider in a scenario.
pub struct MockProvider {
    id: String,
    api_key: String,
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    front: Arc<Front>,
    wiremock: Option<MockServer>,
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
        super::live_keys::release(&self.api_key);
        if let Some(Endpoint::Listening(front)) = self.endpoint.get_mut().take() {
            front.abort();
        }
        if let Some(server) = self.wiremock.take() {
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
        let key = format!("{}{id}-{:08x}", super::KEY_PREFIX, fastrand::u32(..));
        Self::start_on(id, SocketAddr::from(([127, 0, 0, 1], 0)), &key).await
    }

    /// Starts a healthy provider on `addr` that expects `api_key`.
    pub async fn start_on(id: &str, addr: SocketAddr, api_key: &str) -> std::io::Result<Self> {
        let socket = unbound_socket()?;
        socket.bind(&addr.into())?;
        let addr = socket.local_addr()?.as_socket().expect("an IPv4 address");
        let state: Arc<Mutex<State>> = Arc::default();
        let wiremock = MockServer::builder().start().await;
        let responder = Responder { id: id.to_owned(), api_key: api_key.to_owned(), state: state.clone() };
        Mock::given(any()).respond_with(responder).mount(&wiremock).await;
        let front = Arc::new(Front::new(id, api_key, state.clone(), *wiremock.address()));
        super::live_keys::hold(api_key);
        let provider = Self {
            id: id.to_owned(),
            api_key: api_key.to_owned(),
            addr,
            state,
            front,
            wiremock: Some(wiremock),
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
        lock(&self.state).plan = vec![(fault, schedule)];
        if refuse { self.refuse().await } else { self.listen().await }
    }

    /// Answers every request with a chat completion whose text is `text`,
    /// as a judge provider gives its score.
    pub async fn say(&self, text: &str) -> std::io::Result<()> {
        let body = super::responses::saying(&self.id, "any", 0, text).to_string();
        self.fail(Fault::Status { code: 200, headers: Vec::new(), body: Some(body) }, Schedule::Always).await
    }

    /// Fails the next `n` requests with `first`, then every request with `then`
    /// (neither may be a refused connection, which is the listener's business).
    pub fn fail_then(&self, n: u32, first: Fault, then: Fault) -> Result<(), String> {
        if first == Fault::Refuse || then == Fault::Refuse {
            return Err("a refused connection concerns every connection; it cannot follow another fault".into());
        }
        lock(&self.state).plan = vec![(first, Schedule::Next(n)), (then, Schedule::Always)];
        Ok(())
    }

    /// Clears every fault: the provider answers normally again, as the
    /// model asked for.
    pub async fn recover(&self) -> std::io::Result<()> {
        {
            let mut state = lock(&self.state);
            state.plan.clear();
            state.answers_as = None;
        }
        self.listen().await
    }

    /// Delays every successful answer by `latency`.
    pub fn set_latency(&self, latency: Duration) {
        lock(&self.state).latency = latency;
    }

    /// Delays answers by `latency` at the first request, then `ms_per_sec` ms
    /// more for every second since.
    pub fn set_slowing(&self, latency: Duration, ms_per_sec: f64) {
        let mut state = lock(&self.state);
        state.latency = latency;
        state.slowing = Some(super::state::Slowing { ms_per_sec, since: None });
    }

    /// When its climbing latency reaches `limit` (`None` if it does not climb
    /// or has not started).
    pub fn latency_reaches(&self, limit: Duration) -> Option<std::time::Instant> {
        lock(&self.state).reaches(limit)
    }

    /// Sends OpenAI's rate-limit headers on successful answers: `remaining`
    /// of `limit` requests left.
    pub fn set_rate_limit(&self, remaining: u64, limit: u64) {
        lock(&self.state).rate_limit = Some((remaining, limit));
    }

    /// From its next answer on, names `model` in every successful answer
    /// (a stream's every chunk), whatever the request asked for: the model
    /// behind a name changed silently.
    pub fn answer_as(&self, model: &str) {
        lock(&self.state).answers_as = Some(model.to_owned());
    }

    /// From its next answer on, answers a chat completion whose last user
    /// message contains `prompt` with exactly `answer` (a question it was
    /// asked before keeps its new answer: a model changed silently).
    pub fn knows(&self, prompt: &str, answer: &str) {
        let mut state = lock(&self.state);
        state.knows.retain(|(p, _)| p != prompt);
        state.knows.push((prompt.to_owned(), answer.to_owned()));
    }

    /// Shapes successful streams: `chunks` content chunks, `delay` apart.
    pub fn set_stream_shape(&self, shape: StreamShape) {
        lock(&self.state).stream = shape;
    }

    /// A copy of the journal: every request but the gateway's own probes
    /// (see [`crate::attribution::is_probe`]).
    pub fn journal(&self) -> Vec<Received> {
        lock(&self.state).journal.iter().filter(|r| !crate::attribution::is_probe(r)).cloned().collect()
    }

    /// Forgets every request and connection so far: a long run (the soak)
    /// keeps its memory flat.
    pub fn forget(&self) {
        let mut state = lock(&self.state);
        state.journal.clear();
        state.accepted.clear();
    }

    /// The gateway's own probes it received.
    pub fn probes(&self) -> Vec<Received> {
        lock(&self.state).journal.iter().filter(|r| crate::attribution::is_probe(r)).cloned().collect()
    }

    /// When it accepted each TCP connection.
    pub fn accepted(&self) -> Vec<std::time::Instant> {
        lock(&self.state).accepted.clone()
    }

    /// How many `GET /v1/models` it answered.
    pub fn models_listed(&self) -> usize {
        lock(&self.state).models_listed
    }

    /// How many requests it has received, the gateway's probes aside.
    pub fn received(&self) -> usize {
        lock(&self.state).journal.iter().filter(|r| !crate::attribution::is_probe(r)).count()
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
        // A gateway failing over 2,000 requests at once opens as many
        // connections to the next provider: a backlog that holds them keeps
        // the mock from adding TCP's 1, 3 and 7 s SYN retransmissions to
        // their latency (the kernel caps it at net.core.somaxconn).
        socket.listen(BACKLOG)?;
        let listener: TcpListener = socket.into();
        *endpoint = Some(Endpoint::Listening(tokio::spawn(self.front.clone().serve(listener))));
        Ok(())
    }

    async fn refuse(&self) -> std::io::Result<()> {
        let mut endpoint = self.endpoint.lock().await;
        let front = match endpoint.take() {
            Some(Endpoint::Listening(front)) => front,
            refusing => {
                *endpoint = refusing;
                return Ok(());
            }
        };
        front.abort();
        // The aborted task closes its listener when the runtime drops it; take the
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
