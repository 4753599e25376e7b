//! The HTTP shell: the server, the upstream client and the attempt loop.
pub(crate) mod admission;
pub mod error;
pub mod forward;
pub mod guard;
pub(crate) mod health;
pub mod idempotency;
pub(crate) mod judge;
pub(crate) mod regions;
pub mod relay;
pub mod request;
pub(crate) mod schemas;
mod server;
pub(crate) mod session;
pub(crate) mod soft;
pub(crate) mod spend;
pub mod sse;
pub(crate) mod stall;
pub(crate) mod tail;
pub(crate) mod tokens;
pub(crate) mod trail;
pub mod upstream;

pub use server::app;
