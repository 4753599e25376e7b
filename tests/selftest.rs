//! The suite's self-test: runs every feature against deliberately broken
//! variants of the reference gateway, each lacking exactly one behaviour, and
//! checks that exactly the scenarios encoding that behaviour fail. A suite that
//! passes a gateway that does not fail over is broken; so is one whose scenarios
//! fail for a defect they are not about, and so is a scenario no variant fails.
//!
//! The variants are built from the outside (`selftest/defects.rs`): the gateway
//! users run has no branch for them.
//!
//! The tables below are the suite's claim about itself: for each defect, the
//! scenarios that catch it (`case: scenario name`); and the scenarios no
//! variant can catch, each with the reason. When a feature changes, update the
//! tables and say why in the commit.
#[path = "../steps/mod.rs"]
mod steps;

#[path = "selftest/assembly.rs"]
mod assembly;
#[path = "selftest/defects.rs"]
mod defects;
#[path = "selftest/expected.rs"]
mod expected;
#[path = "selftest/interposer.rs"]
mod interposer;
#[path = "selftest/scope.rs"]
mod scope;

use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use assembly::Variant;
use cucumber::codegen::Regex;
use cucumber::gherkin::tagexpr::TagOperation;
use defects::Defect;
use failover_conformance::context::Target;
use failover_conformance::run::{self, Plan, RunRecord, RunSettings, ScenarioRecord, Status};
use futures::StreamExt;

/// Runs the features (all, or `features` under the repository) against `variant`.
async fn against(variant: Variant, features: Option<&str>, settings: impl FnOnce(&mut RunSettings)) -> RunRecord {
    let mut run_settings = RunSettings::quiet(Plan::bundled(Target::Bundled(Arc::new(variant))));
    if let Some(dir) = features {
        run_settings.features = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    } else if let Some(dir) = std::env::var_os("SELFTEST_FEATURES") {
        // While working on a variant: only these features.
        run_settings.features = dir.into();
    }
    settings(&mut run_settings);
    run::run::<steps::FailoverWorld>(&run_settings).await.expect("the bundled plan is valid").record
}

/// What the self-test counted.
#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
}

impl Tally {
    fn check(&mut self, ok: bool) {
        if ok {
            self.passed += 1;
        } else {
            self.failed += 1;
        }
    }
}

fn verdict(ok: bool) -> &'static str {
    if ok { "ok" } else { "MISMATCH" }
}

/// An undefined step and a feature that does not parse each fail the run,
/// rather than being skipped quietly.
async fn bad_features_fail_the_run(tally: &mut Tally) {
    let standard = Variant::Slowed(Duration::ZERO);
    let record = against(standard, Some("tests/fixtures/undefined"), |_| {}).await;
    let undefined = record.has_failed()
        && record.scenarios().iter().any(|s| s.failed_step.as_deref().is_some_and(|f| f.contains("right now")));
    let malformed = against(standard, Some("tests/fixtures/malformed"), |_| {}).await.has_failed();
    println!("an undefined step fails the run: {}", verdict(undefined));
    println!("a malformed feature fails the run: {}", verdict(malformed));
    tally.check(undefined);
    tally.check(malformed);
}

/// The tolerance factor is applied: a timing scenario run on a gateway slowed
/// past the scenario's tolerance fails at factor 1 and passes at factor 2.
async fn tolerance_factor_is_applied(tally: &mut Tally) {
    let (scenario, delay) = expected::TOLERANCE_PROBE;
    let name = Regex::new(&format!("^{}$", regex_escape(scenario))).expect("a valid pattern");
    let mut outcomes = Vec::new();
    for factor in [1.0, 2.0] {
        let record = against(Variant::Slowed(delay), None, |s| {
            s.name = Some(name.clone());
            if let Some(plan) = &mut s.plan {
                plan.context.timing.tolerance_factor = factor;
            }
        })
        .await;
        let ran: Vec<&ScenarioRecord> =
            record.scenarios().iter().filter(|s| !matches!(s.status, Status::Skipped | Status::NotSupported)).collect();
        outcomes.push(match ran.as_slice() {
            [one] => Some(one.status == Status::Passed),
            _ => None,
        });
    }
    let ok = outcomes == [Some(false), Some(true)];
    println!(
        "a gateway {} ms slow fails \"{scenario}\" at tolerance factor 1 and passes it at 2: {} (passed: {outcomes:?})",
        delay.as_millis(),
        verdict(ok)
    );
    tally.check(ok);
}

