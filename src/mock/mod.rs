//! Mock providers with fault injection, observed through their journals.
pub mod fault;
pub mod journal;
mod provider;
pub mod responses;

pub use fault::{Fault, Schedule};
pub use journal::Received;
pub use provider::MockProvider;
