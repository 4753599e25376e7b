//! What a gateway process holds: open file descriptors and resident memory,
//! read from `/proc`. An external gateway is every process of the group the
//! suite started it in; the bundled one runs inside the suite's own process,
//! so its figures include the suite's (mocks and client): the checks compare
//! them only with themselves, under the same load, within a tolerance.
use std::path::Path;

/// One sample.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Open file descriptors.
    pub fds: usize,
    /// Resident memory, in KiB.
    pub rss_kib: u64,
}

/// Where the gateway runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holder {
    /// This process.
    Own,
    /// Every process of this process group.
    Group(i32),
}

/// Samples `holder` now.
pub fn sample(holder: Holder) -> Result<Usage, String> {
    let pids: Vec<u32> = match holder {
        Holder::Own => {
            release_freed_memory();
            vec![std::process::id()]
        }
        Holder::Group(group) => in_group(group)?,
    };
    if pids.is_empty() {
        return Err("no process of the gateway is running: nothing to sample".to_owned());
    }
    let mut usage = Usage::default();
    for pid in pids {
        let dir = Path::new("/proc").join(pid.to_string());
        let fds = std::fs::read_dir(dir.join("fd")).map_err(|e| {
            format!(
                "cannot list /proc/{pid}/fd ({e}): this check needs Linux's /proc and the right to read the gateway's"
            )
        })?;
        usage.fds += fds.count();
        let status =
            std::fs::read_to_string(dir.join("status")).map_err(|e| format!("cannot read /proc/{pid}/status: {e}"))?;
        usage.rss_kib += rss_kib(&status).ok_or_else(|| format!("/proc/{pid}/status has no VmRSS line"))?;
    }
    Ok(usage)
}

/// Hands memory this process has freed back to the system, so that its
/// resident size is what it still holds: glibc keeps freed pages, and a leak
/// would otherwise refill them unseen after an earlier load. Elsewhere a
/// no-op: the tolerance then has to absorb the allocator's reserve.
#[allow(unsafe_code)]
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointer and only returns free pages.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// `VmRSS` from a `/proc/<pid>/status` text.
fn rss_kib(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The processes whose process group is `group`.
fn in_group(group: i32) -> Result<Vec<u32>, String> {
    let entries = std::fs::read_dir("/proc").map_err(|e| format!("cannot list /proc: {e}"))?;
    let mut pids = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        // The command may hold spaces and parentheses: fields follow the last ')'.
        let fields: Vec<&str> =
            stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
        if fields.get(2).and_then(|g| g.parse::<i32>().ok()) == Some(group) {
            pids.push(pid);
        }
    }
    Ok(pids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_descriptors_and_memory() {
        let usage = sample(Holder::Own).expect("this process is readable");
        assert!(usage.fds >= 3 && usage.rss_kib > 0, "{usage:?}");
        assert_eq!(rss_kib("Name:\tx\nVmRSS:\t  1234 kB\n"), Some(1234));
        assert_eq!(rss_kib("Name:\tx\n"), None);
    }
}
