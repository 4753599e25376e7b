//! The deliberately broken gateways the self-test runs the suite against,
//! each lacking exactly one behaviour. None lives in the gateway users run:
//! each is built from the outside, from the reference gateway's public parts.
//!
//! - A **policy defect** wraps the standard policy (`failover_policy::Standard`)
//!   and gets one decision wrong ([`Wrong`]).
//! - A **shell defect** serves the standard gateway behind a layer that breaks
//!   what the client sees ([`crate::assembly`]).
//! - A **transport defect** puts an interposer between the gateway and its
//!   providers that does what a careless gateway does on the wire
//!   ([`crate::interposer`]).
//! - A **config defect** starts the gateway with a config other than the one
//!   the scenario wrote.
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reference_gateway::policy::episode::{Current, Record};
use reference_gateway::policy::evaluation::{
    Answer as GoldenAnswer, Change as EvalChange, EvalConfig, Evaluation, Expect, Miss, Round,
};
use reference_gateway::policy::guard::{Author, Found, Injection, PiiConfig, PiiKind, Text};
use reference_gateway::policy::learning::{Adjustment, Bounds};
use reference_gateway::policy::session::{ContextPolicy, Fit, Overflow, Sizes};
use reference_gateway::policy::slo::{self, Slo, SloConfig, Totals};
use reference_gateway::policy::soft::{Asked, Finding, Reading as SoftReading, SoftClass, SoftConfig, Why};
use reference_gateway::policy::spend::{Allowance, Ended, Hold, Ledger, Spent, Usage};
use reference_gateway::policy::stream::{Read, Step};
use reference_gateway::policy::tail::{self, CacheRule, Tail};
use reference_gateway::policy::{
    Assessment, Breaker, BreakerConfig, Class, ClassThresholds, Decide, Failure, MoveOn, Nearest, NearestConfig, Next,
    Order, Overdue, RampConfig, Regions, Replay, RetryBudget, RetryConfig, Selection, Stall, Standard, Suspect, Tried,
    Validation, Verdict, retry,
};

