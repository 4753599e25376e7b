//! Assertions on routing read black-box from the journals: when traffic left a
//! provider and when it came back (see `trace`).
use std::time::Duration;

use crate::client::Exchange;
use crate::mock::Received;
use crate::trace::Switches;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Consecutive switches the same way are at least `period` apart (less
/// `tolerance`): traffic left the provider at most once, and came back at most
/// once, per period. Switch times are when the first request of each run
/// reached a provider, so they are only as precise as the pace of the
/// requests: the tolerance covers one pacing interval and more.
pub fn at_most_one_switch_each_way_per(
    switches: &Switches,
    provider: &str,
    period: Duration,
    tolerance: Duration,
) -> Result<(), String> {
    let period = period.saturating_sub(tolerance);
    if switches.requests == 0 {
        return Err(format!("nothing was observed: no request to read switches of traffic to \"{provider}\" from"));
    }
    for (way, times) in [("away from", &switches.away), ("back to", &switches.back)] {
        if let Some(pair) = times.windows(2).find(|p| p[1].duration_since(p[0]) < period) {
            return Err(format!(
                "traffic moved {way} \"{provider}\" twice within {:.1} ms; expected at most once per {} ms ({} switches in all)",
                ms(pair[1].duration_since(pair[0])),
                period.as_millis(),
                switches.count()
            ));
        }
    }
    Ok(())
}

/// Whenever traffic came back to the provider after skipping it, the request
/// it had failed before was at least `quiet` earlier: no failback before a
/// stable period without failures.
pub fn back_only_after_quiet(
    exchanges: &[Exchange],
    journal: &[Received],
    provider: &str,
    quiet: Duration,
) -> Result<(), String> {
    let mut previous: Option<&Received> = None;
    let mut skipped_since = false;
    let mut comebacks = 0;
    for position in crate::trace::attributed(exchanges, journal, provider)? {
        let Some(entry) = position.map(|i| &journal[i]) else {
            skipped_since = true;
            continue;
        };
        if let Some(prev) = previous {
            let gap = entry.at.duration_since(prev.at);
            if skipped_since && prev.faulted && gap < quiet {
                return Err(format!(
                    "traffic came back to \"{provider}\" {:.1} ms after its failed request #{}; expected at least {} ms without traffic first",
                    ms(gap),
                    prev.seq,
                    quiet.as_millis()
                ));
            }
        }
        comebacks += usize::from(skipped_since && previous.is_some());
        previous = Some(entry);
        skipped_since = false;
    }
    if comebacks == 0 {
        return Err(format!("nothing was observed: traffic never came back to \"{provider}\" after skipping it"));
    }
    Ok(())
}

/// At most `max` switches in either direction.
pub fn switches_at_most(switches: &Switches, provider: &str, max: usize) -> Result<(), String> {
    if switches.requests == 0 {
        return Err(format!("nothing was observed: no request to count switches of traffic to \"{provider}\" in"));
    }
    if switches.count() <= max {
        Ok(())
    } else {
        Err(format!(
            "expected at most {max} switches of traffic away from and back to \"{provider}\", counted {} ({} away, {} back)",
            switches.count(),
            switches.away.len(),
            switches.back.len()
        ))
    }
}
