//! Gateway-side sessions (capability `sessions`): a client names its session
//! in `x-session-id` and sends only its new turn; the gateway keeps every
//! turn (the client's messages and the answer) in its store and sends the
//! whole context to whichever provider serves, fitted to that provider's
//! context window as the policy says (`failover_policy::session`).
//!
//! A session is used by one request at a time: its lock is held from
//! reading the record until the answer is written back (for a stream, until
//! it has ended), so a turn is never lost to a second request that read the
//! same record. A record the gateway cannot read is an error naming the
//! session, never an empty history.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use failover_contract::{ConcurrentConfig, ContextPolicyConfig, SessionsConfig};
use failover_policy::Decide;
use failover_policy::session::{ContextPolicy, Fit, Overflow, Sizes};
use http::{HeaderMap, HeaderValue};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tiktoken_rs::CoreBPE;
use tokio::sync::OwnedMutexGuard;

use super::error::ApiError;

/// An error the client gets instead of its session, boxed: it is large.
type Refused = Box<ApiError>;
use super::forward::Endpoint;
use super::request::Inbound;
use crate::Gateway;
use crate::events::EventKind;
use crate::store::Store;

/// Request header naming the client's session.
pub const SESSION_ID: &str = "x-session-id";
/// Response header: the earlier turns the session held for this request.
pub const TURNS: &str = "x-failover-session-turns";
/// Response header: the oldest turns left out to fit the serving provider's window.
pub const DROPPED: &str = "x-failover-session-dropped-turns";

/// The longest session id.
const MAX_ID: usize = 128;

/// The gateway's sessions.
pub(crate) struct Sessions {
    idle_ms: u64,
    kept_ms: u64,
    policy: ContextPolicy,
    wait: bool,
    bpe: &'static CoreBPE,
    store: Arc<Store>,
    /// One lock per session in use; an entry goes when its last holder does.
    busy: Mutex<HashMap<Box<str>, Arc<tokio::sync::Mutex<()>>>>,
}

/// A session as stored.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Record {
    /// The leading `system` and `developer` messages of its first turn.
    #[serde(default)]
    system: Vec<Value>,
    #[serde(default)]
    system_tokens: u64,
    #[serde(default)]
    turns: Vec<StoredTurn>,
    /// Milliseconds since the Unix epoch.
    last_used_ms: u64,
    /// When it was found expired: its turns are gone, its id remembered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expired_at_ms: Option<u64>,
}

/// One turn: the client's messages and the answer.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct StoredTurn {
    messages: Vec<Value>,
    tokens: u64,
}

/// One request's use of its session, held until its answer is written back.
pub(crate) struct Turn {
    id: Box<str>,
    record: Record,
    /// The client's new messages (without the system prompt on a first turn).
    new: StoredTurn,
    /// The request body without `messages`, to rebuild fitted bodies.
    rest: Map<String, Value>,
    sizes: Sizes,
    policy: ContextPolicy,
    store: Arc<Store>,
    sessions: Arc<Sessions>,
    /// The session's lock, given back when the turn goes.
    held: Option<OwnedMutexGuard<()>>,
}

impl Sessions {
    /// The sessions `config` keeps in `store`.
    pub fn new(config: &SessionsConfig, store: Arc<Store>) -> Arc<Self> {
        let bpe = super::tokens::encoding(&config.encoding);
        Arc::new(Self {
            idle_ms: config.idle_timeout_ms,
            kept_ms: config.expired_kept_ms,
            policy: match config.context {
                ContextPolicyConfig::DropOldest => ContextPolicy::DropOldest,
                ContextPolicyConfig::Error => ContextPolicy::Error,
            },
            wait: config.concurrent == ConcurrentConfig::Wait,
            bpe,
            store,
            busy: Mutex::new(HashMap::new()),
        })
    }

