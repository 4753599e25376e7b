//! Operator endpoints under `/admin/`: the decision log and every provider's
//! live health, behind the admin token when one is configured.
pub(crate) mod analytics;
pub(crate) mod auth;
pub(crate) mod drills;
pub mod events;
pub(crate) mod metrics;
pub(crate) mod providers;
