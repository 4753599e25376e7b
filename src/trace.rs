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
    /// Send times of the first request of each run that skipped the provider.
    pub away: Vec<Instant>,
    /// Send times of the first request of each run that reached it again.
    pub back: Vec<Instant>,
    /// Requests the switches were read from.
    pub requests: usize,
}

impl Switches {
    /// Reads the switches from `reached` (one entry per exchange, in order).
    pub fn of(exchanges: &[Exchange], reached: &[bool]) -> Self {
        let mut switches = Switches { requests: reached.len(), ..Switches::default() };
        for (i, pair) in reached.windows(2).enumerate() {
            match (pair[0], pair[1]) {
                (true, false) => switches.away.push(exchanges[i + 1].started),
                (false, true) => switches.back.push(exchanges[i + 1].started),
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