/// Escapes the characters the regex syntax gives a meaning (as `regex::escape`
/// does); any other character stands for itself (`\<` would be a word boundary).
fn regex_escape(text: &str) -> String {
    const META: &str = "\\.+*?()|[]{}^$#&-~";
    text.chars().map(|c| if META.contains(c) { format!("\\{c}") } else { c.to_string() }).collect()
}

/// The scenarios of `names` that fail again when run alone against `defect`'s
/// variant. A scenario that failed for a defect it is not about while a
/// hundred others ran beside it, and passes alone, failed on the machine's
/// load (a timing bound), not on the defect; one that fails alone too is a
/// real mismatch.
async fn fail_alone(defect: Defect, names: &[&ScenarioRecord]) -> BTreeSet<String> {
    if names.is_empty() {
        return BTreeSet::new();
    }
    let pattern = names.iter().map(|s| regex_escape(&s.name)).collect::<Vec<_>>().join("|");
    let name = Regex::new(&format!("^(?:{pattern})$")).expect("a valid pattern");
    let wanted: BTreeSet<String> = names.iter().map(|s| key(s)).collect();
    let record = against(Variant::Defective(defect), None, |s| s.name = Some(name)).await;
    let ran: BTreeSet<String> = record.scenarios().iter().map(key).collect();
    let mut failed: BTreeSet<String> =
        record.scenarios().iter().filter(|s| ran_and_failed(s)).map(key).filter(|k| wanted.contains(k)).collect();
    // One that did not run again at all is not excused.
    failed.extend(wanted.iter().filter(|k| !ran.contains(*k)).cloned());
    failed
}

/// Ran and did not pass (a scenario the variant's plan or scope left out is neither).
fn ran_and_failed(s: &ScenarioRecord) -> bool {
    !matches!(s.status, Status::Passed | Status::NotSupported | Status::Skipped)
}

fn key(s: &ScenarioRecord) -> String {
    format!("{}: {}", s.case_id(), s.name)
}

/// Variants run at once (`SELFTEST_AT_ONCE` overrides it): the runs mostly
/// wait on timeouts, and a process-wide lock keeps `@serial` scenarios alone
/// across runs.
const AT_ONCE: usize = 2;

fn at_once() -> usize {
    std::env::var("SELFTEST_AT_ONCE").ok().and_then(|n| n.parse().ok()).filter(|n| *n > 0).unwrap_or(AT_ONCE)
}

