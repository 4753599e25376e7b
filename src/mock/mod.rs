//! Mock providers with fault injection, observed through their journals.
pub mod fault;
mod front;
pub mod journal;
mod live_keys;
mod provider;
mod responder;
pub mod responses;
mod state;
pub mod stream;

pub use fault::{Fault, Schedule};
pub use journal::Received;

/// How every mock provider's API key begins (`sk-mock-<id>-<random>`).
pub const KEY_PREFIX: &str = "sk-mock-";
pub use provider::MockProvider;
pub use state::StreamShape;
