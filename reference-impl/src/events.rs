//! The decision log. Every decision the gateway takes (a breaker transition, a
//! retry, a failover, a failback, the outcome of a request) becomes one [`Event`]
//! with its reason and the numbers behind it. The log keeps the most recent
//! events in memory for `GET /admin/events` and, when asked, writes each one as a
//! JSON line from a background thread, so the request path never waits on I/O.
use std::collections::VecDeque;
use std::io::Write;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use failover_policy::stream::StreamFailure;
use failover_policy::{Class, Level, Metric, MoveOn, Reason, State};
use serde::Serialize;

/// One decision.
#[derive(Clone, Debug, Serialize)]
pub struct Event {
    /// Position in the log, from 1, without gaps.
    pub seq: u64,
    /// Milliseconds since the gateway started.
    pub at_ms: f64,
    /// What was decided.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// A provider's failed attempt, as events report it.
#[derive(Clone, Debug, Serialize)]
pub struct FailedAttempt {
    /// Provider id.
    pub provider: Arc<str>,
    /// Failure class (see the classification table).
    pub class: Class,
    /// HTTP status, when the provider answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
}

/// How a request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(into = "&'static str")]
pub enum Outcome {
    /// A provider's answer reached the client (for a stream: all of it).
    Served,
    /// The client's own error came back from the provider unchanged.
    ClientError,
    /// A provider answered, and the output guardrail withheld the answer.
    Withheld,
    /// Not replayed: the request must not run twice and a provider may have run it.
    NotRetried,
    /// No provider could serve it.
    Exhausted,
    /// A spend budget it counts against was spent: nothing more was sent.
    BudgetExceeded,
    /// No provider could serve it, and the answer kept for the same request did.
    FromCache,
    /// No provider could serve it, and the model's default answer did.
    DefaultAnswer,
    /// The client went away before the stream ended.
    ClientDisconnected,
    /// The stream failed after its first event.
    StreamFailed(StreamFailure),
}

impl From<Outcome> for &'static str {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Served => "served",
            Outcome::ClientError => "client_error",
            Outcome::Withheld => "withheld",
            Outcome::NotRetried => "not_retried",
            Outcome::Exhausted => "exhausted",
            Outcome::BudgetExceeded => "budget_exceeded",
            Outcome::FromCache => "served_from_cache",
            Outcome::DefaultAnswer => "default_answer",
            Outcome::ClientDisconnected => "client_disconnected",
            Outcome::StreamFailed(failure) => failure.as_str(),
        }
    }
}

/// One health metric in a [`EventKind::HealthDecision`].
#[derive(Clone, Copy, Debug, Serialize)]
pub struct MetricEvent {
    /// Which.
    pub metric: Metric,
    /// Its value.
    pub value: f64,
    /// Its badness, in [0, 1].
    pub badness: f64,
    /// Its weight.
    pub weight: f64,
    /// Its threshold.
    pub threshold: f64,
}

/// An SLO objective entering or leaving breach.
#[derive(Clone, Debug, Serialize)]
pub struct SloChange {
    /// The SLO's id.
    pub slo: Arc<str>,
    /// Its model.
    pub model: Arc<str>,
    /// `availability`, `goodput`, `ttft_p95`, `soft_failure_rate` or
    /// `cost_per_useful_answer`.
    pub objective: &'static str,
    /// Its target (ms for time to first token, US dollars for cost).
    pub target: f64,
    /// Its value over the window (`null`: nothing counted).
    pub current: Option<f64>,
    /// How fast the window spends the error budget (`null`: nothing
    /// counted, or billed with no useful answer).
    pub burn_rate: Option<f64>,
    /// What the window holds of what the objective counts.
    pub samples: u64,
}

/// A provider's health as events report it.
#[derive(Clone, Debug, Serialize)]
pub struct HealthNumbers {
    /// Each metric: value, badness, weight, threshold.
    pub metrics: Vec<MetricEvent>,
    /// Weighted mean badness.
    pub score: f64,
    /// The configured drain score.
    pub drain_score: f64,
    /// Samples in the window.
    pub samples: u32,
    /// The provider's baseline latency, ms.
    pub baseline_ms: Option<f64>,
    /// When the latency trend reaches the attempt timeout, ms from now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breach_in_ms: Option<f64>,
}

