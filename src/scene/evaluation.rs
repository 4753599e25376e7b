//! Continuous evaluation in a scenario (capability `continuous-eval`): the
//! golden set it configures, the answers its providers know, and the rounds
//! the gateway ran, counted from what the providers received.
use std::time::Duration;

use failover_contract::{EvaluationConfig, Expectation, GoldenCase, GoldenSet};

use super::Scene;
use crate::attribution::PROBE_MARKER;
use crate::mock::MockProvider;

/// What a feature writes for a golden case's expectation: `exactly "4"`,
/// `matching "(?i)\bparis\b"` or `JSON matching {"type": "object"}`.
#[derive(Clone, Debug, PartialEq)]
pub struct Expect(pub Expectation);

impl std::str::FromStr for Expect {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let quoted = |rest: &str| rest.strip_prefix('"').and_then(|r| r.strip_suffix('"')).map(str::to_owned);
        if let Some(text) = s.strip_prefix("exactly ").and_then(quoted) {
            return Ok(Self(Expectation::Exact(text)));
        }
        if let Some(pattern) = s.strip_prefix("matching ").and_then(quoted) {
            return Ok(Self(Expectation::Pattern(pattern)));
        }
        if let Some(schema) = s.strip_prefix("JSON matching ") {
            let schema = serde_json::from_str(schema).map_err(|e| format!("the schema in \"{s}\" is not JSON: {e}"))?;
            return Ok(Self(Expectation::Schema(schema)));
        }
        Err(format!(
            "\"{s}\" is no expectation; write exactly \"text\", matching \"pattern\" or JSON matching {{schema}}"
        ))
    }
}

/// The text the gateway sends for a golden prompt: marked as the gateway's
/// own traffic, so that no check over clients' requests counts it.
pub fn golden_prompt(prompt: &str) -> String {
    format!("{PROBE_MARKER} {prompt}")
}

impl Scene {
    /// Evaluates `model` every `interval_ms` over its latest `window` rounds,
    /// marking a provider degraded below `min_pass_rate`, with `cases`
    /// (name, prompt, expectation).
    pub fn golden_set(
        &mut self,
        model: &str,
        (interval_ms, window, min_pass_rate): (u64, u32, f64),
        cases: Vec<(String, String, Expect)>,
    ) -> Result<(), String> {
        self.chain_of(model)?;
        let cases = cases
            .into_iter()
            .map(|(name, prompt, expect)| GoldenCase { name, prompt: golden_prompt(&prompt), expect: expect.0 })
            .collect();
        let set = GoldenSet { model: model.to_owned(), min_pass_rate, cases };
        let evaluation =
            self.draft.evaluation.get_or_insert(EvaluationConfig { interval_ms, window, sets: Vec::new() });
        (evaluation.interval_ms, evaluation.window) = (interval_ms, window);
        evaluation.sets.retain(|s| s.model != model);
        evaluation.sets.push(set);
        Ok(())
    }

    /// Every provider of the scenario answers each `(prompt, answer)` so.
    pub async fn every_provider_knows(&mut self, answers: &[(String, String)]) -> Result<(), String> {
        if self.providers.is_empty() {
            return Err("no provider yet: route a model first".into());
        }
        for provider in self.providers.values() {
            for (prompt, answer) in answers {
                provider.knows(prompt, answer);
            }
        }
        Ok(())
    }

    /// Waits until every provider of `model`'s chain has received every
    /// golden prompt of its set at least `rounds` times.
    pub async fn evaluated(&mut self, model: &str, rounds: usize, within: Duration) -> Result<(), String> {
        self.start_gateway().await?;
        let prompts = self.golden_prompts(model)?;
        let route =
            self.draft.models.iter().find(|m| m.name == model).ok_or(format!("model \"{model}\" has no chain"))?;
        let chain = route.backend_map.iter().map(|e| e.provider.clone()).collect::<Vec<_>>();
        let providers: Vec<&MockProvider> =
            chain.iter().map(|p| self.existing_provider(p)).collect::<Result<_, _>>()?;
        let fewest = || {
            let counts = providers.iter().flat_map(|p| prompts.iter().map(move |q| (p.id(), asked(p, q))));
            counts.min_by_key(|(_, n)| *n).unwrap_or(("none", 0))
        };
        crate::wait::until(within, Duration::from_millis(20), || async {
            let (id, n) = fewest();
            if n >= rounds { Ok(()) } else { Err(format!("provider \"{id}\" was sent a golden prompt only {n} times")) }
        })
        .await
        .map_err(|last| format!("not {rounds} evaluation rounds within {} ms: {last}", within.as_millis()))
    }

    /// How many times `provider` answered case `case` of `model`'s golden
    /// set with `answer`.
    pub fn golden_answers(&self, model: &str, provider: &str, case: &str, answer: &str) -> Result<usize, String> {
        let case = self
            .golden(model)?
            .cases
            .iter()
            .find(|c| c.name == case)
            .ok_or(format!("the golden set has no case \"{case}\""))?;
        Ok(answered(self.existing_provider(provider)?, &case.prompt, answer))
    }

    /// The prompts of `model`'s golden set, as the gateway sends them.
    fn golden_prompts(&self, model: &str) -> Result<Vec<String>, String> {
        Ok(self.golden(model)?.cases.iter().map(|c| c.prompt.clone()).collect())
    }

    /// `model`'s golden set, as configured.
    fn golden(&self, model: &str) -> Result<&GoldenSet, String> {
        let sets = self.draft.evaluation.as_ref().map(|e| e.sets.as_slice()).unwrap_or_default();
        sets.iter().find(|s| s.model == model).ok_or(format!("model \"{model}\" has no golden set"))
    }
}

/// How many times `provider` was sent `prompt`.
pub fn asked(provider: &MockProvider, prompt: &str) -> usize {
    provider.probes().iter().filter(|r| carries(&r.body, prompt)).count()
}

/// How many times `provider` answered a request carrying `prompt` with `answer`.
pub fn answered(provider: &MockProvider, prompt: &str, answer: &str) -> usize {
    let says = |body: &[u8]| {
        let body: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        body.pointer("/choices/0/message/content").and_then(|c| c.as_str()) == Some(answer)
    };
    provider.probes().iter().filter(|r| carries(&r.body, prompt) && says(&r.answer)).count()
}

/// Whether a request body carries `prompt` (as JSON text escapes it).
fn carries(body: &[u8], prompt: &str) -> bool {
    let escaped = serde_json::to_string(prompt).unwrap_or_default();
    let needle = escaped.trim_matches('"').as_bytes();
    body.windows(needle.len()).any(|w| w == needle)
}
