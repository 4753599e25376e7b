//! The reference resilient LLM gateway: an OpenAI-compatible proxy with retries,
//! fallback chains, circuit breakers and gradual failback, built to pass the
//! failover conformance suite.
//!
//! Every decision lives in the `failover-policy` crate, free of I/O and of the
//! clock; this crate is the shell around it: `proxy` serves HTTP and carries
//! requests to providers, asking the policy ([`Decide`]) at every turn;
//! `deadlines` wakes the policy when time alone decides something; `events` is
//! the decision log that `/admin/events` serves.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod admin;
mod analytics;
mod deadlines;
mod drills;
mod evaluation;
pub mod events;
mod learning;
mod metrics;
mod monitoring;
mod prewarm;
mod probes;
pub mod proxy;
pub mod settings;
mod slo;
mod store;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::serve::ListenerExt;
use failover_contract::{ConfigError, GatewayConfig};
pub use failover_policy as policy;
use failover_policy::{ActivationRate, Breaker, Decide, RetryBudget, Standard};
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use events::{EventLog, LineSink};
use proxy::upstream::UpstreamClient;
use settings::Settings;

/// How to run a gateway, beyond its config.
pub struct Options {
    /// Where decision events are written as JSON lines.
    pub event_lines: LineSink,
    /// How many recent events `/admin/events` keeps.
    pub event_capacity: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self { event_lines: LineSink::None, event_capacity: 10_000 }
    }
}

/// The shared state of a running gateway, deciding with `D`.
pub struct Gateway<D = Standard> {
    decide: D,
    settings: Settings,
    /// One breaker per (model, chain position), locked per model.
    breakers: Vec<Mutex<Vec<Breaker>>>,
    /// One health record per (model, chain position), when health scoring is on.
    health: Vec<Mutex<Vec<proxy::health::ProviderHealth>>>,
    /// One usual stream token rate per (model, chain position), when
    /// `policy.soft_failures.token_rate` measures rates.
    rates: Vec<Mutex<Vec<failover_policy::baseline::Baseline>>>,
    /// The JSON Schemas requests asked answers to match, compiled.
    schemas: proxy::schemas::Schemas,
    client: UpstreamClient,
    events: EventLog,
    metrics: metrics::Metrics,
    drills: drills::Drills,
    /// Failover episodes, when a store is configured.
    analytics: Option<analytics::Analytics>,
    /// Gateway-side sessions, when configured.
    sessions: Option<Arc<proxy::session::Sessions>>,
    /// Recent successful answers, the end of every chain, when configured.
    cache: Option<proxy::tail::Cache>,
    /// Spend budgets, when configured.
    budgets: Option<proxy::spend::Budgets>,
    /// Golden sets and every evaluated entry's mark, when configured.
    evaluator: Option<evaluation::Evaluator>,
    /// One fallback activation rate per model, when watched.
    activation: Vec<Mutex<ActivationRate>>,
    /// The service level objectives' windows.
    slos: slo::Slos,
    idempotency: proxy::idempotency::Store,
    /// The guardrails on, if any.
    guards: Option<proxy::guard::Guards>,
    /// The bound on requests served at once, if configured.
    admission: Option<proxy::admission::Admission>,
    /// Each provider's bound on requests sent to it at once, if configured.
    slots: proxy::admission::ProviderSlots,
    /// The latency order and region watch of each model, if configured.
    placement: proxy::regions::Placement,
    /// Each provider's stall watch, if configured.
    stalls: proxy::stall::Stalls,
    /// The retry budget shared by every request, if configured.
    budget: Option<Mutex<RetryBudget>>,
    /// Woken when a breaker may have a new deadline.
    deadlines: Notify,
    /// Set when the gateway stops serving: long-lived answers (the
    /// dashboard's stream) end, so that stopping need not wait for them.
    closing: watch::Sender<bool>,
    /// Seeds each request's random draws: `policy.random_seed`, or entropy.
    seed: u64,
    next_request: AtomicU64,
}

