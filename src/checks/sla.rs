//! Checks of failover timing (case TC_R752_FAILOVER_012): how long each
//! failover took, from the failing provider's answer to the gateway's decision
//! (detection) and from the decision to the request reaching the fallback
//! (routing update), and whether the fallback's first request found a warm
//! connection.
//!
//! The mocks, the client and this check share one clock; the gateway's events
//! count their own (`at_ms`, since the gateway started). The offset between
//! the two is bounded from the requests: the gateway received each request no
//! sooner than the client sent it and finished it no later than the client had
//! its answer. Every figure carries the width of that bound as its
//! uncertainty, and the bounds of the feature allow it.
use std::time::{Duration, Instant};

use serde_json::Value;

use super::analytics::number;
use crate::attribution;
use crate::client::Exchange;
use crate::mock::Received;
use crate::scene::median;

/// One failover's times, in ms.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Failover {
    /// From the failing provider's first failed answer to the decision.
    pub detection: f64,
    /// From the decision to the request's arrival at the fallback.
    pub routing: f64,
    /// From the first failed answer to the client's successful answer.
    pub first_success: f64,
}

/// Every failover of a run, and the uncertainty of the clocks' alignment.
#[derive(Clone, Debug, PartialEq)]
pub struct Timings {
    /// In the order of the requests.
    pub failovers: Vec<Failover>,
    /// Half the width of the bound on the clocks' offset, in ms.
    pub uncertainty: f64,
}

/// The gateway's `request` events for `model` as (request id, received at,
/// finished at), in the order received.
fn requests(events: &[Value], model: &str) -> Vec<(u64, f64, f64)> {
    let mut requests: Vec<(u64, f64, f64)> = events
        .iter()
        .filter(|e| e.get("type").and_then(Value::as_str) == Some("request"))
        .filter(|e| e.get("model").and_then(Value::as_str) == Some(model))
        .filter_map(|e| {
            let at = number(e, "at_ms").ok()?;
            Some((e.get("request_id")?.as_u64()?, at - number(e, "latency_ms").ok()?, at))
        })
        .collect();
    requests.sort_by(|a, b| a.1.total_cmp(&b.1));
    requests
}

fn ms_since(origin: Instant, at: Instant) -> f64 {
    match at.checked_duration_since(origin) {
        Some(d) => d.as_secs_f64() * 1e3,
        None => -(origin.duration_since(at).as_secs_f64() * 1e3),
    }
}

/// The timings of every failover from `from` to `to` for `model`, read from
/// the client's `exchanges` (sent one at a time), the gateway's `events` and
/// the two providers' journals.
pub fn failover_timings(
    exchanges: &[Exchange],
    events: &[Value],
    model: &str,
    (from, from_journal): (&str, &[Received]),
    (to, to_journal): (&str, &[Received]),
) -> Result<Timings, String> {
    let requests = requests(events, model);
    if requests.len() != exchanges.len() || exchanges.is_empty() {
        return Err(format!(
            "the client sent {} requests and the gateway's events show {} for \"{model}\": they cannot be paired",
            exchanges.len(),
            requests.len()
        ));
    }
    let origin = exchanges[0].started;
    // The offset to add to the gateway's at_ms to get the client's clock.
    let (mut low, mut high) = (f64::MIN, f64::MAX);
    for (e, &(_, received, finished)) in exchanges.iter().zip(&requests) {
        let start = ms_since(origin, e.started);
        low = low.max(start - received);
        high = high.min(start + e.latency.as_secs_f64() * 1e3 - finished);
    }
    if low > high + 1.0 {
        return Err(format!(
            "the gateway's event clock cannot be aligned with the client's: its request events do not fit inside the client's exchanges ({low:.2} > {high:.2} ms)"
        ));
    }
    let (offset, uncertainty) = ((low + high) / 2.0, ((high - low) / 2.0).max(0.0));
    let first_of = |journal: &[Received], tag: usize, faulted: bool| {
        journal.iter().find(|r| r.faulted == faulted && attribution::latest(&r.body) == Some(tag)).map(|r| r.at)
    };
    let mut failovers = Vec::new();
    for event in events.iter().filter(|e| e.get("type").and_then(Value::as_str) == Some("failover")) {
        let field = |k: &str| event.get(k).and_then(Value::as_str);
        if field("model") != Some(model) || field("from") != Some(from) || field("to") != Some(to) {
            continue;
        }
        let id = event.get("request_id").and_then(Value::as_u64);
        let Some(index) = requests.iter().position(|r| Some(r.0) == id) else {
            return Err(format!("a failover event names request {id:?}, which has no request event: {event}"));
        };
        let exchange = &exchanges[index];
        let tag = exchange.reference().ok_or("a client request carries no tag to find it in the journals by")?;
        let failed = first_of(from_journal, tag, true).ok_or_else(|| {
            format!("request #{tag} failed over from \"{from}\", whose journal shows no failed answer to it")
        })?;
        let arrived = first_of(to_journal, tag, false)
            .ok_or_else(|| format!("request #{tag} failed over to \"{to}\", whose journal does not show it"))?;
        let decided = number(event, "at_ms")? + offset;
        let failed = ms_since(origin, failed);
        failovers.push(Failover {
            detection: decided - failed,
            routing: ms_since(origin, arrived) - decided,
            first_success: ms_since(origin, exchange.started + exchange.latency) - failed,
        });
    }
    if failovers.is_empty() {
        return Err(format!("nothing was observed: no failover from \"{from}\" to \"{to}\" for \"{model}\""));
    }
    Ok(Timings { failovers, uncertainty })
}