/// Which behaviour a variant lacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Defect {
    /// Never moves a request to another provider of its chain.
    NeverFailOver,
    /// Answers 500 instead of 503 when no provider can serve.
    ExhaustedAs500,
    /// Fails over per request but never opens a breaker.
    NoBreaker,
    /// Lets every other request probe an open breaker: no stable period, flapping.
    NoCooldown,
    /// Treats a client's 4xx like a server error: retried and failed over.
    ClientErrorsFailOver,
    /// Counts every failed answer against the provider, the client's own
    /// mistakes and context overflows included.
    CountsEverything,
    /// Opens the breaker on the first failure.
    HairTrigger,
    /// Never retries on the same provider.
    NoRetry,
    /// Retries every failure on the same provider, even those not worth it.
    RetriesEverything,
    /// Retries a provider as fast and as often as the deadline allows.
    HammersProvider,
    /// Ignores `Retry-After`.
    IgnoresRetryAfter,
    /// Retries a silent provider while another one of the chain waits.
    RetriesSilentProvider,
    /// Relays a success it cannot read (cut short, not JSON) as a success.
    RelaysUnreadableAnswers,
    /// Carries a stream that fails midway on with the next provider's stream.
    SplicesStreams,
    /// Ends a stream that broke or was cut short with `[DONE]`, as if complete.
    CutStreamAsCleanEnd,
    /// Holds a stream's events back and sends them all when it has ended.
    BuffersStreams,
    /// Keeps a stream that ended without `[DONE]` open until the idle timeout.
    WaitsForMissingDone,
    /// Drops the usage chunk a provider streams at the end.
    DropsStreamedUsage,
    /// Sends a failover provider only the system prompt and the latest message.
    DropsHistoryOnFailover,
    /// Retries and fails over requests that must not run twice.
    ReplaysNonIdempotent,
    /// Ignores the `Idempotency-Key` header.
    IgnoresIdempotencyKey,
    /// Retries whatever the retry budget says.
    IgnoresRetryBudget,
    /// Leaves breaker transitions (and so failbacks) out of its decision log.
    ForgetsTransitions,
    /// Never times out a half-open probe that does not answer.
    ProbesNeverTimeOut,
    /// Forwards bodies it cannot read, of any size, to a provider.
    AcceptsAnyBody,
    /// Answers its own errors (bad input, unknown paths and methods) with a
    /// bare status and no explanation.
    BareErrors,
    /// Shows clients what its providers' errors said: its own 5xx carries the
    /// last provider error in its message, and every answer after one carries
    /// it in a header, keys and all.
    RelaysProviderErrors,
    /// Starts with a config whose chain names an unknown provider, dropping it.
    StartsWithBadConfig,
    /// Decides on failures alone: never drains a provider on its health score.
    DecidesOnErrorsAlone,
    /// Drains a provider as soon as any one metric looks half bad.
    DrainsOnAnyMetric,
    /// Ignores `probes`: only clients' requests tell it how a provider is.
    NoActiveProbes,
    /// Its admin API says every provider is closed, scoring 0, never failing.
    HealthApiLies,
    /// Never warns: a provider goes from healthy to drained without notice.
    NoWarnings,
    /// Ignores `admin.token`: its admin API is open to anyone.
    OpenAdmin,
    /// Counts only requests no provider served as fallbacks: a request
    /// the secondary served does not count.
    MiscountsFallbacks,
    /// Serves `/metrics` with every sample standing at zero.
    MetricsStandStill,
    /// Accepts drills and reports them, but fails no attempt.
    DrillsDoNothing,
    /// Counts every failure alike in the health error rate, whatever its class.
    ErrorsAllAlike,
    /// Ignores `store`: keeps no episodes, has no `/admin/analytics`, and
    /// starts whatever the store file holds.
    NoStore,
    /// Starts a new store file every time it starts: its history does not
    /// survive a restart, and it never looks at the file it was given.
    FreshStoreEachStart,
    /// Records episodes and suggests settings, but never adjusts any.
    NeverAdjusts,
    /// Its dashboard stream sends one snapshot and then nothing: a page
    /// that has to be reloaded to change.
    FrozenDashboard,
    /// Gives a recovered provider all of its traffic back at once, whatever
    /// `policy.failback` says.
    ImmediateFailback,
    /// Ramps a recovered provider through its shares without validating
    /// them: each step passes on its first call, failures and all.
    UnvalidatedRamp,
    /// Reports its ramp's steps but admits every call while ramping: the
    /// share is only on paper.
    RampIgnoresShare,
    /// Tries every chain in its own order, whatever latencies it observes.
    IgnoresLatency,
    /// Hands the lead of a priority level to whichever entry is faster by
    /// any amount: two close regions take turns.
    NoHysteresis,
    /// Tries the providers of a failing region one by one.
    IgnoresRegions,
    /// Keeps no warm connection to any provider.
    NoPrewarm,
    /// Opens a descriptor for every request and never closes it.
    LeaksDescriptors,
    /// Keeps 64 KiB of every request's memory for good.
    LeaksMemory,
    /// Takes on every request, whatever `limits.max_in_flight` says.
    NoShedding,
    /// Sends a provider every request, whatever its `max_in_flight` says.
    IgnoresProviderBound,
    /// Waits out every attempt's timeout on a provider that has stopped
    /// answering, however many requests wait on it.
    NoStallDetection,
    /// Waits 150 ms after a request's first failed answer before deciding
    /// anything: it tries the same provider again, then fails over.
    HesitantFailover,
    /// Lets every successful answer through unjudged.
    IgnoresSoftFailures,
    /// Flags every successful answer as degraded, whatever it says and
    /// whatever the request asked for.
    FlagsEveryAnswer,
    /// Flags soft failures but never acts on them: a wrong answer reaches the
    /// client from the provider that gave it, and no breaker counts it.
    KeepsWrongAnswers,
    /// Acts on every soft class, whatever `fail_over_on` lists.
    FailsOverOnEveryClass,
    /// Flags a wrong stream, but its provider's breaker never counts it.
    StreamedSoftUncounted,
    /// Takes any JSON object for the JSON asked for, whatever the request's schema says.
    IgnoresSchemas,
    /// Judges answers, but never against the model version their chain entry pins.
    IgnoresModelVersion,
    /// Relays every content-policy refusal, whatever content-policy chain
    /// the model has.
    IgnoresContentPolicyChain,
    /// Reads `guardrails` but no guardrail ever finds anything.
    NoGuardrails,
    /// Guesses a prompt's tokens as a quarter of its characters.
    GuessesTokens,
    /// Counts a prompt's characters as its tokens.
    CountsCharacters,
    /// Takes any number of 13 or more digits for a card number, Luhn check or not.
    LuhnBlind,
    /// Takes every client text that mentions instructions for an injection.
    InjectionOverreach,
    /// Turns on the injection and personal-data guardrails whenever any
    /// guardrail is configured.
    AllGuardrailsOn,
    /// Never sees the bypass header: the admin token bypasses nothing.
    IgnoresBypass,
    /// Lets any token in the bypass header bypass the guardrails.
    BypassForAnyone,
    /// Reads `class_thresholds` but judges every class by the one failure rate.
    OneFailureRate,
    /// Judges a class by its own threshold, but never counts a wrong answer
    /// that is only flagged.
    FlaggedSoftUncounted,
    /// Blocks a prompt injection only in its most common phrasing, "ignore
    /// all previous instructions".
    KnowsOnePhrasing,
    /// Judges streams for soft failures but never on their token rate.
    IgnoresTokenRate,
    /// Asks the judge provider but never acts on its score.
    IgnoresJudge,
    /// Flags an answer its judge scored at the minimum, not only below it.
    JudgesAtMinimum,
    /// Keeps no sessions: `sessions` is left out of its config.
    NoSessions,
    /// Sends every provider a session's whole context, whatever its window.
    IgnoresContextWindows,
    /// Leaves out one more old turn than a window needs.
    DropsOneTurnTooMany,
    /// Never lets a session expire.
    SessionsNeverExpire,
    /// Makes a second turn on a busy session wait, though its config says refuse.
    WaitsOnBusySession,
    /// Has no end of the chain: neither `cache` nor any default answer.
    NoFallbackTail,
    /// Gives back a cached answer however old.
    StaleCache,
    /// Keeps the answer to every request, whatever its temperature.
    CachesEverything,
    /// Gives the default answer even when a cached one is fresh.
    DefaultBeforeCache,
    /// Counts what budgets spend but never refuses a request.
    IgnoresBudgets,
    /// Looks only at what has been spent before sending: attempts in flight
    /// hold nothing of their budgets.
    HoldsNothing,
    /// Charges a failed attempt nothing: retries and failovers are free.
    FreeRetries,
    /// Never starts a new window: a spent budget stays spent.
    BudgetsNeverReset,
    /// Charges every answer what was held for it, never the usage its
    /// provider reported.
    IgnoresUsage,
    /// Reads its SLOs but never finds one breached.
    IgnoresSlos,
    /// Counts a wrong answer as a useful one in its SLOs.
    SoftAnswersAreGood,
    /// Reads the median time to first token as its p95.
    TtftMedian,
    /// Divides the cost by every answer, not by the useful ones.
    CostPerAnswer,
    /// Judges an SLO from its first request.
    SlosIgnoreMinRequests,
    /// Keeps every request in its SLOs' windows for good.
    SloWindowNeverSlides,
    /// Sends its golden sets but records no round: no provider is ever marked.
    IgnoresEvaluation,
    /// Compares a golden answer with a pattern's text instead of matching it.
    GradesPatternsAsText,
    /// Marks a provider only once nothing in its evaluation window passes.
    MarksOnlyWhenNothingPasses,
}

