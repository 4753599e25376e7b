//! The suite's own open-file limit. Under load every request in flight holds
//! several descriptors in this process (the client's connection, and for the
//! bundled gateway its two ends and the mock's), so a run raises its soft limit
//! to the hard one, and a scenario that needs more says how to get it.
use nix::sys::resource::{Resource, getrlimit, setrlimit};

/// Raises the soft open-file limit to the hard limit; the limit now in force.
pub fn raise_open_files() -> u64 {
    let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) else { return 0 };
    if soft < hard && setrlimit(Resource::RLIMIT_NOFILE, hard, hard).is_ok() {
        return hard;
    }
    soft
}

/// At least `needed` descriptors may be open, or an error saying what to do.
pub fn open_files_at_least(needed: u64) -> Result<(), String> {
    let limit = raise_open_files();
    if limit >= needed {
        return Ok(());
    }
    Err(format!(
        "this scenario needs {needed} open files and the suite may open only {limit}, its hard limit: run it from a shell after `ulimit -Hn {needed} && ulimit -n {needed}` (as root), or raise `nofile` in /etc/security/limits.conf"
    ))
}
