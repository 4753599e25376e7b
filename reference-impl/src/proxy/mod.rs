//! The HTTP shell: the server, the upstream client and the attempt loop.
pub mod error;
pub mod forward;
pub(crate) mod health;
pub mod idempotency;
pub mod relay;
pub mod request;
mod server;
pub mod sse;
pub(crate) mod trail;
pub mod upstream;

pub use server::app;