impl HealthNumbers {
    /// The numbers of `assessment`, against `drain_score`.
    pub fn of(assessment: &failover_policy::Assessment, drain_score: f64) -> Self {
        Self {
            metrics: assessment.readings.iter().map(MetricEvent::of).collect(),
            score: assessment.score,
            drain_score,
            samples: assessment.samples,
            baseline_ms: assessment.baseline_ms,
            breach_in_ms: assessment.breach_in.map(|d| d.as_secs_f64() * 1000.0),
        }
    }
}

impl MetricEvent {
    /// A reading, as events report it.
    pub fn of(r: &failover_policy::Reading) -> Self {
        Self { metric: r.metric, value: r.value, badness: r.badness, weight: r.weight, threshold: r.threshold }
    }
}

/// What was decided.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// A (model, provider) breaker changed state.
    BreakerTransition {
        /// Model name.
        model: Arc<str>,
        /// Provider id.
        provider: Arc<str>,
        /// State before.
        from: State,
        /// State after.
        to: State,
        /// Why.
        reason: Reason,
        /// Failures counted at the time.
        failures: u32,
        /// Calls counted at the time.
        calls: u32,
        /// How long it stays open, for a transition to open.
        #[serde(skip_serializing_if = "Option::is_none")]
        open_for_ms: Option<u64>,
        /// For reason `class_failure_rate_reached`: the class whose own
        /// threshold was reached; `failures` counts that class alone.
        #[serde(skip_serializing_if = "Option::is_none")]
        class: Option<&'static str>,
    },
    /// A provider drained on its health score, with every number behind it.
    HealthDecision {
        /// Model name.
        model: Arc<str>,
        /// Provider id.
        provider: Arc<str>,
        /// Always `drain`: decisions that move traffic are logged.
        decision: &'static str,
        /// The numbers behind it.
        #[serde(flatten)]
        health: HealthNumbers,
    },
    /// Continuous evaluation marked a provider degraded (its pass rate over
    /// its latest rounds fell below the minimum) or no longer.
    Evaluation {
        /// Model name.
        model: Arc<str>,
        /// Provider id.
        provider: Arc<str>,
        /// `degraded` or `recovered`.
        decision: &'static str,
        /// The pass rate over the window.
        pass_rate: f64,
        /// The set's minimum.
        min_pass_rate: f64,
        /// Cases graded in the window.
        graded: u32,
        /// Of those, passed.
        passed: u32,
        /// The cases the latest round failed: the evidence.
        failures: Vec<crate::evaluation::Evidence>,
    },
    /// A provider's health score reached the warning level: it is degrading
    /// and may be drained next.
    HealthWarning {
        /// Model name.
        model: Arc<str>,
        /// Provider id.
        provider: Arc<str>,
        /// The configured warning level the score reached.
        warn_score: f64,
        /// The numbers behind it.
        #[serde(flatten)]
        health: HealthNumbers,
    },
    /// A model's fallback activation rate changed level.
    FallbackRate {
        /// Model name.
        model: Arc<str>,
        /// Level before.
        from: Level,
        /// Level after.
        to: Level,
        /// The share of requests not served by the chain's first provider.
        rate: f64,
        /// Requests in the window.
        requests: u64,
        /// Of those, not served by the chain's first provider.
        fallbacks: u64,
    },
    /// Learning changed a breaker setting of a (model, provider) from its
    /// episode history.
    ThresholdAdjusted {
        /// Model name.
        model: Arc<str>,
        /// Provider id.
        provider: Arc<str>,
        /// `min_calls`, `open_ms` or `half_open_probes`.
        setting: &'static str,
        /// Its value before.
        before: f64,
        /// Its value from now on.
        after: f64,
        /// Why, in words.
        because: &'static str,
        /// The lowest value learning may set.
        min: f64,
        /// The highest value learning may set.
        max: f64,
        /// Evidence: episodes in the history.
        episodes: u32,
        /// Evidence: their median duration, ms.
        median_outage_ms: f64,
        /// Evidence: episodes that started within a breaker window of the previous one's end.
        flaps: u32,
    },
    /// A fire drill started.
    Drill {
        /// Its id, as `/admin/drills/{id}` names it.
        id: String,
        /// The provider drilled.
        provider: Arc<str>,
        /// The failure drilled.
        class: Class,
        /// Share of its attempts drilled.
        share: f64,
        /// How long it lasts.
        duration_ms: u64,
    },
    /// A provider got its traffic back: its probes succeeded.
    Failback {
        /// Model name.
        model: Arc<str>,
        /// Provider id.
        provider: Arc<str>,
        /// Probes that succeeded.
        probes: u32,
        /// The provider's share of its traffic from now: 1 at once, or the
        /// first step of a failback ramp.
        share: f64,
    },
    /// A step of a failback ramp was validated: the provider's share rises.
    FailbackStep {
        /// Model name.
        model: Arc<str>,
        /// Provider id.
        provider: Arc<str>,
        /// The share from now (1: the ramp is over).
        share: f64,
        /// Calls the step counted.
        calls: u32,
        /// Failures among them.
        failures: u32,
    },
    /// The lead of a priority level passed to another chain entry: it is
    /// now tried first among entries of equal priority, for its latency.
    LatencyLeader {
        /// Model name.
        model: Arc<str>,
        /// The new leader's provider id.
        provider: Arc<str>,
        /// Its average latency, in ms.
        latency_ms: f64,
        /// The former leader, if there was one.
        #[serde(skip_serializing_if = "Option::is_none")]
        previous: Option<Arc<str>>,
        /// The former leader's average latency, in ms.
        #[serde(skip_serializing_if = "Option::is_none")]
        previous_latency_ms: Option<f64>,
    },
    /// Several providers of one region failed close together: every breaker
    /// of the region was drained.
    RegionSuspect {
        /// Model name.
        model: Arc<str>,
        /// The region's name.
        region: Arc<str>,
        /// The providers whose failures made it suspect.
        failing: Vec<Arc<str>>,
        /// The providers whose breakers it opened.
        drained: Vec<Arc<str>>,
    },
    /// Another attempt on the same provider after a backoff.
    Retry {
        /// The request.
        request_id: u64,
        /// Model name.
        model: Arc<str>,
        /// Provider id.
        provider: Arc<str>,
        /// The attempt about to be made on this provider (2 = first retry).
        attempt: u32,
        /// Class of the failure that caused it.
        class: Class,
        /// Backoff before it.
        delay_ms: f64,
    },
    /// A request left a provider after a failure.
    Failover {
        /// The request.
        request_id: u64,
        /// Model name.
        model: Arc<str>,
        /// Provider left.
        from: Arc<str>,
        /// Provider tried next, if any could be.
        to: Option<Arc<str>>,
        /// Class of the last failure on `from`.
        class: Class,
        /// Why no further attempt on `from`.
        reason: MoveOn,
    },
    /// A provider's successful answer was judged a soft failure; the
    /// client still got it, flagged.
    SoftFailure {
        /// The request.
        request_id: u64,
        /// Model name.
        model: Arc<str>,
        /// Provider that answered.
        provider: Arc<str>,
        /// The soft-failure class.
        class: failover_policy::soft::SoftClass,
        /// What gave it away, in words.
        detail: String,
    },
    /// A guardrail blocked or redacted a request or an answer, or a request
    /// carrying the admin token bypassed it.
    Guardrail {
        /// Model name as the client asked.
        model: Arc<str>,
        /// Which guardrail.
        guardrail: failover_policy::guard::Guardrail,
        /// `blocked`, `redacted` or `bypassed`.
        action: &'static str,
        /// What it found, in words; never the text itself.
        detail: String,
    },
    /// A gateway-side session was expired, or a provider got only its newest
    /// turns (`trimmed`), or an answer could not be written back to it
    /// (`not_recorded`).
    Session {
        /// The session id.
        session: Box<str>,
        /// `expired`, `trimmed` or `not_recorded`.
        action: &'static str,
        /// The numbers behind it, in words.
        detail: String,
    },
    /// A spend budget was found spent for the first time in its window:
    /// until it resets, what counts against it reaches no provider.
    BudgetExhausted {
        /// The budget's id.
        budget: Arc<str>,
        /// `tokens` or `usd`.
        unit: &'static str,
        /// Its limit, in its unit.
        limit: f64,
        /// What was spent in the window, in its unit.
        spent: f64,
        /// When it resets (Unix ms).
        resets_at_ms: u64,
    },
    /// An objective of an SLO is breached: its error budget burns faster
    /// than the window allows.
    SloBreach(SloChange),
    /// A breached objective of an SLO is no longer.
    SloRecovered(SloChange),
    /// A request finished.
    Request {
        /// The request.
        request_id: u64,
        /// Model name as the client asked.
        model: Arc<str>,
        /// How it ended.
        outcome: Outcome,
        /// HTTP status returned to the client.
        status: u16,
        /// Provider whose answer the client got.
        served_by: Option<Arc<str>>,
        /// Upstream attempts made.
        attempts: u32,
        /// Failed attempts, in order.
        failures: Vec<FailedAttempt>,
        /// Providers skipped because their breakers rejected the call.
        skipped: Vec<Arc<str>>,
        /// Providers passed over because they had their most requests in
        /// flight (`providers[].max_in_flight`); left out when none was.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        saturated: Vec<Arc<str>>,
        /// Time from receiving the request to answering it.
        latency_ms: f64,
    },
}

