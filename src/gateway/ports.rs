//! Ports for gateways the suite starts, and who holds them.
//!
//! The suite chooses a gateway's port and the gateway binds it later: in
//! between, the port must not be taken by anything else, or the scenario would
//! talk to it. Every mock provider, and every other socket bound to port 0,
//! gets its port from the kernel's ephemeral range; gateway ports are chosen
//! below that range, each at most once per run, so none of those can take
//! one. And before a scenario talks to its gateway, the suite checks that the
//! socket listening on the port belongs to the command it started.
use std::sync::atomic::{AtomicU32, Ordering};

/// The kernel's ephemeral port range (Linux; the usual default elsewhere).
fn ephemeral_range() -> (u16, u16) {
    let text = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").unwrap_or_default();
    let mut bounds = text.split_whitespace().filter_map(|n| n.parse::<u16>().ok());
    match (bounds.next(), bounds.next()) {
        (Some(low), Some(high)) if low <= high => (low, high),
        _ => (32768, 60999),
    }
}

/// A free port below the ephemeral range, not handed out before in this run.
pub fn gateway_port() -> Result<u16, String> {
    // Runs in other processes start elsewhere in the range.
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let (low, _) = ephemeral_range();
    let floor = low.saturating_sub(10_000).max(1024);
    let span = u32::from(low - floor).max(1);
    let offset = std::process::id() % span;
    for _ in 0..span {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = floor + ((offset + n) % span) as u16;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return Ok(port);
        }
    }
    Err(format!("no free port in {floor}..{low} (below the ephemeral range) for a gateway"))
}

/// Who listens on a loopback port.
#[derive(Debug, PartialEq, Eq)]
pub enum Holder {
    /// A process of the process group the suite started.
    Ours,
    /// Another process, or none that this user can see.
    Other,
    /// Nothing listens.
    Nobody,
    /// The system does not say (no `/proc`): the check is skipped.
    Unknown,
}

/// Whether a process of process group `group` holds socket `inode`.
fn group_holds(group: i32, inode: u64) -> bool {
    let target = format!("socket:[{inode}]");
    let Ok(processes) = std::fs::read_dir("/proc") else { return false };
    for process in processes.flatten() {
        let stat = std::fs::read_to_string(process.path().join("stat")).unwrap_or_default();
        // Fields after the command name: state, ppid, pgrp.
        let pgrp = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(2)?.parse::<i32>().ok());
        if pgrp != Some(group) {
            continue;
        }
        let fds = std::fs::read_dir(process.path().join("fd")).into_iter().flatten().flatten();
        if fds.filter_map(|fd| std::fs::read_link(fd.path()).ok()).any(|link| link.to_string_lossy() == target) {
            return true;
        }
    }
    false
}

/// Who listens on loopback `port`: the process group `group`, or another.
pub fn holder(port: u16, group: i32) -> Holder {
    match super::listening::inode(port) {
        None => Holder::Unknown,
        Some(None) => Holder::Nobody,
        Some(Some(inode)) if group_holds(group, inode) => Holder::Ours,
        Some(Some(_)) => Holder::Other,
    }
}

/// [`holder`] on a blocking thread, one check at a time: it reads `/proc`
/// (every process's descriptors, and the socket tables where the kernel's
/// sock_diag cannot be asked), and a burst of gateway starts must neither
/// stall the runtime that times other scenarios nor take both cores.
pub async fn holder_off_runtime(port: u16, group: i32) -> Holder {
    static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _turn = ONE_AT_A_TIME.lock().await;
    tokio::task::spawn_blocking(move || holder(port, group)).await.unwrap_or(Holder::Unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_ports_are_below_the_ephemeral_range_and_never_repeat() {
        let (low, _) = ephemeral_range();
        let ports: Vec<u16> = (0..50).map(|_| gateway_port().unwrap()).collect();
        assert!(ports.iter().all(|p| *p < low), "{ports:?} below {low}");
        let mut unique = ports.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), ports.len());
    }

    #[test]
    fn a_listener_of_this_process_is_ours_and_a_free_port_nobodys() {
        if super::super::listening::inode(1).is_none() {
            return; // no /proc here
        }
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let group = nix::unistd::getpgrp().as_raw();
        assert_eq!(holder(port, group), Holder::Ours);
        assert_eq!(holder(port, group + 1_000_000), Holder::Other);
        drop(listener);
        assert_eq!(holder(port, group), Holder::Nobody);
    }
}