impl Defect {
    /// A short name for the output.
    pub fn name(self) -> String {
        let debug = format!("{self:?}");
        let mut name = String::new();
        for (i, c) in debug.chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                name.push('-');
            }
            name.push(c.to_ascii_lowercase());
        }
        name
    }
}

/// `allowance` with one window that never ends.
fn forever(allowance: &Allowance) -> Allowance {
    Allowance { window_ms: u64::MAX, ..*allowance }
}

/// The most digits in `text` in a row, single spaces and dashes between
/// them allowed: how a card number is written.
fn longest_digit_run(text: &str) -> usize {
    let (mut best, mut run, mut gap) = (0, 0, false);
    for c in text.chars() {
        if c.is_ascii_digit() {
            (run, gap) = (run + 1, false);
            best = best.max(run);
        } else if (c == ' ' || c == '-') && run > 0 && !gap {
            gap = true;
        } else {
            (run, gap) = (0, false);
        }
    }
    best
}

/// The standard policy, wrong about one thing.
#[derive(Debug)]
pub struct Wrong {
    defect: Option<Defect>,
    /// Routing decisions made, for the no-cooldown defect.
    decisions: AtomicU64,
}

impl Wrong {
    /// The policy with `defect` (`None`: the standard policy, unchanged).
    pub fn new(defect: Option<Defect>) -> Self {
        Self { defect, decisions: AtomicU64::new(0) }
    }

