//! Checks the `evaluation` section (capability `continuous-eval`): every set
//! names a model, every case a unique name, and every expectation compiles,
//! so that a golden set that could never pass is refused at load, naming its
//! field, instead of marking every provider degraded.
use std::collections::HashSet;

use crate::validate::{ConfigError, check};
use crate::{Expectation, GatewayConfig};

impl GatewayConfig {
    pub(crate) fn validate_evaluation(&self) -> Result<(), ConfigError> {
        let Some(eval) = &self.evaluation else { return Ok(()) };
        check(eval.interval_ms > 0, "evaluation.interval_ms", "must be greater than 0")?;
        check(eval.window >= 1, "evaluation.window", "must be at least 1 round")?;
        check(!eval.sets.is_empty(), "evaluation.sets", "must hold at least one golden set")?;
        let mut models = HashSet::new();
        for (i, set) in eval.sets.iter().enumerate() {
            let at = |field: &str| format!("evaluation.sets[{i}].{field}");
            let names = self.models.iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join(", ");
            check(
                self.models.iter().any(|m| m.name == set.model),
                &at("model"),
                format!("unknown model \"{}\"; known models: {names}", set.model),
            )?;
            check(models.insert(set.model.as_str()), &at("model"), format!("a second set for \"{}\"", set.model))?;
            check(
                set.min_pass_rate.is_finite() && set.min_pass_rate > 0.0 && set.min_pass_rate <= 1.0,
                &at("min_pass_rate"),
                format!("must be a share in (0, 1], found {}", set.min_pass_rate),
            )?;
            check(!set.cases.is_empty(), &at("cases"), "must hold at least one case")?;
            let mut cases = HashSet::new();
            for (j, case) in set.cases.iter().enumerate() {
                let at = |field: &str| format!("evaluation.sets[{i}].cases[{j}].{field}");
                check(!case.name.trim().is_empty(), &at("name"), "must name the case")?;
                check(cases.insert(case.name.as_str()), &at("name"), format!("duplicate case name \"{}\"", case.name))?;
                check(!case.prompt.trim().is_empty(), &at("prompt"), "must not be empty")?;
                expectation(&case.expect, &at("expect"))?;
            }
        }
        Ok(())
    }
}

fn expectation(expect: &Expectation, at: &str) -> Result<(), ConfigError> {
    match expect {
        Expectation::Exact(text) => check(!text.trim().is_empty(), &format!("{at}.exact"), "must not be empty"),
        Expectation::Pattern(pattern) => regex::Regex::new(pattern)
            .map(drop)
            .map_err(|e| ConfigError::new(format!("{at}.pattern"), format!("is not a regular expression: {e}"))),
        Expectation::Schema(schema) => jsonschema::validator_for(schema)
            .map(drop)
            .map_err(|e| ConfigError::new(format!("{at}.schema"), format!("is not a JSON Schema: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use crate::GatewayConfig;

    fn config(evaluation: &str) -> String {
        format!(
            r#"{{
            "schema": "conformance/v1",
            "providers": [{{"id": "a", "base_url": "http://127.0.0.1:1", "api_key": "ka"}}],
            "models": [{{"name": "m", "backend_map": [{{"provider": "a"}}]}}],
            "evaluation": {evaluation}
        }}"#
        )
    }

    const CASE: &str = r#"{"name": "sum", "prompt": "2 + 2?", "expect": {"exact": "4"}}"#;

    #[test]
    fn a_golden_set_takes_its_defaults() {
        let text = config(&format!(r#"{{"interval_ms": 100, "sets": [{{"model": "m", "cases": [{CASE}]}}]}}"#));
        let eval = GatewayConfig::from_json(&text).unwrap().evaluation.unwrap();
        assert_eq!((eval.window, eval.sets[0].min_pass_rate), (10, 0.8));
    }

    #[test]
    fn errors_name_the_field_to_fix() {
        let set = |body: &str| config(&format!(r#"{{"interval_ms": 100, "sets": [{body}]}}"#));
        let cases = [
            (
                config(&format!(r#"{{"interval_ms": 0, "sets": [{{"model": "m", "cases": [{CASE}]}}]}}"#)),
                "evaluation.interval_ms",
                "greater than 0",
            ),
            (
                config(&format!(r#"{{"interval_ms": 9, "window": 0, "sets": [{{"model": "m", "cases": [{CASE}]}}]}}"#)),
                "evaluation.window",
                "at least 1",
            ),
            (config(r#"{"interval_ms": 9, "sets": []}"#), "evaluation.sets", "at least one golden set"),
            (
                set(&format!(r#"{{"model": "x", "cases": [{CASE}]}}"#)),
                "evaluation.sets[0].model",
                "unknown model \"x\"; known models: m",
            ),
            (
                set(&format!(r#"{{"model": "m", "cases": [{CASE}]}}, {{"model": "m", "cases": [{CASE}]}}"#)),
                "evaluation.sets[1].model",
                "a second set",
            ),
            (
                set(&format!(r#"{{"model": "m", "min_pass_rate": 0, "cases": [{CASE}]}}"#)),
                "evaluation.sets[0].min_pass_rate",
                "(0, 1]",
            ),
            (set(r#"{"model": "m", "cases": []}"#), "evaluation.sets[0].cases", "at least one case"),
            (
                set(&format!(r#"{{"model": "m", "cases": [{CASE}, {CASE}]}}"#)),
                "evaluation.sets[0].cases[1].name",
                "duplicate case name \"sum\"",
            ),
            (
                set(r#"{"model": "m", "cases": [{"name": "s", "prompt": " ", "expect": {"exact": "4"}}]}"#),
                "evaluation.sets[0].cases[0].prompt",
                "must not be empty",
            ),
            (
                set(r#"{"model": "m", "cases": [{"name": "s", "prompt": "p", "expect": {"exact": ""}}]}"#),
                "evaluation.sets[0].cases[0].expect.exact",
                "must not be empty",
            ),
            (
                set(r#"{"model": "m", "cases": [{"name": "s", "prompt": "p", "expect": {"pattern": "(4"}}]}"#),
                "evaluation.sets[0].cases[0].expect.pattern",
                "not a regular expression",
            ),
            (
                set(r#"{"model": "m", "cases": [{"name": "s", "prompt": "p", "expect": {"schema": {"type": 4}}}]}"#),
                "evaluation.sets[0].cases[0].expect.schema",
                "not a JSON Schema",
            ),
            (
                set(r#"{"model": "m", "cases": [{"name": "s", "prompt": "p", "expect": {"regex": "4"}}]}"#),
                "evaluation.sets[0].cases[0].expect",
                "unknown variant `regex`",
            ),
        ];
        for (text, path, words) in cases {
            let error = GatewayConfig::from_json(&text).unwrap_err().to_string();
            assert!(error.contains(&format!("`{path}`")) && error.contains(words), "{path}: {error}");
        }
    }
}
