//! The soak run: a gateway's binary against three mock providers for minutes
//! of mixed chaos at a moderate, steady load. The primary goes through a cycle
//! of faults a gateway can hide (each before any output reaches the client),
//! the secondary and the standby stay healthy, so every request must be
//! served. What it reports: requests and failures a client saw, panics in the
//! gateway's output, and the gateway's resident memory over time against a
//! stated band.
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::draft::{Chain, Draft};
use crate::load::{self, Load};
use crate::mock::{Fault, MockProvider, Schedule};

/// The primary's cycle: each phase one fault (or none), for a phase's length.
/// Every fault strikes before the client has any of the answer, so a gateway
/// with a healthy secondary can always hide it.
pub const CHAOS: &[&str] = &[
    "healthy",
    "status 500",
    "a refused connection",
    "status 429 with Retry-After 1",
    "a timeout",
    "a reset before answering",
    "healthy",
    "a reset after headers",
    "status 401",
    "a hang after headers",
    "a stream reset after 0 chunks",
    "a first chunk delayed by 600 ms",
    "status 503 echoing its API key",
    "1 in 3: status 502",
    "slow: 400 ms",
];

/// How long every provider takes to answer, healthy: with a few requests in
/// flight, a moderate load of a few hundred requests a second.
pub const LATENCY: Duration = Duration::from_millis(20);

/// How a soak run is shaped.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The gateway's binary (it must take `--config`, `--port`, `--events-log`).
    pub gateway: PathBuf,
    /// How long the load runs.
    pub duration: Duration,
    /// How long each chaos phase lasts.
    pub phase: Duration,
    /// Requests in flight at once (with [`LATENCY`], the load).
    pub concurrency: usize,
    /// One request in this many streams.
    pub stream_every: usize,
    /// How often resident memory is sampled.
    pub sample_every: Duration,
    /// Where the config and the gateway's output go.
    pub dir: PathBuf,
}

/// What a soak run found.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Requests sent.
    pub requests: usize,
    /// Requests a client saw fail.
    pub failures: usize,
    /// The first few failures, explained, with the phase they fell in.
    pub examples: Vec<String>,
    /// Lines of the gateway's output that report a panic.
    pub panics: Vec<String>,
    /// Whether the gateway was still running at the end.
    pub alive: bool,
    /// Resident memory in KiB, by seconds since the load began.
    pub rss: Vec<(f64, u64)>,
    /// Requests and failures per phase, in order.
    pub phases: Vec<(String, usize, usize)>,
}

/// The band resident memory must stay in, after a warm-up of a fifth of the
/// run: the median of the last quarter of the samples at most 10 % (and at
/// least 4 MiB) above the median of the second quarter, and no sample past
/// the warm-up above 1.5 times that second-quarter median.
pub fn rss_flat(samples: &[(f64, u64)]) -> Result<String, String> {
    if samples.len() < 8 {
        return Err(format!("{} memory samples are too few to judge (8 or more)", samples.len()));
    }
    let quarter = samples.len() / 4;
    let median = |part: &[(f64, u64)]| {
        let mut v: Vec<u64> = part.iter().map(|s| s.1).collect();
        v.sort_unstable();
        v[v.len() / 2]
    };
    let second = median(&samples[quarter..2 * quarter]);
    let last = median(&samples[samples.len() - quarter..]);
    let allowed = second + (second / 10).max(4 * 1024);
    let warm = samples.len() / 5;
    let peak = samples[warm..].iter().map(|s| s.1).max().unwrap_or(0);
    let ceiling = second + second / 2;
    let mib = |kib: u64| kib as f64 / 1024.0;
    let said = format!(
        "second-quarter median {:.1} MiB, last-quarter median {:.1} MiB (at most {:.1}), peak after warm-up {:.1} MiB (at most {:.1})",
        mib(second),
        mib(last),
        mib(allowed),
        mib(peak),
        mib(ceiling)
    );
    if last <= allowed && peak <= ceiling { Ok(said) } else { Err(said) }
}