    fn has(&self, defect: Defect) -> bool {
        self.defect == Some(defect)
    }
}

impl Decide for Wrong {
    fn classify(&self, status: u16, body: &[u8]) -> Class {
        match Standard.classify(status, body) {
            Class::ClientError | Class::ContentFiltered if self.has(Defect::ClientErrorsFailOver) => Class::ServerError,
            class => class,
        }
    }

    fn answer(&self, class: Class, readable: bool, retry_after: Option<Duration>) -> Result<Class, Failure> {
        let readable = readable || self.has(Defect::RelaysUnreadableAnswers);
        Standard.answer(class, readable, retry_after)
    }

    fn drains(&self, assessment: &Assessment) -> bool {
        if self.has(Defect::DecidesOnErrorsAlone) {
            false
        } else if self.has(Defect::DrainsOnAnyMetric) {
            assessment.baseline_ms.is_some() && assessment.readings.iter().any(|r| r.badness >= 0.5)
        } else {
            Standard.drains(assessment)
        }
    }

    fn drilled(&self, plan: &reference_gateway::policy::drill::Plan, now: Instant, draw: f64) -> bool {
        !self.has(Defect::DrillsDoNothing) && Standard.drilled(plan, now, draw)
    }

    fn learn(&self, history: &[Record], current: Current, bounds: &Bounds) -> Vec<Adjustment> {
        if self.has(Defect::NeverAdjusts) { Vec::new() } else { Standard.learn(history, current, bounds) }
    }

    fn fell_back(&self, served_by: Option<usize>) -> bool {
        if self.has(Defect::MiscountsFallbacks) { served_by.is_none() } else { Standard.fell_back(served_by) }
    }

    fn warns(&self, assessment: &Assessment) -> bool {
        !self.has(Defect::NoWarnings) && Standard.warns(assessment)
    }

    fn verdict(&self, class: Class) -> Verdict {
        match class {
            Class::ClientError | Class::ContextOverflow | Class::ContentFiltered
                if self.has(Defect::CountsEverything) =>
            {
                Verdict::Failure
            }
            class => Standard.verdict(class),
        }
    }

    fn breaker(&self, config: BreakerConfig) -> Breaker {
        let config = match self.defect {
            Some(Defect::NoBreaker) => BreakerConfig { min_calls: u32::MAX, ..config },
            Some(Defect::HairTrigger) => BreakerConfig { min_calls: 1, threshold_ppm: 1, ..config },
            Some(Defect::ProbesNeverTimeOut) => BreakerConfig { probe_timeout: Duration::from_secs(86_400), ..config },
            Some(Defect::ImmediateFailback) => BreakerConfig { ramp: RampConfig::NONE, ..config },
            Some(Defect::OneFailureRate) => BreakerConfig { classes: ClassThresholds::NONE, ..config },
            Some(Defect::UnvalidatedRamp) if !config.ramp.is_none() => {
                let v = Validation { min_calls: 1, max_error_ppm: 1_000_000, max_p95: None };
                let ramp = RampConfig::new(config.ramp.shares(), Duration::ZERO, v).expect("the same shares");
                BreakerConfig { ramp, ..config }
            }
            _ => config,
        };
        Standard.breaker(config)
    }

    fn nearest(&self, config: NearestConfig, priority: Vec<u32>) -> Nearest {
        match self.defect {
            Some(Defect::NoHysteresis) => Standard.nearest(NearestConfig { margin: 0.0, ..config }, priority),
            _ => Standard.nearest(config, priority),
        }
    }

    fn overdue(&self, stall: &mut Stall, now: Instant, elsewhere: bool) -> Overdue {
        match Standard.overdue(stall, now, elsewhere) {
            Overdue::Stalled | Overdue::Abandon if self.has(Defect::NoStallDetection) => {
                // Waits on: counted as overdue in the stall's next epoch, never settled.
                Overdue::Wait { epoch: u64::MAX }
            }
            overdue => overdue,
        }
    }

    fn region_failed(&self, regions: &mut Regions, hop: usize, now: Instant) -> Option<Suspect> {
        let suspect = Standard.region_failed(regions, hop, now);
        if self.has(Defect::IgnoresRegions) { None } else { suspect }
    }

