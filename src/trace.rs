//! Reading routing decisions black-box: which client requests reached a
//! provider (its journal holds requests carrying their tags: see
//! [`crate::attribution`]), and when traffic moved away from it and back.
use std::time::Instant;

use crate::attribution;
use crate::client::Exchange;
use crate::mock::Received;

/// For each exchange, the position in `journal` of the first request that
/// carried it, if the provider received it.
pub fn correlate(exchanges: &[Exchange], journal: &[Received]) -> Vec<Option<usize>> {
    let carried: Vec<Option<usize>> = journal.iter().map(|r| attribution::latest(&r.body)).collect();
    exchanges
        .iter()
        .map(|e| {
            let reference = e.reference()?;
            carried.iter().position(|c| *c == Some(reference))
        })
        .collect()
}

/// [`correlate`], or an error when `provider`'s journal holds inference
/// requests that carry no request of `exchanges`: routing read from such a
/// journal would be incomplete.
pub fn attributed(exchanges: &[Exchange], journal: &[Received], provider: &str) -> Result<Vec<Option<usize>>, String> {
    let mut sent: Vec<usize> = exchanges.iter().filter_map(Exchange::reference).collect();
    sent.sort_unstable();
    let strays = attribution::strays(journal, &sent);
    if strays.is_empty() { Ok(correlate(exchanges, journal)) } else { Err(attribution::describe(provider, &strays)) }
}

/// Whether each exchange reached `provider`, whose journal this is (an error
/// as for [`attributed`]).
pub fn reached(exchanges: &[Exchange], journal: &[Received], provider: &str) -> Result<Vec<bool>, String> {
    Ok(attributed(exchanges, journal, provider)?.into_iter().map(|p| p.is_some()).collect())
}

/// When traffic moved away from a provider and when it came back.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Switches {
    /// Times of the first request of each run that skipped the provider.
    pub away: Vec<Instant>,
    /// Times of the first request of each run that reached it again.
    pub back: Vec<Instant>,
    /// Requests the switches were read from.
    pub requests: usize,
}

impl Switches {
    /// Reads the switches from `reached` (one entry per exchange, in order),
    /// each at its request's send time.
    pub fn of(exchanges: &[Exchange], reached: &[bool]) -> Self {
        Self::timed(reached, |i| exchanges[i].started)
    }

    /// Reads the switches from `reached`, each at the time `at` gives its
    /// request (by its position).
    pub fn timed(reached: &[bool], at: impl Fn(usize) -> Instant) -> Self {
        let mut switches = Switches { requests: reached.len(), ..Switches::default() };
        for (i, pair) in reached.windows(2).enumerate() {
            match (pair[0], pair[1]) {
                (true, false) => switches.away.push(at(i + 1)),
                (false, true) => switches.back.push(at(i + 1)),
                _ => {}
            }
        }
        switches
    }

    /// The number of switches either way.
    pub fn count(&self) -> usize {
        self.away.len() + self.back.len()
    }
}

/// When each exchange's request first reached any provider of `journals`,
/// if one did: the time the gateway routed it, free of the client's own
/// delays in sending it.
pub fn arrivals(exchanges: &[Exchange], journals: &[Vec<Received>]) -> Vec<Option<Instant>> {
    let mut first: std::collections::HashMap<usize, Instant> = std::collections::HashMap::new();
    for received in journals.iter().flatten() {
        if let Some(tag) = attribution::latest(&received.body) {
            first.entry(tag).and_modify(|at| *at = (*at).min(received.at)).or_insert(received.at);
        }
    }
    exchanges.iter().map(|e| e.reference().and_then(|tag| first.get(&tag).copied())).collect()
}
