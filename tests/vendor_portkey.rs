//! The first vendor: Portkey's open-source gateway (`@portkey-ai/gateway` 1.15.2,
//! from the npm registry), run through `adapters/portkey/adapter.mjs`.
//!
//! Runs the whole suite against it, writes the three report files to
//! `target/conformance/portkey/` and pins every case's and scenario's outcome in
//! an insta snapshot, so that a change in the suite or in the adapter shows up
//! in review. `UPDATE_VENDOR_REPORT=1` also rewrites the published report in
//! `docs/reports/portkey-1.15.2/`.
//!
//! Needs node and the adapter's package: `npm ci --prefix adapters/portkey`.
#[path = "../steps/mod.rs"]
mod steps;

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use failover_conformance::report::{self, Report};
use failover_conformance::run::{self, Plan, RunSettings, SuiteCli, Verdict};

const VERSION: &str = "1.15.2";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

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

/// Every case's status, and the scenarios not run for lack of a capability
/// or decided by the adapter.
fn outcomes(report: &Report) -> String {
    let mut out = String::new();
    for case in &report.cases {
        let _ = writeln!(out, "{}: {}", case.id, case.status.as_str());
        for verdict in [Verdict::NotSupported, Verdict::AdapterDecided] {
            let mut names: Vec<&str> =
                case.scenarios.iter().filter(|s| s.status == verdict).map(|s| s.name.as_str()).collect();
            names.sort();
            for name in names {
                let _ = writeln!(out, "  {}: {name}", verdict.words());
            }
        }
    }
    out
}

fn write_published(report: &Report) -> Result<(), String> {
    let dir = root().join(format!("docs/reports/portkey-{VERSION}"));
    let mut published = report.clone();
    // The published copy names the command relative to the repository.
    let relative = |text: &str| text.replace(&format!("{}/", root().display()), "");
    published.gateway_command = published.gateway_command.as_deref().map(relative);
    published.capabilities.source = relative(&published.capabilities.source);
    report::write(&dir, &published).map(drop)
}

#[tokio::main]
async fn main() -> ExitCode {
    run::quiet_step_panics();
    if let Err(e) = check_installed() {
        eprintln!("vendor_portkey: {e}");
        return ExitCode::FAILURE;
    }
    let adapter = root().join("adapters/portkey/adapter.mjs");
    let cli = SuiteCli {
        gateway_cmd: Some(format!("node {} --config {{config}} --port {{port}}", adapter.display())),
        manifest: Some(root().join("adapters/portkey/conformance-manifest.json")),
        report_dir: Some(root().join("target/conformance/portkey")),
        ..SuiteCli::default()
    };
    let plan = match Plan::from_cli(&cli) {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("vendor_portkey: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Each scenario starts a Portkey process: a few at a time on two cores.
    let settings = RunSettings { concurrency: 6, ..RunSettings::quiet(plan) };
    let started = std::time::Instant::now();
    let outcome = match run::run::<steps::FailoverWorld>(&settings).await {
        Ok(outcome) => outcome,
        Err(e) => {
            eprintln!("vendor_portkey: {e}");
            return ExitCode::FAILURE;
        }
    };
    let reproduce = report::Reproduce {
        command: "npm ci --prefix adapters/portkey && cargo test --test vendor_portkey".into(),
        environment: Default::default(),
    };
    let report = report::build(&outcome, report::now(), reproduce);
    if let Err(e) = report::write(Path::new(&outcome.plan.report_dir), &report) {
        eprintln!("vendor_portkey: {e}");
        return ExitCode::FAILURE;
    }
    if std::env::var_os("UPDATE_VENDOR_REPORT").is_some() {
        if let Err(e) = write_published(&report) {
            eprintln!("vendor_portkey: {e}");
            return ExitCode::FAILURE;
        }
    }
    run::print_summary(&outcome.record);
    println!(
        "Portkey {VERSION} run took {:.1} s; reports in {}",
        started.elapsed().as_secs_f64(),
        outcome.plan.report_dir.display()
    );
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root().join("tests/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    let table = outcomes(&report);
    let check = || settings.bind(|| insta::assert_snapshot!("portkey_outcomes", table));
    let matched = std::panic::catch_unwind(std::panic::AssertUnwindSafe(check)).is_ok();
    println!("Portkey's per-case outcomes match their snapshot: {}", if matched { "ok" } else { "MISMATCH" });
    println!("vendor_portkey: {} checks passed, {} failed", usize::from(matched), usize::from(!matched));
    if !matched {
        eprintln!("vendor_portkey: the per-case outcomes changed; review with `cargo insta review` (see README)");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