struct Ring {
    events: VecDeque<Event>,
    next_seq: u64,
}

/// The in-memory ring of recent events plus an optional line sink.
pub struct EventLog {
    started: Instant,
    capacity: usize,
    ring: Mutex<Ring>,
    lines: Option<mpsc::Sender<Event>>,
}

/// Where event lines go.
pub enum LineSink {
    /// Nowhere; the ring alone.
    None,
    /// Standard error.
    Stderr,
    /// A file, appended to.
    File(std::fs::File),
}

impl EventLog {
    /// A log keeping the last `capacity` events and writing lines to `sink`.
    pub fn new(capacity: usize, sink: LineSink) -> Self {
        let lines = match sink {
            LineSink::None => None,
            LineSink::Stderr => Some(spawn_writer(Box::new(std::io::stderr()))),
            LineSink::File(file) => Some(spawn_writer(Box::new(std::io::BufWriter::new(file)))),
        };
        let ring = Ring { events: VecDeque::with_capacity(capacity.min(4096)), next_seq: 1 };
        Self { started: Instant::now(), capacity: capacity.max(1), ring: Mutex::new(ring), lines }
    }

    /// Appends one event that happened `at`, stamped with its sequence number.
    pub fn push(&self, kind: EventKind, at: Instant) {
        let at_ms = self.at_ms(at);
        let mut ring = self.ring.lock().unwrap_or_else(|e| e.into_inner());
        let event = Event { seq: ring.next_seq, at_ms, kind };
        ring.next_seq += 1;
        if let Some(lines) = &self.lines {
            // The writer thread serialises, off the request path. It only ends
            // with the log, so a send cannot fail while we hold `self`.
            let _ = lines.send(event.clone());
        }
        if ring.events.len() == self.capacity {
            ring.events.pop_front();
        }
        ring.events.push_back(event);
    }

