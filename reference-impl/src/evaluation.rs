//! Continuous evaluation (`evaluation` in the config, capability
//! `continuous-eval`): every interval, each entry of each chain of a model
//! with a golden set gets a round, every case of the set sent at once; the
//! answers are graded and the policy's [`Evaluation`] marks the entry
//! degraded while its pass rate over its latest rounds is below the
//! minimum. Each change of mark is logged with its evidence; the mark, the
//! pass rate and the failing cases show in `GET /admin/providers` and on
//! the dashboard. The mark moves no traffic: it is the early warning that a
//! provider's answers changed before clients' traffic shows it.
//!
//! Golden probes are the gateway's own traffic: they count against no
//! breaker, no health record and no budget.
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use failover_contract::{EvaluationConfig, Expectation, GatewayConfig};
use failover_policy::evaluation::{Answer, Change, EvalConfig, Evaluation, Expect, Round};
use failover_policy::{Class, Decide};
use jsonschema::Validator;
use serde::Serialize;
use serde_json::{Value, json};

use crate::events::EventKind;
use crate::proxy::forward::judge_whole;
use crate::proxy::upstream::AnswerBody;
use crate::settings::Settings;
use crate::{Gateway, lock};

/// The longest part of a wrong answer kept as evidence.
const EVIDENCE_CHARS: usize = 200;

/// The golden sets, compiled, and every evaluated entry's record.
pub(crate) struct Evaluator {
    interval: std::time::Duration,
    /// One set per model (index into `Settings::routes`) that has one.
    sets: Vec<(usize, GoldenSet)>,
}

struct GoldenSet {
    config: EvalConfig,
    cases: Vec<Case>,
    /// One record per chain entry.
    entries: Vec<Mutex<Entry>>,
}

struct Case {
    name: Arc<str>,
    /// The request body per chain entry (each sends its own model name).
    bodies: Vec<Bytes>,
    expect: Expect,
    schema: Option<Arc<Validator>>,
    /// The expectation in words, for the evidence.
    expected: Arc<str>,
}

/// One chain entry's evaluation.
struct Entry {
    record: Evaluation,
    /// When its mark last changed.
    since: Option<Instant>,
    /// The cases its latest round failed.
    failures: Vec<Evidence>,
}

/// A case a provider failed, as the evidence shows it.
#[derive(Clone, Debug, Serialize)]
pub struct Evidence {
    /// The case's name.
    pub case: Arc<str>,
    /// What its answer had to be.
    pub expected: Arc<str>,
    /// The provider's answer (its first 200 characters), if it had text.
    pub answered: Option<String>,
    /// Why it failed.
    pub why: String,
}

/// A chain entry's evaluation as `GET /admin/providers` and the dashboard
/// show it.
#[derive(Clone, Debug, Serialize)]
pub struct Status {
    /// Whether it is marked degraded.
    pub degraded: bool,
    /// The share of the window's graded cases that passed; `null` before any.
    pub pass_rate: Option<f64>,
    /// The set's minimum.
    pub min_pass_rate: f64,
    /// Cases graded in the window.
    pub graded: u32,
    /// Of those, passed.
    pub passed: u32,
    /// Rounds in the window.
    pub rounds: usize,
    /// Rounds recorded since the start.
    pub rounds_recorded: u64,
    /// When the mark last changed (ms since the start); `null` if never.
    pub since_ms: Option<f64>,
    /// The cases its latest round failed.
    pub failures: Vec<Evidence>,
}

