//! The failover conformance suite's harness: mock providers with fault
//! injection, the gateway-under-test driver, the scenario state the step
//! definitions drive, the checks they assert, and the runner.
//!
//! Step definitions (in `steps/`) stay thin: each translates one sentence of a
//! feature into a call on [`scene::Scene`] or a function of [`checks`].
// One call is allowed unsafe code: `resources` asks glibc to return freed
// memory before it samples the resident size.
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod admin;
pub mod analytics;
pub mod attribution;
pub mod capabilities;
pub mod checks;
pub mod client;
pub mod context;
pub mod conversation;
pub mod dashboard;
pub mod draft;
pub mod events;
pub mod gateway;
pub mod limits;
pub mod load;
pub mod manifest;
pub mod metrics;
pub mod mock;
pub mod report;
pub mod resources;
pub mod run;
pub mod scene;
pub mod session;
pub mod soak;
pub mod sse;
pub mod store;
pub mod trace;
pub mod wait;