#[tokio::main]
async fn main() -> ExitCode {
    run::quiet_step_panics();
    let mut tally = Tally::default();
    // `SELFTEST_ONLY=no-retry,hair-trigger` runs only those variants (while
    // working on them); the completeness check then only covers what ran.
    let only: Option<Vec<String>> =
        std::env::var("SELFTEST_ONLY").ok().map(|list| list.split(',').map(|s| s.trim().to_owned()).collect());
    let selected = expected::grouped().into_iter().filter(|(d, _)| only.as_ref().is_none_or(|o| o.contains(&d.name())));
    // The `@requires-load` scenarios run apart: first every variant without
    // them, then each load runner with only them, one at a time, so that
    // 2,000 requests in flight never share the process with another run.
    let full = std::env::var_os("SELFTEST_FULL").is_some_and(|v| v != "0");
    let selected: Vec<(Defect, Vec<&str>)> = selected.collect();
    let runs = futures::stream::iter(selected.iter().cloned().map(|(defect, expected)| async move {
        let started = std::time::Instant::now();
        let scope = if full { None } else { Some(scope::cases_of(&expected)) };
        let record = against(Variant::Defective(defect), None, |s| {
            if let Some(plan) = &mut s.plan {
                plan.capabilities.names.remove("load");
            }
            s.tags = scope;
        })
        .await;
        (defect, expected, record, started.elapsed())
    }))
    .buffered(at_once())
    .collect::<Vec<_>>()
    .await;
    let mut runs = runs;
    for (defect, _, record, took) in &mut runs {
        let Some((_, tags, name)) = expected::LOAD_RUNNERS.iter().find(|(d, _, _)| d == defect) else { continue };
        let tags: TagOperation = tags.parse().expect("a valid tag expression");
        let name = name.map(|start| Regex::new(&format!("^{}", regex_escape(start))).expect("a valid pattern"));
        let started = std::time::Instant::now();
        let ran = against(Variant::Defective(*defect), None, |s| {
            s.tags = Some(tags);
            s.name = name;
        })
        .await;
        record.take_ran(&ran);
        *took += started.elapsed();
    }
    let mut caught_by: BTreeMap<String, Vec<Defect>> = BTreeMap::new();
    if !full && only.is_none() {
        // The cases no variant claims still run once, against the unchanged
        // gateway, so that their scenarios are counted as caught by none.
        let claimed: Vec<&str> = selected.iter().flat_map(|(_, e)| e.iter().copied()).collect();
        let unclaimed = scope::unclaimed(&claimed);
        let ok = match scope::any_of(&unclaimed) {
            Some(tags) => {
                let record = against(Variant::Slowed(Duration::ZERO), None, |s| s.tags = Some(tags)).await;
                for scenario in record.scenarios() {
                    caught_by.entry(key(scenario)).or_default();
                }
                !record.has_failed()
            }
            None => true,
        };
        println!("the cases no variant claims ({}) pass on the unchanged gateway: {}", unclaimed.len(), verdict(ok));
        tally.check(ok);
    }
    for (defect, expected, record, took) in runs {
        let failed: BTreeSet<String> = record.scenarios().iter().filter(|s| ran_and_failed(s)).map(key).collect();
        let expected: BTreeSet<String> = expected.iter().map(|s| (*s).to_owned()).collect();
        for scenario in record.scenarios() {
            caught_by.entry(key(scenario)).or_default();
        }
        let racy = |k: &String| expected::RACY.iter().any(|(d, s, _)| *d == defect && s == k);
        let missed: Vec<&String> = expected.difference(&failed).collect();
        let unexpected: Vec<&ScenarioRecord> = record
            .scenarios()
            .iter()
            .filter(|s| ran_and_failed(s) && !expected.contains(&key(s)) && !racy(&key(s)))
            .collect();
        let again = fail_alone(defect, &unexpected).await;
        let (spurious, under_load): (Vec<&ScenarioRecord>, Vec<&ScenarioRecord>) =
            unexpected.into_iter().partition(|s| again.contains(&key(s)));
        // What failed only on the load does not count as caught by this defect.
        let load_only: BTreeSet<String> = under_load.iter().map(|s| key(s)).collect();
        for f in failed.iter().filter(|f| !racy(f) && !load_only.contains(*f)) {
            caught_by.entry(f.clone()).or_default().push(defect);
        }
        let ok = missed.is_empty() && spurious.is_empty() && record.parse_errors.is_empty() && !expected.is_empty();
        println!(
            "defect {:<28} {}: {} of {} scenarios failed as expected ({:.1} s)",
            defect.name(),
            verdict(ok),
            failed.iter().filter(|f| expected.contains(*f)).count(),
            record.scenarios().len(),
            took.as_secs_f64()
        );
        for m in &missed {
            println!("  should have failed but passed: {m}");
        }
        for s in &under_load {
            println!("  failed beside the others but passed alone (the machine's load, not the defect): {}", key(s));
            println!("    at: {}", s.failed_step.as_deref().unwrap_or("-"));
        }
        for s in &spurious {
            println!("  failed but is not about this defect: {}", key(s));
            println!("    at: {}", s.failed_step.as_deref().unwrap_or("-"));
            println!("    because: {}", s.error.as_deref().unwrap_or("-"));
        }
        for e in &record.parse_errors {
            println!("  feature error: {e}");
        }
        tally.check(ok);
    }
    // Every scenario is caught by some variant, or listed with the reason none can.
    let uncaught: BTreeSet<&String> = caught_by.iter().filter(|(_, by)| by.is_empty()).map(|(k, _)| k).collect();
    let excused: BTreeSet<String> = expected::UNCATCHABLE.iter().map(|(k, _)| (*k).to_owned()).collect();
    let unexcused: Vec<&&String> = uncaught.iter().filter(|k| !excused.contains(**k)).collect();
    let stale: Vec<&String> = excused.iter().filter(|k| !uncaught.contains(k)).collect();
    let complete = unexcused.is_empty() && stale.is_empty();
    if only.is_some() {
        println!("SELFTEST_ONLY is set: the completeness check and the fixtures were not run");
    }
    if !full {
        println!("each variant ran the cases it claims; SELFTEST_FULL=1 runs every variant against every case");
    }
    println!("every scenario is caught by a variant or listed with a reason: {}", verdict(complete));
    for k in &unexcused {
        println!("  caught by no variant and not listed: {k}");
    }
    for k in &stale {
        println!("  listed as uncatchable but a variant catches it (or it no longer exists): {k}");
    }
    for (k, why) in expected::UNCATCHABLE {
        println!("  uncatchable: {k}: {why}");
    }
    if only.is_none() {
        tally.check(complete);
        tolerance_factor_is_applied(&mut tally).await;
        bad_features_fail_the_run(&mut tally).await;
    }
    println!("self-test: {} checks passed, {} failed", tally.passed, tally.failed);
    if tally.failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
