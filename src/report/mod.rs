//! The conformance report, written at the end of every run: `report.json`
//! (versioned, for tools and for publishing), `report.md` (for people) and
//! `junit.xml` (for CI systems). Modelled on the Kubernetes Gateway API's
//! ConformanceReport: who was tested, with what, per profile a result, per case
//! a status with every scenario's result and the numbers it measured.
mod junit;
mod markdown;
mod matrix;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::manifest::Implementation;
use crate::run::{Counts, Outcome, ScenarioRecord, Status, Verdict, case_status};
use crate::scene::Measurement;

pub use junit::junit;
pub use markdown::markdown;
pub use matrix::{matrix, read_reports};

/// The report format's version.
pub const API_VERSION: &str = "failover-conformance/v1";

/// A whole report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Always [`API_VERSION`].
    pub api_version: String,
    /// Always `ConformanceReport`.
    pub kind: String,
    /// When the run ended (RFC 3339, UTC).
    pub date: String,
    /// The suite that produced it.
    pub suite: Suite,
    /// Who made the gateway under test.
    pub implementation: Implementation,
    /// `bundled` or `external`.
    pub mode: String,
    /// The gateway command template (external mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway_command: Option<String>,
    /// What the gateway declared, and where that came from.
    pub capabilities: Capabilities,
    /// Timing knobs in force.
    pub timing: TimingReport,
    /// The adapter's notes on how the config's knobs were mapped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Per profile: a result and counts.
    pub profiles: Vec<ProfileReport>,
    /// Per case id.
    pub cases: Vec<CaseReport>,
    /// Features that did not parse.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// How to run it again.
    pub reproduce: Reproduce,
}

/// The suite.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Suite {
    /// `failover-conformance`.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// Declared capabilities.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Capabilities {
    /// Names.
    pub declared: Vec<String>,
    /// Where they were declared.
    pub source: String,
}

/// Timing knobs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimingReport {
    /// Start timeout.
    pub start_timeout_ms: u64,
    /// Tolerance factor.
    pub tolerance_factor: f64,
}

/// A profile's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileResult {
    /// Every scenario that ran passed, and none was skipped.
    Success,
    /// None failed, but some were skipped by the person running the suite, or
    /// passed on the adapter's decision rather than the gateway's.
    Partial,
    /// Some scenario failed, or a feature did not parse.
    Failure,
    /// No scenario of the profile could run: the gateway declared none of
    /// the capabilities they need. Never a success: nothing was shown.
    NotSupported,
}

impl ProfileResult {
    /// The name reports use.
    pub const fn as_str(self) -> &'static str {
        match self {
            ProfileResult::Success => "success",
            ProfileResult::Partial => "partial",
            ProfileResult::Failure => "failure",
            ProfileResult::NotSupported => "not_supported",
        }
    }
}

/// A profile's result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProfileReport {
    /// `core` or `extended`.
    pub name: String,
    /// How the profile came out.
    pub result: ProfileResult,
    /// Scenario counts.
    pub summary: Counts,
    /// Case ids that failed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed_cases: Vec<String>,
}

/// A case's result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaseReport {
    /// E.g. `TC_R752_FAILOVER_004`, or `taxonomy`.
    pub id: String,
    /// Profiles the case's scenarios belong to.
    pub profiles: Vec<String>,
    /// How the case came out.
    pub status: Verdict,
    /// Capabilities some of its scenarios needed and the gateway did not declare.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_capabilities: Vec<String>,
    /// Scenario counts.
    pub summary: Counts,
    /// Every scenario.
    pub scenarios: Vec<ScenarioReport>,
}

/// A scenario's result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioReport {
    /// Name (outline examples have their values).
    pub name: String,
    /// Feature it belongs to.
    pub feature: String,
    /// Line in the feature file.
    pub line: usize,
    /// How the scenario came out.
    pub status: Verdict,
    /// The failing step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_step: Option<String>,
    /// Expected versus actual.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Why it was not run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What it measured.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub measurements: Vec<MeasurementReport>,
}

/// A measurement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeasurementReport {
    /// Name.
    pub name: String,
    /// Value.
    pub value: f64,
    /// Unit.
    pub unit: String,
}

/// How to reproduce the run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reproduce {
    /// The command.
    pub command: String,
    /// The environment variables that shaped it.
    pub environment: BTreeMap<String, String>,
}

fn scenario_report(s: &ScenarioRecord) -> ScenarioReport {
    ScenarioReport {
        name: s.name.clone(),
        feature: s.feature.clone(),
        line: s.line,
        status: s.status.verdict(),
        failed_step: s.failed_step.clone(),
        error: s.error.clone(),
        reason: s.reason.clone(),
        measurements: s.measurements.iter().map(measurement).collect(),
    }
}

fn measurement(m: &Measurement) -> MeasurementReport {
    MeasurementReport { name: m.name.clone(), value: (m.value * 100.0).round() / 100.0, unit: m.unit.to_owned() }
}