/// Runs the soak; an error is a run that could not be made (no binary, a
/// gateway that never became healthy), not a finding.
pub async fn run(settings: &Settings) -> Result<Outcome, String> {
    let mut providers = BTreeMap::new();
    for id in ["primary", "secondary", "standby"] {
        let mock = MockProvider::start(id).await.map_err(|e| format!("cannot start mock provider {id}: {e}"))?;
        mock.set_latency(LATENCY);
        providers.insert(id.to_owned(), mock);
    }
    let config = config(&providers)?;
    std::fs::create_dir_all(&settings.dir).map_err(|e| format!("cannot create {}: {e}", settings.dir.display()))?;
    let config_path = settings.dir.join("config.json");
    let log_path = settings.dir.join("gateway.log");
    let json = serde_json::to_vec_pretty(&config).map_err(|e| format!("cannot write the config: {e}"))?;
    std::fs::write(&config_path, json).map_err(|e| format!("cannot write {}: {e}", config_path.display()))?;
    let log = std::fs::File::create(&log_path).map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
    let err = log.try_clone().map_err(|e| format!("cannot share {}: {e}", log_path.display()))?;
    let port = crate::gateway::ports::gateway_port()?;
    let mut child = tokio::process::Command::new(&settings.gateway)
        .arg("--config")
        .arg(&config_path)
        .arg("--port")
        .arg(port.to_string())
        .args(["--events-log", "none"])
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(err)
        .kill_on_drop(true)
        // Its own group, so that its memory is sampled as the suite samples
        // an external gateway's (`resources`).
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", settings.gateway.display()))?;
    let pid = child.id().ok_or("the gateway exited at once")?;
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().map_err(|e| e.to_string())?;
    crate::gateway::healthy(&http, &base, Duration::from_secs(10), None)
        .await
        .map_err(|last| format!("the gateway did not become healthy in 10 s: {last}; see {}", log_path.display()))?;

    let began = Instant::now();
    let sampler = tokio::spawn(sample_rss(pid, settings.sample_every, settings.duration, began));
    let mut outcome = Outcome::default();
    let primary = &providers["primary"];
    let mut tag = 0;
    for n in 0.. {
        let left = settings.duration.saturating_sub(began.elapsed());
        if left.is_zero() {
            break;
        }
        let phase = CHAOS[n % CHAOS.len()];
        set_phase(primary, phase).await?;
        let load = Load {
            concurrency: settings.concurrency,
            total: usize::MAX,
            stream_every: settings.stream_every,
            duration: Some(settings.phase.min(left)),
        };
        let shots = load::run(&http, &base, "gpt-4o", load, tag).await;
        tag += shots.len();
        let failed: Vec<&load::Shot> = shots.iter().filter(|s| !s.served()).collect();
        for shot in failed.iter().take(8usize.saturating_sub(outcome.examples.len())) {
            let why = shot.error.clone().unwrap_or_default();
            outcome.examples.push(format!("phase \"{phase}\": status {:?}: {why}", shot.status));
        }
        outcome.requests += shots.len();
        outcome.failures += failed.len();
        outcome.phases.push((phase.to_owned(), shots.len(), failed.len()));
        providers.values().for_each(MockProvider::forget);
    }
    outcome.rss = sampler.await.unwrap_or_default();
    outcome.alive = matches!(child.try_wait(), Ok(None));
    let _ = child.start_kill();
    let _ = child.wait().await;
    let output = std::fs::read_to_string(&log_path).unwrap_or_default();
    outcome.panics = output.lines().filter(|l| l.contains("panicked")).map(str::to_owned).collect();
    Ok(outcome)
}

/// The soak's gateway config: one model over the three providers, timings in
/// tens and hundreds of milliseconds, two attempts per provider.
fn config(providers: &BTreeMap<String, MockProvider>) -> Result<failover_contract::GatewayConfig, String> {
    let mut draft = Draft::default();
    draft.route("gpt-4o", "\"primary\" then \"secondary\" then \"standby\"".parse::<Chain>()?);
    let policy = &mut draft.policy;
    (policy.request_timeout_ms, policy.attempt_timeout_ms) = (3_000, 250);
    policy.retry.max_attempts = 2;
    policy.streaming.first_byte_timeout_ms = Some(300);
    crate::draft::breaker(&mut policy.breaker, 50, 4, 2_000, 500);
    Ok(draft.build(providers))
}

/// Puts the primary into one phase of the cycle.
async fn set_phase(primary: &MockProvider, phase: &str) -> Result<(), String> {
    primary.recover().await.map_err(|e| format!("the primary cannot recover: {e}"))?;
    primary.set_latency(LATENCY);
    if phase == "healthy" {
        return Ok(());
    }
    if let Some(ms) = phase.strip_prefix("slow: ").and_then(|r| r.strip_suffix(" ms")) {
        primary.set_latency(Duration::from_millis(ms.parse().map_err(|_| format!("bad phase {phase}"))?));
        return Ok(());
    }
    let (schedule, words) = match phase.strip_prefix("1 in 3: ") {
        Some(words) => (Schedule::EveryNth { n: 3, seen: 0 }, words),
        None => (Schedule::Always, phase),
    };
    let fault: Fault = words.parse()?;
    primary.fail(fault, schedule).await.map_err(|e| format!("cannot fail the primary: {e}"))
}

/// Samples `pid`'s resident memory every `every` until `duration` has passed.
async fn sample_rss(pid: u32, every: Duration, duration: Duration, began: Instant) -> Vec<(f64, u64)> {
    let mut samples = Vec::new();
    let mut tick = tokio::time::interval(every);
    while began.elapsed() < duration {
        tick.tick().await;
        if let Ok(usage) = crate::resources::sample(crate::resources::Holder::Group(pid as i32)) {
            samples.push((began.elapsed().as_secs_f64(), usage.rss_kib));
        }
    }
    samples
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(kib: &[u64]) -> Vec<(f64, u64)> {
        kib.iter().enumerate().map(|(i, k)| (i as f64, *k)).collect()
    }

    #[test]
    fn flat_memory_is_in_the_band_and_growth_is_not() {
        let flat = samples(&[30_000, 40_000, 50_000, 50_500, 50_200, 50_400, 50_300, 50_600, 50_100, 50_700]);
        assert!(rss_flat(&flat).is_ok(), "{:?}", rss_flat(&flat));
        let growing = samples(&[30_000, 40_000, 50_000, 55_000, 60_000, 65_000, 70_000, 75_000, 80_000, 85_000]);
        assert!(rss_flat(&growing).is_err());
        let spike = samples(&[50_000, 50_000, 50_000, 50_000, 50_000, 90_000, 50_000, 50_000, 50_000, 50_000]);
        assert!(rss_flat(&spike).is_err());
        assert!(rss_flat(&samples(&[1, 2, 3])).unwrap_err().contains("too few"));
    }

    #[test]
    fn every_phase_of_the_cycle_can_be_set() {
        for phase in CHAOS {
            let words = phase.strip_prefix("1 in 3: ").unwrap_or(phase);
            if *phase != "healthy" && !phase.starts_with("slow: ") {
                assert!(words.parse::<Fault>().is_ok(), "{phase}");
            }
        }
    }
}
