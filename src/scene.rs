//! One scenario's world: its mock providers, the config it builds, the gateway
//! it starts, and every exchange the client made. Steps call into this; it does
//! the work.
use std::collections::BTreeMap;
use std::ops::Range;
use std::time::{Duration, Instant};

use bytes::Bytes;
use failover_contract::{GatewayConfig, PolicyConfig};

use crate::client::{self, Exchange, RequestKind};
use crate::conversation::{Conversation, Extras};
use crate::draft::{Chain, Draft};
use crate::gateway::GatewayUnderTest;
use crate::mock::MockProvider;

mod budgets;
pub mod evaluation;
mod secrets;
mod slos;
pub use budgets::Limit;
pub use slos::Targets as SloTargets;

/// A number a scenario measured, kept for the report.
#[derive(Clone, Debug, PartialEq)]
pub struct Measurement {
    /// What was measured, e.g. `first_failover_latency`.
    pub name: String,
    /// The value.
    pub value: f64,
    /// Its unit, e.g. `ms`.
    pub unit: &'static str,
}

/// How the client shapes a request beyond its kind and model.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestOptions {
    /// Ask for a streamed answer (chat only).
    pub stream: bool,
    /// Ask the provider to store the result (`"store": true`): not idempotent.
    pub store: bool,
    /// An `Idempotency-Key` header.
    pub idempotency_key: Option<String>,
    /// What a chat request asks beyond the short question.
    pub asking: crate::client::Asking,
    /// More headers, by name and value.
    pub headers: Vec<(String, String)>,
}

/// A request as sent: path, body and extra headers, to repeat it exactly.
type Sent = (String, Bytes, Vec<(String, String)>);

/// A scenario's state.
#[derive(Debug)]
pub struct Scene {
    providers: BTreeMap<String, MockProvider>,
    draft: Draft,
    gateway: Option<GatewayUnderTest>,
    http: reqwest::Client,
    exchanges: Vec<Exchange>,
    batch: Range<usize>,
    requests_made: usize,
    start_error: Option<String>,
    last_sent: Option<Sent>,
    conversation: Option<Conversation>,
    session: Option<crate::session::Session>,
    baseline: Option<Duration>,
    drill: Option<DrillStarted>,
    store: Option<crate::store::StoreFile>,
    /// Measurements recorded so far.
    pub measurements: Vec<Measurement>,
    /// Every request sent under load, in the order sent.
    pub shots: Vec<crate::load::Shot>,
    /// The gateway's descriptors and memory, sampled by name.
    pub usage: BTreeMap<String, crate::resources::Usage>,
    fault_window: Option<(Instant, Instant)>,
}

/// A drill the scenario started through the admin API.
#[derive(Clone, Debug)]
pub struct DrillStarted {
    /// Its id.
    pub id: String,
    /// When the request to start it was sent: it ran no sooner.
    pub sent: Instant,
    /// When the gateway answered: it ran by then.
    pub answered: Instant,
    /// How long it was asked to run.
    pub duration: Duration,
}

impl DrillStarted {
    /// The time it surely ran: from the answer to `sent + duration`.
    pub fn surely_running(&self) -> std::ops::Range<Instant> {
        self.answered..self.sent + self.duration
    }
}

impl Default for Scene {
    fn default() -> Self {
        Self {
            providers: BTreeMap::new(),
            draft: Draft::default(),
            gateway: None,
            http: client::http_client(),
            exchanges: Vec::new(),
            batch: 0..0,
            requests_made: 0,
            start_error: None,
            last_sent: None,
            conversation: None,
            session: None,
            baseline: None,
            drill: None,
            store: None,
            measurements: Vec::new(),
            shots: Vec::new(),
            usage: BTreeMap::new(),
            fault_window: None,
        }
    }
}

impl Scene {
    /// The provider `id`, started on first mention.
    pub async fn provider(&mut self, id: &str) -> Result<&MockProvider, String> {
        if !self.providers.contains_key(id) {
            let provider =
                MockProvider::start(id).await.map_err(|e| format!("cannot start mock provider \"{id}\": {e}"))?;
            self.providers.insert(id.to_owned(), provider);
        }
        Ok(&self.providers[id])
    }

    /// A provider already mentioned by the scenario, to read its journal:
    /// fails first, naming them, if any provider received a request that no
    /// client request of this scenario carries (no count or timing over a
    /// journal means anything then).
    pub fn existing_provider(&self, id: &str) -> Result<&MockProvider, String> {
        self.no_strays()?;
        self.providers.get(id).ok_or_else(|| {
            let known: Vec<&str> = self.providers.keys().map(String::as_str).collect();
            format!("no provider \"{id}\" in this scenario; it has: {}", known.join(", "))
        })
    }

