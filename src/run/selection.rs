//! Which scenarios a run runs, and why the others are not run.
//!
//! cucumber drops filtered scenarios from its events, and its own `--tags` and
//! `--name` replace a filter set in code. So the suite takes those options over:
//! it reads them, applies them together with the profile and the declared
//! capabilities, and records every scenario it leaves out with the reason.
//! Gateway API's conformance suite keeps the distinction kept here: a scenario
//! whose capability the gateway did not declare is *not supported* (listed, not
//! held against conformance); one the person running the suite excluded is
//! *skipped* (the result becomes partial).
use cucumber::codegen::Regex;
use cucumber::gherkin::tagexpr::TagOperation;
use cucumber::tag::Ext as _;

use crate::capabilities::Declared;

/// The profiles scenarios are tagged with.
pub const PROFILES: &[&str] = &["core", "extended"];

/// What decides whether a scenario runs.
#[derive(Clone, Debug)]
pub struct Selection {
    /// `--name`: a regex on scenario names.
    pub name: Option<Regex>,
    /// `--tags`: a tag expression.
    pub tags: Option<TagOperation>,
    /// `--profile`: only scenarios of this profile.
    pub profile: Option<String>,
    /// What the gateway declared.
    pub capabilities: Declared,
}

/// What becomes of one scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// It runs.
    Run,
    /// A capability it needs was not declared.
    NotSupported(Vec<String>),
    /// The person running the suite excluded it (the reason says how).
    Skipped(String),
    /// It belongs to another profile than the one selected: not part of this run.
    OutOfProfile,
}

impl Selection {
    /// Everything, against a gateway declaring `capabilities`.
    pub fn everything(capabilities: Declared) -> Self {
        Self { name: None, tags: None, profile: None, capabilities }
    }

    /// Decides for a scenario with these tags (feature's and its own, no `@`) and name.
    pub fn decide(&self, tags: &[String], name: &str) -> Decision {
        if let Some(profile) = &self.profile {
            if !tags.iter().any(|t| t == profile) {
                return Decision::OutOfProfile;
            }
        }
        let missing = self.capabilities.missing(tags);
        if !missing.is_empty() {
            return Decision::NotSupported(missing);
        }
        if let Some(re) = &self.name {
            if !re.is_match(name) {
                return Decision::Skipped(format!("excluded by --name '{re}'"));
            }
        }
        if let Some(expr) = &self.tags {
            if !expr.eval(tags.iter()) {
                return Decision::Skipped(format!("excluded by --tags '{}'", show(expr)));
            }
        }
        Decision::Run
    }
}

/// A tag expression as it would be written on the command line.
fn show(expr: &TagOperation) -> String {
    match expr {
        TagOperation::And(l, r) => format!("({} and {})", show(l), show(r)),
        TagOperation::Or(l, r) => format!("({} or {})", show(l), show(r)),
        TagOperation::Not(t) => format!("not {}", show(t)),
        TagOperation::Tag(t) => format!("@{t}"),
    }
}
