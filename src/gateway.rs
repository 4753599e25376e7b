//! The gateway under test: started per scenario with the scenario's config,
//! reached over HTTP only, and stopped when the scenario ends.
use std::future::Future;
use std::time::Duration;

use failover_contract::GatewayConfig;
use reference_gateway::{Gateway, Options, Running, Sabotage};

use crate::wait;

/// Which gateway the suite drives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The bundled reference gateway, in-process; `sabotage` breaks one
    /// behaviour on purpose for the suite's self-tests (`Sabotage::None`: none).
    Bundled {
        /// The deliberate defect, if any.
        sabotage: Sabotage,
    },
}

tokio::task_local! {
    static TARGET: Target;
}

/// Runs `run` (a whole cucumber run) with scenarios starting `target`. Scoped to
/// the run's task, so that the self-tests can run several targets at once.
pub async fn with_target<F: Future>(target: Target, run: F) -> F::Output {
    TARGET.scope(target, run).await
}

/// The gateway scenarios start: the bundled reference gateway unless a run
/// says otherwise.
pub fn target() -> Target {
    TARGET.try_with(|t| *t).unwrap_or(Target::Bundled { sabotage: Sabotage::None })
}

/// How long a gateway may take to answer `GET /healthz` with 200 after start.
pub const START_TIMEOUT: Duration = Duration::from_secs(10);

/// A running gateway.
pub struct GatewayUnderTest {
    base_url: String,
    _running: Running,
}

impl std::fmt::Debug for GatewayUnderTest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayUnderTest").field("base_url", &self.base_url).finish()
    }
}

impl GatewayUnderTest {
    /// Starts the target gateway with `config` and waits until it is healthy.
    pub async fn start(target: Target, config: &GatewayConfig, http: &reqwest::Client) -> Result<Self, String> {
        let Target::Bundled { sabotage } = target;
        let options = Options { sabotage, ..Options::default() };
        let gateway = Gateway::new(config, options).map_err(|e| format!("the gateway refused its config: {e}"))?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("cannot bind a port for the gateway: {e}"))?;
        let running = reference_gateway::serve(gateway, listener).map_err(|e| format!("cannot serve: {e}"))?;
        let base_url = format!("http://{}", running.addr);
        let health = format!("{base_url}/healthz");
        wait::until(START_TIMEOUT, Duration::from_millis(10), || async {
            match http.get(&health).send().await {
                Ok(r) if r.status() == 200 => Ok(()),
                Ok(r) => Err(format!("GET /healthz answered {}", r.status())),
                Err(e) => Err(format!("GET /healthz failed: {e}")),
            }
        })
        .await
        .map_err(|last| format!("the gateway did not become healthy within {START_TIMEOUT:?}: {last}"))?;
        Ok(Self { base_url, _running: running })
    }

    /// Its base URL, e.g. `http://127.0.0.1:41234`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
}