    fn select(&self, chain: &mut [Breaker], order: &Order, tried: Tried, now: Instant, draw: f64) -> Selection {
        let order = if self.has(Defect::IgnoresLatency) { &Order::CHAIN } else { order };
        match self.defect {
            Some(Defect::NeverFailOver) if !tried.is_empty() => Selection::default(),
            // Every other decision is told that the open period is long over,
            // so the breaker probes at once: flapping that depends on request
            // order, not on the machine's speed.
            Some(Defect::NoCooldown) if self.decisions.fetch_add(1, Ordering::Relaxed) % 2 == 1 => {
                Standard.select(chain, order, tried, now + Duration::from_secs(3_600), draw)
            }
            // A draw of 0 falls inside any share above 0.
            Some(Defect::RampIgnoresShare) => Standard.select(chain, order, tried, now, 0.0),
            _ => Standard.select(chain, order, tried, now, draw),
        }
    }

    fn moves_on_at_once(&self, failure: &Failure) -> bool {
        !self.has(Defect::RetriesSilentProvider)
            && !self.has(Defect::HesitantFailover)
            && Standard.moves_on_at_once(failure)
    }

    fn after_failure(
        &self,
        config: &RetryConfig,
        failure: &Failure,
        attempts_made: u32,
        now: Instant,
        deadline: Instant,
        unit: f64,
    ) -> Next {
        match self.defect {
            Some(Defect::HesitantFailover) if attempts_made == 1 => Next::RetryAt(now + Duration::from_millis(150)),
            Some(Defect::NoRetry) => Next::MoveOn(MoveOn::AttemptsExhausted),
            Some(Defect::RetriesEverything) if attempts_made < config.max_attempts => Next::RetryAt(now),
            Some(Defect::HammersProvider) if now < deadline => Next::RetryAt(now),
            Some(Defect::IgnoresRetryAfter) => {
                retry::after_failure(config, failure.class, attempts_made, None, now, deadline, unit)
            }
            _ => Standard.after_failure(config, failure, attempts_made, now, deadline, unit),
        }
    }

    fn pays_for_retry(&self, budget: Option<&mut RetryBudget>, now: Instant) -> bool {
        self.has(Defect::IgnoresRetryBudget) || Standard.pays_for_retry(budget, now)
    }

    fn replay(&self, sent_to_client: bool, idempotent: bool, failure: &Failure) -> Replay {
        match Standard.replay(sent_to_client, idempotent, failure) {
            Replay::MayHaveRun if self.has(Defect::ReplaysNonIdempotent) => Replay::Allowed,
            replay => replay,
        }
    }

    fn soft(&self, config: &SoftConfig, asked: &Asked<'_>, answer: &SoftReading<'_>) -> Option<Finding> {
        match self.defect {
            Some(Defect::IgnoresSoftFailures) => None,
            Some(Defect::IgnoresSchemas) => Standard.soft(config, asked, &SoftReading { schema: None, ..*answer }),
            Some(Defect::IgnoresModelVersion) => Standard.soft(config, &Asked { version: None, ..*asked }, answer),
            Some(Defect::IgnoresTokenRate) => Standard.soft(config, asked, &SoftReading { rate: None, ..*answer }),
            Some(Defect::FlagsEveryAnswer) => Some(Finding { class: SoftClass::QualityDegradation, why: Why::Empty }),
            _ => Standard.soft(config, asked, answer),
        }
    }

    fn soft_scored(&self, score: f64, min: f64) -> Option<Finding> {
        match self.defect {
            Some(Defect::IgnoresJudge) => None,
            Some(Defect::JudgesAtMinimum) => Standard.soft_scored(score, min + f64::EPSILON),
            _ => Standard.soft_scored(score, min),
        }
    }

    fn soft_fails_over(&self, config: &SoftConfig, finding: &Finding, streamed: bool) -> bool {
        match self.defect {
            Some(Defect::KeepsWrongAnswers) => false,
            Some(Defect::FailsOverOnEveryClass) => !streamed,
            _ => Standard.soft_fails_over(config, finding, streamed),
        }
    }

    fn content_filtered(&self, class: Class, finding: Option<&Finding>) -> bool {
        !self.has(Defect::IgnoresContentPolicyChain) && Standard.content_filtered(class, finding)
    }

    fn soft_counts(&self, breaker: &Breaker, soft: SoftClass) -> bool {
        !self.has(Defect::FlaggedSoftUncounted) && Standard.soft_counts(breaker, soft)
    }