    /// Expires idle sessions and forgets those expired long enough ago;
    /// how many records changed. Run now and then, off the request path.
    pub fn sweep<D: Decide>(&self, decide: &D) -> Result<usize, String> {
        let now = now_ms();
        self.store.sweep_sessions(|_, bytes| {
            let Ok(mut record) = serde_json::from_slice::<Record>(bytes) else {
                // Kept as it is: reading it answers the error that names it.
                return Some(bytes.to_vec());
            };
            match record.expired_at_ms {
                Some(at) if decide.session_expired(at, now, self.kept_ms) => None,
                Some(_) => Some(bytes.to_vec()),
                None if decide.session_expired(record.last_used_ms, now, self.idle_ms) => {
                    record.expire(now);
                    serde_json::to_vec(&record).ok()
                }
                None => Some(bytes.to_vec()),
            }
        })
    }

    async fn hold(self: &Arc<Self>, id: &str, timeout: Duration) -> Result<OwnedMutexGuard<()>, Refused> {
        let lock = {
            let mut busy = self.busy.lock().unwrap_or_else(|e| e.into_inner());
            busy.entry(id.into()).or_default().clone()
        };
        let held = if self.wait {
            tokio::time::timeout(timeout, lock.lock_owned()).await.ok()
        } else {
            lock.try_lock_owned().ok()
        };
        held.ok_or_else(|| {
            self.release(id);
            Box::new(ApiError::session_busy(id, self.wait.then_some(timeout)))
        })
    }

    /// Forgets session `id`'s lock when nobody holds or waits for it.
    fn release(&self, id: &str) {
        let mut busy = self.busy.lock().unwrap_or_else(|e| e.into_inner());
        if busy.get(id).is_some_and(|lock| Arc::strong_count(lock) == 1) {
            busy.remove(id);
        }
    }

    fn tokens(&self, message: &Value) -> u64 {
        super::tokens::message(self.bpe, message)
    }
}

impl Record {
    fn expire(&mut self, now: u64) {
        *self = Self { last_used_ms: self.last_used_ms, expired_at_ms: Some(now), ..Self::default() };
    }
}

use super::tokens::unix_ms as now_ms;

/// Opens the session the request names in `x-session-id`, if it names one:
/// the request's body becomes the whole context, and its turn holds the
/// session until the answer is written back. The error is the client's answer.
pub(crate) async fn open<D: Decide>(
    gateway: &Arc<Gateway<D>>,
    headers: &HeaderMap,
    route: usize,
    endpoint: Endpoint,
    inbound: &mut Inbound,
) -> Result<(), Response> {
    let Some(id) = headers.get(SESSION_ID) else { return Ok(()) };
    let turn = begin(gateway, id, route, endpoint, inbound).await.map_err(|refused| refused.into_response())?;
    inbound.session = Some(Arc::new(turn));
    Ok(())
}

async fn begin<D: Decide>(
    gateway: &Arc<Gateway<D>>,
    id: &HeaderValue,
    route: usize,
    endpoint: Endpoint,
    inbound: &mut Inbound,
) -> Result<Turn, Refused> {
    let Some(sessions) = gateway.sessions.clone() else { return Err(Box::new(ApiError::sessions_off())) };
    if endpoint != Endpoint::Chat {
        let message = "x-session-id is for chat completions only; drop it from embeddings requests".into();
        return Err(Box::new(ApiError::bad_request(message, Some(SESSION_ID))));
    }
    let id = valid_id(id)?;
    let held = sessions.hold(id, gateway.settings.policy.request_timeout).await?;
    let turn = read(gateway, &sessions, id, held, inbound).await;
    if turn.is_err() {
        sessions.release(id);
    }
    let turn = turn?;
    let windows = &gateway.settings.routes[route].windows;
    let largest = failover_policy::session::largest(windows);
    if let Err(overflow) = gateway.decide.fit_context(&turn.sizes, largest, turn.policy) {
        let model = &gateway.settings.routes[route].model;
        return Err(Box::new(ApiError::session_overflow(&turn.id, model, overflow, turn.policy)));
    }
    let full = turn.body(&turn.record.turns, None);
    let mut whole = Inbound::parse(full).map_err(|_| ApiError::session_store(id, "the context did not serialise"))?;
    (whole.idempotent, whole.unguarded, whole.redacted) = (inbound.idempotent, inbound.unguarded, inbound.redacted);
    *inbound = whole;
    Ok(turn)
}

