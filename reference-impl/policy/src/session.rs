//! Gateway-side sessions: how much of a stored conversation a provider gets,
//! and when a session has been idle too long.
//!
//! A session's context is its system prompt (the leading `system` and
//! `developer` messages) and its turns, oldest first, the last being the one
//! the client just sent. Sizes are in tokens, counted by the shell; a window
//! is a chain entry's `context_window`. Nothing here is ever cut silently:
//! either the whole context fits, or whole turns are dropped from the oldest
//! (the system prompt and the last turn always stay, as the
//! [`ContextPolicy::DropOldest`] policy says), or the answer is an
//! [`Overflow`] naming the sizes.

/// What to do with a context larger than a provider's window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContextPolicy {
    /// Drop whole turns, oldest first, keeping the system prompt and the
    /// last turn, until the rest fits.
    DropOldest,
    /// Never drop anything: a context that does not fit is an overflow.
    Error,
}

/// A session's context in tokens.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sizes {
    /// The system prompt's.
    pub system: u64,
    /// Each turn's, oldest first; the last is the turn being sent.
    pub turns: Vec<u64>,
}

impl Sizes {
    /// The whole context's.
    pub fn total(&self) -> u64 {
        self.turns.iter().fold(self.system, |sum, t| sum.saturating_add(*t))
    }

    /// The least any provider can be sent: the system prompt and the last turn.
    pub fn minimum(&self) -> u64 {
        self.system.saturating_add(self.turns.last().copied().unwrap_or(0))
    }
}

/// The part of a context a provider is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fit {
    /// How many of the oldest turns are left out.
    pub dropped: usize,
    /// The tokens sent.
    pub tokens: u64,
}

/// A context that cannot be sent to a provider: its sizes, for the error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Overflow {
    /// The whole context's tokens.
    pub tokens: u64,
    /// The least that could be sent under the policy: the whole context
    /// under [`ContextPolicy::Error`], the system prompt and the last turn
    /// under [`ContextPolicy::DropOldest`].
    pub minimum: u64,
    /// The window it had to fit.
    pub window: u64,
}

/// How much of a context of `sizes` fits `window` (none: no limit) under
/// `policy`: everything when it all fits, else (dropping) the fewest oldest
/// turns whose removal makes the rest fit.
pub fn fit(sizes: &Sizes, window: Option<u64>, policy: ContextPolicy) -> Result<Fit, Overflow> {
    let total = sizes.total();
    let Some(window) = window else { return Ok(Fit { dropped: 0, tokens: total }) };
    if total <= window {
        return Ok(Fit { dropped: 0, tokens: total });
    }
    let minimum = match policy {
        ContextPolicy::Error => total,
        ContextPolicy::DropOldest => sizes.minimum(),
    };
    if minimum > window {
        return Err(Overflow { tokens: total, minimum, window });
    }
    let mut tokens = total;
    let mut dropped = 0;
    // The last turn is never dropped, and the minimum fits, so this ends.
    for turn in &sizes.turns[..sizes.turns.len().saturating_sub(1)] {
        if tokens <= window {
            break;
        }
        tokens -= turn;
        dropped += 1;
    }
    Ok(Fit { dropped, tokens })
}

/// The largest window among `windows`, none when any entry has no limit.
pub fn largest(windows: &[Option<u64>]) -> Option<u64> {
    windows.iter().try_fold(0, |largest: u64, w| w.map(|w| largest.max(w)))
}

/// Whether a session last used at `last_used_ms` (milliseconds on the
/// shell's clock) has expired by `now_ms`, after `idle_ms` without use.
pub fn expired(last_used_ms: u64, now_ms: u64, idle_ms: u64) -> bool {
    now_ms.saturating_sub(last_used_ms) > idle_ms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizes(system: u64, turns: &[u64]) -> Sizes {
        Sizes { system, turns: turns.to_vec() }
    }

    #[test]
    fn a_context_within_its_window_is_sent_whole() {
        let s = sizes(10, &[20, 30, 40]);
        assert_eq!(fit(&s, Some(100), ContextPolicy::Error), Ok(Fit { dropped: 0, tokens: 100 }));
        assert_eq!(fit(&s, None, ContextPolicy::DropOldest), Ok(Fit { dropped: 0, tokens: 100 }));
    }

    #[test]
    fn dropping_takes_the_fewest_oldest_turns() {
        let s = sizes(10, &[20, 30, 40]);
        assert_eq!(fit(&s, Some(99), ContextPolicy::DropOldest), Ok(Fit { dropped: 1, tokens: 80 }));
        assert_eq!(fit(&s, Some(80), ContextPolicy::DropOldest), Ok(Fit { dropped: 1, tokens: 80 }));
        assert_eq!(fit(&s, Some(79), ContextPolicy::DropOldest), Ok(Fit { dropped: 2, tokens: 50 }));
        assert_eq!(fit(&s, Some(50), ContextPolicy::DropOldest), Ok(Fit { dropped: 2, tokens: 50 }));
    }

    #[test]
    fn the_system_prompt_and_the_last_turn_are_never_dropped() {
        let s = sizes(10, &[20, 30, 40]);
        assert_eq!(
            fit(&s, Some(49), ContextPolicy::DropOldest),
            Err(Overflow { tokens: 100, minimum: 50, window: 49 })
        );
    }

    #[test]
    fn the_error_policy_drops_nothing() {
        let s = sizes(10, &[20, 30, 40]);
        assert_eq!(fit(&s, Some(99), ContextPolicy::Error), Err(Overflow { tokens: 100, minimum: 100, window: 99 }));
    }

    #[test]
    fn the_largest_window_is_unlimited_when_any_entry_is() {
        assert_eq!(largest(&[Some(8), Some(16), Some(4)]), Some(16));
        assert_eq!(largest(&[Some(8), None]), None);
        assert_eq!(largest(&[]), Some(0));
    }

    #[test]
    fn a_session_expires_only_after_its_idle_time() {
        assert!(!expired(1_000, 1_500, 500));
        assert!(expired(1_000, 1_501, 500));
        assert!(!expired(2_000, 1_000, 500), "a clock that went back expires nothing");
    }
}