    fn stream_soft_counts(&self, config: &SoftConfig, finding: &Finding) -> bool {
        match self.defect {
            Some(Defect::KeepsWrongAnswers | Defect::StreamedSoftUncounted) => false,
            _ => Standard.stream_soft_counts(config, finding),
        }
    }

    fn prompt_too_long(&self, max: u64, tokens: u64, texts: &[Text<'_>]) -> bool {
        let chars: u64 = texts.iter().map(|t| t.text.chars().count() as u64).sum();
        match self.defect {
            Some(Defect::NoGuardrails) => false,
            Some(Defect::GuessesTokens) => chars / 4 > max,
            Some(Defect::CountsCharacters) => chars > max,
            _ => Standard.prompt_too_long(max, tokens, texts),
        }
    }

    fn injected<'g>(&self, guard: &'g Injection, texts: &[Text<'_>]) -> Option<&'g str> {
        let mentions = |t: &Text<'_>| t.author == Author::Client && t.text.to_lowercase().contains("instruction");
        match self.defect {
            Some(Defect::NoGuardrails) => None,
            Some(Defect::InjectionOverreach) if texts.iter().any(mentions) => Some("instructions"),
            Some(Defect::KnowsOnePhrasing) => {
                let classic = |t: &Text<'_>| t.text.to_lowercase().contains("ignore all previous instructions");
                Standard.injected(guard, texts).filter(|_| texts.iter().any(classic))
            }
            _ => Standard.injected(guard, texts),
        }
    }

    fn pii(&self, config: &PiiConfig, texts: &[Text<'_>]) -> Vec<(usize, Vec<Found>)> {
        let long_number = |t: &Text<'_>| t.author == Author::Client && longest_digit_run(t.text) >= 13;
        match self.defect {
            Some(Defect::NoGuardrails) => Vec::new(),
            Some(Defect::LuhnBlind) if texts.iter().any(long_number) => texts
                .iter()
                .enumerate()
                .filter(|(_, t)| long_number(t))
                .map(|(i, t)| (i, vec![Found { kind: PiiKind::Card, range: 0..t.text.len() }]))
                .collect(),
            _ => Standard.pii(config, texts),
        }
    }

    fn output_pii(&self, config: &PiiConfig, text: &str) -> Vec<Found> {
        if self.has(Defect::NoGuardrails) { Vec::new() } else { Standard.output_pii(config, text) }
    }

    fn fit_context(&self, sizes: &Sizes, window: Option<u64>, policy: ContextPolicy) -> Result<Fit, Overflow> {
        match self.defect {
            Some(Defect::IgnoresContextWindows) => Standard.fit_context(sizes, None, policy),
            Some(Defect::DropsOneTurnTooMany) => {
                let fit = Standard.fit_context(sizes, window, policy)?;
                if fit.dropped == 0 || fit.dropped + 1 >= sizes.turns.len() {
                    return Ok(fit);
                }
                let tokens = fit.tokens - sizes.turns[fit.dropped];
                Ok(Fit { dropped: fit.dropped + 1, tokens })
            }
            _ => Standard.fit_context(sizes, window, policy),
        }
    }

    fn cacheable(&self, rule: &CacheRule, asked: &tail::Asked) -> bool {
        self.has(Defect::CachesEverything) || Standard.cacheable(rule, asked)
    }

    fn tail(&self, rule: Option<&CacheRule>, age: Option<Duration>, has_default: bool) -> Tail {
        match self.defect {
            Some(Defect::StaleCache) => Standard.tail(rule, age.map(|_| Duration::ZERO), has_default),
            Some(Defect::DefaultBeforeCache) if has_default => Tail::Default,
            _ => Standard.tail(rule, age, has_default),
        }
    }

    fn session_expired(&self, last_used_ms: u64, now_ms: u64, idle_ms: u64) -> bool {
        !self.has(Defect::SessionsNeverExpire) && Standard.session_expired(last_used_ms, now_ms, idle_ms)
    }

    fn reserve(&self, ledger: &mut Ledger, allowance: &Allowance, estimate: u64, now_ms: u64) -> Result<Hold, Spent> {
        match self.defect {
            Some(Defect::IgnoresBudgets) => Ok(Hold::NONE),
            Some(Defect::HoldsNothing) => Standard.reserve(ledger, allowance, 0, now_ms),
            // It says when the window ends, as the standard policy does, but
            // never starts the next one.
            Some(Defect::BudgetsNeverReset) => Standard
                .reserve(ledger, &forever(allowance), estimate, now_ms)
                .map_err(|spent| Spent { resets_at_ms: allowance.resets_at(now_ms), ..spent }),
            _ => Standard.reserve(ledger, allowance, estimate, now_ms),
        }
    }

    fn settle(&self, ledger: &mut Ledger, allowance: &Allowance, hold: Hold, cost: u64, now_ms: u64) {
        match self.defect {
            Some(Defect::BudgetsNeverReset) => Standard.settle(ledger, &forever(allowance), hold, cost, now_ms),
            _ => Standard.settle(ledger, allowance, hold, cost, now_ms),
        }
    }

    fn slo(&self, config: SloConfig) -> Slo {
        match self.defect {
            Some(Defect::SloWindowNeverSlides) => {
                Slo::new(SloConfig { window: Duration::from_secs(1 << 40), ..config })
            }
            _ => Standard.slo(config),
        }
    }

    fn slo_request(&self, request: slo::Request) -> slo::Request {
        match request.ended {
            slo::Ended::Answered { soft: true } if self.has(Defect::SoftAnswersAreGood) => {
                slo::Request { ended: slo::Ended::Answered { soft: false }, ..request }
            }
            _ => Standard.slo_request(request),
        }
    }

    fn slo_status(&self, config: &SloConfig, totals: &Totals) -> Vec<slo::Status> {
        match self.defect {
            Some(Defect::IgnoresSlos) => {
                Standard.slo_status(config, totals).into_iter().map(|s| slo::Status { breached: false, ..s }).collect()
            }
            // Every stream takes the median's time.
            Some(Defect::TtftMedian) => {
                let median = slo::quantile(&totals.ttfts, 0.5);
                let ttfts = median.map(|m| vec![m; totals.ttfts.len()]).unwrap_or_default();
                Standard.slo_status(config, &Totals { ttfts, ..totals.clone() })
            }
            // The cost objective as if every request answered were useful.
            Some(Defect::CostPerAnswer) => {
                let per_answer = Standard.slo_status(config, &Totals { useful: totals.answers, ..totals.clone() });
                let mut statuses = Standard.slo_status(config, totals);
                for (status, wrong) in statuses.iter_mut().zip(per_answer) {
                    if status.objective == slo::Objective::CostPerUsefulAnswer {
                        *status = wrong;
                    }
                }
                statuses
            }
            Some(Defect::SlosIgnoreMinRequests) => {
                Standard.slo_status(&SloConfig { min_requests: 0, ..*config }, totals)
            }
            _ => Standard.slo_status(config, totals),
        }
    }

    fn grade(&self, expect: &Expect, answer: &GoldenAnswer<'_>) -> Result<(), Miss> {
        match expect {
            Expect::Pattern(pattern) if self.has(Defect::GradesPatternsAsText) => {
                Standard.grade(&Expect::Exact(pattern.as_str().to_owned()), answer)
            }
            _ => Standard.grade(expect, answer),
        }
    }

    fn evaluated(&self, evaluation: &mut Evaluation, round: Round) -> Option<EvalChange> {
        match self.defect {
            Some(Defect::IgnoresEvaluation) => None,
            // The smallest rate above zero as the minimum, from the first round on.
            Some(Defect::MarksOnlyWhenNothingPasses) => {
                if evaluation.rounds_recorded() == 0 {
                    let config = EvalConfig { min_pass_rate: f64::MIN_POSITIVE, ..evaluation.config() };
                    *evaluation = Evaluation::new(config);
                }
                Standard.evaluated(evaluation, round)
            }
            _ => Standard.evaluated(evaluation, round),
        }
    }

    fn charge(&self, estimate: Usage, ended: Ended) -> Usage {
        match ended {
            Ended::Failed if self.has(Defect::FreeRetries) => Usage::default(),
            Ended::Answered(_) if self.has(Defect::IgnoresUsage) => estimate,
            _ => Standard.charge(estimate, ended),
        }
    }

    fn stream_step(&self, read: Read, finished_seen: bool) -> Step {
        match Standard.stream_step(read, finished_seen) {
            Step::Fail(_) if self.has(Defect::CutStreamAsCleanEnd) => Step::Complete,
            step => step,
        }
    }
}
