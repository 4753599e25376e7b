//! What a run produced, scenario by scenario: the source of the console
//! summary, the self-tests' verdicts and the reports.
use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

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
    /// Not run: the person running the suite excluded it.
    Skipped,
    /// Not run: it needs a capability the gateway did not declare.
    NotSupported,
    /// Every step passed, but the manifest says the adapter, not the gateway,
    /// decides this outcome: not the gateway's pass.
    AdapterDecided,
}

impl Status {
    /// The outcome reports give it: a scenario that never finished failed.
    pub const fn verdict(self) -> Verdict {
        match self {
            Status::Running | Status::Failed => Verdict::Failed,
            Status::Passed => Verdict::Passed,
            Status::Skipped => Verdict::Skipped,
            Status::NotSupported => Verdict::NotSupported,
            Status::AdapterDecided => Verdict::AdapterDecided,
        }
    }

    /// The name reports use.
    pub const fn as_str(self) -> &'static str {
        self.verdict().as_str()
    }
}

/// A scenario's or a case's outcome, under the names the reports and the
/// contract use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every step passed (a case: every scenario that ran).
    Passed,
    /// A step failed (a case: some scenario).
    Failed,
    /// Excluded by the person running the suite (a case: some scenario, so
    /// its result is partial).
    Skipped,
    /// Not run for lack of a declared capability (a case: every scenario).
    NotSupported,
    /// Passed, with the outcome decided by the vendor's adapter rather than the
    /// gateway, as its manifest declares (a case: some scenario, none failed).
    AdapterDecided,
}

impl Verdict {
    /// The name reports use.
    pub const fn as_str(self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::Failed => "failed",
            Verdict::Skipped => "skipped",
            Verdict::NotSupported => "not_supported",
            Verdict::AdapterDecided => "adapter_decided",
        }
    }

    /// The name the console uses: the report's, in words.
    pub fn words(self) -> String {
        self.as_str().replace('_', " ")
    }

    /// Every outcome, in the order summaries list them.
    pub const ALL: [Verdict; 5] =
        [Verdict::Passed, Verdict::Failed, Verdict::Skipped, Verdict::NotSupported, Verdict::AdapterDecided];
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
    /// Why it was not run, for skipped and not supported scenarios.
    pub reason: Option<String>,
}

impl ScenarioRecord {
    /// The case id this scenario belongs to: its upper-case id tag, such as
    /// `TC_R752_FAILOVER_004` or `CONTRACT_STREAMING`.
    pub fn case_id(&self) -> &str {
        self.tags.iter().find(|t| is_case_id(t)).map_or("untagged", String::as_str)
    }
}

/// Whether a tag names a case: upper-case letters, digits and underscores,
/// with at least one underscore (`TC_R752_FAILOVER_001`, `CONTRACT_BAD_INPUT`).
pub fn is_case_id(tag: &str) -> bool {
    tag.contains('_') && tag.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// How many scenarios ended which way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Passed.
    pub passed: usize,
    /// Failed (or never finished).
    pub failed: usize,
    /// Excluded by the person running the suite.
    pub skipped: usize,
    /// Not run for lack of a declared capability.
    pub not_supported: usize,
    /// Passed with the outcome decided by the adapter (never the gateway's pass).
    #[serde(default)]
    pub adapter_decided: usize,
}

