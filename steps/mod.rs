//! Step definitions: one file per domain, each step one to three lines that call
//! the harness (`failover_conformance::scene`, `checks`). Compiled into each test
//! binary that runs the features, which is where cucumber collects them.
mod admin;
mod analytics;
mod budgets;
mod config;
mod dashboard;
mod drills;
mod evaluation;
mod failback;
mod gateway;
mod guard;
mod journals;
mod learning;
mod load;
mod metrics;
mod params;
mod providers;
mod regions;
mod requests;
mod responses;
mod secrets;
mod sessions;
mod sla;
mod slos;
mod soft;
mod tail;
mod world;

pub use world::FailoverWorld;