impl Gateway<Standard> {
    /// Builds a gateway with the standard policy, rejecting an invalid config.
    pub fn new(config: &GatewayConfig, options: Options) -> Result<Arc<Self>, ConfigError> {
        Self::with_policy(config, options, Standard)
    }
}

impl<D: Decide> Gateway<D> {
    /// Builds a gateway that asks `decide` for every decision.
    pub fn with_policy(config: &GatewayConfig, options: Options, decide: D) -> Result<Arc<Self>, ConfigError> {
        let settings = Settings::from_config(config)?;
        let breakers = settings
            .routes
            .iter()
            .map(|r| Mutex::new(r.hops.iter().map(|_| decide.breaker(settings.policy.breaker)).collect()))
            .collect();
        let health = match settings.policy.health {
            Some(config) => settings
                .routes
                .iter()
                .map(|r| Mutex::new(r.hops.iter().map(|_| proxy::health::ProviderHealth::new(config)).collect()))
                .collect(),
            None => Vec::new(),
        };
        let rates = match settings.soft.as_ref().and_then(|s| s.rate) {
            Some(watch) => {
                let usual = || failover_policy::baseline::Baseline::new(watch.baseline_streams);
                settings.routes.iter().map(|r| Mutex::new(r.hops.iter().map(|_| usual()).collect())).collect()
            }
            None => Vec::new(),
        };
        let idempotency =
            proxy::idempotency::Store::new(settings.policy.idempotency_window, settings.policy.idempotency_capacity);
        let budget = settings.policy.budget.map(|b| Mutex::new(RetryBudget::new(b)));
        let seed = settings.policy.random_seed.unwrap_or_else(|| fastrand::u64(..));
        let rate_limits = settings.policy.health.is_some();
        let guards = proxy::guard::Guards::new(&config.guardrails)?;
        let store = config.store.as_ref().map(store::Store::open).transpose()?.map(Arc::new);
        let budgets = proxy::spend::Budgets::new(config, &settings, store.clone())?;
        let metered: Vec<Arc<str>> = budgets.iter().flat_map(|b| b.all().iter().map(|b| b.id.clone())).collect();
        let metrics = metrics::Metrics::new(&settings, guards.as_ref().map(|g| g.on()).unwrap_or_default(), &metered);
        let activation = match settings.fallback_rate {
            Some(config) => settings.routes.iter().map(|_| Mutex::new(ActivationRate::new(config))).collect(),
            None => Vec::new(),
        };
        let analytics = match &store {
            Some(store) => Some(
                analytics::Analytics::open(&settings, store.clone())
                    .map_err(|message| ConfigError { path: "store.path".into(), message })?,
            ),
            None => None,
        };
        let sessions = match (&config.sessions, &store) {
            (Some(sessions), Some(store)) => Some(proxy::session::Sessions::new(sessions, store.clone())),
            _ => None,
        };
        let placement = proxy::regions::Placement::new(&settings, &decide);
        let slos = slo::Slos::new(&settings, &decide);
        let admission = settings
            .admission
            .map(|(in_flight, queued, wait)| proxy::admission::Admission::new(in_flight, queued, wait));
        let slots = proxy::admission::ProviderSlots::new(settings.upstreams.iter().map(|u| u.max_in_flight));
        let gateway = Arc::new(Self {
            stalls: proxy::stall::Stalls::new(&settings),
            placement,
            admission,
            slots,
            decide,
            analytics,
            sessions,
            cache: config.cache.as_ref().map(proxy::tail::Cache::new),
            budgets,
            budget,
            evaluator: evaluation::Evaluator::new(config, &settings),
            settings,
            breakers,
            health,
            rates,
            schemas: proxy::schemas::Schemas::default(),
            client: UpstreamClient { rate_limits },
            events: EventLog::new(options.event_capacity, options.event_lines),
            metrics,
            activation,
            slos,
            drills: drills::Drills::default(),
            idempotency,
            guards,
            deadlines: Notify::new(),
            closing: watch::channel(false).0,
            seed,
            next_request: AtomicU64::new(1),
        });
        learning::at_start(&gateway);
        Ok(gateway)
    }

