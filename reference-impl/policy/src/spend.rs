//! Spend budgets: how much one API key (or every client together) may spend
//! on a model (or on all of them) in a window, in tokens or in money, and
//! when the gateway stops sending.
//!
//! Why reserve before sending, and not only count after? A burst of requests
//! all find the budget unspent if each one only looks at what finished: a
//! hundred requests in flight at once would all be sent, and the spend would
//! overshoot by a hundred requests. So each attempt first holds what it may
//! cost (its prompt, and its answer's limit), and is sent only while what is
//! spent and held together is below the limit; when it ends, the hold becomes
//! what it really cost. The spend then overshoots the limit by at most the
//! one attempt admitted last, as long as answers cost no more than was held.
//!
//! Windows are fixed and aligned to the Unix epoch: window `k` runs from
//! `k × window` to `(k + 1) × window` milliseconds, so a budget resets at a
//! time a client can be told, and that two gateways agree on.
//!
//! Amounts are whole units: tokens, or trillionths of a US dollar
//! (picodollars) for a money budget, so that the arithmetic is exact.

/// A budget's limit and window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Allowance {
    /// Units that may be spent in one window.
    pub limit: u64,
    /// The window's length, in milliseconds (at least 1).
    pub window_ms: u64,
}

impl Allowance {
    /// The window `now_ms` falls in.
    pub const fn window(&self, now_ms: u64) -> u64 {
        now_ms / self.window_ms
    }

    /// When the window `now_ms` falls in ends.
    pub const fn resets_at(&self, now_ms: u64) -> u64 {
        (self.window(now_ms) + 1).saturating_mul(self.window_ms)
    }
}

/// What a budget has spent in its current window, and holds for attempts in
/// flight.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ledger {
    window: u64,
    spent: u64,
    held: u64,
}

/// What one attempt holds of a budget until it ends.
#[derive(Debug, PartialEq, Eq)]
#[must_use = "settle the hold with Ledger::settle when the attempt ends"]
pub struct Hold {
    amount: u64,
}

impl Hold {
    /// A hold of nothing: for a budget that was not asked.
    pub const NONE: Hold = Hold { amount: 0 };

    /// What it holds.
    pub const fn amount(&self) -> u64 {
        self.amount
    }
}

/// Why an attempt was refused: the budget is spent until `resets_at_ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spent {
    /// Units spent in the current window.
    pub spent: u64,
    /// Units held by attempts in flight.
    pub held: u64,
    /// When the window ends and the budget is whole again (Unix ms).
    pub resets_at_ms: u64,
}

impl Ledger {
    /// A ledger resumed from what was kept of it: `spent` in window `window`
    /// (an earlier window reads as nothing spent).
    pub const fn resumed(window: u64, spent: u64) -> Self {
        Self { window, spent, held: 0 }
    }

    /// What to keep of it: its window and what was spent in it.
    pub const fn kept(&self) -> (u64, u64) {
        (self.window, self.spent)
    }

    /// A new window starts with nothing spent; what attempts in flight hold
    /// stays held, they still end.
    fn roll(&mut self, allowance: &Allowance, now_ms: u64) {
        let window = allowance.window(now_ms);
        if window != self.window {
            self.window = window;
            self.spent = 0;
        }
    }

    /// Holds `estimate` for an attempt at `now_ms`, if what is spent and held
    /// is below the limit; else says until when the budget is spent.
    pub fn reserve(&mut self, allowance: &Allowance, estimate: u64, now_ms: u64) -> Result<Hold, Spent> {
        self.roll(allowance, now_ms);
        if self.spent.saturating_add(self.held) < allowance.limit {
            self.held = self.held.saturating_add(estimate);
            Ok(Hold { amount: estimate })
        } else {
            Err(Spent { spent: self.spent, held: self.held, resets_at_ms: allowance.resets_at(now_ms) })
        }
    }

    /// The attempt holding `hold` ended at `now_ms` having cost `cost`: it
    /// is spent in the window it ended in.
    pub fn settle(&mut self, allowance: &Allowance, hold: Hold, cost: u64, now_ms: u64) {
        self.roll(allowance, now_ms);
        self.held = self.held.saturating_sub(hold.amount);
        self.spent = self.spent.saturating_add(cost);
    }

    /// What is spent in the window `now_ms` falls in, and what is held.
    pub fn read(&self, allowance: &Allowance, now_ms: u64) -> (u64, u64) {
        let spent = if allowance.window(now_ms) == self.window { self.spent } else { 0 };
        (spent, self.held)
    }
}

/// Tokens of one attempt, as counted by the provider (its `usage`) or by
/// the gateway.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Tokens of the request.
    pub prompt: u64,
    /// Tokens of the answer.
    pub completion: u64,
}

/// What a provider charges, in trillionths of a US dollar per token.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Price {
    /// Per token of the request.
    pub input: u64,
    /// Per token of the answer.
    pub output: u64,
}

/// What a budget counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Tokens, request and answer alike.
    Tokens,
    /// Trillionths of a US dollar, by the serving provider's price.
    Picodollars,
}

/// What `usage` costs in `unit` at `price`.
pub fn cost(unit: Unit, usage: Usage, price: Price) -> u64 {
    match unit {
        Unit::Tokens => usage.prompt.saturating_add(usage.completion),
        Unit::Picodollars => {
            usage.prompt.saturating_mul(price.input).saturating_add(usage.completion.saturating_mul(price.output))
        }
    }
}

/// How an attempt ended, for what it is charged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// Nothing reached the provider (a refused connection).
    NotSent,
    /// Sent, and failed: the provider may have read the whole prompt.
    Failed,
    /// Answered, with the `usage` the provider reported, if it did.
    Answered(Option<Usage>),
}

