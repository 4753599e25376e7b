//! The seam between the gateway's I/O shell and its decisions.
//!
//! The shell asks [`Decide`] every question whose answer is a decision; each
//! method's default is the standard policy, the free functions of this crate.
//! The gateway runs with [`Standard`]. The suite's self-test wraps it, from the
//! outside, in variants that get one answer wrong, so that each scenario is
//! shown to catch the gateway that lacks its behaviour; the production path
//! has no branch for them.
use std::time::{Duration, Instant};

use super::breaker::{Breaker, BreakerConfig};
use super::budget::RetryBudget;
use super::classify::{Class, Verdict, classify_status};
use super::episode::{Current, Record};
use super::evaluation::{self, Answer, Change, Evaluation, Expect, Miss, Round};
use super::failure::{self, Failure};
use super::guard::{self, Found, Injection, PiiConfig, Text};
use super::health::Assessment;
use super::learning::{self, Adjustment, Bounds};
use super::nearest::{Nearest, NearestConfig};
use super::regions::{Regions, Suspect};
use super::replay::{self, Replay};
use super::retry::{self, Next, RetryConfig};
use super::routing::{self, Order, Selection, Tried};
use super::session::{self, ContextPolicy, Fit, Overflow, Sizes};
use super::slo::{self, Slo, SloConfig, Status, Totals};
use super::soft::{self, Asked, Finding, Reading, SoftClass, SoftConfig};
use super::spend::{self, Allowance, Ended, Hold, Ledger, Spent, Usage};
use super::stall::{Overdue, Stall};
use super::stream::{self, Read, Step};
use super::tail::{self, CacheRule, Tail};
use super::thresholds::Kind;

