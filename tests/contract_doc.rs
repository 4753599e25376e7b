//! docs/contract.md is what vendors implement against: it must name every case
//! id and feature the reports name, and every capability the suite knows.
use std::path::Path;

use failover_conformance::capabilities::KNOWN;
use failover_conformance::run::is_case_id;

fn contract() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/contract.md")).expect("docs/contract.md")
}

fn feature_files() -> Vec<std::path::PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("features");
    let mut files = Vec::new();
    for group in std::fs::read_dir(&root).expect("features/") {
        let group = group.expect("a directory entry").path();
        for file in std::fs::read_dir(&group).into_iter().flatten().flatten() {
            if file.path().extension().is_some_and(|e| e == "feature") {
                files.push(file.path());
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_case_id_and_feature_is_in_the_contracts_table() {
    let contract = contract();
    let files = feature_files();
    assert!(files.len() >= 11, "found only {} feature files", files.len());
    for file in files {
        let text = std::fs::read_to_string(&file).expect("a feature file");
        let ids: Vec<&str> =
            text.split_whitespace().filter_map(|w| w.strip_prefix('@')).filter(|t| is_case_id(t)).collect();
        let name = text.lines().find_map(|l| l.trim().strip_prefix("Feature: ")).expect("a Feature: line");
        assert!(!ids.is_empty(), "{} has no case id tag", file.display());
        for id in ids {
            let row = contract.lines().find(|l| l.starts_with(&format!("| `{id}` |")));
            let row = row.unwrap_or_else(|| panic!("docs/contract.md section 9 lacks case {id}"));
            assert!(row.contains(name), "the row of {id} in docs/contract.md does not name its feature \"{name}\"");
        }
    }
}

#[test]
fn every_capability_is_in_the_contract() {
    let contract = contract();
    for (name, _) in KNOWN {
        assert!(contract.contains(&format!("`{name}`")), "docs/contract.md does not describe capability {name}");
    }
}

#[test]
fn the_matrix_is_generated_from_the_committed_reports() {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let reports = failover_conformance::report::read_reports(&docs.join("reports")).expect("the committed reports");
    assert!(reports.len() >= 3, "expected the reference, Portkey and TensorZero reports, found {}", reports.len());
    let current = std::fs::read_to_string(docs.join("matrix.md")).unwrap_or_default();
    assert!(
        current == failover_conformance::report::matrix(&reports),
        "docs/matrix.md is out of date with docs/reports/: run `cargo run --bin matrix`"
    );
}
