//! A vendor adapter's fork server (LiteLLM's): started once per vendor run so
//! that each scenario's gateway is a fork of a process that paid the imports.
use std::path::Path;

/// An adapter's fork server, running for the whole vendor run and stopped
/// when dropped.
pub struct Zygote {
    process: std::process::Child,
}

impl Zygote {
    /// Starts `script --socket <socket>` and waits until it says it is ready
    /// (a line containing "ready" on its standard output), at most `within`.
    pub fn start(python: &Path, script: &Path, socket: &Path, within: std::time::Duration) -> Result<Self, String> {
        use std::io::BufRead;
        if let Some(dir) = socket.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let mut process = std::process::Command::new(python)
            .arg(script)
            .arg("--socket")
            .arg(socket)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", script.display()))?;
        let stdout = process.stdout.take().ok_or("the zygote has no standard output")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let ready = std::io::BufReader::new(stdout).lines().map_while(Result::ok).any(|l| l.contains("ready"));
            let _ = tx.send(ready);
        });
        let mut zygote = Self { process };
        match rx.recv_timeout(within) {
            Ok(true) => Ok(zygote),
            Ok(false) => Err(format!("{} exited before it was ready: {:?}", script.display(), zygote.process.wait())),
            Err(_) => Err(format!("{} was not ready within {} s", script.display(), within.as_secs())),
        }
    }
}

impl Drop for Zygote {
    fn drop(&mut self) {
        // SIGTERM: the zygote stops its forks and removes its socket.
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.process.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
        let _ = self.process.wait();
    }
}
