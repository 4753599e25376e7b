//! The gateway under test: started per scenario with the scenario's config,
//! reached over HTTP only, and stopped when the scenario ends.
mod external;
mod listening;
pub mod ports;

use std::time::Duration;

use crate::context::Started;
use failover_contract::GatewayConfig;

use crate::context::{self, Target};
use crate::wait;

pub use external::stop_all;

enum Process {
    Bundled(Started),
    External(Box<external::Child>),
}

/// A running gateway.
pub struct GatewayUnderTest {
    base_url: String,
    process: Process,
}

impl std::fmt::Debug for GatewayUnderTest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayUnderTest").field("base_url", &self.base_url).finish()
    }
}

/// How many connections may wait to be accepted: the load scenarios open
/// 2,000 at once, and on a loaded machine the gateway accepts them late; past
/// the backlog the kernel drops the handshake and the client retries a second
/// later (tokio's default backlog is 1,024; the kernel caps it at somaxconn).
const BACKLOG: i32 = 4096;

/// A loopback listener on a free port with [`BACKLOG`].
fn bound_listener() -> std::io::Result<tokio::net::TcpListener> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    socket.set_nonblocking(true)?;
    socket.bind(&std::net::SocketAddr::from(([127, 0, 0, 1], 0)).into())?;
    socket.listen(BACKLOG)?;
    tokio::net::TcpListener::from_std(socket.into())
}

/// Polls `GET /healthz` until it answers 200 or `within` passes. With
/// `owner` (a port and a process group), the answer counts only once the
/// socket listening on that port belongs to that group: never talk to a
/// process the suite did not start.
pub(crate) async fn healthy(
    http: &reqwest::Client,
    base_url: &str,
    within: Duration,
    owner: Option<(u16, i32)>,
) -> Result<(), String> {
    let health = format!("{base_url}/healthz");
    wait::until(within, Duration::from_millis(10), || async {
        match http.get(&health).send().await {
            Ok(r) if r.status() == 200 => match owner {
                None => Ok(()),
                Some((port, group)) => match ports::holder_off_runtime(port, group).await {
                    ports::Holder::Ours | ports::Holder::Unknown => Ok(()),
                    holder => Err(format!(
                        "GET /healthz answered 200, but the socket on port {port} is not the gateway command's ({holder:?})"
                    )),
                },
            },
            Ok(r) => Err(format!("GET /healthz answered {}", r.status())),
            Err(e) => Err(format!("GET /healthz failed: {e}")),
        }
    })
    .await
}

impl GatewayUnderTest {
    /// What a gateway started as a command wrote to its output so far, with
    /// where it is kept; `None` for one in-process.
    pub fn output(&self) -> Option<(String, String)> {
        match &self.process {
            Process::Bundled(_) => None,
            Process::External(child) => Some(child.output()),
        }
    }

    /// Starts the run's gateway with `config` and waits until it is healthy.
    pub async fn start(config: &GatewayConfig, http: &reqwest::Client) -> Result<Self, String> {
        let context = context::current();
        let within = context.timing.start_timeout;
        match &context.target {
            Target::Bundled(assembly) => {
                let listener = bound_listener().map_err(|e| format!("cannot bind a port for the gateway: {e}"))?;
                let addr = listener.local_addr().map_err(|e| format!("cannot read the gateway's address: {e}"))?;
                let running = assembly.start(config, listener).await?;
                let base_url = format!("http://{addr}");
                healthy(http, &base_url, within, None)
                    .await
                    .map_err(|last| format!("the gateway did not become healthy within {within:?}: {last}"))?;
                Ok(Self { base_url, process: Process::Bundled(running) })
            }
            Target::External { command } => {
                // The port is free when chosen, but another process may take it
                // before the gateway binds it: then try another port.
                let mut tries = 0;
                loop {
                    tries += 1;
                    let mut child = external::Child::spawn(command, config, &context.artifacts)?;
                    let base_url = child.base_url();
                    let owner = Some((child.port(), child.group()));
                    let outcome = tokio::select! {
                        healthy = healthy(http, &base_url, within, owner) => healthy,
                        exited = child.exited() => Err(exited),
                    };
                    match outcome {
                        Ok(()) => return Ok(Self { base_url, process: Process::External(Box::new(child)) }),
                        Err(_) if tries < 3 && child.lost_its_port() => continue,
                        Err(last) => return Err(child.failed_to_start(within, &last)),
                    }
                }
            }
        }
    }

    /// Stops it: a bundled reference gateway stops accepting and lets the
    /// requests in flight finish; any other is dropped (an external one is
    /// signalled to stop).
    pub async fn stop(self) {
        match self.process {
            Process::Bundled(started) => {
                if let Ok(running) = started.downcast::<reference_gateway::Running>() {
                    let _ = running.stop().await;
                }
            }
            Process::External(child) => drop(child),
        }
    }

    /// Where its descriptors and memory can be read.
    pub fn holder(&self) -> crate::resources::Holder {
        match &self.process {
            Process::Bundled(_) => crate::resources::Holder::Own,
            Process::External(child) => crate::resources::Holder::Group(child.group()),
        }
    }

    /// Its base URL, e.g. `http://127.0.0.1:41234`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
}