/// Every decision the gateway takes, with the standard policy as defaults.
pub trait Decide: Send + Sync + 'static {
    /// The class of an HTTP answer (`body` is read for a 400 only).
    fn classify(&self, status: u16, body: &[u8]) -> Class {
        classify_status(status, body)
    }

    /// What a whole answer of `class` is: `Ok` for one the client gets as it
    /// is, else the failed attempt (see [`failure::of_answer`]).
    fn answer(&self, class: Class, readable: bool, retry_after: Option<Duration>) -> Result<Class, Failure> {
        failure::of_answer(class, readable, retry_after)
    }

    /// How a provider's breaker counts an outcome of `class`.
    fn verdict(&self, class: Class) -> Verdict {
        class.verdict()
    }

    /// Whether a wrong answer of `soft`, a class only flagged, counts as a
    /// failure in `breaker`: when the class has an opening rate of its own
    /// there (see [`crate::thresholds`]).
    fn soft_counts(&self, breaker: &Breaker, soft: SoftClass) -> bool {
        breaker.judges_alone(Kind::Soft(soft))
    }

    /// A new breaker for a (model, provider) pair.
    fn breaker(&self, config: BreakerConfig) -> Breaker {
        Breaker::new(config)
    }

    /// Whether a provider assessed so is drained before its failures reach
    /// clients (see [`crate::health`]).
    fn drains(&self, assessment: &Assessment) -> bool {
        assessment.drain
    }

    /// Whether a provider assessed so is at the warning level: degrading,
    /// not yet drained (see [`crate::health::Health::crosses_warning`]).
    fn warns(&self, assessment: &Assessment) -> bool {
        assessment.warn
    }

    /// Whether a request that ended served by chain position `served_by`
    /// (`None`: by no provider) counts towards the fallback activation rate:
    /// every request the chain's first provider did not serve.
    fn fell_back(&self, served_by: Option<usize>) -> bool {
        served_by != Some(0)
    }

    /// Whether a fire drill running with `plan` fails an attempt at `now`
    /// that drew `draw` (see [`crate::drill`]).
    fn drilled(&self, plan: &crate::drill::Plan, now: Instant, draw: f64) -> bool {
        plan.hits(now, draw)
    }

    /// The breaker settings a provider's episode `history` calls for, from
    /// `current`, within `bounds` (see [`crate::learning`]).
    fn learn(&self, history: &[Record], current: Current, bounds: &Bounds) -> Vec<Adjustment> {
        learning::learn(history, current, bounds)
    }

    /// Which provider of a chain gets the next attempt.
    fn select(&self, chain: &mut [Breaker], order: &Order, tried: Tried, now: Instant, draw: f64) -> Selection {
        routing::select(chain, order, tried, now, draw)
    }

    /// The latency-aware order of a chain whose entries have these
    /// priorities (see [`crate::nearest`]).
    fn nearest(&self, config: NearestConfig, priority: Vec<u32>) -> Nearest {
        Nearest::new(config, priority)
    }

    /// Records a failed attempt of chain position `hop` at `now`; the
    /// positions to drain when its region has become suspect (see
    /// [`crate::regions`]).
    fn region_failed(&self, regions: &mut Regions, hop: usize, now: Instant) -> Option<Suspect> {
        regions.failed(hop, now)
    }

    /// An attempt has waited its provider's stall time at `now` without an
    /// answer, another provider of its chain in rotation or not
    /// (`elsewhere`): keep waiting, or abandon it (see [`crate::stall`]).
    fn overdue(&self, stall: &mut Stall, now: Instant, elsewhere: bool) -> Overdue {
        stall.overdue(now, elsewhere)
    }

    /// The chain positions a request whose context overflowed at position
    /// `overflowed` cannot go to (see [`routing::no_larger`]).
    fn too_small(&self, windows: &[Option<u64>], overflowed: usize) -> Tried {
        routing::no_larger(windows, overflowed)
    }

    /// Whether `failure` sends the request to another provider of the chain at
    /// once, when one admits it, instead of retrying the same provider: a
    /// connection that failed or went silent says nothing about the request,
    /// and a healthy provider should not wait while a silent one is retried.
    fn moves_on_at_once(&self, failure: &Failure) -> bool {
        failure.transport_level()
    }

    /// What follows a failed attempt, the `attempts_made`-th on its provider.
    fn after_failure(
        &self,
        config: &RetryConfig,
        failure: &Failure,
        attempts_made: u32,
        now: Instant,
        deadline: Instant,
        unit: f64,
    ) -> Next {
        retry::after_failure(config, failure.class, attempts_made, failure.retry_after, now, deadline, unit)
    }

    /// Whether the retry budget, if there is one, pays for a retry at `now`.
    fn pays_for_retry(&self, budget: Option<&mut RetryBudget>, now: Instant) -> bool {
        budget.is_none_or(|b| b.try_withdraw(now))
    }

    /// Whether a request may be sent again after `failure`.
    fn replay(&self, sent_to_client: bool, idempotent: bool, failure: &Failure) -> Replay {
        replay::replay(sent_to_client, idempotent, failure)
    }

    /// Judges the first thing read from a successful streaming answer.
    fn stream_open(&self, first: Read) -> Result<(), Failure> {
        stream::open(first)
    }

    /// Judges what was read from an opened stream.
    fn stream_step(&self, read: Read, finished_seen: bool) -> Step {
        stream::step(read, finished_seen)
    }

    /// Judges a successful answer for the failures that arrive as a success.
    fn soft(&self, config: &SoftConfig, asked: &Asked<'_>, answer: &Reading<'_>) -> Option<Finding> {
        soft::judge(config, asked, answer)
    }

    /// The soft failure, if any, in an answer its judge provider scored
    /// `score` against the minimum `min`.
    fn soft_scored(&self, score: f64, min: f64) -> Option<Finding> {
        soft::scored(score, min)
    }

    /// Whether a soft failure is a failed attempt rather than only flagged.
    fn soft_fails_over(&self, config: &SoftConfig, finding: &Finding, streamed: bool) -> bool {
        soft::fails_over(config, finding, streamed)
    }

    /// Whether an answer of `class` (with the soft judgement's `finding`)
    /// is a content-policy refusal, for the model's content-policy chain.
    fn content_filtered(&self, class: Class, finding: Option<&Finding>) -> bool {
        soft::content_filtered(class, finding)
    }

    /// Whether a streamed answer's soft failure counts against its
    /// provider's breaker (a whole answer's does when it fails over).
    fn stream_soft_counts(&self, config: &SoftConfig, finding: &Finding) -> bool {
        soft::counts(config, finding)
    }

    /// Whether a prompt the tokenizer counted at `tokens` (its texts:
    /// `texts`) is over the limit of `max` tokens.
    fn prompt_too_long(&self, max: u64, tokens: u64, texts: &[Text<'_>]) -> bool {
        let _ = texts;
        guard::too_long(max, tokens)
    }

    /// The name of the prompt-injection pattern a request's texts match.
    fn injected<'g>(&self, guard: &'g Injection, texts: &[Text<'_>]) -> Option<&'g str> {
        guard.matched(texts)
    }

    /// The personal data in a request's texts, by text.
    fn pii(&self, config: &PiiConfig, texts: &[Text<'_>]) -> Vec<(usize, Vec<Found>)> {
        guard::pii_in(config, texts)
    }

    /// The personal data in an answer's text.
    fn output_pii(&self, config: &PiiConfig, text: &str) -> Vec<Found> {
        guard::find_pii(text, &config.kinds)
    }

    /// How much of a session's context of `sizes` a provider with `window`
    /// is sent (see [`session::fit`]).
    fn fit_context(&self, sizes: &Sizes, window: Option<u64>, policy: ContextPolicy) -> Result<Fit, Overflow> {
        session::fit(sizes, window, policy)
    }

    /// Whether the answer to a request asking `asked` may be kept and given
    /// back (see [`tail::cacheable`]).
    fn cacheable(&self, rule: &CacheRule, asked: &tail::Asked) -> bool {
        tail::cacheable(rule, asked)
    }

    /// What ends a request no provider served, given a kept answer of `age`
    /// (if any) and whether the model has a default answer (see [`tail::choose`]).
    fn tail(&self, rule: Option<&CacheRule>, age: Option<Duration>, has_default: bool) -> Tail {
        let fresh = match (rule, age) {
            (Some(rule), Some(age)) => tail::fresh(rule, age),
            _ => false,
        };
        tail::choose(fresh, has_default)
    }

    /// Whether a session last used at `last_used_ms` has expired by `now_ms`
    /// (see [`session::expired`]).
    fn session_expired(&self, last_used_ms: u64, now_ms: u64, idle_ms: u64) -> bool {
        session::expired(last_used_ms, now_ms, idle_ms)
    }

    /// Holds `estimate` of a budget for an attempt at `now_ms`, unless the
    /// budget is spent (see [`Ledger::reserve`]).
    fn reserve(&self, ledger: &mut Ledger, allowance: &Allowance, estimate: u64, now_ms: u64) -> Result<Hold, Spent> {
        ledger.reserve(allowance, estimate, now_ms)
    }

    /// Turns an ended attempt's hold into what it cost (see [`Ledger::settle`]).
    fn settle(&self, ledger: &mut Ledger, allowance: &Allowance, hold: Hold, cost: u64, now_ms: u64) {
        ledger.settle(allowance, hold, cost, now_ms);
    }

    /// What an attempt counted as `estimate` is charged once it `ended` (see
    /// [`spend::charge`]).
    fn charge(&self, estimate: Usage, ended: Ended) -> Usage {
        spend::charge(estimate, ended)
    }

    /// A new SLO's window, configured by `config`.
    fn slo(&self, config: SloConfig) -> Slo {
        Slo::new(config)
    }

    /// What a finished request counts for in the SLOs (as it ended).
    fn slo_request(&self, request: slo::Request) -> slo::Request {
        request
    }

    /// Each objective of an SLO, given what its window holds (see [`slo::status`]).
    fn slo_status(&self, config: &SloConfig, totals: &Totals) -> Vec<Status> {
        slo::status(config, totals)
    }

    /// Whether a golden answer meets its case's expectation (see
    /// [`crate::evaluation`]).
    fn grade(&self, expect: &Expect, answer: &Answer<'_>) -> Result<(), Miss> {
        evaluation::grade(expect, answer)
    }

    /// Records a provider's finished evaluation round: whether its
    /// degraded mark changed.
    fn evaluated(&self, evaluation: &mut Evaluation, round: Round) -> Option<Change> {
        evaluation.record(round)
    }
}

/// The standard policy: every default of [`Decide`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Standard;

impl Decide for Standard {}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;
    use crate::drill::Plan;
    use crate::health::{Health, HealthConfig, Sample};
    use crate::stream::Read;

    /// The standard policy answers as the free functions do: the gateway's
    /// every decision goes through these defaults.
    #[test]
    fn the_standard_policy_is_the_crates_functions() {
        let now = Instant::now();
        assert!(!Standard.fell_back(Some(0)) && Standard.fell_back(Some(1)) && Standard.fell_back(None));
        let plan = Plan { class: Class::ServerError, share: 0.5, start: now, end: now + Duration::from_secs(1) };
        assert!(Standard.drilled(&plan, now, 0.4) && !Standard.drilled(&plan, now, 0.6));
        assert!(Standard.stream_open(Read::Silent).is_err() && Standard.stream_open(Read::Done).is_ok());
        let config = HealthConfig {
            window: Duration::from_secs(10),
            min_samples: 2,
            baseline_samples: 1,
            drain_score: 0.5,
            warn_score: 0.2,
            horizon: Duration::from_secs(1),
            breach: Duration::from_millis(500),
            weights: crate::health::Weights {
                error_rate: 1.0,
                latency: 0.0,
                p95: 0.0,
                latency_trend: 0.0,
                error_trend: 0.0,
                headroom: 0.0,
            },
            thresholds: crate::health::Thresholds {
                error_rate: 0.25,
                latency_ratio: 2.0,
                p95_ratio: 3.0,
                headroom: 0.9,
            },
            class_weights: crate::health::ClassWeights::EVEN,
        };
        let mut h = Health::new(config);
        let sample = |failed: bool, ms: u64| Sample {
            at: now + Duration::from_millis(ms),
            latency: Duration::from_millis(10),
            failed,
            class: if failed { Class::ServerError } else { Class::Success },
            utilisation: None,
        };
        h.record(sample(false, 0));
        h.record(sample(false, 1));
        let healthy = h.assess(now + Duration::from_millis(2));
        assert!(!Standard.drains(&healthy) && !Standard.warns(&healthy));
        h.record(sample(true, 3));
        let failing = h.assess(now + Duration::from_millis(4));
        assert!(Standard.drains(&failing) && Standard.warns(&failing), "{failing:?}");
        let mut stall = Stall::new(crate::StallConfig { after: Duration::from_millis(5), attempts: 1 });
        assert_eq!(Standard.overdue(&mut stall, now + Duration::from_millis(5), true), Overdue::Stalled);
        let (allowance, mut ledger) = (Allowance { limit: 10, window_ms: 1_000 }, Ledger::default());
        let hold = Standard.reserve(&mut ledger, &allowance, 4, 0).expect("unspent");
        Standard.settle(&mut ledger, &allowance, hold, 10, 1);
        assert_eq!(ledger.read(&allowance, 1), (10, 0));
        assert!(Standard.reserve(&mut ledger, &allowance, 1, 2).is_err());
        let estimate = Usage { prompt: 3, completion: 8 };
        assert_eq!(Standard.charge(estimate, Ended::Failed), Usage { prompt: 3, completion: 0 });
    }
}