    /// The journals of every provider placed in `region`, by id.
    pub fn region_journals(&self, region: &str) -> Result<Vec<(&str, Vec<crate::mock::Received>)>, String> {
        let ids: Vec<&str> =
            self.draft.regions.iter().filter(|(_, r)| *r == region).map(|(id, _)| id.as_str()).collect();
        if ids.is_empty() {
            return Err(format!("no provider of this scenario is in region \"{region}\""));
        }
        ids.into_iter().map(|id| Ok((id, self.existing_provider(id)?.journal()))).collect()
    }

    /// Fails, naming them, if a provider received requests no client request
    /// of this scenario carries.
    pub fn no_strays(&self) -> Result<(), String> {
        self.stray_requests().map_or(Ok(()), Err)
    }

    /// Routes `model` to `chain`, starting the chain's providers.
    pub async fn route(&mut self, model: &str, chain: Chain) -> Result<(), String> {
        for entry in &chain.0 {
            self.provider(&entry.provider).await?;
        }
        self.configure()?;
        self.draft.route(model, chain);
        Ok(())
    }

    /// Gives `model` (routed already) the content-policy chain `chain`, whose
    /// providers take the requests a provider's content policy refuses.
    pub async fn content_policy_chain(&mut self, model: &str, chain: Chain) -> Result<(), String> {
        for entry in &chain.0 {
            self.provider(&entry.provider).await?;
        }
        self.configure()?;
        let entry = self.draft.models.iter_mut().find(|m| m.name == model);
        entry.ok_or_else(|| format!("model \"{model}\" has no chain yet; route it first"))?.content_policy_chain =
            chain.0;
        Ok(())
    }

    /// Has `provider` (started if new) score whole answers as `model`: an
    /// answer scored below `min_score` is a hallucination; a score later
    /// than `timeout_ms` is none.
    pub async fn judge(&mut self, provider: &str, model: &str, min_score: f64, timeout_ms: u64) -> Result<(), String> {
        self.provider(provider).await?;
        let judge =
            failover_contract::JudgeConfig { provider: provider.into(), model: model.into(), min_score, timeout_ms };
        self.policy()?.soft_failures.get_or_insert_with(Default::default).judge = Some(judge);
        Ok(())
    }

    /// Adds `ghost`, a provider no mock stands for, to the end of `model`'s
    /// chain: a config that names a provider that does not exist.
    pub fn add_unconfigured_provider(&mut self, model: &str, ghost: &str) -> Result<(), String> {
        let chain = self.chain_of(model)?;
        chain.push(failover_contract::ChainEntry {
            provider: ghost.to_owned(),
            model: None,
            context_window: None,
            priority: None,
            price: None,
            model_version: None,
        });
        Ok(())
    }

    /// The policy knobs, while the gateway has not started yet.
    pub fn policy(&mut self) -> Result<&mut PolicyConfig, String> {
        self.configure()?;
        Ok(&mut self.draft.policy)
    }

    /// The guardrails, while the gateway has not started yet.
    pub fn guardrails(&mut self) -> Result<&mut failover_contract::GuardrailsConfig, String> {
        self.configure()?;
        Ok(&mut self.draft.guardrails)
    }

    /// The body size limit, while the gateway has not started yet.
    pub fn limit_body(&mut self, bytes: u64) -> Result<(), String> {
        self.configure()?;
        self.draft.limits.max_body_bytes = bytes;
        Ok(())
    }

    fn configure(&self) -> Result<(), String> {
        match self.gateway {
            Some(_) => Err("the gateway has already started; set config steps before the first request".into()),
            None => Ok(()),
        }
    }

    /// The inference requests any provider received that no client request of
    /// this scenario carries, named; `None` when every one is attributed.
    pub fn stray_requests(&self) -> Option<String> {
        let mut sent: Vec<usize> = self.exchanges.iter().filter_map(Exchange::reference).collect();
        sent.extend(self.shots.iter().map(|s| s.tag));
        sent.sort_unstable();
        let strays: Vec<String> = self
            .providers
            .iter()
            .filter_map(|(id, provider)| {
                let journal = provider.journal();
                let strays = crate::attribution::strays(&journal, &sent);
                (!strays.is_empty()).then(|| crate::attribution::describe(id, &strays))
            })
            .collect();
        (!strays.is_empty()).then(|| strays.join("; "))
    }

    /// How many requests provider `id` received (none if it is not in the scenario).
    pub fn received_by(&self, id: &str) -> usize {
        self.providers.get(id).map_or(0, MockProvider::received)
    }

    /// How many requests each provider received, by id.
    pub fn received_by_provider(&self) -> Vec<(String, usize)> {
        self.providers.iter().map(|(id, p)| (id.clone(), p.received())).collect()
    }

