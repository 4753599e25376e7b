//! Reading routing decisions black-box: which client requests reached a
//! provider (its journal holds the very body the client sent), and when traffic
//! moved away from it and back.
use std::time::Instant;

use serde_json::Value;

use crate::client::Exchange;
use crate::mock::Received;

/// For each exchange, the position in `journal` of the request that carried
/// its body, if the provider received it. Bodies are unique per client request;
/// a gateway may re-serialise them or map the model, so they are compared as
/// JSON, `model` aside.
pub fn correlate(exchanges: &[Exchange], journal: &[Received]) -> Vec<Option<usize>> {
    let strip = |mut v: Value| {
        if let Some(o) = v.as_object_mut() {
            o.remove("model");
        }
        v
    };
    let received: Vec<Option<Value>> = journal.iter().map(|r| r.json().map(strip)).collect();
    exchanges
        .iter()
        .map(|e| {
            let sent = serde_json::from_slice::<Value>(&e.sent).ok().map(strip)?;
            received.iter().position(|r| r.as_ref() == Some(&sent))
        })
        .collect()
}

/// Whether each exchange reached the provider whose journal this is.
pub fn reached(exchanges: &[Exchange], journal: &[Received]) -> Vec<bool> {
    correlate(exchanges, journal).into_iter().map(|p| p.is_some()).collect()
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
