//! Every decision of the reference gateway, free of I/O and of the wall clock.
//!
//! Each entry point takes `now`; randomness comes in as numbers drawn by the
//! caller from a generator it seeds; deadlines are data the caller asks for
//! ([`Breaker::next_deadline`]). The gateway's HTTP shell does the I/O and asks
//! [`Decide`]; the property tests drive these types directly with time as an
//! input.
//!
//! - [`classify`]: what an attempt's result means (the failure taxonomy);
//! - [`failure`]: what the way an attempt failed says about the request;
//! - [`retry`]: the backoff schedule on one provider; [`budget`]: retries
//!   bounded across requests;
//! - [`breaker`]: the circuit breaker per (model, provider), with opening
//!   rates per class of [`thresholds`] and the failback
//!   ramp of [`failback`]: a recovered provider's share, validated step by
//!   step; [`routing`]: which provider of a chain is next, in the order
//!   [`nearest`] gives by latency; [`regions`]: correlated failures across a
//!   region; [`stall`]: a provider that has stopped answering;
//! - [`health`]: a provider's health from several metrics, and when to drain
//!   it before its failures reach clients, against the provider's usual
//!   values ([`baseline`]);
//! - [`replay`]: whether a request may be sent again; [`stream`]: how a
//!   streamed answer ends; [`soft`]: answers that arrive as a success but
//!   are wrong (refusals, broken JSON, drift, degradation, ungrounded
//!   citations);
//! - [`session`]: how much of a gateway-side session a provider's window
//!   takes, and when a session expires;
//! - [`tail`]: the end of the fallback chain (a cached answer, a default one);
//! - [`spend`]: spend budgets per API key and model, held before each
//!   attempt so that a burst cannot overspend them;
//! - [`guard`]: guardrails, what the gateway will not carry (prompts
//!   too long, injection phrasings, personal data);
//! - [`activation`]: the share of a model's requests its first provider
//!   did not serve, and its level; [`slo`]: service level objectives per
//!   model and their error budgets' burn rates; both count in a sliding
//!   [`window`];
//! - [`evaluation`]: golden sets sent on a schedule, a provider's pass
//!   rate over its latest rounds and its degraded mark;
//! - [`drill`]: fire drills, a provider failed on purpose for a while;
//! - [`episode`]: failover episodes, their summary and the settings their
//!   history suggests; [`learning`]: those settings applied, within bounds;
//! - [`journey`]: one request's way down its chain, putting the above together;
//! - [`decide`]: the seam the shell asks, with the standard policy.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod activation;
pub mod baseline;
pub mod breaker;
pub mod budget;
pub mod classify;
pub mod decide;
pub mod drill;
pub mod episode;
pub mod evaluation;
pub mod failback;
pub mod failure;
pub mod guard;
pub mod health;
pub mod journey;
pub mod learning;
pub mod nearest;
pub mod regions;
pub mod replay;
pub mod retry;
pub mod routing;
pub mod session;
pub mod slo;
pub mod soft;
pub mod spend;
pub mod stall;
pub mod stream;
pub mod tail;
pub mod thresholds;
pub mod window;

pub use activation::{ActivationConfig, ActivationRate, Level};
pub use breaker::{Admission, Breaker, BreakerConfig, Permit, Reason, Rejection, State, Status, Transition};
pub use budget::{BudgetConfig, RetryBudget};
pub use classify::{Class, TransportFailure, Verdict, classify_status, classify_transport};
pub use decide::{Decide, Standard};
pub use failback::{Judgement, Ramp, RampConfig, Shortfall, Validation};
pub use failure::{Cause, Failure};
pub use health::{
    Assessment, ClassWeights, Health, HealthConfig, Metric, Reading, Sample, Thresholds, Values, Weights,
};
pub use journey::{Action, Decision, Journey};
pub use nearest::{Nearest, NearestConfig, Switch};
pub use regions::{RegionConfig, Regions, Suspect};
pub use replay::Replay;
pub use retry::{MoveOn, Next, RetryConfig};
pub use routing::{Order, Selection, Tried, select};
pub use stall::{Overdue, Stall, StallConfig};
pub use thresholds::{ClassThresholds, Kind};
