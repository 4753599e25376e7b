//! Service level objectives in a scenario: the SLOs it configures and the
//! gateway's reading of them (`GET /admin/slo`).
use failover_contract::SloConfig;
use serde_json::Value;

use super::Scene;

/// The targets a scenario sets for one SLO, as written in a feature:
/// `availability 0.9, goodput 0.9 and a soft-failure rate of 0.1`,
/// `a time-to-first-token p95 of 150 ms`, `a cost per useful answer of
/// 0.0004 US dollars`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Targets {
    /// Lowest share answered.
    pub availability: Option<f64>,
    /// Lowest share answered usefully.
    pub goodput: Option<f64>,
    /// Longest p95 time to first token, ms.
    pub ttft_p95_ms: Option<u64>,
    /// Highest share of wrong answers.
    pub soft_failure_rate: Option<f64>,
    /// Highest cost per useful answer, US dollars.
    pub cost_per_useful_answer_usd: Option<f64>,
}

impl std::str::FromStr for Targets {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let mut targets = Targets::default();
        for item in s.replace(" and ", ", ").split(", ") {
            let number = |prefix: &str, suffix: &str| {
                let n = item.strip_prefix(prefix)?.strip_suffix(suffix)?;
                n.parse::<f64>().ok()
            };
            if let Some(v) = number("availability ", "") {
                targets.availability = Some(v);
            } else if let Some(v) = number("goodput ", "") {
                targets.goodput = Some(v);
            } else if let Some(v) = number("a soft-failure rate of ", "") {
                targets.soft_failure_rate = Some(v);
            } else if let Some(v) = number("a time-to-first-token p95 of ", " ms") {
                targets.ttft_p95_ms = Some(v as u64);
            } else if let Some(v) = number("a cost per useful answer of ", " US dollars") {
                targets.cost_per_useful_answer_usd = Some(v);
            } else {
                return Err(format!(
                    "\"{item}\" in \"{s}\" is not an SLO target; write \"availability 0.9\", \"goodput 0.9\", \
                     \"a soft-failure rate of 0.1\", \"a time-to-first-token p95 of 150 ms\" or \
                     \"a cost per useful answer of 0.001 US dollars\""
                ));
            }
        }
        Ok(targets)
    }
}

impl Targets {
    /// Each target set, by the name the gateway gives its objective (time in
    /// ms, cost in US dollars).
    pub fn named(&self) -> Vec<(&'static str, f64)> {
        let targets = [
            ("availability", self.availability),
            ("goodput", self.goodput),
            ("ttft_p95", self.ttft_p95_ms.map(|ms| ms as f64)),
            ("soft_failure_rate", self.soft_failure_rate),
            ("cost_per_useful_answer", self.cost_per_useful_answer_usd),
        ];
        targets.into_iter().filter_map(|(name, t)| Some((name, t?))).collect()
    }
}

impl Scene {
    /// Sets SLO `id` of `model` over `window_ms`, judged once its window
    /// holds `min_requests` of what an objective counts.
    pub fn slo(&mut self, id: &str, model: &str, window_ms: u64, min_requests: u32, t: Targets) -> Result<(), String> {
        self.configure()?;
        self.draft.slos.push(SloConfig {
            id: id.to_owned(),
            model: model.to_owned(),
            window_ms,
            min_requests,
            availability: t.availability,
            goodput: t.goodput,
            ttft_p95_ms: t.ttft_p95_ms,
            soft_failure_rate: t.soft_failure_rate,
            cost_per_useful_answer_usd: t.cost_per_useful_answer_usd,
        });
        Ok(())
    }

    /// Polls the gateway's events until `check` passes on them, failing with
    /// its last complaint if `within` passes first.
    pub async fn until_events(
        &self,
        within: std::time::Duration,
        check: impl Fn(&[Value]) -> Result<(), String>,
    ) -> Result<(), String> {
        let every = std::time::Duration::from_millis(20);
        crate::wait::until(within, every, || async { check(&self.events().await?) }).await
    }

    /// The gateway's SLOs as `GET /admin/slo` shows them.
    pub async fn slos(&self) -> Result<Value, String> {
        self.admin()?.get("/admin/slo").await
    }
}
