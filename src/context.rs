//! What a run is pointed at and the timing knobs it was given, scoped to the
//! run's task so that the self-tests can run several at once.
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use failover_contract::GatewayConfig;
use tokio::net::TcpListener;

/// A running in-process gateway: whatever keeps it serving, until dropped.
pub type Started = Box<dyn std::any::Any + Send>;

/// How an in-process gateway is put together and started. The suite runs the
/// reference gateway as it ships ([`Reference`]); its self-test assembles
/// variants that lack one behaviour each, from the outside.
pub trait Assembly: Send + Sync + std::fmt::Debug {
    /// Starts a gateway for `config`, serving on `listener`.
    fn start<'a>(
        &'a self,
        config: &'a GatewayConfig,
        listener: TcpListener,
    ) -> Pin<Box<dyn Future<Output = Result<Started, String>> + Send + 'a>>;
}

/// The reference gateway as it ships.
#[derive(Clone, Copy, Debug, Default)]
pub struct Reference;

impl Assembly for Reference {
    fn start<'a>(
        &'a self,
        config: &'a GatewayConfig,
        listener: TcpListener,
    ) -> Pin<Box<dyn Future<Output = Result<Started, String>> + Send + 'a>> {
        Box::pin(async move {
            // Building the gateway reads its store and loads tokenizers:
            // blocking work, kept off the runtime that drives other scenarios.
            let config = config.clone();
            let built = tokio::task::spawn_blocking(move || {
                reference_gateway::Gateway::new(&config, reference_gateway::Options::default())
            });
            let gateway = built
                .await
                .map_err(|e| format!("building the gateway failed: {e}"))?
                .map_err(|e| format!("the gateway refused its config: {e}"))?;
            let running = reference_gateway::serve(gateway, listener).map_err(|e| format!("cannot serve: {e}"))?;
            Ok(Box::new(running) as Started)
        })
    }
}

/// Which gateway the scenarios start.
#[derive(Clone, Debug)]
pub enum Target {
    /// A gateway in-process, put together by an [`Assembly`].
    Bundled(Arc<dyn Assembly>),
    /// A gateway started per scenario by a command template with `{config}` and
    /// `{port}` placeholders.
    External {
        /// The template, e.g. `my-gateway --config {config} --port {port}`.
        command: String,
    },
}

impl Target {
    /// The bundled reference gateway.
    pub fn reference() -> Self {
        Target::Bundled(Arc::new(Reference))
    }

    /// `bundled` or `external`, for reports.
    pub fn mode(&self) -> &'static str {
        match self {
            Target::Bundled(_) => "bundled",
            Target::External { .. } => "external",
        }
    }
}

/// The timing knobs a vendor may override; echoed in the report.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Timing {
    /// How long a gateway may take to answer `GET /healthz` with 200.
    pub start_timeout: Duration,
    /// Multiplies every tolerance and wait deadline the features state.
    pub tolerance_factor: f64,
}

impl Default for Timing {
    fn default() -> Self {
        Self { start_timeout: Duration::from_secs(10), tolerance_factor: 1.0 }
    }
}

/// Everything a run's scenarios need to know about the run.
#[derive(Clone, Debug)]
pub struct RunContext {
    /// The gateway under test.
    pub target: Target,
    /// Timing knobs.
    pub timing: Timing,
    /// Where configs and gateway logs of external runs are written.
    pub artifacts: PathBuf,
}

impl Default for RunContext {
    fn default() -> Self {
        Self {
            target: Target::reference(),
            timing: Timing::default(),
            artifacts: std::env::temp_dir().join(format!("failover-conformance-{}", std::process::id())),
        }
    }
}

tokio::task_local! {
    static CONTEXT: RunContext;
}

/// Runs `run` (a whole cucumber run) with `context`.
pub async fn with_context<F: Future>(context: RunContext, run: F) -> F::Output {
    CONTEXT.scope(context, run).await
}

/// The context of the current run (the defaults outside of one).
pub fn current() -> RunContext {
    CONTEXT.try_with(Clone::clone).unwrap_or_default()
}

/// A tolerance or wait deadline stated in a feature, scaled by the run's factor.
pub fn tolerance(ms: u64) -> Duration {
    let factor = CONTEXT.try_with(|c| c.timing.tolerance_factor).unwrap_or(1.0);
    Duration::from_millis(ms).mul_f64(factor.max(0.0))
}