impl Counts {
    /// Counts `scenarios`.
    pub fn of<'a>(scenarios: impl IntoIterator<Item = &'a ScenarioRecord>) -> Self {
        let mut c = Counts::default();
        for s in scenarios {
            match s.status {
                Status::Passed => c.passed += 1,
                Status::Failed | Status::Running => c.failed += 1,
                Status::Skipped => c.skipped += 1,
                Status::NotSupported => c.not_supported += 1,
                Status::AdapterDecided => c.adapter_decided += 1,
            }
        }
        c
    }

    /// How many ended as `verdict`.
    pub const fn of_verdict(&self, verdict: Verdict) -> usize {
        match verdict {
            Verdict::Passed => self.passed,
            Verdict::Failed => self.failed,
            Verdict::Skipped => self.skipped,
            Verdict::NotSupported => self.not_supported,
            Verdict::AdapterDecided => self.adapter_decided,
        }
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
            reason: None,
        };
        self.index.insert(key, self.scenarios.len());
        self.scenarios.push(record);
    }

    /// Registers a scenario that was not run, with the reason.
    pub fn not_run(&mut self, key: Key, tags: Vec<String>, status: Status, reason: String) {
        if self.index.contains_key(&key) {
            return;
        }
        self.started(key.clone(), tags);
        let entry = self.get_mut(&key).expect("just registered");
        entry.status = status;
        entry.reason = Some(reason);
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

    /// Takes over the scenarios `other` ran (passed or failed), in place of
    /// this run's records of them: one run's results from two passes.
    pub fn take_ran(&mut self, other: &RunRecord) {
        for ran in other.scenarios.iter().filter(|s| matches!(s.status, Status::Passed | Status::Failed)) {
            let key = (ran.feature.clone(), ran.line, ran.name.clone());
            match self.index.get(&key) {
                Some(&i) => self.scenarios[i] = ran.clone(),
                None => {
                    self.index.insert(key, self.scenarios.len());
                    self.scenarios.push(ran.clone());
                }
            }
        }
        self.parse_errors.extend(other.parse_errors.iter().cloned());
    }

    /// Every scenario, in the order they started.
    pub fn scenarios(&self) -> &[ScenarioRecord] {
        &self.scenarios
    }

    /// How the run's scenarios ended.
    pub fn counts(&self) -> Counts {
        Counts::of(&self.scenarios)
    }

    /// Marks the passed scenarios whose outcome the adapter decides (any of
    /// their tags is a key of `decided`, whose value says why).
    pub fn attribute_to_adapter(&mut self, decided: &BTreeMap<String, String>) {
        for s in &mut self.scenarios {
            if s.status != Status::Passed {
                continue;
            }
            if let Some((tag, why)) = decided.iter().find(|(tag, _)| s.tags.contains(tag)) {
                s.status = Status::AdapterDecided;
                s.reason = Some(format!("decided by the adapter, not the gateway (@{tag}): {why}"));
            }
        }
    }

    /// Whether the run failed: a failed scenario or a feature that did not parse.
    pub fn has_failed(&self) -> bool {
        self.counts().failed > 0 || !self.parse_errors.is_empty()
    }

    /// The plain last line, in the reports' outcome names: `N passed, N failed,
    /// N skipped, N not supported, N adapter decided`.
    pub fn summary_line(&self) -> String {
        let c = self.counts();
        let parts: Vec<String> = Verdict::ALL.iter().map(|v| format!("{} {}", c.of_verdict(*v), v.words())).collect();
        parts.join(", ")
    }

    /// One line per case id: its status and how its scenarios ended.
    pub fn case_lines(&self) -> Vec<String> {
        self.cases()
            .into_iter()
            .map(|(case, scenarios)| {
                let c = Counts::of(scenarios.iter().copied());
                let mut parts = vec![format!("{}/{} passed", c.passed, scenarios.len())];
                for v in &Verdict::ALL[1..] {
                    if c.of_verdict(*v) > 0 {
                        parts.push(format!("{} {}", c.of_verdict(*v), v.words()));
                    }
                }
                let status = match case_status(&scenarios) {
                    Verdict::Failed => "FAILED".to_owned(),
                    other => other.words(),
                };
                format!("{case}: {status} ({})", parts.join(", "))
            })
            .collect()
    }

    /// Scenarios grouped by case id, in id order.
    pub fn cases(&self) -> BTreeMap<&str, Vec<&ScenarioRecord>> {
        let mut cases: BTreeMap<&str, Vec<&ScenarioRecord>> = BTreeMap::new();
        for s in &self.scenarios {
            cases.entry(s.case_id()).or_default().push(s);
        }
        cases
    }
}

