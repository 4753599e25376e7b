//! What the properties run against: the real breaker, and deliberately broken
//! variants of it, each breaking one rule, so that every property is shown to
//! find a counterexample when its rule is broken.
//!
//! A broken variant wraps the real breaker and bends its inputs or outputs (or
//! runs it with a config other than the one the property judges by). It can
//! hand out admissions the real breaker refused: those tickets carry no permit.
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use failover_policy::{
    Admission, Breaker, BreakerConfig, Permit, RampConfig, Rejection, State, Transition, Validation, Verdict,
};

/// An admission as a subject hands it out.
#[derive(Clone, Copy, Debug)]
pub struct Ticket {
    pub permit: Option<Permit>,
}

/// A breaker under test: a wrapper around the real one that overrides what it breaks.
pub trait Subject: Sized {
    fn new(cfg: BreakerConfig) -> Self;
    fn breaker(&mut self) -> &mut Breaker;
    fn peek(&self) -> &Breaker;

    fn admit(&mut self, now: Instant, draw: f64) -> (Result<Ticket, Rejection>, Option<Transition>) {
        real_admit(self.breaker(), now, draw)
    }
    fn record(&mut self, ticket: Ticket, verdict: Verdict, now: Instant, latency: Duration) -> Option<Transition> {
        real_record(self.breaker(), ticket, verdict, now, latency)
    }
    fn poll(&mut self, now: Instant) -> Option<Transition> {
        self.breaker().poll(now)
    }
    fn state(&self) -> State {
        self.peek().state()
    }
    fn counts(&mut self, now: Instant) -> (u32, u32) {
        self.breaker().window_counts(now)
    }
}

fn real_admit(b: &mut Breaker, now: Instant, draw: f64) -> (Result<Ticket, Rejection>, Option<Transition>) {
    let (admission, t) = b.admit(now, draw);
    let result = match admission {
        Admission::Admitted(permit) => Ok(Ticket { permit: Some(permit) }),
        Admission::Rejected { why, .. } => Err(why),
    };
    (result, t)
}

fn real_record(
    b: &mut Breaker,
    ticket: Ticket,
    verdict: Verdict,
    now: Instant,
    latency: Duration,
) -> Option<Transition> {
    ticket.permit.and_then(|p| b.record_timed(p, verdict, now, latency))
}

/// A subject whose breaker is the wrapper's first field, built from the
/// config by `$cfg` (the rest of the wrapper from `Default`), with `$body`
/// overriding the methods it breaks.
macro_rules! subject {
    ($ty:ident $(, $field:ty)*; cfg => $cfg:expr; $($body:tt)*) => {
        impl Subject for $ty {
            fn new(cfg: BreakerConfig) -> Self {
                let f: fn(BreakerConfig) -> BreakerConfig = $cfg;
                $ty(Breaker::new(f(cfg)) $(, <$field>::default())*)
            }
            fn breaker(&mut self) -> &mut Breaker {
                &mut self.0
            }
            fn peek(&self) -> &Breaker {
                &self.0
            }
            $($body)*
        }
    };
}

/// The real breaker.
pub struct Real(Breaker);
subject!(Real; cfg => |c| c;);

/// Opens only when the failure rate exceeds the threshold: reaching it does not count.
pub struct ThresholdExclusive(Breaker);
subject!(ThresholdExclusive; cfg => |c| BreakerConfig { threshold_ppm: (c.threshold_ppm + 1).min(1_000_001), ..c };);

/// Opens one call before the minimum number of calls.
pub struct MinCallsOffByOne(Breaker);
subject!(MinCallsOffByOne; cfg => |c| BreakerConfig { min_calls: c.min_calls.saturating_sub(1), ..c };);

/// Never forgets an outcome: the window does not slide.
pub struct WindowNeverSlides(Breaker);
subject!(WindowNeverSlides; cfg => |c| BreakerConfig { window: Duration::from_secs(1_000_000), ..c };);

/// No bound on how long probes may take: half-open can last forever.
pub struct NoProbeTimeout(Breaker);
subject!(NoProbeTimeout; cfg => |c| BreakerConfig { probe_timeout: Duration::from_secs(1_000_000), ..c };);

/// Hysteresis removed: the open period is a nanosecond.
pub struct NoOpenPeriod(Breaker);
subject!(NoOpenPeriod; cfg => |c| BreakerConfig { open: Duration::from_nanos(1), open_max: Duration::from_nanos(1), ..c };);

/// A ramp that validates nothing: a step passes on its first call, at once.
pub struct RampUnvalidated(Breaker);
subject!(RampUnvalidated; cfg => |c| BreakerConfig { ramp: reshaped(c.ramp, Duration::ZERO, |v| Validation { min_calls: 1, ..v }), ..c };);

