//! The vendor runs: the whole suite against each real gateway behind its
//! adapter (Portkey, TensorZero, LiteLLM), each with its reports in
//! `target/conformance/<name>/` and every case's outcome pinned in an insta
//! snapshot `<name>_outcomes`; `UPDATE_VENDOR_REPORT=1` also rewrites the
//! published reports in `docs/reports/<name>-<version>/`.
//!
//! `cargo test --test vendors` runs every vendor whose set-up was done and
//! says which were not run; `cargo test --test vendors -- litellm` runs one.
//! One test binary for all three: each binary that holds the steps takes
//! minutes to build.
#[path = "../steps/mod.rs"]
mod steps;
#[path = "vendor/mod.rs"]
mod vendor;

use std::process::ExitCode;

use failover_conformance::run;
use vendor::{Vendor, litellm, portkey, tensorzero};

const NAMES: [&str; 3] = ["portkey", "tensorzero", "litellm"];

/// Runs one vendor; returns whether it failed.
async fn check(vendor: &Vendor) -> bool {
    match vendor.check::<steps::FailoverWorld>().await {
        Ok(true) => false,
        Ok(false) => {
            eprintln!(
                "vendors: {}: the per-case outcomes changed; review with `cargo insta review` (see README)",
                vendor.name
            );
            true
        }
        Err(e) => {
            eprintln!("vendors: {}: {e}", vendor.name);
            true
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    run::quiet_step_panics();
    let asked: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    if let Some(unknown) = asked.iter().find(|a| !NAMES.contains(&a.as_str())) {
        eprintln!("vendors: no vendor {unknown:?}; the vendors are {}", NAMES.join(", "));
        return ExitCode::FAILURE;
    }
    let mut failed = false;
    for name in NAMES.into_iter().filter(|n| asked.is_empty() || asked.iter().any(|a| a == n)) {
        failed |= match name {
            "portkey" => match portkey::vendor() {
                Ok(vendor) => check(&vendor).await,
                Err(e) => vendor::not_set_up(name, &e),
            },
            "tensorzero" => match tensorzero::vendor() {
                Ok(vendor) => check(&vendor).await,
                Err(e) => vendor::not_set_up(name, &e),
            },
            _ => match litellm::vendor() {
                // The zygote stops when dropped, after the run.
                Ok((vendor, _zygote)) => check(&vendor).await,
                Err(e) => vendor::not_set_up(name, &e),
            },
        };
    }
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}
