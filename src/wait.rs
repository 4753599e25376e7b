//! Waiting for a condition with a deadline, never for a fixed time.
use std::future::Future;
use std::time::{Duration, Instant};

/// Polls `probe` every `every` until it returns `Ok` or `within` has passed; the
/// error is the last thing the probe saw, so a failure says what it was waiting on.
pub async fn until<T, F, Fut>(within: Duration, every: Duration, mut probe: F) -> Result<T, String>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let deadline = Instant::now() + within;
    loop {
        let last = match probe().await {
            Ok(value) => return Ok(value),
            Err(last) => last,
        };
        if Instant::now() + every > deadline {
            return Err(last);
        }
        tokio::time::sleep(every).await;
    }
}
