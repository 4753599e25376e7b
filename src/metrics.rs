//! Reading the gateway's Prometheus metrics (`GET /metrics`, capability
//! `metrics`): scraped as Prometheus would and parsed with `prometheus-parse`.
use prometheus_parse::{Sample, Value};

/// A parsed scrape.
#[derive(Debug)]
pub struct Scrape {
    /// Every sample.
    pub samples: Vec<Sample>,
    /// The text as served, for failure messages.
    pub text: String,
}

/// Scrapes `{base_url}/metrics`.
pub async fn scrape(http: &reqwest::Client, base_url: &str) -> Result<Scrape, String> {
    let response =
        http.get(format!("{base_url}/metrics")).send().await.map_err(|e| format!("GET /metrics failed: {e}"))?;
    let status = response.status();
    let text = response.text().await.map_err(|e| format!("GET /metrics: cannot read the body: {e}"))?;
    if !status.is_success() {
        return Err(format!("GET /metrics answered {status}: {}", text.chars().take(300).collect::<String>()));
    }
    let lines = text.lines().map(|l| Ok(l.to_owned()));
    let parsed = prometheus_parse::Scrape::parse(lines)
        .map_err(|e| format!("GET /metrics is not the text exposition format: {e}"))?;
    Ok(Scrape { samples: parsed.samples, text })
}

impl Scrape {
    /// The value of the sample named `name` (a counter's, a gauge's or an
    /// untyped one's; a histogram's: its count) whose labels include every
    /// pair of `labels`, if there is exactly one.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> Result<f64, String> {
        let matching: Vec<&Sample> = self
            .samples
            .iter()
            .filter(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
            .collect();
        match matching.as_slice() {
            [one] => Ok(number(&one.value)),
            [] => Err(format!("no sample {name}{labels:?} in the metrics: {}", self.names())),
            many => Err(format!("{} samples {name}{labels:?}, expected one", many.len())),
        }
    }

    /// The distinct metric names, for failure messages.
    fn names(&self) -> String {
        let mut names: Vec<&str> = self.samples.iter().map(|s| s.metric.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        names.join(", ")
    }
}

fn number(value: &Value) -> f64 {
    match value {
        Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => *v,
        Value::Histogram(buckets) => buckets.iter().map(|b| b.count).fold(0.0, f64::max),
        Value::Summary(_) => f64::NAN,
    }
}