fn valid_id(id: &HeaderValue) -> Result<&str, Refused> {
    let ok = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b':');
    match id.to_str() {
        Ok(s) if !s.is_empty() && s.len() <= MAX_ID && s.bytes().all(ok) => Ok(s),
        _ => Err(Box::new(ApiError::bad_request(
            format!(
                "x-session-id must be 1 to {MAX_ID} characters of letters, digits, '-', '_', '.' or ':'; pick such an id for the session"
            ),
            Some(SESSION_ID),
        ))),
    }
}

/// Reads session `id` and the client's new turn into a [`Turn`].
async fn read<D: Decide>(
    gateway: &Gateway<D>,
    sessions: &Arc<Sessions>,
    id: &str,
    held: OwnedMutexGuard<()>,
    inbound: &Inbound,
) -> Result<Turn, Refused> {
    let mut rest = match serde_json::from_slice::<Value>(&inbound.body) {
        Ok(Value::Object(map)) => map,
        _ => return Err(Box::new(ApiError::bad_request("the request body is not a JSON object".into(), None))),
    };
    let messages = match rest.remove("messages") {
        Some(Value::Array(messages)) if !messages.is_empty() => messages,
        _ => {
            let message = "a session's request carries its new turn in \"messages\": a non-empty array".into();
            return Err(Box::new(ApiError::bad_request(message, Some("messages"))));
        }
    };
    let store = sessions.store.clone();
    let key = id.to_owned();
    let stored = tokio::task::spawn_blocking(move || store.session(&key))
        .await
        .map_err(|e| ApiError::session_store(id, &e.to_string()))?
        .map_err(|e| ApiError::session_store(id, &e))?;
    let now = now_ms();
    let mut record = match stored {
        None => Record::default(),
        Some(bytes) => serde_json::from_slice::<Record>(&bytes)
            .map_err(|e| ApiError::session_store(id, &format!("its record is unreadable ({e})")))?,
    };
    let expired = match record.expired_at_ms {
        Some(_) => true,
        None => !record.turns.is_empty() && gateway.decide.session_expired(record.last_used_ms, now, sessions.idle_ms),
    };
    if expired {
        if record.expired_at_ms.is_none() {
            record.expire(now);
            put(sessions, id, &record).await.map_err(|e| ApiError::session_store(id, &e))?;
        }
        gateway.events.push(
            EventKind::Session {
                session: id.into(),
                action: "expired",
                detail: format!("idle over {} ms", sessions.idle_ms),
            },
            std::time::Instant::now(),
        );
        return Err(Box::new(ApiError::session_expired(id, sessions.idle_ms)));
    }
    let mut messages = messages;
    if record.turns.is_empty() && record.system.is_empty() {
        let system = messages.iter().take_while(|m| matches!(m["role"].as_str(), Some("system" | "developer"))).count();
        if system < messages.len() {
            record.system = messages.drain(..system).collect();
            record.system_tokens = record.system.iter().map(|m| sessions.tokens(m)).sum();
        }
    }
    let mut tokens = messages.iter().map(|m| sessions.tokens(m)).sum();
    // A tool result answers the turn before it: the two stay one turn, so
    // that leaving out old turns never separates a call from its result.
    if messages.first().is_some_and(|m| m["role"] == "tool")
        && let Some(previous) = record.turns.pop()
    {
        tokens += previous.tokens;
        messages.splice(0..0, previous.messages);
    }
    let new = StoredTurn { messages, tokens };
    let turns = record.turns.iter().chain([&new]).map(|t| t.tokens).collect();
    let sizes = Sizes { system: record.system_tokens, turns };
    Ok(Turn {
        id: id.into(),
        record,
        new,
        rest,
        sizes,
        policy: sessions.policy,
        store: sessions.store.clone(),
        sessions: sessions.clone(),
        held: Some(held),
    })
}

