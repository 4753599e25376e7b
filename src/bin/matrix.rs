//! Writes `docs/matrix.md` from the reports committed under `docs/reports/`:
//! `cargo run --bin matrix` (`--check` only says whether it is up to date).
use std::path::Path;
use std::process::ExitCode;

use failover_conformance::report::{matrix, read_reports};

fn main() -> ExitCode {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let reports = match read_reports(&docs.join("reports")) {
        Ok(reports) if !reports.is_empty() => reports,
        Ok(_) => {
            eprintln!("matrix: no report.json under {}", docs.join("reports").display());
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("matrix: {e}");
            return ExitCode::FAILURE;
        }
    };
    let text = matrix(&reports);
    let path = docs.join("matrix.md");
    if std::env::args().any(|a| a == "--check") {
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current == text {
            println!("matrix: {} is up to date", path.display());
            return ExitCode::SUCCESS;
        }
        eprintln!("matrix: {} is out of date: run `cargo run --bin matrix`", path.display());
        return ExitCode::FAILURE;
    }
    if let Err(e) = std::fs::write(&path, text) {
        eprintln!("matrix: cannot write {}: {e}", path.display());
        return ExitCode::FAILURE;
    }
    println!("matrix: wrote {} ({} gateways)", path.display(), reports.len());
    ExitCode::SUCCESS
}
