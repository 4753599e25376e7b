//! nginx as a reverse proxy with keep-alive upstream connections, two workers,
//! no access log: the bar. Started from a config of its own in a temporary
//! directory, and stopped when dropped.
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Nginx {
    pub addr: SocketAddr,
    child: Child,
    dir: PathBuf,
}

impl Nginx {
    /// Starts nginx in front of `upstream`, or says why it cannot.
    pub fn start(upstream: SocketAddr) -> Result<Self, String> {
        let binary = ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .ok_or("nginx is not installed (Debian: apt-get install nginx-light)")?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let dir = std::env::temp_dir().join(format!("failover-bench-nginx-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let d = dir.display();
        let config = format!(
            "worker_processes 2;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
             events {{ worker_connections 4096; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
               upstream up {{ server {upstream}; keepalive 128; }}\n\
               server {{\n    listen 127.0.0.1:{port} backlog=4096;\n    keepalive_requests 100000000;\n\
                 location / {{ proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection \"\"; }}\n  }}\n}}\n"
        );
        std::fs::write(dir.join("nginx.conf"), config).map_err(|e| format!("cannot write the nginx config: {e}"))?;
        let child = Command::new(binary)
            .args(["-p", &d.to_string(), "-c", "nginx.conf", "-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run {binary}: {e}"))?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let nginx = Nginx { addr, child, dir };
        let deadline = Instant::now() + Duration::from_secs(5);
        while std::net::TcpStream::connect(addr).is_err() {
            if Instant::now() > deadline {
                let log = std::fs::read_to_string(nginx.dir.join("error.log")).unwrap_or_default();
                return Err(format!("nginx did not start within 5 s: {log}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(nginx)
    }
}

impl Nginx {
    /// The master process's id (its workers are its children).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
