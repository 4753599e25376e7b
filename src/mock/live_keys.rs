//! The API keys of the mock providers alive in this process.
//!
//! A request that carries a mock's key no live mock holds was sent by the
//! gateway of a scenario that has ended: its process not gone yet, retrying
//! to a port the system has since given to another scenario's mock. It is not
//! that mock's business: it is answered 401 and journaled nowhere, so that
//! no count or stray check of the scenario now on the port sees it. A key
//! of a live mock is always journaled, so a gateway that sends one
//! provider's key to another is still seen.
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

static LIVE: LazyLock<Mutex<HashMap<String, usize>>> = LazyLock::new(Mutex::default);

fn live() -> std::sync::MutexGuard<'static, HashMap<String, usize>> {
    LIVE.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A mock holding `key` started (a key may be held twice: a provider
/// restarted on its port).
pub fn hold(key: &str) {
    *live().entry(key.to_owned()).or_default() += 1;
}

/// A mock holding `key` stopped.
pub fn release(key: &str) {
    let mut live = live();
    if let Some(n) = live.get_mut(key) {
        *n -= 1;
        if *n == 0 {
            live.remove(key);
        }
    }
}

/// Whether an `Authorization` header carries a mock's key that no live mock holds.
pub fn is_left_over(authorization: Option<&str>) -> bool {
    let key = authorization.and_then(|a| a.strip_prefix("Bearer ")).map(str::trim);
    key.is_some_and(|k| k.starts_with(super::KEY_PREFIX) && !live().contains_key(k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_mock_key_no_live_mock_holds_is_left_over() {
        let key = "sk-mock-primary-live0001";
        hold(key);
        assert!(!is_left_over(Some(&format!("Bearer {key}"))));
        assert!(is_left_over(Some("Bearer sk-mock-primary-dead0001")));
        assert!(!is_left_over(Some("Bearer sk-real-key")), "not a mock's key: the gateway's own doing");
        assert!(!is_left_over(None));
        hold(key);
        release(key);
        assert!(!is_left_over(Some(&format!("Bearer {key}"))), "still held once");
        release(key);
        assert!(is_left_over(Some(&format!("Bearer {key}"))));
    }
}
