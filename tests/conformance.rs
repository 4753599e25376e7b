//! The conformance suite: runs every feature against the gateway under test
//! (the bundled reference gateway unless told otherwise) and exits nonzero if
//! any scenario fails.
//!
//! `cargo test --test conformance -- --tags @TC_R752_FAILOVER_002` runs one case.
#[path = "../steps/mod.rs"]
mod steps;

use failover_conformance::run::{self, RunSettings};

#[tokio::main]
async fn main() {
    run::quiet_step_panics();
    let record = run::run::<steps::FailoverWorld>(&RunSettings::conformance()).await;
    run::print_summary(&record);
    if record.has_failed() {
        std::process::exit(1);
    }
}