    /// Milliseconds from the gateway's start to `at`, as events stamp it.
    pub fn at_ms(&self, at: Instant) -> f64 {
        at.saturating_duration_since(self.started).as_secs_f64() * 1e3
    }

    /// Events with `seq > since`, oldest first, and the sequence number the next
    /// event will get.
    pub fn since(&self, since: u64) -> (Vec<Event>, u64) {
        let ring = self.ring.lock().unwrap_or_else(|e| e.into_inner());
        let events = ring.events.iter().filter(|e| e.seq > since).cloned().collect();
        (events, ring.next_seq)
    }
}

fn spawn_writer(mut out: Box<dyn Write + Send>) -> mpsc::Sender<Event> {
    let (tx, rx) = mpsc::channel::<Event>();
    std::thread::Builder::new()
        .name("event-lines".into())
        .spawn(move || {
            fn line(out: &mut dyn Write, event: &Event) {
                let _ = serde_json::to_writer(&mut *out, event);
                let _ = out.write_all(b"\n");
            }
            while let Ok(event) = rx.recv() {
                line(&mut out, &event);
                // Write what else is queued, then flush once the queue runs dry,
                // so lines show up promptly without a syscall per line under load.
                while let Ok(next) = rx.try_recv() {
                    line(&mut out, &next);
                }
                let _ = out.flush();
            }
        })
        .expect("spawn event line writer");
    tx
}