impl Evaluator {
    /// Compiles the `evaluation` section of a validated config.
    pub(crate) fn new(config: &GatewayConfig, settings: &Settings) -> Option<Self> {
        let eval: &EvaluationConfig = config.evaluation.as_ref()?;
        let sets = eval
            .sets
            .iter()
            .map(|set| {
                let route = settings.by_model[set.model.as_str()];
                let hops = &settings.routes[route].hops;
                let config = EvalConfig { window: eval.window, min_pass_rate: set.min_pass_rate };
                let cases = set
                    .cases
                    .iter()
                    .map(|case| {
                        let bodies = hops
                            .iter()
                            .map(|hop| {
                                let model = hop.model.as_deref().unwrap_or(&set.model);
                                let body = json!({
                                    "model": model,
                                    "messages": [{"role": "user", "content": case.prompt}],
                                    "temperature": 0,
                                });
                                Bytes::from(body.to_string())
                            })
                            .collect();
                        let (expect, schema, expected) = compiled(&case.expect);
                        Case { name: case.name.as_str().into(), bodies, expect, schema, expected: expected.into() }
                    })
                    .collect();
                let entry = || Mutex::new(Entry { record: Evaluation::new(config), since: None, failures: Vec::new() });
                (route, GoldenSet { config, cases, entries: hops.iter().map(|_| entry()).collect() })
            })
            .collect();
        Some(Self { interval: crate::settings::ms(eval.interval_ms), sets })
    }

    /// The evaluation of chain entry `hop` of model `route`, if it has one.
    pub(crate) fn status(&self, route: usize, hop: usize, at_ms: impl Fn(Instant) -> f64) -> Option<Status> {
        let (_, set) = self.sets.iter().find(|(r, _)| *r == route)?;
        let entry = lock(set.entries.get(hop)?);
        let (graded, passed) = entry.record.totals();
        Some(Status {
            degraded: entry.record.degraded(),
            pass_rate: entry.record.pass_rate(),
            min_pass_rate: set.config.min_pass_rate,
            graded,
            passed,
            rounds: entry.record.rounds(),
            rounds_recorded: entry.record.rounds_recorded(),
            since_ms: entry.since.map(at_ms),
            failures: entry.failures.clone(),
        })
    }
}

/// What a validated expectation is compiled to, with its words.
fn compiled(expect: &Expectation) -> (Expect, Option<Arc<Validator>>, String) {
    match expect {
        Expectation::Exact(text) => (Expect::Exact(text.clone()), None, format!("exactly {text:?}")),
        Expectation::Pattern(p) => {
            (Expect::Pattern(regex::Regex::new(p).expect("validated")), None, format!("matching /{p}/"))
        }
        Expectation::Schema(schema) => {
            let validator = jsonschema::validator_for(schema).expect("validated");
            (Expect::Schema, Some(Arc::new(validator)), format!("JSON matching {schema}"))
        }
    }
}

/// Runs every entry's rounds until the gateway stops.
pub(crate) async fn drive<D: Decide>(gateway: Arc<Gateway<D>>) {
    let Some(evaluator) = &gateway.evaluator else { return };
    let mut entries = Vec::new();
    for (s, (route, _)) in evaluator.sets.iter().enumerate() {
        for hop in 0..gateway.settings.routes[*route].hops.len() {
            entries.push(rounds(gateway.clone(), s, hop));
        }
    }
    futures_util::future::join_all(entries).await;
}

/// One entry's rounds, one every interval (a round still running when the
/// next is due delays it).
async fn rounds<D: Decide>(gateway: Arc<Gateway<D>>, set: usize, hop: usize) {
    let evaluator = gateway.evaluator.as_ref().expect("driven only when configured");
    let mut ticks = tokio::time::interval(evaluator.interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        round(&gateway, set, hop).await;
    }
}

