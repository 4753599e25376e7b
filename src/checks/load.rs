//! Checks of requests sent under load and of what the gateway held meanwhile
//! (cases TC_R752_FAILOVER_011 and 012).
use std::time::{Duration, Instant};

use crate::load::{Shot, percentile};
use crate::resources::Usage;

/// Every request sent under load was served: a 200 with a whole answer or a
/// complete stream; no error status, no failed connection, no cut stream.
pub fn all_served(shots: &[Shot]) -> Result<(), String> {
    if shots.is_empty() {
        return Err("nothing was observed: no request was sent under load".to_owned());
    }
    let failed: Vec<&Shot> = shots.iter().filter(|s| !s.served()).collect();
    if failed.is_empty() {
        return Ok(());
    }
    let connections = failed.iter().filter(|s| s.status.is_none()).count();
    let streams = failed.iter().filter(|s| s.stream && s.status == Some(200)).count();
    let first: Vec<String> = failed
        .iter()
        .take(3)
        .map(|s| format!("{:?} {}", s.status, s.error.as_deref().unwrap_or("no provider's answer")))
        .collect();
    Err(format!(
        "{} of {} requests were not served ({connections} failed connections, {streams} incomplete streams, {} error statuses); the first: {}",
        failed.len(),
        shots.len(),
        failed.len() - connections - streams,
        first.join("; ")
    ))
}

/// At `now` the gateway held at most `fds` more descriptors and `mib` MiB
/// more memory than at `base`.
pub fn usage_within(names: (&str, &str), base: Usage, now: Usage, fds: usize, mib: u64) -> Result<(), String> {
    let (base_name, now_name) = names;
    let grew_fds = now.fds.saturating_sub(base.fds);
    let grew_kib = now.rss_kib.saturating_sub(base.rss_kib);
    if grew_fds <= fds && grew_kib <= mib * 1024 {
        return Ok(());
    }
    Err(format!(
        "from \"{base_name}\" to \"{now_name}\" the gateway's open descriptors went from {} to {} (at most {fds} more allowed) and its memory from {:.1} to {:.1} MiB (at most {mib} MiB more): it keeps what it no longer needs",
        base.fds,
        now.fds,
        base.rss_kib as f64 / 1024.0,
        now.rss_kib as f64 / 1024.0
    ))
}

/// The requests of one phase of a load and their latencies.
#[derive(Clone, Debug, PartialEq)]
pub struct Phase {
    /// `before`, `during` or `after`.
    pub name: &'static str,
    /// Requests sent in it.
    pub requests: usize,
    /// Share of them served.
    pub served: f64,
    /// Median latency.
    pub p50: Duration,
    /// 99th percentile.
    pub p99: Duration,
}

/// The shots of each phase of a fault, from the client's clock alone:
/// `before`, answered before it, in the second half of the time before it
/// (the first half is the load's ramp-up, its connections opened all at
/// once; sampling by when answers arrive keeps the baseline's tail, where
/// sampling by when requests were sent would keep only those answered before
/// the fault, the fast ones); `during`, in flight at any time while it
/// lasted (a request that hung from before it counts as the fault's);
/// `after`, sent after it.
pub fn phases(shots: &[Shot], (failed_at, recovered_at): (Instant, Instant)) -> Result<[Phase; 3], String> {
    let began = shots.iter().map(|s| s.started).min().unwrap_or(failed_at);
    let steady = began + failed_at.saturating_duration_since(began) / 2;
    let phase = |name: &'static str, keep: &dyn Fn(&Shot) -> bool| {
        let of: Vec<&Shot> = shots.iter().filter(|s| keep(s)).collect();
        let (p50, p99) = (percentile(&of, 50.0), percentile(&of, 99.0));
        match (p50, p99) {
            (Some(p50), Some(p99)) => Ok(Phase {
                name,
                requests: of.len(),
                served: of.iter().filter(|s| s.served()).count() as f64 / of.len() as f64,
                p50,
                p99,
            }),
            _ => Err(format!("nothing was observed: no request was answered or in flight {name} the fault")),
        }
    };
    let answered = |s: &Shot| s.started + s.latency;
    Ok([
        phase("before", &|s| answered(s) >= steady && answered(s) < failed_at)?,
        phase("during", &|s| s.started < recovered_at && answered(s) >= failed_at)?,
        phase("after", &|s| s.started >= recovered_at)?,
    ])
}

