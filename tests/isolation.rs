//! No scenario can talk to another scenario's process, however late its
//! gateway binds: slow-binding gateways started beside busy mock providers
//! serve their own scenarios only, and a process outside the gateway's process
//! group that answers on its port is never taken for the gateway; and a
//! provider request that no client request of the scenario carries fails it.
//!
//! Runs the reference gateway's binary in external mode (built with cargo if
//! missing).
#[path = "../steps/mod.rs"]
mod steps;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use cucumber::codegen::Regex;
use failover_conformance::run::{self, Plan, RunRecord, RunSettings, Status, SuiteCli};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The reference gateway's binary, built if missing.
fn gateway_binary() -> Result<PathBuf, String> {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from);
    let binary = target.join("debug/reference-gateway");
    if !binary.is_file() {
        let status = std::process::Command::new(env!("CARGO"))
            .args(["build", "-p", "reference-gateway"])
            .current_dir(root())
            .status()
            .map_err(|e| format!("cannot run cargo to build the reference gateway: {e}"))?;
        if !status.success() {
            return Err(format!("`cargo build -p reference-gateway` failed: {status}"));
        }
    }
    Ok(binary)
}

async fn run_external(cli: SuiteCli, features: &str, name: Option<&str>) -> Result<RunRecord, String> {
    let plan = Plan::from_cli(&cli)?;
    let mut settings = RunSettings::quiet(plan);
    settings.features = root().join(features);
    settings.name = name.map(|n| Regex::new(n).expect("a valid pattern"));
    Ok(run::run::<steps::FailoverWorld>(&settings).await?.record)
}

fn cli(command: String, report: &str) -> SuiteCli {
    SuiteCli {
        gateway_cmd: Some(command),
        manifest: Some(root().join("reference-impl/conformance-manifest.json")),
        report_dir: Some(root().join("target/conformance/isolation").join(report)),
        ..SuiteCli::default()
    }
}

/// Every gateway binds its port 400 ms after it starts, 16 scenarios at a time,
/// while other scenarios' mock providers open and close sockets: every
/// scenario passes, so no provider request went astray (a stray fails its
/// scenario) and no request reached another scenario's gateway.
async fn slow_binders_beside_busy_mocks(binary: &Path) -> Result<(bool, String), String> {
    let command = format!("sleep 0.4; exec {} --config {{config}} --port {{port}} --events-log none", binary.display());
    let mut cli = cli(command, "slow-binders");
    cli.concurrency = Some(16);
    let record = run_external(cli, "features/failover", None).await?;
    let c = record.counts();
    let failures: Vec<String> = record
        .scenarios()
        .iter()
        .filter(|s| s.status == Status::Failed)
        .map(|s| format!("{}: {}: {}", s.case_id(), s.name, s.error.as_deref().unwrap_or("-")))
        .collect();
    let ok = c.failed == 0 && c.passed >= 40;
    Ok((ok, format!("{} ({})", record.summary_line(), failures.join("\n  "))))
}

/// The command starts a healthy gateway in a session of its own (outside the
/// process group the suite started) and itself never binds: the suite must
/// refuse to talk to it and fail the scenario naming the port.
async fn a_stranger_on_the_port_is_refused(binary: &Path) -> Result<(bool, String), String> {
    let pid_file = root().join("target/conformance/isolation/stranger.pid");
    std::fs::create_dir_all(pid_file.parent().expect("a parent")).map_err(|e| e.to_string())?;
    let command = format!(
        "setsid sh -c 'echo $$ > {pid}; exec {bin} --config {{config}} --port {{port}} --events-log none' & sleep 30",
        pid = pid_file.display(),
        bin = binary.display()
    );
    let mut cli = cli(command, "stranger");
    cli.start_timeout_ms = Some(1500);
    let record = run_external(cli, "features/failover", Some("an error rate below the threshold")).await;
    // The stranger is not in the group the suite stops: stop it here.
    if let Ok(pid) = std::fs::read_to_string(&pid_file) {
        if let Ok(pid) = pid.trim().parse::<i32>() {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL);
        }
        let _ = std::fs::remove_file(&pid_file);
    }
    Ok(failed_saying(&record?, &["is not the gateway command's", "port"]))
}

/// Whether the one scenario that ran failed with an error saying each of
/// `words`, and the error's first line.
fn failed_saying(record: &RunRecord, words: &[&str]) -> (bool, String) {
    let ran: Vec<_> = record.scenarios().iter().filter(|s| s.status != Status::Skipped).collect();
    let error = ran.first().and_then(|s| s.error.clone()).unwrap_or_default();
    let ok = ran.len() == 1 && ran[0].status == Status::Failed && words.iter().all(|w| error.contains(w));
    (ok, error.lines().next().unwrap_or("").chars().take(200).collect())
}

/// Before the gateway starts, the command sends one of the scenario's mock
/// providers a request without the scenario's attribution tag, as cross-talk
/// from another scenario would: the scenario fails, naming that request.
async fn a_stray_request_fails_its_scenario(binary: &Path) -> Result<(bool, String), String> {
    let script = root().join("tests/fixtures/isolation/stray_request.py");
    let command = format!(
        "python3 {} {{config}}; exec {} --config {{config}} --port {{port}} --events-log none",
        script.display(),
        binary.display()
    );
    let record =
        run_external(cli(command, "stray"), "features/failover", Some("an error rate below the threshold")).await?;
    Ok(failed_saying(&record, &["no client request of this scenario carries", "a request from elsewhere"]))
}

#[tokio::main]
async fn main() -> ExitCode {
    run::quiet_step_panics();
    let binary = match gateway_binary() {
        Ok(binary) => binary,
        Err(e) => {
            eprintln!("isolation: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut failed = 0;
    let checks = [
        "slow-binding gateways beside busy mocks: every scenario passes, no stray request",
        "a healthy stranger on the gateway's port is refused, naming the port",
        "a provider request no client request carries fails its scenario, named",
    ];
    for (i, what) in checks.iter().enumerate() {
        let outcome = match i {
            0 => slow_binders_beside_busy_mocks(&binary).await,
            1 => a_stranger_on_the_port_is_refused(&binary).await,
            _ => a_stray_request_fails_its_scenario(&binary).await,
        };
        let (ok, detail) = outcome.unwrap_or_else(|e| (false, e));
        println!("{what}: {} ({detail})", if ok { "ok" } else { "MISMATCH" });
        failed += usize::from(!ok);
    }
    println!("isolation: {} checks passed, {failed} failed", checks.len() - failed);
    if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
