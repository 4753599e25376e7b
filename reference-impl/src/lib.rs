//! The reference resilient LLM gateway: an OpenAI-compatible proxy with retries,
//! fallback chains, circuit breakers and gradual failback, built to pass the
//! failover conformance suite.
//!
//! `policy` holds every decision, free of I/O and of the clock; `proxy` is the
//! HTTP shell around it; `events` is the decision log that `/admin/events` serves.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod admin;
pub mod events;
pub mod policy;
pub mod proxy;
pub mod sabotage;
pub mod settings;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use failover_contract::{ConfigError, GatewayConfig};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use events::{EventLog, LineSink};
use policy::Breaker;
use proxy::upstream::UpstreamClient;
pub use sabotage::Sabotage;
use settings::Settings;

/// How to run a gateway, beyond its config.
pub struct Options {
    /// Where decision events are written as JSON lines.
    pub event_lines: LineSink,
    /// How many recent events `/admin/events` keeps.
    pub event_capacity: usize,
    /// A deliberate defect, for the suite's self-tests.
    #[cfg(feature = "sabotage")]
    pub sabotage: Sabotage,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            event_lines: LineSink::None,
            event_capacity: 10_000,
            #[cfg(feature = "sabotage")]
            sabotage: Sabotage::None,
        }
    }
}

/// The shared state of a running gateway.
pub struct Gateway {
    settings: Settings,
    /// One breaker per (model, chain position), locked per model.
    breakers: Vec<Mutex<Vec<Breaker>>>,
    client: UpstreamClient,
    events: EventLog,
    idempotency: proxy::idempotency::Store,
    /// The retry budget shared by every request, if configured.
    budget: Option<Mutex<policy::RetryBudget>>,
    sabotage: Sabotage,
    /// Routing decisions made, for the no-cooldown defect.
    sabotage_decisions: AtomicU64,
    next_request: AtomicU64,
}

impl Gateway {
    /// Builds a gateway from a config, rejecting an invalid one.
    pub fn new(config: &GatewayConfig, options: Options) -> Result<Arc<Self>, ConfigError> {
        let mut settings = Settings::from_config(config)?;
        #[cfg(feature = "sabotage")]
        let sabotage = options.sabotage;
        #[cfg(not(feature = "sabotage"))]
        let sabotage = Sabotage::None;
        sabotage.adjust_policy(&mut settings.policy);
        let breakers = settings
            .routes
            .iter()
            .map(|r| Mutex::new(r.hops.iter().map(|_| Breaker::new(settings.policy.breaker)).collect()))
            .collect();
        let idempotency =
            proxy::idempotency::Store::new(settings.policy.idempotency_window, settings.policy.idempotency_capacity);
        let budget = settings.policy.budget.map(|b| Mutex::new(policy::RetryBudget::new(b)));
        Ok(Arc::new(Self {
            budget,
            settings,
            breakers,
            client: UpstreamClient::default(),
            events: EventLog::new(options.event_capacity, options.event_lines),
            idempotency,
            sabotage,
            sabotage_decisions: AtomicU64::new(0),
            next_request: AtomicU64::new(1),
        }))
    }

    /// The decision log.
    pub fn events(&self) -> &EventLog {
        &self.events
    }

    /// The breakers of a model's chain, locked.
    fn breakers(&self, route: usize) -> std::sync::MutexGuard<'_, Vec<Breaker>> {
        self.breakers[route].lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A request came in: it pays its share into the retry budget.
    fn deposit(&self, now: std::time::Instant) {
        if let Some(budget) = &self.budget {
            budget.lock().unwrap_or_else(|e| e.into_inner()).deposit(now);
        }
    }

    /// Whether the retry budget pays for a retry now (always, without a budget).
    fn retry_paid(&self, now: std::time::Instant) -> bool {
        if self.sabotage.ignores_retry_budget() {
            return true;
        }
        self.budget.as_ref().is_none_or(|b| b.lock().unwrap_or_else(|e| e.into_inner()).try_withdraw(now))
    }

    fn next_request_id(&self) -> u64 {
        self.next_request.fetch_add(1, Ordering::Relaxed)
    }
}

/// A gateway serving on a socket; dropping it stops accepting connections.
pub struct Running {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// Its state.
    pub gateway: Arc<Gateway>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops accepting, lets requests in flight finish, and waits.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        (&mut self.task).await.unwrap_or(Ok(()))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves `gateway` on `listener` in a background task.
pub fn serve(gateway: Arc<Gateway>, listener: TcpListener) -> std::io::Result<Running> {
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    let app = proxy::app(gateway.clone());
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await
    });
    Ok(Running { addr, gateway, shutdown: Some(tx), task })
}