/// A ramp that never fails a step on errors or latency.
pub struct RampTolerates(Breaker);
subject!(RampTolerates; cfg => |c| BreakerConfig {
    ramp: reshaped(c.ramp, c.ramp.hold, |v| Validation { max_error_ppm: 1_000_000, max_p95: None, ..v }),
    ..c
};);

/// `ramp`'s shares with another hold and validation.
fn reshaped(ramp: RampConfig, hold: Duration, validation: fn(Validation) -> Validation) -> RampConfig {
    if ramp.is_none() {
        return ramp;
    }
    RampConfig::new(ramp.shares(), hold, validation(ramp.validation)).expect("the same shares")
}

/// Admits every other call while open.
pub struct LeaksWhileOpen(Breaker, u32);
subject!(LeaksWhileOpen, u32; cfg => |c| c;
    fn admit(&mut self, now: Instant, draw: f64) -> (Result<Ticket, Rejection>, Option<Transition>) {
        match real_admit(&mut self.0, now, draw) {
            (Err(Rejection::Open), t) => {
                self.1 += 1;
                if self.1 % 2 == 0 { (Ok(Ticket { permit: None }), t) } else { (Err(Rejection::Open), t) }
            }
            other => other,
        }
    }
);

/// Admits one probe more than configured.
pub struct ProbeLimitOffByOne(Breaker, bool);
subject!(ProbeLimitOffByOne, bool; cfg => |c| c;
    fn admit(&mut self, now: Instant, draw: f64) -> (Result<Ticket, Rejection>, Option<Transition>) {
        if self.0.state() != State::HalfOpen {
            self.1 = false;
        }
        match real_admit(&mut self.0, now, draw) {
            (Err(Rejection::ProbesInFlight), t) if !self.1 => {
                self.1 = true;
                (Ok(Ticket { permit: None }), t)
            }
            other => other,
        }
    }
);

/// Forgets its consecutive opens whenever it closes: a provider that fails
/// again right away gets the base open period again.
pub struct ForgetsOpens(Breaker, Option<BreakerConfig>);
impl Subject for ForgetsOpens {
    fn new(cfg: BreakerConfig) -> Self {
        Self(Breaker::new(cfg), Some(cfg))
    }
    fn breaker(&mut self) -> &mut Breaker {
        &mut self.0
    }
    fn peek(&self) -> &Breaker {
        &self.0
    }
    fn record(&mut self, ticket: Ticket, verdict: Verdict, now: Instant, latency: Duration) -> Option<Transition> {
        let t = real_record(&mut self.0, ticket, verdict, now, latency);
        if let (Some(true), Some(cfg)) = (t.map(|t| t.to == State::Closed), self.1) {
            if cfg.ramp.is_none() {
                self.0 = Breaker::new(cfg);
            }
        }
        t
    }
}

/// Takes any late outcome as news about the current calls: it reports it with
/// the newest permit instead of the one it came with.
pub struct LateResultsCount(Breaker, Option<Permit>);
subject!(LateResultsCount, Option<Permit>; cfg => |c| c;
    fn admit(&mut self, now: Instant, draw: f64) -> (Result<Ticket, Rejection>, Option<Transition>) {
        let (result, t) = real_admit(&mut self.0, now, draw);
        if let Ok(ticket) = &result {
            self.1 = ticket.permit;
        }
        (result, t)
    }
    fn record(&mut self, ticket: Ticket, verdict: Verdict, now: Instant, latency: Duration) -> Option<Transition> {
        let permit = self.1.or(ticket.permit);
        real_record(&mut self.0, Ticket { permit }, verdict, now, latency)
    }
);

/// Counts an ignored outcome as a success.
pub struct IgnoredCounts(Breaker);
subject!(IgnoredCounts; cfg => |c| c;
    fn record(&mut self, ticket: Ticket, verdict: Verdict, now: Instant, latency: Duration) -> Option<Transition> {
        let verdict = if verdict == Verdict::Ignored { Verdict::Success } else { verdict };
        real_record(&mut self.0, ticket, verdict, now, latency)
    }
);

static HIDDEN: AtomicU64 = AtomicU64::new(0);

/// Reads a hidden, shared source of randomness instead of the draw it is given.
pub struct HiddenRandomness(Breaker);
subject!(HiddenRandomness; cfg => |c| c;
    fn admit(&mut self, now: Instant, _draw: f64) -> (Result<Ticket, Rejection>, Option<Transition>) {
        let hidden = (HIDDEN.fetch_add(0x9E37_79B9, Ordering::Relaxed) % 1000) as f64 / 1000.0;
        real_admit(&mut self.0, now, hidden)
    }
);
