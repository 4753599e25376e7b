//! A headless Chromium driven over WebDriver: ChromeDriver started on a free
//! port, a fresh profile in a temporary directory, and waits bounded by a
//! deadline. Both are stopped when the browser is dropped.
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::Value;

/// Where Debian puts them; `FAILOVER_CHROMIUM` and `FAILOVER_CHROMEDRIVER` override.
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

fn path(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var).map_or_else(|| PathBuf::from(default), PathBuf::from)
}

impl Browser {
    /// A browser, or `None` (said aloud) when Chromium or ChromeDriver is
    /// missing and `FAILOVER_REQUIRE_BROWSER` is not set.
    pub async fn start() -> Option<Self> {
        let (chromium, chromedriver) =
            (path("FAILOVER_CHROMIUM", CHROMIUM), path("FAILOVER_CHROMEDRIVER", CHROMEDRIVER));
        if !chromium.exists() || !chromedriver.exists() {
            let message = format!(
                "the dashboard browser test needs {} and {}: on Debian, `apt-get install chromium chromium-driver`",
                chromium.display(),
                chromedriver.display()
            );
            assert!(std::env::var_os("FAILOVER_REQUIRE_BROWSER").is_none(), "{message}");
            eprintln!("NOT RUN: {message}");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()));
        let profile = tempfile::tempdir().unwrap();
        let options = serde_json::json!({
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,900", format!("--user-data-dir={}", profile.path().display()),
            ],
        });
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".into(), options);
        // ChromeDriver takes a moment to listen: retry until a deadline.
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = loop {
            let attempt = ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await;
            match attempt {
                Ok(client) => break client,
                Err(e) if Instant::now() >= deadline => panic!("no WebDriver session within 20 s: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        Some(Self { client, driver, _profile: profile })
    }

    /// Runs `script` every 50 ms until `done` holds for its result, which
    /// it returns; panics with the last result after `within`.
    pub async fn until(&self, script: &str, within: Duration, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let page = self.client.execute(script, Vec::new()).await.expect("the script runs");
            if done(&page) {
                return page;
            }
            assert!(Instant::now() < deadline, "not shown within {} ms; the page shows {page}", within.as_millis());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Saves a screenshot as `target/conformance/<name>`.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("a screenshot");
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/conformance");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), png).unwrap();
    }

    /// Ends the session.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
