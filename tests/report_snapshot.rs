//! Pins the conformance report of a full run against the bundled reference
//! gateway (JSON and Markdown), with dates and measured numbers redacted: a
//! change in what the suite covers or how it reports shows up in review.
#[path = "../steps/mod.rs"]
mod steps;

use std::process::ExitCode;

use failover_conformance::context::Target;
use failover_conformance::report::{self, Reproduce};
use failover_conformance::run::{self, Plan, RunSettings};

#[tokio::main]
async fn main() -> ExitCode {
    run::quiet_step_panics();
    let mut plan = Plan::bundled(Target::reference());
    plan.report_dir = plan.report_dir.join("snapshot");
    let outcome = match run::run::<steps::FailoverWorld>(&RunSettings::quiet(plan)).await {
        Ok(outcome) => outcome,
        Err(e) => {
            eprintln!("report_snapshot: {e}");
            return ExitCode::FAILURE;
        }
    };
    let reproduce = Reproduce { command: "cargo test --test conformance".into(), environment: Default::default() };
    let report = report::build(&outcome, "2026-01-01T00:00:00Z".into(), reproduce);
    let markdown = report::markdown(&report);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    // Measured numbers vary from run to run; what was measured does not
    // (a measurement is named in snake_case, digits allowed, or `switches`).
    settings.add_filter(r"\b([a-z0-9]+_[a-z0-9_]+|switches) [0-9.]+ (ms|count|ratio|MiB|bytes)\b", "$1 [n] $2");
    let json = || {
        settings.bind(|| {
            insta::assert_json_snapshot!("report_json", report, {
                ".cases[].scenarios[].measurements[].value" => "[n]",
            })
        })
    };
    let md = || settings.bind(|| insta::assert_snapshot!("report_md", markdown));
    // Reports are published: none may carry a key or token the suite made up.
    let written = serde_json::to_string(&report).unwrap_or_default() + &markdown;
    let clean = failover_conformance::checks::secrets::redact_made_up(&written) == written;
    let checks = [
        ("the bundled gateway passed every scenario", !outcome.record.has_failed()),
        ("the report holds no API key or admin token the suite made up", clean),
        ("report.json matches its snapshot", std::panic::catch_unwind(std::panic::AssertUnwindSafe(json)).is_ok()),
        ("report.md matches its snapshot", std::panic::catch_unwind(std::panic::AssertUnwindSafe(md)).is_ok()),
    ];
    for (what, ok) in &checks {
        println!("{what}: {}", if *ok { "ok" } else { "MISMATCH" });
    }
    if !outcome.record.has_failed() {
        println!("  ({})", outcome.record.summary_line());
    }
    let failed = checks.iter().filter(|(_, ok)| !ok).count();
    println!("report_snapshot: {} checks passed, {failed} failed", checks.len() - failed);
    if failed > 0 {
        eprintln!("report_snapshot: review a changed snapshot with `cargo insta review` (see README)");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
