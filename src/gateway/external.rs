//! A vendor's gateway, started per scenario by a command template.
//!
//! The command runs in a process group of its own under `sh -c`, so that
//! stopping it stops whatever it started (an adapter and the gateway behind
//! it). Its output goes to a log file beside the config it was given, so a
//! gateway that does not come up can be explained with its last lines. Every
//! group still running is stopped when the scenario ends, when the run ends,
//! and on Ctrl-C.
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use failover_contract::GatewayConfig;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

/// Process groups started and not yet stopped.
static RUNNING: Mutex<BTreeSet<i32>> = Mutex::new(BTreeSet::new());
static STARTED: AtomicU64 = AtomicU64::new(0);

fn signal_group(group: i32, signal: Signal) {
    let _ = killpg(Pid::from_raw(group), signal);
}

/// Stops every gateway process group still running (at the end of a run, and
/// on Ctrl-C).
pub fn stop_all() {
    let groups: Vec<i32> =
        std::mem::take(&mut *RUNNING.lock().unwrap_or_else(|e| e.into_inner())).into_iter().collect();
    for group in groups {
        signal_group(group, Signal::SIGKILL);
    }
}

/// A started gateway command.
pub struct Child {
    process: tokio::process::Child,
    group: i32,
    port: u16,
    command_line: String,
    log: PathBuf,
}

/// Quotes a path for `sh`.
fn quoted(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

impl Child {
    /// Its log file's path and what is in it so far.
    pub fn output(&self) -> (String, String) {
        let text = std::fs::read(&self.log).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
        (self.log.display().to_string(), text)
    }

    /// Writes `config`, fills in the template and starts it.
    pub fn spawn(template: &str, config: &GatewayConfig, artifacts: &Path) -> Result<Self, String> {
        if !template.contains("{port}") {
            return Err(format!("the gateway command must contain {{port}} (and usually {{config}}): {template}"));
        }
        std::fs::create_dir_all(artifacts).map_err(|e| format!("cannot create {}: {e}", artifacts.display()))?;
        let n = STARTED.fetch_add(1, Ordering::Relaxed) + 1;
        let port = super::ports::gateway_port()?;
        let config_path = artifacts.join(format!("gateway-{n}.json"));
        let log = artifacts.join(format!("gateway-{n}.log"));
        std::fs::write(&config_path, config.to_json())
            .map_err(|e| format!("cannot write {}: {e}", config_path.display()))?;
        let command_line = template.replace("{config}", &quoted(&config_path)).replace("{port}", &port.to_string());
        let output = std::fs::File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let errors = output.try_clone().map_err(|e| e.to_string())?;
        let process = tokio::process::Command::new("sh")
            .arg("-c")
            .arg(&command_line)
            .stdin(Stdio::null())
            .stdout(output)
            .stderr(errors)
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot run the gateway command `{command_line}`: {e}"))?;
        let group = process.id().map(|id| id as i32).ok_or("the gateway command exited at once")?;
        RUNNING.lock().unwrap_or_else(|e| e.into_inner()).insert(group);
        Ok(Self { process, group, port, command_line, log })
    }

    /// Where the gateway listens.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its process group.
    pub fn group(&self) -> i32 {
        self.group
    }

    /// Resolves when the command exits, with how it exited.
    pub async fn exited(&mut self) -> String {
        match self.process.wait().await {
            Ok(status) => format!("the command exited with {status}"),
            Err(e) => format!("waiting for the command failed: {e}"),
        }
    }

    /// Whether it exited because its port was taken.
    pub fn lost_its_port(&mut self) -> bool {
        let exited = matches!(self.process.try_wait(), Ok(Some(_)));
        let output = std::fs::read_to_string(&self.log).unwrap_or_default().to_lowercase();
        exited && (output.contains("address already in use") || output.contains("eaddrinuse"))
    }

    /// The error for a gateway that did not come up: the command line, what
    /// happened, and the last lines of its output.
    pub fn failed_to_start(&mut self, within: Duration, last: &str) -> String {
        let port = self.port;
        let status = match self.process.try_wait() {
            Ok(Some(status)) if self.lost_its_port() => {
                format!("it could not bind port {port}, which another process holds (it exited with {status})")
            }
            Ok(Some(status)) => format!("it exited with {status}"),
            _ => format!(
                "it did not answer 200 on GET /healthz on port {port} within {} ms (last: {last})",
                within.as_millis()
            ),
        };
        let output = std::fs::read_to_string(&self.log).unwrap_or_default();
        let tail: Vec<&str> = output.lines().rev().take(15).collect::<Vec<_>>().into_iter().rev().collect();
        format!(
            "the gateway did not start: {status}\n  command: {}\n  log: {}\n  last lines of its output:\n    {}",
            self.command_line,
            self.log.display(),
            if tail.is_empty() { "(none)".to_owned() } else { tail.join("\n    ") }
        )
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        // Ask politely, then make sure: nothing the command started may outlive it.
        signal_group(self.group, Signal::SIGTERM);
        let group = self.group;
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(500));
            signal_group(group, Signal::SIGKILL);
        });
        RUNNING.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.group);
    }
}