    /// The config the gateway gets (or got).
    pub fn config(&self) -> GatewayConfig {
        self.draft.build(&self.providers)
    }

    /// Starts the gateway if it has not started yet.
    pub async fn start_gateway(&mut self) -> Result<&GatewayUnderTest, String> {
        if self.gateway.is_none() {
            let config = self.config();
            let started = GatewayUnderTest::start(&config, &self.http).await?;
            self.gateway = Some(started);
        }
        Ok(self.gateway.as_ref().expect("started above"))
    }

    /// Stops the gateway and starts it again with the same config, its store
    /// included. The client's pooled connections go with the old gateway; a
    /// stopped gateway may hold its files a moment longer (an external one
    /// exits after its signal), so starting is retried until the start
    /// timeout, and the last refusal is the error.
    pub async fn restart_gateway(&mut self) -> Result<(), String> {
        let old = self.gateway.take().ok_or("the gateway has not started, so it cannot restart")?;
        old.stop().await;
        self.http = client::http_client();
        let config = self.config();
        let within = crate::context::current().timing.start_timeout;
        let http = &self.http;
        let started = crate::wait::until(within, Duration::from_millis(50), || GatewayUnderTest::start(&config, http));
        let started = started.await.map_err(|last| format!("the gateway did not start again: {last}"))?;
        self.gateway = Some(started);
        Ok(())
    }

    /// Gives the gateway a store file prepared as `prepared` says.
    pub fn keep_store(&mut self, prepared: crate::store::Prepared) -> Result<(), String> {
        self.configure()?;
        let (file, config) = crate::store::StoreFile::prepare(prepared)?;
        self.draft.store = Some(config);
        self.store = Some(file);
        Ok(())
    }

    /// The scenario's store file.
    pub fn store_file(&self) -> Result<&crate::store::StoreFile, String> {
        self.store.as_ref().ok_or_else(|| "the scenario gave the gateway no store".to_owned())
    }

    /// Starts the gateway, keeping a failure to start for a later check
    /// instead of failing the step.
    pub async fn attempt_start(&mut self) {
        if let Err(e) = self.start_gateway().await {
            self.start_error = Some(e);
        }
    }

    /// Why the gateway failed to start, if it did.
    pub fn start_error(&self) -> Option<&str> {
        self.start_error.as_deref()
    }

    /// Sends `count` requests of `kind` for `model`, one after another.
    pub async fn send(&mut self, count: usize, kind: RequestKind, model: &str) -> Result<(), String> {
        self.send_many_shaped(count, kind, model, &RequestOptions::default()).await
    }

    /// Sends one request of `kind` for `model`, shaped by `options`.
    pub async fn send_shaped(
        &mut self,
        kind: RequestKind,
        model: &str,
        options: &RequestOptions,
    ) -> Result<&Exchange, String> {
        self.requests_made += 1;
        let mut body = if options.stream {
            RequestKind::stream_body(model, self.requests_made)
        } else {
            kind.body(model, self.requests_made)
        };
        if options.store {
            body["store"] = true.into();
        }
        options.asking.shape(&mut body);
        let keys = options.idempotency_key.iter().map(|k| ("idempotency-key".to_owned(), k.clone()));
        let headers: Vec<(String, String)> = keys.chain(options.headers.iter().cloned()).collect();
        self.send_with_headers(reqwest::Method::POST, kind.path(), Bytes::from(body.to_string()), headers).await
    }

    /// Sends a chat completion for `model` whose messages come to exactly
    /// `tokens` tokens (see [`client::of_tokens`]).
    pub async fn send_of_tokens(&mut self, model: &str, tokens: usize) -> Result<&Exchange, String> {
        self.requests_made += 1;
        let body = client::of_tokens(model, self.requests_made, tokens)?;
        self.send_with_headers(
            reqwest::Method::POST,
            RequestKind::Chat.path(),
            Bytes::from(body.to_string()),
            Vec::new(),
        )
        .await
    }

    /// Sends a chat completion for `model` asking `asking`, with `token` in
    /// the guardrail bypass header.
    pub async fn send_bypassing(&mut self, model: &str, asking: client::Asking, token: String) -> Result<(), String> {
        let headers = vec![("x-failover-guardrail-bypass".to_owned(), token)];
        let options = RequestOptions { asking, headers, ..RequestOptions::default() };
        self.send_shaped(RequestKind::Chat, model, &options).await.map(drop)
    }