/// What an attempt whose request the gateway counted as `estimate` (its
/// prompt, and its answer's limit) is charged, once it `ended`: a provider's
/// own count when it gave one; for an answer without one, the estimate; for
/// a failed attempt, its prompt, since a retry or a failover is paid for;
/// nothing for one that never reached the provider.
pub fn charge(estimate: Usage, ended: Ended) -> Usage {
    match ended {
        Ended::NotSent => Usage::default(),
        Ended::Failed => Usage { prompt: estimate.prompt, completion: 0 },
        Ended::Answered(Some(usage)) => usage,
        Ended::Answered(None) => estimate,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEN_PER_SECOND: Allowance = Allowance { limit: 10, window_ms: 1_000 };

    #[test]
    fn windows_are_aligned_to_the_epoch_and_reset_at_their_end() {
        assert_eq!(TEN_PER_SECOND.window(0), 0);
        assert_eq!(TEN_PER_SECOND.window(999), 0);
        assert_eq!(TEN_PER_SECOND.window(1_000), 1);
        assert_eq!(TEN_PER_SECOND.resets_at(0), 1_000);
        assert_eq!(TEN_PER_SECOND.resets_at(1_999), 2_000);
        assert_eq!(TEN_PER_SECOND.resets_at(2_000), 3_000);
    }

    #[test]
    fn an_attempt_is_admitted_while_spent_and_held_are_below_the_limit() {
        let mut ledger = Ledger::default();
        let first = ledger.reserve(&TEN_PER_SECOND, 6, 100).expect("nothing spent");
        assert_eq!(first.amount(), 6);
        let second = ledger.reserve(&TEN_PER_SECOND, 6, 100).expect("6 held, below 10");
        let refused = ledger.reserve(&TEN_PER_SECOND, 1, 100).expect_err("12 held, not below 10");
        assert_eq!(refused, Spent { spent: 0, held: 12, resets_at_ms: 1_000 });
        ledger.settle(&TEN_PER_SECOND, first, 4, 200);
        ledger.settle(&TEN_PER_SECOND, second, 5, 200);
        assert_eq!(ledger.read(&TEN_PER_SECOND, 200), (9, 0));
        let last = ledger.reserve(&TEN_PER_SECOND, 3, 300).expect("9 spent, below 10");
        ledger.settle(&TEN_PER_SECOND, last, 3, 300);
        let refused = ledger.reserve(&TEN_PER_SECOND, 3, 400).expect_err("12 spent");
        assert_eq!(refused, Spent { spent: 12, held: 0, resets_at_ms: 1_000 });
    }

    #[test]
    fn a_limit_reached_exactly_is_spent() {
        let mut ledger = Ledger::default();
        let hold = ledger.reserve(&TEN_PER_SECOND, 10, 0).expect("unspent");
        ledger.settle(&TEN_PER_SECOND, hold, 10, 0);
        assert!(ledger.reserve(&TEN_PER_SECOND, 0, 999).is_err());
    }

    #[test]
    fn a_new_window_forgets_the_spend_but_not_what_is_held() {
        let mut ledger = Ledger::default();
        let spent = ledger.reserve(&TEN_PER_SECOND, 10, 0).expect("unspent");
        ledger.settle(&TEN_PER_SECOND, spent, 10, 0);
        let held = ledger.reserve(&TEN_PER_SECOND, 4, 1_000).expect("a new window");
        assert_eq!(ledger.read(&TEN_PER_SECOND, 1_000), (0, 4));
        assert_eq!(ledger.read(&TEN_PER_SECOND, 999), (0, 4), "another window than the ledger's reads as unspent");
        ledger.settle(&TEN_PER_SECOND, held, 7, 2_500);
        assert_eq!(ledger.read(&TEN_PER_SECOND, 2_500), (7, 0), "spent in the window it ended in");
    }

    #[test]
    fn a_resumed_ledger_holds_its_windows_spend_and_forgets_an_older_one() {
        let mut ledger = Ledger::resumed(3, 10);
        assert_eq!(ledger.kept(), (3, 10));
        assert_eq!(ledger.read(&TEN_PER_SECOND, 3_500), (10, 0));
        assert!(ledger.reserve(&TEN_PER_SECOND, 1, 3_500).is_err(), "still spent after a restart");
        assert!(ledger.reserve(&TEN_PER_SECOND, 1, 4_000).is_ok(), "a later window is whole");
        assert_eq!(ledger.kept(), (4, 0));
    }

    #[test]
    fn cost_is_tokens_or_the_price_of_each_side() {
        let usage = Usage { prompt: 12, completion: 5 };
        let price = Price { input: 2_500, output: 10_000 };
        assert_eq!(cost(Unit::Tokens, usage, price), 17);
        assert_eq!(cost(Unit::Picodollars, usage, price), 12 * 2_500 + 5 * 10_000);
        assert_eq!(cost(Unit::Picodollars, Usage { prompt: u64::MAX, completion: 1 }, price), u64::MAX);
    }

    #[test]
    fn an_attempt_is_charged_the_providers_count_else_what_the_gateway_counted() {
        let estimate = Usage { prompt: 20, completion: 100 };
        assert_eq!(charge(estimate, Ended::NotSent), Usage::default());
        assert_eq!(charge(estimate, Ended::Failed), Usage { prompt: 20, completion: 0 });
        let told = Usage { prompt: 12, completion: 5 };
        assert_eq!(charge(estimate, Ended::Answered(Some(told))), told);
        assert_eq!(charge(estimate, Ended::Answered(None)), estimate);
    }
}
