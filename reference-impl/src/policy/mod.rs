//! The gateway's decisions, free of I/O and of the wall clock: every entry point
//! takes `now`, and randomness comes in as a number drawn by the caller. This is
//! what the property tests drive directly.
pub mod breaker;
pub mod budget;
pub mod classify;
pub mod retry;
pub mod routing;

pub use breaker::{Admission, Breaker, BreakerConfig, Permit, Reason, Rejection, State, Transition};
pub use budget::{BudgetConfig, RetryBudget};
pub use classify::{Class, TransportFailure, Verdict, classify_status, classify_transport};
pub use retry::{MoveOn, Next, RetryConfig};
pub use routing::{Selection, Tried, select};