    /// Sends `count` requests shaped by `options`, one after another.
    pub async fn send_many_shaped(
        &mut self,
        count: usize,
        kind: RequestKind,
        model: &str,
        options: &RequestOptions,
    ) -> Result<(), String> {
        let first = self.exchanges.len();
        for _ in 0..count {
            self.send_shaped(kind, model, options).await?;
        }
        self.batch = first..self.exchanges.len();
        Ok(())
    }

    /// Sends again exactly what the latest request sent, headers included.
    pub async fn repeat_last(&mut self) -> Result<&Exchange, String> {
        let (path, body, headers) = self.last_sent.clone().ok_or("the client has not sent any request yet")?;
        self.send_with_headers(reqwest::Method::POST, &path, body, headers).await
    }

    /// Sends one request exactly as given.
    pub async fn send_raw(&mut self, method: reqwest::Method, path: &str, body: Bytes) -> Result<&Exchange, String> {
        self.send_with_headers(method, path, body, Vec::new()).await
    }

    /// Sends one request exactly as given, with extra headers.
    pub async fn send_with_headers(
        &mut self,
        method: reqwest::Method,
        path: &str,
        body: Bytes,
        headers: Vec<(String, String)>,
    ) -> Result<&Exchange, String> {
        let base = self.start_gateway().await?.base_url().to_owned();
        self.last_sent = Some((path.to_owned(), body.clone(), headers.clone()));
        let exchange = client::send(&self.http, &base, method, path, body, &headers).await?;
        self.exchanges.push(exchange);
        let last = self.exchanges.len() - 1;
        self.batch = last..last + 1;
        Ok(&self.exchanges[last])
    }

    /// Sends a request every `every` until `done` holds for the scene (its
    /// batch is the requests sent so far in this step), failing if `within`
    /// passes first.
    pub async fn send_until(
        &mut self,
        kind: RequestKind,
        model: &str,
        every: Duration,
        within: Duration,
        mut done: impl FnMut(&Scene) -> bool,
    ) -> Result<(), String> {
        self.send_until_checked(kind, model, every, within, async |s: &Scene| Ok(done(s))).await
    }

    /// [`Scene::send_until`] with a condition that may ask the gateway
    /// (its admin API) and fail: its error ends the sending at once.
    pub async fn send_until_checked(
        &mut self,
        kind: RequestKind,
        model: &str,
        every: Duration,
        within: Duration,
        done: impl AsyncFnMut(&Scene) -> Result<bool, String>,
    ) -> Result<(), String> {
        self.send_shaped_until((kind, model, &RequestOptions::default()), every, within, done).await
    }