/// The p99 latency during the fault and after it was at most `factor` times
/// that before, plus `slack`.
pub fn tail_within(phases: &[Phase; 3], factor: u32, slack: Duration) -> Result<(), String> {
    let bound = phases[0].p99 * factor + slack;
    for phase in &phases[1..] {
        if phase.p99 > bound {
            return Err(format!(
                "the p99 latency {} the fault was {:.1} ms, beyond {factor} × {:.1} ms (before) + {} ms; p50 {:.1} ms over {} requests",
                phase.name,
                phase.p99.as_secs_f64() * 1e3,
                phases[0].p99.as_secs_f64() * 1e3,
                slack.as_millis(),
                phase.p50.as_secs_f64() * 1e3,
                phase.requests
            ));
        }
    }
    Ok(())
}

/// Every request was either served or shed with 503 and a `Retry-After`;
/// some of each; no connection failed. The numbers of each.
pub fn shed_cleanly(shots: &[Shot]) -> Result<(usize, usize), String> {
    let was_shed = |s: &Shot| s.status == Some(503) && s.retry_after.is_some();
    let served = shots.iter().filter(|s| s.served()).count();
    let shed = shots.iter().filter(|s| was_shed(s)).count();
    let other: Vec<&Shot> = shots.iter().filter(|s| !s.served() && !was_shed(s)).collect();
    if let Some(first) = other.first() {
        return Err(format!(
            "{} requests were neither served nor shed with 503 and Retry-After; the first: {:?} {}",
            other.len(),
            first.status,
            first.error.as_deref().unwrap_or("")
        ));
    }
    if shed == 0 {
        return Err(format!("all {served} requests were served: nothing was shed, so no bound was reached"));
    }
    if served == 0 {
        return Err(format!("all {shed} requests were shed: none was served"));
    }
    Ok((served, shed))
}

/// `provider`, whose every answer takes `each`, never had more than `max`
/// requests in flight: no `max + 1` arrivals fall within `each` of each other.
pub fn in_flight_at_most(
    provider: &str,
    journal: &[crate::mock::Received],
    max: usize,
    each: Duration,
) -> Result<(), String> {
    if journal.is_empty() {
        return Err(format!("nothing was observed: provider \"{provider}\" received no request"));
    }
    let arrivals: Vec<Instant> = journal.iter().map(|r| r.at).collect();
    let mut first = 0;
    for (last, &at) in arrivals.iter().enumerate() {
        while at.duration_since(arrivals[first]) >= each {
            first += 1;
        }
        if last - first + 1 > max {
            return Err(format!(
                "provider \"{provider}\" had {} requests in flight at once (arrivals #{} to #{} within {} ms), more than the gateway's bound of {max}",
                last - first + 1,
                first + 1,
                last + 1,
                each.as_millis()
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shot(t0: Instant, sent_ms: u64, took_ms: u64) -> Shot {
        Shot {
            started: t0 + Duration::from_millis(sent_ms),
            latency: Duration::from_millis(took_ms),
            status: Some(200),
            stream: false,
            served_by: Some("secondary".into()),
            error: None,
            retry_after: None,
            tag: 0,
        }
    }

    #[test]
    fn phases_go_by_when_answers_arrived_before_the_fault_and_by_being_in_flight_during_it() {
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let shots = [
            shot(t0, 0, 900),     // ramp-up: answered in the first half
            shot(t0, 100, 1_500), // answered at 1600: before, with its long wait
            shot(t0, 1_800, 100), // answered at 1900: before
            shot(t0, 1_900, 300), // in flight when the fault began: during
            shot(t0, 2_500, 50),  // sent during it
            shot(t0, 3_000, 10),  // sent as it ended: after
        ];
        let [before, during, after] = phases(&shots, (ms(2_000), ms(3_000))).unwrap();
        assert_eq!((before.requests, before.p99), (2, Duration::from_millis(1_500)));
        assert_eq!(
            (during.requests, during.p99, during.p50),
            (2, Duration::from_millis(300), Duration::from_millis(50))
        );
        assert_eq!((after.requests, after.p99), (1, Duration::from_millis(10)));
        let bound = tail_within(&[before.clone(), during, after], 2, Duration::ZERO);
        assert!(bound.is_ok(), "{bound:?}");
        let slow = Phase { p99: Duration::from_millis(3_001), ..before.clone() };
        let err = tail_within(&[before, slow.clone(), slow], 2, Duration::ZERO).unwrap_err();
        assert!(err.contains("3001.0 ms, beyond 2 × 1500.0 ms"), "{err}");
    }

    #[test]
    fn a_phase_with_nothing_in_it_is_an_error() {
        let t0 = Instant::now();
        let err = phases(&[shot(t0, 0, 10)], (t0 + Duration::from_millis(5), t0 + Duration::from_millis(6)));
        assert!(err.unwrap_err().contains("nothing was observed"));
    }
}
