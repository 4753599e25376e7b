//! Classification and routing invariants.
use std::time::{Duration, Instant};

use failover_policy::classify::{ALL_CLASSES, TransportFailure};
use failover_policy::routing::Selection;
use failover_policy::{
    Admission, Breaker, BreakerConfig, Class, Order, Tried, Verdict, classify_status, classify_transport,
};

/// A classifier under test.
pub type Classifier = fn(u16, &[u8]) -> Class;

/// Counts a client's 404 against the provider, as a server error.
pub fn blames_the_provider_for_404(status: u16, body: &[u8]) -> Class {
    if status == 404 { Class::ServerError } else { classify_status(status, body) }
}

/// Property 11: Classification is total and deterministic: every status, with any body,
/// and every transport failure maps to exactly one class, the same each time;
/// no 2xx is a failure; a client-caused 4xx never counts against a provider.
pub fn classification_is_total(classify: Classifier, status: u16, body: &[u8]) -> Result<(), String> {
    let class = classify(status, body);
    if class != classify(status, body) || !ALL_CLASSES.contains(&class) {
        return Err(format!("status {status}: not one stable class"));
    }
    if (200..300).contains(&status) && class != Class::Success {
        return Err(format!("a {status} classified as {class:?}"));
    }
    if (400..500).contains(&status) && ![401, 403, 408, 429].contains(&status) && class.verdict() == Verdict::Failure {
        return Err(format!("the client's {status} counted against the provider as {class:?}"));
    }
    for failure in [TransportFailure::Refused, TransportFailure::Reset, TransportFailure::TimedOut] {
        if classify_transport(failure).verdict() != Verdict::Failure {
            return Err(format!("{failure:?} does not count as a failure"));
        }
    }
    Ok(())
}

/// A router under test.
pub type Router = fn(&mut [Breaker], &Order, Tried, Instant, f64) -> Selection;

/// Picks the last admitting provider of the order instead of the first.
pub fn picks_the_last(breakers: &mut [Breaker], order: &Order, tried: Tried, now: Instant, draw: f64) -> Selection {
    let mut selection = Selection::default();
    let hops: Vec<usize> = order.iter(breakers.len()).collect();
    for &index in hops.iter().rev() {
        if tried.contains(index) {
            continue;
        }
        if let (Admission::Admitted(permit), _) = breakers[index].admit(now, draw) {
            selection.chosen = Some((index, permit));
            break;
        }
    }
    selection
}

/// Builds breakers in assorted states: each provider's history is a list of
/// (advance ms, outcome) calls.
pub fn breakers(cfg: &BreakerConfig, histories: &[Vec<(u64, Option<bool>)>], t0: Instant) -> (Vec<Breaker>, Instant) {
    let mut end = t0;
    let mut out = Vec::new();
    for history in histories {
        let mut b = Breaker::new(*cfg);
        let mut now = t0;
        for &(advance, outcome) in history {
            now += Duration::from_millis(advance);
            if let (Admission::Admitted(p), _) = b.admit(now, 0.5) {
                let verdict = match outcome {
                    Some(true) => Verdict::Failure,
                    Some(false) => Verdict::Success,
                    None => Verdict::Ignored,
                };
                let _ = b.record(p, verdict, now);
            }
        }
        end = end.max(now);
        out.push(b);
    }
    (out, end)
}

/// Property 12: Routing never picks a provider whose breaker does not admit the call,
/// never one already tried, and otherwise picks the first admitting provider in
/// the request's order (a permutation of the chain, drawn from `shuffle`, or
/// the chain's own when `shuffle` is 0).
pub fn routing_picks_first_admitting(
    route: Router,
    mut chain: Vec<Breaker>,
    tried_mask: u64,
    shuffle: u64,
    now: Instant,
    draw: f64,
) -> Result<(), String> {
    let order = match shuffle {
        0 => Order::CHAIN,
        _ => {
            let mut hops: Vec<usize> = (0..chain.len()).collect();
            hops.sort_by_key(|&h| (h as u64 + 1).wrapping_mul(shuffle).rotate_left(17));
            Order::of(&hops)
        }
    };
    let mut tried = Tried::default();
    for i in 0..chain.len() {
        if tried_mask & (1 << i) != 0 {
            tried.insert(i);
        }
    }
    let mut expected_chain = chain.clone();
    let expected = order
        .iter(expected_chain.len())
        .find(|&i| !tried.contains(i) && matches!(expected_chain[i].admit(now, draw).0, Admission::Admitted(_)));
    let chosen = route(&mut chain, &order, tried, now, draw).chosen.map(|(i, _)| i);
    if chosen == expected {
        Ok(())
    } else {
        Err(format!("routing chose {chosen:?}, the first untried admitting provider is {expected:?}"))
    }
}
