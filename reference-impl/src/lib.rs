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
mod deadlines;
pub mod events;
pub mod proxy;
pub mod settings;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use failover_contract::{ConfigError, GatewayConfig};
pub use failover_policy as policy;
use failover_policy::{Breaker, Decide, RetryBudget, Standard};
use tokio::net::TcpListener;
use tokio::sync::{Notify, oneshot};
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
    client: UpstreamClient,
    events: EventLog,
    idempotency: proxy::idempotency::Store,
    /// The retry budget shared by every request, if configured.
    budget: Option<Mutex<RetryBudget>>,
    /// Woken when a breaker may have a new deadline.
    deadlines: Notify,
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
        let idempotency =
            proxy::idempotency::Store::new(settings.policy.idempotency_window, settings.policy.idempotency_capacity);
        let budget = settings.policy.budget.map(|b| Mutex::new(RetryBudget::new(b)));
        let seed = settings.policy.random_seed.unwrap_or_else(|| fastrand::u64(..));
        Ok(Arc::new(Self {
            decide,
            budget,
            settings,
            breakers,
            client: UpstreamClient::default(),
            events: EventLog::new(options.event_capacity, options.event_lines),
            idempotency,
            deadlines: Notify::new(),
            seed,
            next_request: AtomicU64::new(1),
        }))
    }

    /// The decision log.
    pub fn events(&self) -> &EventLog {
        &self.events
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
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
    deadlines: JoinHandle<()>,
}

impl Running {
    /// Stops accepting, lets requests in flight finish, and waits.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let served = (&mut self.task).await.unwrap_or(Ok(()));
        self.deadlines.abort();
        served
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
        self.deadlines.abort();
    }
}

/// Serves `gateway` on `listener` in a background task.
pub fn serve<D: Decide>(gateway: Arc<Gateway<D>>, listener: TcpListener) -> std::io::Result<Running> {
    serve_app(gateway.clone(), proxy::app(gateway), listener)
}

/// Serves `app`, a router built around `gateway` (by [`proxy::app`], perhaps
/// with layers of its own), on `listener`; the gateway's deadlines are driven
/// beside it.
pub fn serve_app<D: Decide>(
    gateway: Arc<Gateway<D>>,
    app: axum::Router,
    listener: TcpListener,
) -> std::io::Result<Running> {
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await
    });
    let deadlines = tokio::spawn(deadlines::drive(gateway));
    Ok(Running { addr, shutdown: Some(tx), task, deadlines })
}
