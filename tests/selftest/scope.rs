//! Which cases a variant runs. By default a variant runs the cases that hold
//! the scenarios it claims to fail: that proves each claim, and that nothing
//! else in those cases fails, in a fifth of the time of every variant against
//! every case (`SELFTEST_FULL=1`), which also shows that a defect fails
//! nothing in cases it is not about.
use std::collections::BTreeSet;
use std::path::Path;

use cucumber::gherkin::tagexpr::TagOperation;
use failover_conformance::run::is_case_id;

/// The case of a claim (`case: scenario name`).
fn case_of(claim: &str) -> &str {
    claim.split_once(": ").map_or(claim, |(case, _)| case)
}

/// The tag expression selecting the cases of `claims`.
pub fn cases_of(claims: &[&str]) -> TagOperation {
    let cases: BTreeSet<&str> = claims.iter().map(|c| case_of(c)).collect();
    any_of(&cases).expect("every variant claims at least one scenario")
}

/// `@A or @B or ...`, or `None` for no case.
pub fn any_of<S: AsRef<str>>(cases: impl IntoIterator<Item = S>) -> Option<TagOperation> {
    let expression = cases.into_iter().map(|c| format!("@{}", c.as_ref())).collect::<Vec<_>>().join(" or ");
    (!expression.is_empty()).then(|| expression.parse().expect("case ids are valid tags"))
}

/// The cases under `features/` that no claim names.
pub fn unclaimed(claims: &[&str]) -> BTreeSet<String> {
    let claimed: BTreeSet<&str> = claims.iter().map(|c| case_of(c)).collect();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("features");
    let mut cases = BTreeSet::new();
    feature_cases(&dir, &mut cases);
    cases.retain(|c| !claimed.contains(c.as_str()));
    cases
}

/// The case tags of every feature under `dir`: the tags before `Feature:`.
fn feature_cases(dir: &Path, cases: &mut BTreeSet<String>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    for entry in entries.map(|e| e.expect("a directory entry").path()) {
        if entry.is_dir() {
            feature_cases(&entry, cases);
        } else if entry.extension().is_some_and(|x| x == "feature") {
            let text = std::fs::read_to_string(&entry).unwrap_or_else(|e| panic!("reading {}: {e}", entry.display()));
            let header = text.lines().take_while(|l| !l.trim_start().starts_with("Feature:"));
            let tags = header.flat_map(str::split_whitespace).filter_map(|t| t.strip_prefix('@'));
            cases.extend(tags.filter(|t| is_case_id(t)).map(str::to_owned));
        }
    }
}