/// How the run can be repeated: the cargo command and the environment.
pub fn reproduce() -> Reproduce {
    let args: Vec<String> = std::env::args().skip(1).map(|a| shell_word(&a)).collect();
    let command = if args.is_empty() {
        "cargo test --test conformance".to_owned()
    } else {
        format!("cargo test --test conformance -- {}", args.join(" "))
    };
    let environment =
        std::env::vars().filter(|(k, _)| k.starts_with("FAILOVER_") || k == "CUCUMBER_FILTER_TAGS").collect();
    Reproduce { command, environment }
}

fn shell_word(word: &str) -> String {
    if word.chars().all(|c| c.is_ascii_alphanumeric() || "-_./@=:,".contains(c)) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Builds the report of a run.
pub fn build(outcome: &Outcome, date: String, reproduce: Reproduce) -> Report {
    let plan = &outcome.plan;
    let record = &outcome.record;
    let profile_of = |s: &ScenarioRecord| -> Vec<String> {
        s.tags.iter().filter(|t| crate::run::PROFILES.contains(&t.as_str())).cloned().collect()
    };
    let cases: Vec<CaseReport> = record
        .cases()
        .into_iter()
        .map(|(id, scenarios)| {
            let mut profiles: Vec<String> = scenarios.iter().flat_map(|s| profile_of(s)).collect();
            profiles.sort();
            profiles.dedup();
            let mut missing: Vec<String> = scenarios
                .iter()
                .filter(|s| s.status == Status::NotSupported)
                .flat_map(|s| plan.capabilities.missing(&s.tags))
                .collect();
            missing.sort();
            missing.dedup();
            CaseReport {
                id: id.to_owned(),
                profiles,
                status: case_status(&scenarios),
                missing_capabilities: missing,
                summary: Counts::of(scenarios.iter().copied()),
                scenarios: {
                    // Scenarios run concurrently: order them by place, not by start.
                    let mut reports: Vec<ScenarioReport> = scenarios.iter().map(|s| scenario_report(s)).collect();
                    reports.sort_by(|a, b| (&a.feature, a.line, &a.name).cmp(&(&b.feature, b.line, &b.name)));
                    reports
                },
            }
        })
        .collect();
    let profiles = crate::run::PROFILES
        .iter()
        .filter(|p| plan.profile.as_deref().is_none_or(|selected| selected == **p))
        .filter_map(|profile| {
            let in_profile: Vec<&ScenarioRecord> =
                record.scenarios().iter().filter(|s| s.tags.iter().any(|t| t == profile)).collect();
            if in_profile.is_empty() {
                return None;
            }
            let summary = Counts::of(in_profile.iter().copied());
            let failed_cases: Vec<String> = cases
                .iter()
                .filter(|c| c.profiles.iter().any(|p| p == profile) && c.status == Verdict::Failed)
                .map(|c| c.id.clone())
                .collect();
            let result = if summary.failed > 0 || !record.parse_errors.is_empty() {
                ProfileResult::Failure
            } else if summary.not_supported == in_profile.len() {
                ProfileResult::NotSupported
            } else if summary.skipped > 0 || summary.adapter_decided > 0 {
                ProfileResult::Partial
            } else {
                ProfileResult::Success
            };
            Some(ProfileReport { name: (*profile).to_owned(), result, summary, failed_cases })
        })
        .collect();
    let (mode, gateway_command) = match &plan.context.target {
        crate::context::Target::Bundled(_) => ("bundled", None),
        crate::context::Target::External { command } => ("external", Some(command.clone())),
    };
    let implementation = match (&plan.manifest, mode) {
        (Some(m), _) => m.implementation.clone(),
        (None, "bundled") => Implementation {
            organization: "failover-conformance".into(),
            project: "reference-gateway".into(),
            url: "reference-impl/".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            contact: Vec::new(),
        },
        (None, _) => Implementation::default(),
    };
    Report {
        api_version: API_VERSION.to_owned(),
        kind: "ConformanceReport".to_owned(),
        date,
        suite: Suite { name: env!("CARGO_PKG_NAME").to_owned(), version: env!("CARGO_PKG_VERSION").to_owned() },
        implementation,
        mode: mode.to_owned(),
        gateway_command,
        capabilities: Capabilities {
            declared: plan.capabilities.names.iter().cloned().collect(),
            source: plan.capabilities.source.clone(),
        },
        timing: TimingReport {
            start_timeout_ms: plan.context.timing.start_timeout.as_millis() as u64,
            tolerance_factor: plan.context.timing.tolerance_factor,
        },
        notes: plan.manifest.as_ref().map(|m| m.notes.clone()).unwrap_or_default(),
        profiles,
        cases,
        errors: record.parse_errors.clone(),
        reproduce,
    }
}

/// The current time as RFC 3339 (UTC, seconds).
pub fn now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

/// Writes `report.json`, `report.md` and `junit.xml` into `dir`.
pub fn write(dir: &Path, report: &Report) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let files = [
        ("report.json", serde_json::to_string_pretty(report).expect("a report serialises") + "\n"),
        ("report.md", markdown(report)),
        ("junit.xml", junit(report)?),
    ];
    let mut written = Vec::new();
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}