/// A case's status from its scenarios: `failed` if any failed; else `skipped`
/// if any was excluded by the person running it (partial); `not_supported` if
/// none could run for lack of a capability; `adapter_decided` if the adapter
/// decided some outcome; else `passed`.
pub fn case_status(scenarios: &[&ScenarioRecord]) -> Verdict {
    let any = |v: Verdict| scenarios.iter().any(|r| r.status.verdict() == v);
    if any(Verdict::Failed) {
        Verdict::Failed
    } else if any(Verdict::Skipped) {
        Verdict::Skipped
    } else if scenarios.iter().all(|r| r.status == Status::NotSupported) {
        Verdict::NotSupported
    } else if any(Verdict::AdapterDecided) {
        Verdict::AdapterDecided
    } else {
        Verdict::Passed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(record: &mut RunRecord, name: &str, tags: &[&str], status: Status) {
        let key = ("f".to_owned(), record.scenarios().len(), name.to_owned());
        record.started(key.clone(), tags.iter().map(|t| (*t).to_owned()).collect());
        record.get_mut(&key).expect("registered").status = status;
    }

    fn decided() -> BTreeMap<String, String> {
        BTreeMap::from([("CONTRACT_BAD_INPUT".to_owned(), "the adapter validates bodies".to_owned())])
    }

    #[test]
    fn a_pass_the_adapter_decided_is_not_the_gateways() {
        let mut record = RunRecord::default();
        scenario(&mut record, "bad json", &["CONTRACT_BAD_INPUT", "core"], Status::Passed);
        scenario(&mut record, "failover", &["TC_R752_FAILOVER_001", "core"], Status::Passed);
        record.attribute_to_adapter(&decided());
        let c = record.counts();
        assert_eq!((c.passed, c.adapter_decided), (1, 1));
        let bad = &record.scenarios()[0];
        assert_eq!(bad.status.verdict(), Verdict::AdapterDecided);
        assert!(bad.reason.as_deref().is_some_and(|r| r.contains("@CONTRACT_BAD_INPUT") && r.contains("validates")));
        assert_eq!(case_status(&[bad]), Verdict::AdapterDecided);
        assert_eq!(record.summary_line(), "1 passed, 0 failed, 0 skipped, 0 not supported, 1 adapter decided");
    }

    #[test]
    fn a_failure_stays_a_failure_whoever_decided_it() {
        let mut record = RunRecord::default();
        scenario(&mut record, "bad json", &["CONTRACT_BAD_INPUT"], Status::Failed);
        scenario(&mut record, "bad method", &["CONTRACT_BAD_INPUT"], Status::Passed);
        record.attribute_to_adapter(&decided());
        let c = record.counts();
        assert_eq!((c.failed, c.adapter_decided, c.passed), (1, 1, 0));
        let all: Vec<&ScenarioRecord> = record.scenarios().iter().collect();
        assert_eq!(case_status(&all), Verdict::Failed);
        assert!(record.has_failed());
    }

    #[test]
    fn without_a_declaration_a_pass_is_a_pass() {
        let mut record = RunRecord::default();
        scenario(&mut record, "bad json", &["CONTRACT_BAD_INPUT"], Status::Passed);
        record.attribute_to_adapter(&BTreeMap::new());
        assert_eq!(record.counts().passed, 1);
        assert_eq!(record.case_lines(), vec!["CONTRACT_BAD_INPUT: passed (1/1 passed)".to_owned()]);
    }

    #[test]
    fn every_outcome_is_named_in_the_summary_and_the_case_line() {
        let mut record = RunRecord::default();
        for (i, status) in
            [Status::Passed, Status::Failed, Status::Skipped, Status::NotSupported, Status::AdapterDecided]
                .into_iter()
                .enumerate()
        {
            scenario(&mut record, &format!("s{i}"), &["CASE_X"], status);
        }
        assert_eq!(record.summary_line(), "1 passed, 1 failed, 1 skipped, 1 not supported, 1 adapter decided");
        assert_eq!(
            record.case_lines(),
            vec!["CASE_X: FAILED (1/5 passed, 1 failed, 1 skipped, 1 not supported, 1 adapter decided)".to_owned()]
        );
    }
}