/// Every failover was detected within `detection` and routed within
/// `routing`, each plus the clocks' uncertainty.
pub fn within(timings: &Timings, detection: Duration, routing: Duration) -> Result<(), String> {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let w = timings.uncertainty;
    for (i, f) in timings.failovers.iter().enumerate() {
        if f.detection > ms(detection) + w {
            return Err(format!(
                "failover {} was decided {:.2} ms after the provider's failed answer, beyond {} ms (±{w:.2} ms of clock alignment)",
                i + 1,
                f.detection,
                detection.as_millis()
            ));
        }
        if f.routing > ms(routing) + w {
            return Err(format!(
                "failover {} reached the fallback {:.2} ms after its decision, beyond {} ms (±{w:.2} ms of clock alignment)",
                i + 1,
                f.routing,
                routing.as_millis()
            ));
        }
    }
    Ok(())
}

/// The median and the largest of one figure across failovers.
pub fn summary(timings: &Timings, figure: fn(&Failover) -> f64) -> (f64, f64) {
    let values: Vec<Duration> =
        timings.failovers.iter().map(|f| Duration::from_secs_f64(figure(f).max(0.0) / 1e3)).collect();
    let max = values.iter().max().copied().unwrap_or_default();
    let p50 = median(values).unwrap_or_default();
    (p50.as_secs_f64() * 1e3, max.as_secs_f64() * 1e3)
}

/// The fallback accepted no connection from `failed_at` (the failing
/// provider's first failure) until it had received its first client
/// request, and had accepted one before: it was warm.
pub fn warm_at_failover(
    provider: &str,
    accepted: &[Instant],
    journal: &[Received],
    failed_at: Instant,
) -> Result<(), String> {
    let first = journal.iter().map(|r| r.at).find(|&at| at >= failed_at).ok_or_else(|| {
        format!("provider \"{provider}\" received no request once the failing began: there was no failover to it")
    })?;
    if !accepted.iter().any(|&at| at < failed_at) {
        return Err(format!(
            "provider \"{provider}\" had accepted no connection before the failing began: nothing was kept warm"
        ));
    }
    let cold: Vec<f64> = accepted
        .iter()
        .filter(|&&at| at >= failed_at && at <= first)
        .map(|&at| at.duration_since(failed_at).as_secs_f64() * 1e3)
        .collect();
    if cold.is_empty() {
        return Ok(());
    }
    Err(format!(
        "provider \"{provider}\" accepted {} new connection(s) for its first request after the failover (at +{cold:.2?} ms): the gateway held no warm one",
        cold.len()
    ))
}

/// The first response `provider` served after the first `baseline` ones
/// arrived within twice their median plus `slack`; that latency.
pub fn first_fallback_within(
    exchanges: &[Exchange],
    provider: &str,
    baseline: usize,
    slack: Duration,
) -> Result<Duration, String> {
    let warm: Vec<Duration> = exchanges.iter().take(baseline).map(|e| e.latency).collect();
    if warm.len() < baseline {
        return Err(format!("only {} responses: {baseline} are needed for the baseline", warm.len()));
    }
    let bound = median(warm).unwrap_or_default() * 2 + slack;
    let first = exchanges
        .iter()
        .skip(baseline)
        .find(|e| e.served_by().as_deref() == Some(provider))
        .ok_or_else(|| format!("no response after the first {baseline} was served by \"{provider}\""))?;
    if first.latency <= bound {
        return Ok(first.latency);
    }
    Err(format!(
        "the first response \"{provider}\" served took {:.2} ms, beyond {:.2} ms (twice the warm median plus {} ms)",
        first.latency.as_secs_f64() * 1e3,
        bound.as_secs_f64() * 1e3,
        slack.as_millis()
    ))
}
