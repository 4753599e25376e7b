//! `@serial` across runs. cucumber runs a `@serial` scenario alone within its
//! own run; the self-test runs several runs at once, so a timing-sensitive
//! scenario would still share the machine with other runs. Every scenario holds
//! a process-wide lock while it runs: shared for ordinary ones, exclusive for
//! `@serial` ones.
use std::sync::{Arc, LazyLock};

use tokio::sync::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock};

static LOCK: LazyLock<Arc<RwLock<()>>> = LazyLock::new(|| Arc::new(RwLock::new(())));

/// Held by a running scenario; released when its world is dropped.
#[derive(Debug)]
pub enum Hold {
    /// An ordinary scenario: others may run beside it.
    Shared(#[allow(dead_code)] OwnedRwLockReadGuard<()>),
    /// A `@serial` scenario: it runs alone in the process.
    Alone(#[allow(dead_code)] OwnedRwLockWriteGuard<()>),
}

/// Waits for the right to run a scenario with these tags.
pub async fn acquire(tags: &[String]) -> Hold {
    if tags.iter().any(|t| t == "serial") {
        Hold::Alone(LOCK.clone().write_owned().await)
    } else {
        Hold::Shared(LOCK.clone().read_owned().await)
    }
}
