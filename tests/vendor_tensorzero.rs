//! The second vendor: TensorZero (the `tensorzero` 2026.6.0 wheel from PyPI,
//! which embeds the Rust gateway), run through `adapters/tensorzero/adapter.py`.
//!
//! Runs the whole suite against it, writes the three report files to
//! `target/conformance/tensorzero/` and pins every case's outcome in an insta
//! snapshot. `UPDATE_VENDOR_REPORT=1` also rewrites the published report in
//! `docs/reports/tensorzero-2026.6.0/`.
//!
//! Needs the adapter's virtual environment: `adapters/tensorzero/setup.sh`.
#[path = "../steps/mod.rs"]
mod steps;
#[path = "vendor/mod.rs"]
mod vendor;

use std::process::ExitCode;

use failover_conformance::run;
use vendor::{Vendor, root};

const VERSION: &str = "2026.6.0";

/// The virtual environment must hold the pinned package; say how to get it if not.
fn check_installed() -> Result<(), String> {
    let python = root().join("adapters/tensorzero/.venv/bin/python");
    if !python.is_file() {
        return Err(format!(
            "{} is missing: the TensorZero set-up was not done; run `adapters/tensorzero/setup.sh` first",
            python.display()
        ));
    }
    let version = std::process::Command::new(&python)
        .args(["-c", "import importlib.metadata as m; print(m.version('tensorzero'))"])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    match String::from_utf8_lossy(&version.stdout).trim() {
        VERSION => Ok(()),
        other => Err(format!(
            "tensorzero {other:?} is installed in adapters/tensorzero/.venv, the report is for {VERSION}: run `adapters/tensorzero/setup.sh`"
        )),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    run::quiet_step_panics();
    if let Err(e) = check_installed() {
        return vendor::not_set_up("vendor_tensorzero", &e);
    }
    let adapter = root().join("adapters/tensorzero");
    let vendor = Vendor {
        name: "tensorzero",
        version: VERSION,
        command: format!(
            "{} {} --config {{config}} --port {{port}}",
            adapter.join(".venv/bin/python").display(),
            adapter.join("adapter.py").display()
        ),
        adapter: "adapters/tensorzero",
        reproduce: "adapters/tensorzero/setup.sh && cargo test --test vendor_tensorzero",
        // Each scenario starts a Python process with the embedded gateway.
        concurrency: 6,
    };
    match vendor.check::<steps::FailoverWorld>().await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!(
                "vendor_tensorzero: the per-case outcomes changed; review with `cargo insta review` (see README)"
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("vendor_tensorzero: {e}");
            ExitCode::FAILURE
        }
    }
}