async fn put(sessions: &Sessions, id: &str, record: &Record) -> Result<(), String> {
    let bytes = serde_json::to_vec(record).map_err(|e| e.to_string())?;
    let (store, key) = (sessions.store.clone(), id.to_owned());
    tokio::task::spawn_blocking(move || store.put_session(&key, &bytes)).await.map_err(|e| e.to_string())?
}

impl Turn {
    /// The body for a provider: the system prompt, `turns` and the new turn,
    /// with the model name `model` if given.
    fn body(&self, turns: &[StoredTurn], model: Option<&str>) -> Bytes {
        let mut body = self.rest.clone();
        let messages =
            self.record.system.iter().chain(turns.iter().flat_map(|t| &t.messages)).chain(&self.new.messages);
        body.insert("messages".into(), Value::Array(messages.cloned().collect()));
        if let Some(model) = model {
            body.insert("model".into(), Value::String(model.into()));
        }
        Bytes::from(serde_json::to_vec(&body).expect("a JSON value serialises"))
    }

    /// How much of the context a provider with `window` takes.
    pub fn fit<D: Decide>(&self, decide: &D, window: Option<u64>) -> Result<Fit, Overflow> {
        decide.fit_context(&self.sizes, window, self.policy)
    }

    /// The body for the chain entry mapping the model to `model`, with
    /// the context cut as `fit` says.
    fn body_for(&self, fit: Fit, inbound: &Inbound, model: Option<&str>) -> Bytes {
        match fit.dropped {
            0 => inbound.body_for(model),
            dropped => self.body(&self.record.turns[dropped..], model.or(Some(&inbound.model))),
        }
    }

    /// Marks `response` with the session's turns and, if the provider at
    /// `window` got fewer, how many were left out.
    pub fn mark<D: Decide>(&self, decide: &D, window: Option<u64>, response: &mut Response) {
        let headers = response.headers_mut();
        headers.insert(TURNS, HeaderValue::from(self.record.turns.len()));
        if let Ok(Fit { dropped, .. }) = self.fit(decide, window)
            && dropped > 0
        {
            headers.insert(DROPPED, HeaderValue::from(dropped));
        }
    }

    /// The session's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Writes the turn, with `answer` (the assistant's message), back to the store.
    pub fn record(&self, answer: Value) -> Result<(), String> {
        let mut messages = self.new.messages.clone();
        let answer_tokens = self.sessions.tokens(&answer);
        messages.push(answer);
        let turn = StoredTurn { messages, tokens: self.new.tokens + answer_tokens };
        let mut turns = self.record.turns.clone();
        turns.push(turn);
        let record = Record {
            system: self.record.system.clone(),
            system_tokens: self.record.system_tokens,
            turns,
            last_used_ms: now_ms(),
            expired_at_ms: None,
        };
        let bytes = serde_json::to_vec(&record).map_err(|e| e.to_string())?;
        self.store.put_session(&self.id, &bytes)
    }
}

impl std::fmt::Debug for Turn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Turn").field("id", &self.id).field("turns", &self.record.turns.len()).finish()
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        drop(self.held.take());
        self.sessions.release(&self.id);
    }
}

/// The assistant's message of a whole chat answer, as kept: its `role`,
/// `content`, `tool_calls`, and `refusal` and `name` when set.
pub(crate) fn answer_message(body: &[u8]) -> Option<Value> {
    let answer: Value = serde_json::from_slice(body).ok()?;
    let message = answer["choices"][0]["message"].as_object()?;
    Some(kept(message))
}

