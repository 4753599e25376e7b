//! The HTTP shell: the server, the upstream client and the attempt loop.
pub mod error;
pub mod forward;
pub mod request;
mod server;
mod trail;
pub mod upstream;

pub use server::app;
