//! The conformance suite: runs every feature against the gateway under test
//! (the bundled reference gateway unless `--gateway-cmd` / `FAILOVER_GATEWAY_CMD`
//! names another), writes the reports, and exits nonzero if any scenario failed.
//!
//! `cargo test --test conformance -- --tags @TC_R752_FAILOVER_002` runs one case.
#[path = "../steps/mod.rs"]
mod steps;

use std::process::ExitCode;

use failover_conformance::{gateway, report, run};

#[tokio::main]
async fn main() -> ExitCode {
    run::quiet_step_panics();
    tokio::spawn(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            gateway::stop_all();
            std::process::exit(130);
        }
    });
    let outcome = match run::run::<steps::FailoverWorld>(&run::RunSettings::conformance()).await {
        Ok(outcome) => outcome,
        Err(e) => {
            eprintln!("conformance: {e}");
            return ExitCode::from(2);
        }
    };
    run::print_summary(&outcome.record);
    let report = report::build(&outcome, report::now(), report::reproduce());
    match report::write(&outcome.plan.report_dir, &report) {
        Ok(files) => {
            let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
            println!("reports: {}", names.join(", "));
        }
        Err(e) => eprintln!("conformance: {e}"),
    }
    // The last line, alone, in the reports' outcome names.
    println!("{}", outcome.record.summary_line());
    if outcome.record.has_failed() { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}
