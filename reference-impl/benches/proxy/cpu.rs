//! CPU time spent by a proxy's threads, read from `/proc`: a steadier figure
//! than requests per second on a shared two-core machine, since it does not
//! depend on how the scheduler shares the cores.
use std::collections::BTreeMap;
use std::time::Duration;

/// Clock ticks per second of `/proc/*/stat` (USER_HZ, 100 on Linux).
const TICKS: f64 = 100.0;

/// utime + stime of `/proc/<stat>` in seconds, or 0 if unreadable.
fn cpu_of(stat: &str) -> f64 {
    // The command name may hold spaces: the fields start after its `)`.
    let Some(rest) = stat.rsplit_once(')').map(|(_, rest)| rest) else { return 0.0 };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // After the name: state(0) ppid(1) ... utime(11) stime(12).
    (ticks(11) + ticks(12)) / TICKS
}

/// CPU time so far of each thread of this process whose name starts with
/// `prefix`, by thread id.
pub fn threads(prefix: &str) -> BTreeMap<String, f64> {
    let mut by_thread = BTreeMap::new();
    for task in std::fs::read_dir("/proc/self/task").into_iter().flatten().flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.trim_end().starts_with(prefix) {
            let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
            by_thread.insert(task.file_name().to_string_lossy().into_owned(), cpu_of(&stat));
        }
    }
    by_thread
}

/// The CPU time threads spent between two readings of [`threads`] (a thread
/// that ended in between is not counted; one that started counts from zero).
pub fn spent(before: &BTreeMap<String, f64>, after: &BTreeMap<String, f64>) -> Duration {
    let total: f64 = after.iter().map(|(tid, now)| now - before.get(tid).copied().unwrap_or(0.0)).sum();
    Duration::from_secs_f64(total.max(0.0))
}

/// CPU time of the processes whose parent is `parent` (nginx's workers).
pub fn children(parent: u32) -> Duration {
    let mut total = 0.0;
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        let ppid = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok());
        if ppid == Some(parent) {
            total += cpu_of(&stat);
        }
    }
    Duration::from_secs_f64(total)
}