    /// The decision log.
    pub fn events(&self) -> &EventLog {
        &self.events
    }

    /// Whether `policy.health` is on.
    fn health_scoring(&self) -> bool {
        !self.health.is_empty()
    }

    /// The breakers of a model's chain, locked.
    fn breakers(&self, route: usize) -> MutexGuard<'_, Vec<Breaker>> {
        lock(&self.breakers[route])
    }

    /// The retry budget, locked, if there is one.
    fn budget(&self) -> Option<MutexGuard<'_, RetryBudget>> {
        self.budget.as_ref().map(lock)
    }

    /// A new request's id and its own random generator: seeded from the
    /// gateway's seed and the request's number, so that a seeded gateway draws
    /// the same numbers for the same sequence of requests.
    fn next_request(&self) -> (u64, fastrand::Rng) {
        let id = self.next_request.fetch_add(1, Ordering::Relaxed);
        (id, fastrand::Rng::with_seed(self.seed ^ id.wrapping_mul(0x9E37_79B9_7F4A_7C15)))
    }
}

/// Locks `mutex`, surviving a panic elsewhere: breaker and budget state stay
/// valid between calls.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// A gateway serving on a socket; dropping it stops accepting connections.
pub struct Running {
    /// The address it listens on.
    pub addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    workers: Workers,
    /// Tells the gateway it is closing, when there is one to tell.
    closing: Option<watch::Sender<bool>>,
}

/// Where a gateway's serving loops run.
enum Workers {
    /// Tasks of the caller's runtime, with the deadline driver.
    Tasks(Vec<JoinHandle<std::io::Result<()>>>, JoinHandle<()>),
    /// Threads of their own, each with a runtime of its own.
    Threads(Vec<std::thread::JoinHandle<std::io::Result<()>>>),
}

impl Running {
    /// Tells the gateway it is closing (once).
    fn close(&mut self) {
        if let Some(closing) = self.closing.take() {
            closing.send_replace(true);
        }
    }

    /// Stops accepting, lets requests in flight finish, and waits.
    pub async fn stop(mut self) -> std::io::Result<()> {
        self.close();
        let _ = self.shutdown.send(true);
        let mut served = Ok(());
        match &mut self.workers {
            Workers::Tasks(tasks, deadlines) => {
                for task in tasks.drain(..) {
                    served = served.and(task.await.unwrap_or(Ok(())));
                }
                deadlines.abort();
            }
            Workers::Threads(threads) => {
                let threads = std::mem::take(threads);
                let joined = tokio::task::spawn_blocking(move || {
                    threads.into_iter().map(|t| t.join().unwrap_or(Ok(()))).collect::<std::io::Result<Vec<()>>>()
                });
                served = joined.await.unwrap_or(Ok(Vec::new())).map(drop);
            }
        }
        served
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.close();
        let _ = self.shutdown.send(true);
        if let Workers::Tasks(tasks, deadlines) = &self.workers {
            for task in tasks {
                task.abort();
            }
            deadlines.abort();
        }
    }
}

/// Serves `gateway` on `listener` in a background task of the current runtime.
pub fn serve<D: Decide>(gateway: Arc<Gateway<D>>, listener: TcpListener) -> std::io::Result<Running> {
    serve_app(gateway.clone(), proxy::app(gateway), listener)
}

/// Serves `app`, a router built around `gateway` (by [`proxy::app`], perhaps
/// with layers of its own), on `listener` in the current runtime; the
/// gateway's deadlines are driven beside it.
pub fn serve_app<D: Decide>(
    gateway: Arc<Gateway<D>>,
    app: axum::Router,
    listener: TcpListener,
) -> std::io::Result<Running> {
    let addr = listener.local_addr()?;
    let (shutdown, stopping) = watch::channel(false);
    let task = tokio::spawn(serve_until(listener, app, stopping));
    let closing = Some(gateway.closing.clone());
    let deadlines = tokio::spawn(background(gateway));
    Ok(Running { addr, shutdown, workers: Workers::Tasks(vec![task], deadlines), closing })
}