/// The fields of an assistant message a session keeps.
pub(crate) fn kept(message: &Map<String, Value>) -> Value {
    let mut out = Map::new();
    out.insert("role".into(), message.get("role").cloned().unwrap_or_else(|| "assistant".into()));
    out.insert("content".into(), message.get("content").cloned().unwrap_or(Value::Null));
    for field in ["tool_calls", "refusal", "name"] {
        if let Some(value) = message.get(field).filter(|v| !v.is_null()) {
            out.insert(field.into(), value.clone());
        }
    }
    Value::Object(out)
}

/// Writes a whole answer's turn back to its session, on the blocking pool;
/// the answer as it was when written, or the error the client gets instead.
pub(crate) async fn recorded(turn: Arc<Turn>, response: Response) -> Response {
    if !response.status().is_success() {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return ApiError::session_store(turn.id(), "the answer could not be read back").into_response();
    };
    let Some(message) = answer_message(&bytes) else {
        return ApiError::session_store(turn.id(), "the answer holds no message to keep").into_response();
    };
    let id = turn.id.clone();
    match tokio::task::spawn_blocking(move || turn.record(message)).await {
        Ok(Ok(())) => Response::from_parts(parts, Body::from(bytes)),
        Ok(Err(e)) => ApiError::session_store(&id, &e).into_response(),
        Err(e) => ApiError::session_store(&id, &e.to_string()).into_response(),
    }
}

/// Sweeps the store's sessions now and then (see [`Sessions::sweep`]): every
/// idle timeout, within a second to a minute, until the gateway closes.
pub(crate) async fn drive<D: Decide>(gateway: Arc<Gateway<D>>) {
    let Some(sessions) = gateway.sessions.clone() else { return };
    let every = Duration::from_millis(sessions.idle_ms).clamp(Duration::from_secs(1), Duration::from_secs(60));
    let mut closing = gateway.closing.subscribe();
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = closing.wait_for(|closing| *closing) => return,
        }
        let (sessions, gateway) = (sessions.clone(), gateway.clone());
        let swept = tokio::task::spawn_blocking(move || sessions.sweep(&gateway.decide)).await;
        if let Ok(Err(e)) = swept {
            eprintln!("reference-gateway: sweeping idle sessions failed: {e}");
        }
    }
}

/// Writes a complete stream's turn back to its session before `[DONE]`
/// reaches the client, so that the client's next turn finds it. The stream
/// has reached the client and cannot be taken back: a failed write is
/// logged and the session left without the turn, as the event says.
pub(crate) fn record_stream<D: Decide>(gateway: &Gateway<D>, turn: Arc<Turn>, transcript: &super::soft::Transcript) {
    if let Err(e) = turn.record(transcript.message()) {
        let kind = EventKind::Session { session: turn.id.clone(), action: "not_recorded", detail: e };
        gateway.events.push(kind, std::time::Instant::now());
    }
}

/// The body for chain position `hop` of `route`, fitted to its context
/// window; `None` when the session's context cannot fit it. A body that
/// leaves turns out is logged.
pub(crate) fn fitted<D: Decide>(
    gateway: &Gateway<D>,
    turn: &Turn,
    inbound: &Inbound,
    (route, hop): (usize, usize),
    model: Option<&str>,
) -> Option<Bytes> {
    let window = gateway.settings.routes[route].windows[hop];
    let fit = turn.fit(&gateway.decide, window).ok()?;
    if fit.dropped > 0 {
        let provider = &gateway.settings.provider_of(route, hop).id;
        let detail = format!(
            "{provider} got {} tokens, its window being {}: the {} oldest of {} earlier turns left out",
            fit.tokens,
            window.unwrap_or_default(),
            fit.dropped,
            turn.record.turns.len()
        );
        let kind = EventKind::Session { session: turn.id.clone(), action: "trimmed", detail };
        gateway.events.push(kind, std::time::Instant::now());
    }
    Some(turn.body_for(fit, inbound, model))
}
