//! What a run produced, scenario by scenario: the source of the console
//! summary, the self-tests' verdicts and the reports.
use std::collections::{BTreeMap, HashMap};

use crate::scene::Measurement;

/// How a scenario ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// Started, not finished yet.
    Running,
    /// Every step passed.
    Passed,
    /// A step or hook failed.
    Failed,
    /// A step was skipped (only possible for scenarios allowed to skip).
    Skipped,
}

/// One scenario's result.
#[derive(Clone, Debug)]
pub struct ScenarioRecord {
    /// Feature name.
    pub feature: String,
    /// Scenario name (an outline's examples have their values substituted).
    pub name: String,
    /// Line of the scenario (or of its examples row) in the feature file.
    pub line: usize,
    /// Tags of the feature and of the scenario, without `@`.
    pub tags: Vec<String>,
    /// How it ended.
    pub status: Status,
    /// The failing step's text, if it failed in a step.
    pub failed_step: Option<String>,
    /// The failure message: expected versus actual.
    pub error: Option<String>,
    /// Numbers the scenario measured.
    pub measurements: Vec<Measurement>,
}

impl ScenarioRecord {
    /// The case id this scenario belongs to (its `TC_...` tag, or its first
    /// feature tag for taxonomy and contract features).
    pub fn case_id(&self) -> &str {
        self.tags
            .iter()
            .find(|t| t.starts_with("TC_"))
            .or_else(|| self.tags.iter().find(|t| !matches!(t.as_str(), "core" | "extended" | "serial")))
            .map_or("untagged", String::as_str)
    }
}

/// Scenario key: feature name, line, scenario name.
pub type Key = (String, usize, String);

/// The whole run.
#[derive(Clone, Debug, Default)]
pub struct RunRecord {
    scenarios: Vec<ScenarioRecord>,
    index: HashMap<Key, usize>,
    /// Features that failed to parse, with the parser's message.
    pub parse_errors: Vec<String>,
    /// Measurements handed over by scenarios, not yet attached: the writer
    /// sees a scenario's events later than its hooks run.
    pending: HashMap<Key, Vec<Measurement>>,
}

impl RunRecord {
    /// Registers a scenario that started.
    pub fn started(&mut self, key: Key, tags: Vec<String>) {
        let record = ScenarioRecord {
            feature: key.0.clone(),
            name: key.2.clone(),
            line: key.1,
            tags,
            status: Status::Running,
            failed_step: None,
            error: None,
            measurements: Vec::new(),
        };
        self.index.insert(key, self.scenarios.len());
        self.scenarios.push(record);
    }

    /// Keeps a finished scenario's measurements until [`RunRecord::settle`].
    pub fn measured(&mut self, key: Key, measurements: Vec<Measurement>) {
        self.pending.entry(key).or_default().extend(measurements);
    }

    /// Attaches every pending measurement to its scenario.
    pub fn settle(&mut self) {
        for (key, measurements) in std::mem::take(&mut self.pending) {
            if let Some(&i) = self.index.get(&key) {
                self.scenarios[i].measurements.extend(measurements);
            }
        }
    }

    /// The scenario under `key`, if it started.
    pub fn get_mut(&mut self, key: &Key) -> Option<&mut ScenarioRecord> {
        self.index.get(key).map(|&i| &mut self.scenarios[i])
    }

    /// Every scenario, in the order they started.
    pub fn scenarios(&self) -> &[ScenarioRecord] {
        &self.scenarios
    }

    /// (passed, failed, skipped) scenario counts; a scenario that never finished counts as failed.
    pub fn counts(&self) -> (usize, usize, usize) {
        let of = |s: Status| self.scenarios.iter().filter(|r| r.status == s).count();
        (of(Status::Passed), of(Status::Failed) + of(Status::Running), of(Status::Skipped))
    }

    /// Whether the run failed: a failed scenario or a feature that did not parse.
    pub fn has_failed(&self) -> bool {
        self.counts().1 > 0 || !self.parse_errors.is_empty()
    }

    /// The plain last line: `N passed, N failed, N skipped`.
    pub fn summary_line(&self) -> String {
        let (passed, failed, skipped) = self.counts();
        format!("{passed} passed, {failed} failed, {skipped} skipped")
    }

    /// One line per case id: how many of its scenarios passed.
    pub fn case_lines(&self) -> Vec<String> {
        let mut cases: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for s in &self.scenarios {
            let entry = cases.entry(s.case_id()).or_default();
            entry.1 += 1;
            entry.0 += usize::from(s.status == Status::Passed);
        }
        cases
            .into_iter()
            .map(|(case, (passed, total))| {
                let verdict = if passed == total { "passed" } else { "FAILED" };
                format!("{case}: {verdict} ({passed}/{total} scenarios)")
            })
            .collect()
    }
}
