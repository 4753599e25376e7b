//! Operator endpoints: health and the decision log.
pub mod events;
