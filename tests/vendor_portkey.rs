//! The first vendor: Portkey's open-source gateway (`@portkey-ai/gateway` 1.15.2,
//! from the npm registry), run through `adapters/portkey/adapter.mjs`.
//!
//! Runs the whole suite against it, writes the three report files to
//! `target/conformance/portkey/` and pins every case's outcome in an insta
//! snapshot, so that a change in the suite or in the adapter shows up in
//! review. `UPDATE_VENDOR_REPORT=1` also rewrites the published report in
//! `docs/reports/portkey-1.15.2/`.
//!
//! Needs node and the adapter's package: `npm ci --prefix adapters/portkey`.
#[path = "../steps/mod.rs"]
mod steps;
#[path = "vendor/mod.rs"]
mod vendor;

use std::process::ExitCode;

use failover_conformance::run;
use vendor::{Vendor, root};

const VERSION: &str = "1.15.2";

/// Node and the pinned package must be there; say how to get them if not.
fn check_installed() -> Result<(), String> {
    let node = std::process::Command::new("node").arg("--version").output();
    if !node.as_ref().is_ok_and(|o| o.status.success()) {
        return Err("node is not installed: the Portkey adapter needs Node.js 18 or later on PATH".into());
    }
    let package = root().join("adapters/portkey/node_modules/@portkey-ai/gateway/package.json");
    let text = std::fs::read_to_string(&package)
        .map_err(|_| format!("{} is missing: run `npm ci --prefix adapters/portkey` first", package.display()))?;
    let manifest: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", package.display()))?;
    match manifest["version"].as_str() {
        Some(VERSION) => Ok(()),
        other => Err(format!(
            "@portkey-ai/gateway {other:?} is installed, the report is for {VERSION}: run `npm ci --prefix adapters/portkey`"
        )),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    run::quiet_step_panics();
    if let Err(e) = check_installed() {
        return vendor::not_set_up("vendor_portkey", &e);
    }
    let vendor = Vendor {
        name: "portkey",
        version: VERSION,
        command: format!(
            "node {} --config {{config}} --port {{port}}",
            root().join("adapters/portkey/adapter.mjs").display()
        ),
        adapter: "adapters/portkey",
        reproduce: "npm ci --prefix adapters/portkey && cargo test --test vendor_portkey",
        // Each scenario starts a Portkey process: a few at a time on two cores.
        concurrency: 6,
    };
    match vendor.check::<steps::FailoverWorld>().await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("vendor_portkey: the per-case outcomes changed; review with `cargo insta review` (see README)");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("vendor_portkey: {e}");
            ExitCode::FAILURE
        }
    }
}