/// Serves `gateway` on `addr` with `workers` threads, each a single-threaded
/// runtime with a listener of its own on the same port (`SO_REUSEPORT`: the
/// kernel spreads connections across them) and its own upstream pool. A
/// request is then served start to end on one thread, as nginx's workers do:
/// no wake-up crosses threads on the hot path. The workers share the gateway's
/// state (breakers, budget, decision log); the first one also drives its
/// deadlines, and each keeps its own pool's connections warm (`prewarm`).
/// Port 0 picks a free port for all of them.
pub fn serve_workers<D: Decide>(
    gateway: Arc<Gateway<D>>,
    addr: SocketAddr,
    workers: usize,
) -> std::io::Result<Running> {
    let closing = Some(gateway.closing.clone());
    let mut running = spawn_workers(addr, workers, move |n| {
        if n == 0 {
            tokio::spawn(background(gateway.clone()));
        } else {
            // Each worker has its own pool to keep warm.
            tokio::spawn(prewarm::drive(gateway.clone()));
        }
        proxy::app(gateway.clone())
    })?;
    running.closing = closing;
    Ok(running)
}

/// Serves the router `app(n)` builds on worker `n` (called on that worker's
/// runtime) with `workers` single-threaded workers sharing `addr` (see
/// [`serve_workers`]).
pub fn spawn_workers(
    addr: SocketAddr,
    workers: usize,
    app: impl Fn(usize) -> axum::Router + Send + Sync + 'static,
) -> std::io::Result<Running> {
    let first = reuse_port_listener(addr)?;
    let addr = first.local_addr()?;
    let mut listeners = vec![first];
    for _ in 1..workers.max(1) {
        listeners.push(reuse_port_listener(addr)?);
    }
    let (shutdown, stopping) = watch::channel(false);
    let app = Arc::new(app);
    let mut threads = Vec::with_capacity(listeners.len());
    for (n, listener) in listeners.into_iter().enumerate() {
        let (app, stopping) = (app.clone(), stopping.clone());
        let thread = std::thread::Builder::new().name(format!("gateway-worker-{n}")).spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async move { serve_until(TcpListener::from_std(listener)?, app(n), stopping).await })
        })?;
        threads.push(thread);
    }
    Ok(Running { addr, shutdown, workers: Workers::Threads(threads), closing: None })
}

/// What the gateway does beside serving requests: breaker deadlines,
/// active probes, continuous evaluation and the rest of its schedules.
async fn background<D: Decide>(gateway: Arc<Gateway<D>>) {
    tokio::join!(
        deadlines::drive(gateway.clone()),
        probes::drive(gateway.clone()),
        evaluation::drive(gateway.clone()),
        prewarm::drive(gateway.clone()),
        monitoring::drive(gateway.clone()),
        proxy::session::drive(gateway.clone()),
        proxy::spend::drive(gateway.clone()),
        slo::drive(gateway.clone()),
        drills::schedule(gateway),
    );
}

/// Connections each listener lets wait to be accepted: a burst of thousands
/// of clients connecting at once on a busy machine would otherwise overflow
/// it, and the kernel would drop their handshakes for a second's retry (the
/// kernel caps it at `net.core.somaxconn`).
const BACKLOG: i32 = 4096;

/// A non-blocking listener on `addr` that other listeners may share.
fn reuse_port_listener(addr: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    let socket = socket2::Socket::new(socket2::Domain::for_address(addr), socket2::Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.set_reuse_port(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG)?;
    Ok(socket.into())
}

/// Serves `app` on `listener` until `stopping` says so, then lets requests in
/// flight finish. Accepted connections send without delay (no Nagle): a
/// stream's events go out as they come.
async fn serve_until(
    listener: TcpListener,
    app: axum::Router,
    mut stopping: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = stopping.wait_for(|stop| *stop).await;
        })
        .await
}
