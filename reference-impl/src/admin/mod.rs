//! Operator endpoints under `/admin/`: the decision log and every provider's
//! live health, behind the admin token when one is configured (the
//! dashboard's page and script hold no data and are open).
pub(crate) mod analytics;
pub(crate) mod auth;
pub(crate) mod budgets;
pub(crate) mod dashboard;
pub(crate) mod drills;
pub mod events;
pub(crate) mod metrics;
pub(crate) mod providers;
pub(crate) mod slo;