/// Sends every case of `set` to chain entry `hop` at once, grades the
/// answers and records the round.
async fn round<D: Decide>(gateway: &Gateway<D>, s: usize, hop: usize) {
    let evaluator = gateway.evaluator.as_ref().expect("driven only when configured");
    let (route, set) = &evaluator.sets[s];
    let graded = futures_util::future::join_all(set.cases.iter().map(|case| graded(gateway, *route, hop, case))).await;
    let mut round = Round::default();
    let mut failures = Vec::new();
    for outcome in graded.into_iter().flatten() {
        round.graded += 1;
        match outcome {
            Ok(()) => round.passed += 1,
            Err(evidence) => failures.push(evidence),
        }
    }
    if round.graded == 0 {
        return;
    }
    let now = Instant::now();
    // The event's numbers are read only when the mark changed.
    let (change, pass_rate, (graded, passed), failures) = {
        let mut entry = lock(&set.entries[hop]);
        let change = gateway.decide.evaluated(&mut entry.record, round);
        entry.failures = failures;
        let Some(change) = change else { return };
        entry.since = Some(now);
        (change, entry.record.pass_rate().unwrap_or(0.0), entry.record.totals(), entry.failures.clone())
    };
    let decision = match change {
        Change::Degraded => "degraded",
        Change::Recovered => "recovered",
    };
    let kind = EventKind::Evaluation {
        model: gateway.settings.routes[*route].model.clone(),
        provider: gateway.settings.provider_of(*route, hop).id.clone(),
        decision,
        pass_rate,
        min_pass_rate: set.config.min_pass_rate,
        graded,
        passed,
        failures,
    };
    gateway.events.push(kind, now);
}

/// One case's grade at entry `hop`: `None` when its probe failed outright
/// (not graded), else passed or the evidence of its failure.
async fn graded<D: Decide>(
    gateway: &Gateway<D>,
    route: usize,
    hop: usize,
    case: &Case,
) -> Option<Result<(), Evidence>> {
    let upstream = gateway.settings.provider_of(route, hop);
    let deadline = Instant::now() + gateway.settings.policy.attempt_timeout;
    let body = case.bodies[hop].clone();
    let answer = gateway.client.send(&upstream.chat_uri, &upstream.authorization, body, deadline, false).await.ok()?;
    let AnswerBody::Complete(bytes) = &answer.body else { return None };
    if judge_whole(&gateway.decide, &answer, bytes).ok()? != Class::Success {
        return None;
    }
    let parsed: Value = serde_json::from_slice(bytes).ok()?;
    let text = parsed.pointer("/choices/0/message/content").and_then(Value::as_str);
    let schema = case.schema.as_ref().zip(text).map(|(validator, text)| against(validator, text));
    let schema = schema.as_ref().map(|r| r.as_ref().map(|_| ()).map_err(String::as_str));
    let answer = Answer { text, schema };
    Some(gateway.decide.grade(&case.expect, &answer).map_err(|miss| Evidence {
        case: case.name.clone(),
        expected: case.expected.clone(),
        answered: text.map(|t| t.chars().take(EVIDENCE_CHARS).collect()),
        why: miss.describe(),
    }))
}

/// Whether `text` is JSON `validator` accepts, else where it departs.
fn against(validator: &Validator, text: &str) -> Result<(), String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    validator.validate(&value).map_err(|e| format!("{e} at {}", e.instance_path()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expectations_are_compiled_with_their_words() {
        let (expect, schema, words) = compiled(&Expectation::Exact("4".into()));
        assert!(matches!(expect, Expect::Exact(t) if t == "4") && schema.is_none());
        assert_eq!(words, "exactly \"4\"");
        let (expect, _, words) = compiled(&Expectation::Pattern("(?i)paris".into()));
        assert!(matches!(expect, Expect::Pattern(p) if p.is_match("PARIS")));
        assert_eq!(words, "matching /(?i)paris/");
        let (expect, schema, words) = compiled(&Expectation::Schema(json!({"required": ["a"]})));
        assert!(matches!(expect, Expect::Schema) && schema.is_some());
        assert_eq!(words, r#"JSON matching {"required":["a"]}"#);
    }

    #[test]
    fn a_schema_answer_must_be_json_the_schema_accepts() {
        let validator = jsonschema::validator_for(&json!({"type": "object", "required": ["a"]})).unwrap();
        assert_eq!(against(&validator, r#"{"a": 1}"#), Ok(()));
        assert!(against(&validator, "{}").unwrap_err().contains("\"a\" is a required property"));
        assert!(against(&validator, "a is 1").unwrap_err().starts_with("not JSON"));
    }
}
