//! Checks of latency-aware routing and region outages (case
//! TC_R752_FAILOVER_013), from what the client got and what the mocks saw.
use std::collections::BTreeMap;
use std::time::Duration;

use crate::client::Exchange;
use crate::mock::Received;
use crate::scene::median;

/// The fewest responses a count of provider changes means anything over.
const ENOUGH: usize = 20;

/// The responses changed the provider that served them at most `max` times.
pub fn changes_at_most(exchanges: &[Exchange], max: usize) -> Result<(), String> {
    let served: Vec<String> = exchanges.iter().filter_map(Exchange::served_by).collect();
    if served.len() < ENOUGH {
        return Err(format!("only {} served responses: too few to count changes of provider in", served.len()));
    }
    let changes: Vec<usize> = (1..served.len()).filter(|&i| served[i] != served[i - 1]).collect();
    if changes.len() <= max {
        return Ok(());
    }
    let shown: Vec<String> =
        changes.iter().take(10).map(|&i| format!("#{} {}→{}", i + 1, served[i - 1], served[i])).collect();
    Err(format!(
        "the serving provider changed {} times over {} responses, expected at most {max}: {}",
        changes.len(),
        served.len(),
        shown.join(", ")
    ))
}

/// Of a failing region's providers (`journals`, each with what it received),
/// some failed client requests, at most `at_most` did, and every one had
/// served before: the rest of the region was skipped, not tried one by one.
/// Which are skipped depends on the order their measured latencies give them.
pub fn region_skipped_after(region: &str, journals: &[(&str, Vec<Received>)], at_most: usize) -> Result<(), String> {
    if let Some((idle, _)) = journals.iter().find(|(_, journal)| journal.is_empty()) {
        return Err(format!("provider \"{idle}\" received no request at all: nothing shows it was ever in rotation"));
    }
    let failing: Vec<String> = journals
        .iter()
        .filter_map(|(id, journal)| {
            let faulted: Vec<usize> = journal.iter().filter(|r| r.faulted).map(|r| r.seq).collect();
            (!faulted.is_empty()).then(|| format!("\"{id}\" (requests #{faulted:?})"))
        })
        .collect();
    if failing.is_empty() {
        return Err(format!(
            "no provider of region \"{region}\" failed a client request: the region was never seen failing"
        ));
    }
    if failing.len() <= at_most {
        return Ok(());
    }
    Err(format!(
        "{} providers of region \"{region}\" failed client requests, expected at most {at_most}: {}; the region's providers were tried one by one",
        failing.len(),
        failing.join(", ")
    ))
}

/// The median latency of the responses served from region `far` exceeds
/// that of those served from `near` by at least `min`; the difference.
pub fn region_cost(
    exchanges: &[Exchange],
    regions: &BTreeMap<String, String>,
    (far, near): (&str, &str),
    min: Duration,
) -> Result<Duration, String> {
    let medians: Vec<Duration> = [far, near]
        .iter()
        .map(|region| {
            let served = exchanges
                .iter()
                .filter(|e| e.served_by().is_some_and(|p| regions.get(&p).is_some_and(|r| r == region)));
            median(served.map(|e| e.latency).collect())
                .ok_or_else(|| format!("no response was served from region \"{region}\""))
        })
        .collect::<Result<_, _>>()?;
    let cost = medians[0].saturating_sub(medians[1]);
    if cost >= min {
        return Ok(cost);
    }
    Err(format!(
        "serving from \"{far}\" cost {:.1} ms at the median over \"{near}\" ({:.1} against {:.1} ms), expected at least {} ms: the responses do not show the regions' distance",
        cost.as_secs_f64() * 1e3,
        medians[0].as_secs_f64() * 1e3,
        medians[1].as_secs_f64() * 1e3,
        min.as_millis()
    ))
}
