//! How much of a gateway-side session a provider's window takes (see
//! `failover_policy::session::fit`).
use failover_policy::session::{self, ContextPolicy, Fit, Overflow, Sizes};
use proptest::prelude::*;

/// A context and a window.
#[derive(Clone, Debug)]
pub struct Case {
    pub sizes: Sizes,
    pub window: u64,
    pub dropping: bool,
}

pub fn cases() -> impl Strategy<Value = Case> {
    (0u64..200, proptest::collection::vec(1u64..300, 1..20), 0u64..3_000, any::<bool>())
        .prop_map(|(system, turns, window, dropping)| Case { sizes: Sizes { system, turns }, window, dropping })
}

/// How a context is fitted to a window.
pub type Fitting = fn(&Sizes, Option<u64>, ContextPolicy) -> Result<Fit, Overflow>;

/// As the gateway does.
pub fn standard(sizes: &Sizes, window: Option<u64>, policy: ContextPolicy) -> Result<Fit, Overflow> {
    session::fit(sizes, window, policy)
}

/// Broken: drops the oldest turn whenever anything is dropped, one more
/// than needed when the first drop was not enough.
pub fn drops_one_too_many(sizes: &Sizes, window: Option<u64>, policy: ContextPolicy) -> Result<Fit, Overflow> {
    let fit = session::fit(sizes, window, policy)?;
    if fit.dropped == 0 || fit.dropped + 1 >= sizes.turns.len() {
        return Ok(fit);
    }
    let dropped = fit.dropped + 1;
    Ok(Fit { dropped, tokens: sizes.system + sizes.turns[dropped..].iter().sum::<u64>() })
}

/// What is sent fits the window and is the system prompt with the newest
/// turns: under `Error` the whole context or an overflow; under
/// `DropOldest` the fewest oldest turns dropped (keeping one more would not
/// fit), the last turn never, and an overflow only when the system prompt
/// and the last turn alone are too large. An overflow names the sizes.
pub fn fits_with_the_fewest_oldest_turns_dropped(case: &Case, fitting: Fitting) -> Result<(), String> {
    let Case { sizes, window, dropping } = case;
    let policy = if *dropping { ContextPolicy::DropOldest } else { ContextPolicy::Error };
    let total: u64 = sizes.system + sizes.turns.iter().sum::<u64>();
    let minimum = if *dropping { sizes.system + sizes.turns.last().unwrap() } else { total };
    match fitting(sizes, Some(*window), policy) {
        Err(overflow) => {
            if overflow != (Overflow { tokens: total, minimum, window: *window }) {
                return Err(format!("overflow {overflow:?}, expected tokens {total}, minimum {minimum}"));
            }
            if minimum <= *window {
                return Err(format!("overflow though {minimum} tokens fit the window of {window}"));
            }
        }
        Ok(fit) => {
            let kept = &sizes.turns[fit.dropped.min(sizes.turns.len())..];
            let sent = sizes.system + kept.iter().sum::<u64>();
            if fit.tokens != sent || sent > *window {
                return Err(format!("{fit:?}: sent {sent} tokens against a window of {window}"));
            }
            if kept.is_empty() || (!dropping && fit.dropped > 0) {
                return Err(format!("{fit:?} dropped what the policy keeps"));
            }
            if fit.dropped > 0 && sent + sizes.turns[fit.dropped - 1] <= *window {
                return Err(format!("{fit:?}: one turn fewer dropped would have fitted"));
            }
        }
    }
    Ok(())
}