    /// [`Scene::send_until_checked`] with requests shaped by `options`.
    pub async fn send_shaped_until(
        &mut self,
        (kind, model, options): (RequestKind, &str, &RequestOptions),
        every: Duration,
        within: Duration,
        mut done: impl AsyncFnMut(&Scene) -> Result<bool, String>,
    ) -> Result<(), String> {
        // The bound counts from a running gateway: starting one (in external
        // mode a process, seconds on a loaded machine) is not what it is about.
        self.start_gateway().await?;
        let first = self.exchanges.len();
        let deadline = Instant::now() + within;
        let mut pace = tokio::time::interval(every);
        pace.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            pace.tick().await;
            self.send_shaped(kind, model, options).await?;
            self.batch = first..self.exchanges.len();
            if done(self).await? {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "the condition did not hold within {} ms; {} requests sent, the last: {}",
                    within.as_millis(),
                    self.batch.len(),
                    self.exchanges.last().map(Exchange::describe).unwrap_or_default()
                ));
            }
        }
    }

    /// Sends a request every `every` for `duration`.
    pub async fn send_for(
        &mut self,
        kind: RequestKind,
        model: &str,
        every: Duration,
        duration: Duration,
    ) -> Result<(), String> {
        self.start_gateway().await?; // the period counts from a running gateway
        let end = Instant::now() + duration;
        self.send_until(kind, model, every, duration + Duration::from_secs(1), |_| Instant::now() >= end).await
    }

    /// `model`'s chain, while the gateway has not started yet.
    fn chain_of(&mut self, model: &str) -> Result<&mut Vec<failover_contract::ChainEntry>, String> {
        self.configure()?;
        let entry = self.draft.models.iter_mut().find(|m| m.name == model);
        Ok(&mut entry.ok_or_else(|| format!("model \"{model}\" has no chain yet; route it first"))?.backend_map)
    }

    /// Pins the model version `provider`'s entry of `model`'s chain must
    /// answer as (`model_version`).
    pub fn pin_model_version(&mut self, model: &str, provider: &str, version: &str) -> Result<(), String> {
        let chain = self.chain_of(model)?;
        let entry = chain.iter_mut().find(|e| e.provider == provider);
        entry.ok_or_else(|| format!("provider \"{provider}\" is not in the chain of \"{model}\""))?.model_version =
            Some(version.to_owned());
        Ok(())
    }

    /// Sets the context windows of `model`'s chain, entry by entry.
    pub fn set_context_windows(&mut self, model: &str, windows: &[u64]) -> Result<(), String> {
        let chain = self.chain_of(model)?;
        if chain.len() != windows.len() {
            return Err(format!(
                "model \"{model}\" has {} chain entries, {} windows were given",
                chain.len(),
                windows.len()
            ));
        }
        for (entry, &window) in chain.iter_mut().zip(windows) {
            entry.context_window = Some(window);
        }
        Ok(())
    }

    /// Sets whether `model` may be sent twice.
    pub fn set_idempotent(&mut self, model: &str, idempotent: bool) -> Result<(), String> {
        self.configure()?;
        let entry = self.draft.models.iter_mut().find(|m| m.name == model);
        entry.ok_or_else(|| format!("model \"{model}\" has no chain yet; route it first"))?.idempotent = idempotent;
        Ok(())
    }

    /// Makes the conversation send parameters that change the answer.
    pub fn conversation_parameters(&mut self) -> Result<(), String> {
        let conversation = self.conversation.as_mut().ok_or("no conversation was started")?;
        conversation.set_parameters();
        Ok(())
    }

    /// Starts a conversation with `earlier` turns of history.
    pub fn start_conversation(&mut self, earlier: usize, extras: Extras) {
        self.conversation = Some(Conversation::new(earlier, extras));
    }

    /// Sends the conversation's next `turns` turns, each with the whole history,
    /// adding each answer to the history as a client would.
    pub async fn continue_conversation(&mut self, model: &str, turns: usize) -> Result<(), String> {
        let first = self.exchanges.len();
        for _ in 0..turns {
            let conversation = self.conversation.as_mut().ok_or("no conversation was started")?;
            self.requests_made += 1;
            let body = Bytes::from(conversation.next_request(model, self.requests_made).to_string());
            let exchange = self.send_raw(reqwest::Method::POST, RequestKind::Chat.path(), body).await?.clone();
            let answer = exchange.json().filter(|_| exchange.status == 200).ok_or_else(|| {
                format!("turn {} of the conversation failed: {}", self.exchanges.len() - first, exchange.describe())
            })?;
            self.conversation.as_mut().expect("started").absorb(&answer)?;
        }
        self.batch = first..self.exchanges.len();
        Ok(())
    }

    /// Keeps gateway-side sessions (in a new store), changed by `change`.
    pub fn keep_sessions(&mut self, change: impl FnOnce(&mut failover_contract::SessionsConfig)) -> Result<(), String> {
        if self.store.is_none() {
            self.keep_store(crate::store::Prepared::New)?;
        }
        let sessions = self.draft.sessions.get_or_insert_with(|| failover_contract::SessionsConfig {
            idle_timeout_ms: 60_000,
            expired_kept_ms: 86_400_000,
            context: Default::default(),
            concurrent: Default::default(),
            encoding: "o200k_base".into(),
        });
        change(sessions);
        Ok(())
    }

    /// Keeps recent successful answers to requests at `max_temperature` or
    /// below for `max_age_ms`, to answer the same request again when no
    /// provider can.
    pub fn keep_answers(&mut self, max_temperature: f64, max_age_ms: u64) -> Result<(), String> {
        self.configure()?;
        self.draft.cache = Some(failover_contract::CacheConfig { max_entries: 100, max_age_ms, max_temperature });
        Ok(())
    }

    /// Gives `model` the default answer `content`.
    pub fn default_answer(&mut self, model: &str, content: &str) -> Result<(), String> {
        self.configure()?;
        let entry = self.draft.models.iter_mut().find(|m| m.name == model);
        entry.ok_or_else(|| format!("model \"{model}\" has no chain yet; route it first"))?.default_answer =
            Some(content.to_owned());
        Ok(())
    }

    /// Opens session `id`, its questions `filler` words longer than a short one.
    pub fn open_session(&mut self, id: &str, filler: usize) {
        self.session = Some(crate::session::Session::new(id, filler));
    }

    /// The session the scenario opened.
    pub fn session(&mut self) -> Result<&mut crate::session::Session, String> {
        self.session.as_mut().ok_or_else(|| "the scenario opened no session".to_owned())
    }

    /// Sends the session's next `turns` turns for `model`, each only its new
    /// messages with `x-session-id`, adding each answer to what the client
    /// knows of the context; a turn that is not answered 200 is not part of it.
    pub async fn talk_in_session(&mut self, model: &str, turns: usize, stream: bool) -> Result<(), String> {
        let first = self.exchanges.len();
        for _ in 0..turns {
            self.requests_made += 1;
            let n = self.requests_made;
            let session = self.session()?;
            let body = Bytes::from(session.next_request(model, n, stream).to_string());
            let header = vec![(crate::session::SESSION_ID.to_owned(), session.id.clone())];
            let exchange =
                self.send_with_headers(reqwest::Method::POST, RequestKind::Chat.path(), body, header).await?.clone();
            let session = self.session()?;
            match (&exchange.stream, exchange.status) {
                (Some(stream), 200) => {
                    let text: String = stream.content_events().iter().filter_map(|e| e.content()).collect();
                    session.absorb_text(&text);
                }
                (None, 200) => session.absorb(&exchange.json().ok_or_else(|| exchange.describe())?)?,
                _ => session.unanswered(),
            }
        }
        self.batch = first..self.exchanges.len();
        Ok(())
    }

    /// Sends two turns of the session for `model` at once: the second as
    /// soon as `provider` has received the first.
    pub async fn two_turns_at_once(&mut self, model: &str, provider: &str) -> Result<(), String> {
        let base = self.start_gateway().await?.base_url().to_owned();
        let before = self.existing_provider(provider)?.received();
        let first = self.exchanges.len();
        let mut bodies = Vec::new();
        for _ in 0..2 {
            self.requests_made += 1;
            let n = self.requests_made;
            bodies.push(Bytes::from(self.session()?.next_request(model, n, false).to_string()));
        }
        let header = vec![(crate::session::SESSION_ID.to_owned(), self.session()?.id.clone())];
        let mock = self.existing_provider(provider)?;
        let within = crate::context::current().timing.start_timeout;
        let (http, path) = (&self.http, RequestKind::Chat.path());
        let one = client::send(http, &base, reqwest::Method::POST, path, bodies[0].clone(), &header);
        let two = async {
            crate::wait::until(within, Duration::from_millis(2), || async {
                if mock.received() > before {
                    Ok(())
                } else {
                    Err(format!("provider \"{provider}\" never received the first turn"))
                }
            })
            .await?;
            client::send(http, &base, reqwest::Method::POST, path, bodies[1].clone(), &header).await
        };
        let (one, two) = tokio::join!(one, two);
        self.exchanges.extend([one?, two?]);
        self.batch = first..self.exchanges.len();
        Ok(())
    }

    /// Sends `count` requests to measure the baseline: their median latency.
    pub async fn measure_baseline(&mut self, count: usize, kind: RequestKind, model: &str) -> Result<Duration, String> {
        self.send(count, kind, model).await?;
        if let Some(bad) = self.batch().iter().find(|e| e.status != 200) {
            return Err(format!("the baseline needs a healthy provider, but got {}", bad.describe()));
        }
        let median = median(self.batch().iter().map(|e| e.latency).collect()).expect("count > 0");
        self.baseline = Some(median);
        self.measure("baseline_median", median.as_secs_f64() * 1e3, "ms");
        Ok(median)
    }

    /// The baseline measured earlier in the scenario.
    pub fn baseline(&self) -> Result<Duration, String> {
        self.baseline.ok_or_else(|| "no baseline was measured in this scenario".to_owned())
    }

    /// The exchanges of the latest `When` step.
    pub fn batch(&self) -> &[Exchange] {
        &self.exchanges[self.batch.clone()]
    }

    /// Every exchange of the scenario.
    pub fn exchanges(&self) -> &[Exchange] {
        &self.exchanges
    }

    /// The latest exchange.
    pub fn last(&self) -> Result<&Exchange, String> {
        self.exchanges.last().ok_or_else(|| "the client has not sent any request yet".to_owned())
    }

    /// The gateway's base URL, once started.
    pub fn gateway_url(&self) -> Result<&str, String> {
        self.gateway.as_ref().map(GatewayUnderTest::base_url).ok_or_else(|| "the gateway has not started".to_owned())
    }

    /// When traffic moved away from `provider` and back, read from which of
    /// the scenario's requests reached it, each switch at the time its first
    /// request reached a provider (its send time if none did).
    pub fn switches(&self, provider: &str) -> Result<crate::trace::Switches, String> {
        let journal = self.existing_provider(provider)?.journal();
        let reached = crate::trace::reached(&self.exchanges, &journal, provider)?;
        let journals: Vec<_> = self.providers.values().map(MockProvider::journal).collect();
        let arrivals = crate::trace::arrivals(&self.exchanges, &journals);
        Ok(crate::trace::Switches::timed(&reached, |i| arrivals[i].unwrap_or(self.exchanges[i].started)))
    }

    /// Checks that the gateway answers `GET /healthz` with 200.
    pub async fn healthy(&self) -> Result<(), String> {
        let url = format!("{}/healthz", self.gateway_url()?);
        let response = self.http.get(&url).send().await.map_err(|e| format!("GET /healthz failed: {e}"))?;
        match response.status().as_u16() {
            200 => Ok(()),
            other => Err(format!("expected GET /healthz to answer 200, got {other}")),
        }
    }

    /// The gateway's decision log (capability `events`).
    pub async fn events(&self) -> Result<Vec<serde_json::Value>, String> {
        crate::events::fetch(self.admin()?).await
    }

    /// The gateway's admin API, with the scenario's token.
    pub fn admin(&self) -> Result<crate::admin::Admin<'_>, String> {
        Ok(crate::admin::Admin { http: &self.http, base_url: self.gateway_url()?, token: self.admin_token() })
    }

    /// The admin token the scenario's config sets.
    pub fn admin_token(&self) -> Option<&str> {
        self.draft.admin.token.as_deref()
    }

    /// The admin API's provider listing (capability `health-api`).
    pub async fn listing(&self) -> Result<serde_json::Value, String> {
        self.admin()?.get("/admin/providers").await
    }

    /// Polls the provider listing until `check` accepts it or `within` passes.
    pub async fn listing_within(
        &self,
        within: Duration,
        check: impl Fn(&serde_json::Value) -> Result<(), String>,
    ) -> Result<(), String> {
        self.start_error.as_ref().map_or(Ok(()), |e| Err(e.clone()))?;
        let waited = crate::wait::until(within, Duration::from_millis(20), || async {
            let listing = self.listing().await?;
            check(&listing).map_err(|why| format!("{why}; the listing: {listing}"))
        });
        waited.await.map_err(|last| format!("not within {} ms: {last}", within.as_millis()))
    }

    /// Watches the fallback activation rate (see [`crate::draft::fallback_rate`]).
    pub fn watch_fallback_rate(&mut self, rate: failover_contract::FallbackRateConfig) -> Result<(), String> {
        self.configure()?;
        self.draft.monitoring.fallback_rate = Some(rate);
        Ok(())
    }

    /// Scrapes `GET /metrics` (capability `metrics`) and parses it.
    pub async fn scrape(&self) -> Result<crate::metrics::Scrape, String> {
        crate::metrics::scrape(&self.http, self.gateway_url()?).await
    }

    /// Starts a fire drill through `POST /admin/drills` (capability `drills`).
    pub async fn start_drill(&mut self, provider: &str, class: &str, duration: Duration) -> Result<(), String> {
        self.start_gateway().await?;
        let body = serde_json::json!({"provider": provider, "class": class, "share": 1.0, "duration_ms": duration.as_millis() as u64});
        let sent = Instant::now();
        let answer = self.admin()?.post("/admin/drills", &body).await?;
        let answered = Instant::now();
        let id = answer
            .get("id")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| format!("the drill has no id: {answer}"))?;
        self.drill = Some(DrillStarted { id: id.to_owned(), sent, answered, duration });
        Ok(())
    }

    /// Schedules a drill in the config.
    pub fn schedule_drill(&mut self, drill: failover_contract::DrillConfig) -> Result<(), String> {
        self.configure()?;
        self.draft.drills.push(drill);
        Ok(())
    }

    /// The drill the scenario started.
    pub fn drill(&self) -> Result<&DrillStarted, String> {
        self.drill.as_ref().ok_or_else(|| "the scenario started no drill".to_owned())
    }

    /// Turns the gateway's own probes on, every `interval_ms`.
    pub fn probe_every(&mut self, interval_ms: u64) -> Result<(), String> {
        self.configure()?;
        self.draft.probes = Some(crate::draft::probes(interval_ms));
        Ok(())
    }

    /// Places `provider` in `region`, `away` from the gateway: its answers
    /// are that much later.
    pub async fn place(&mut self, provider: &str, region: &str, away: Duration) -> Result<(), String> {
        self.configure()?;
        self.provider(provider).await?.set_latency(away);
        self.draft.regions.insert(provider.to_owned(), region.to_owned());
        Ok(())
    }

    /// Bounds the requests the gateway serves at once, and those it lets wait.
    pub fn bound_load(&mut self, in_flight: u32, queued: u32, wait_ms: u64) -> Result<(), String> {
        self.configure()?;
        let limits = &mut self.draft.limits;
        (limits.max_in_flight, limits.max_queued, limits.queue_timeout_ms) = (Some(in_flight), queued, wait_ms);
        Ok(())
    }

    /// Bounds the requests the gateway sends `provider` at once.
    pub async fn bound_provider(&mut self, provider: &str, in_flight: u32) -> Result<(), String> {
        self.configure()?;
        self.provider(provider).await?;
        self.draft.provider_limits.insert(provider.to_owned(), in_flight);
        Ok(())
    }

    /// Keeps `connections` warm connections to every provider, refreshed
    /// every `interval_ms`.
    pub fn prewarm(&mut self, connections: u32, interval_ms: u64) -> Result<(), String> {
        self.configure()?;
        self.draft.prewarm = Some(failover_contract::PrewarmConfig { interval_ms, connections });
        Ok(())
    }

    /// The region of each provider the scenario placed.
    pub fn regions(&self) -> &BTreeMap<String, String> {
        &self.draft.regions
    }

    /// The HTTP client, for observation requests.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The latest step's responses that skipped `provider` came within `bound`
    /// (plus `tolerance`) at the median; the median is kept as a measurement.
    pub fn median_skipping_within(
        &mut self,
        provider: &str,
        bound: Duration,
        tolerance: Duration,
    ) -> Result<(), String> {
        let journal = self.existing_provider(provider)?.journal();
        let median =
            crate::checks::median_skipping_within(self.batch(), &self.exchanges, &journal, provider, bound, tolerance)?;
        self.measure("breaker_open_median", median.as_secs_f64() * 1e3, "ms");
        Ok(())
    }

    /// Records the latest response's latency as measurement `name`.
    pub fn keep_latency(&mut self, name: &str) -> Result<(), String> {
        let latency = self.last()?.latency;
        self.measure(name, latency.as_secs_f64() * 1e3, "ms");
        Ok(())
    }

    /// Sends `load` for `model` (starting the gateway if need be) and keeps
    /// what each request came to.
    pub async fn send_load(&mut self, model: &str, load: crate::load::Load) -> Result<(), String> {
        let url = self.start_gateway().await?.base_url().to_owned();
        let shots = crate::load::run(&self.http, &url, model, load, self.requests_made + 1).await;
        self.requests_made += load.total;
        self.shots.extend(shots);
        Ok(())
    }

    /// Sends `load` for `model` while `provider` fails with `fault` from
    /// `from` to `to` after the load began; the instants the fault began
    /// and ended are kept, to tell the load's phases apart.
    pub async fn send_load_through(
        &mut self,
        model: &str,
        load: crate::load::Load,
        provider: &str,
        fault: crate::mock::Fault,
        (from, to): (Duration, Duration),
    ) -> Result<(), String> {
        let url = self.start_gateway().await?.base_url().to_owned();
        let (http, model_name, first) = (self.http.clone(), model.to_owned(), self.requests_made + 1);
        self.provider(provider).await?;
        let mock = self.existing_provider(provider)?;
        let began = Instant::now();
        let sending = tokio::spawn(async move { crate::load::run(&http, &url, &model_name, load, first).await });
        // The fault's own schedule, on the scenario's timeline.
        tokio::time::sleep_until((began + from).into()).await;
        let failed_at = Instant::now();
        mock.fail(fault, crate::mock::Schedule::Always).await.map_err(|e| format!("cannot inject the fault: {e}"))?;
        tokio::time::sleep_until((began + to).into()).await;
        let recovered_at = Instant::now();
        mock.recover().await.map_err(|e| format!("cannot recover provider \"{provider}\": {e}"))?;
        let shots = sending.await.map_err(|e| format!("the load generator failed: {e}"))?;
        self.requests_made += shots.len();
        self.shots.extend(shots);
        self.fault_window = Some((failed_at, recovered_at));
        Ok(())
    }

    /// When the fault of [`Scene::send_load_through`] began and ended.
    pub fn fault_window(&self) -> Result<(Instant, Instant), String> {
        self.fault_window.ok_or_else(|| "no fault was injected under load".to_owned())
    }

    /// Samples the gateway's descriptors and memory as `name`.
    pub async fn sample_usage(&mut self, name: &str) -> Result<crate::resources::Usage, String> {
        let holder = self.start_gateway().await?.holder();
        let usage = crate::resources::sample(holder)?;
        self.measure(&format!("fds_{name}"), usage.fds as f64, "count");
        self.measure(&format!("rss_{name}"), usage.rss_kib as f64 / 1024.0, "MiB");
        self.usage.insert(name.to_owned(), usage);
        Ok(usage)
    }

    /// Records a measurement for the report.
    pub fn measure(&mut self, name: &str, value: f64, unit: &'static str) {
        self.measurements.push(Measurement { name: name.to_owned(), value, unit });
    }
}

/// The median of some durations (the lower middle one for an even count).
pub fn median(mut values: Vec<Duration>) -> Option<Duration> {
    values.sort();
    values.get(values.len().checked_sub(1)? / 2).copied()
}
