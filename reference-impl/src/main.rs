//! `reference-gateway --config gateway.json [--port 8080]`: runs the reference
//! gateway as a server until Ctrl-C.
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use failover_contract::GatewayConfig;
use reference_gateway::events::LineSink;
use reference_gateway::{Gateway, Options, serve_workers};

/// The reference resilient LLM gateway (OpenAI-compatible).
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Path of a `conformance/v1` JSON config.
    #[arg(long)]
    config: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Where to write decision events as JSON lines: `-` for stderr, a file
    /// path, or `none`.
    #[arg(long, default_value = "-")]
    events_log: String,
    /// Worker threads, each serving requests start to end on a runtime of its
    /// own (default: one per CPU).
    #[arg(long)]
    workers: Option<usize>,
    /// On SIGTERM or Ctrl-C: how long requests in flight (streams included)
    /// may take to finish before they are cut. New connections are refused
    /// at once, and state is kept in the store either way.
    #[arg(long, default_value_t = 10_000)]
    drain_timeout_ms: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let config = match GatewayConfig::from_file(&args.config) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("reference-gateway: {}: {e}", args.config.display());
            return ExitCode::from(2);
        }
    };
    for warning in config.warnings() {
        eprintln!("reference-gateway: warning: {}: {warning}", args.config.display());
    }
    let event_lines = match args.events_log.as_str() {
        "-" => LineSink::Stderr,
        "none" => LineSink::None,
        path => match std::fs::OpenOptions::new().create(true).append(true).open(path) {
            Ok(file) => LineSink::File(file),
            Err(e) => {
                eprintln!("reference-gateway: cannot open --events-log {path}: {e}");
                return ExitCode::from(2);
            }
        },
    };
    let gateway = match Gateway::new(&config, Options { event_lines, ..Options::default() }) {
        Ok(gateway) => gateway,
        Err(e) => {
            eprintln!("reference-gateway: {}: {e}", args.config.display());
            return ExitCode::from(2);
        }
    };
    let addr = match format!("{}:{}", args.host, args.port).parse::<std::net::SocketAddr>() {
        Ok(addr) => addr,
        Err(e) => {
            eprintln!(
                "reference-gateway: --host {} --port {} is not an address to listen on: {e}",
                args.host, args.port
            );
            return ExitCode::from(2);
        }
    };
    let workers = args.workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let running = match serve_workers(gateway, addr, workers) {
        Ok(running) => running,
        Err(e) => {
            eprintln!("reference-gateway: cannot listen on {addr}: {e}");
            return ExitCode::from(1);
        }
    };
    eprintln!("reference-gateway: listening on http://{} with {workers} workers", running.addr);
    // This thread only waits for Ctrl-C (or SIGTERM) and then stops the workers.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    let drain = std::time::Duration::from_millis(args.drain_timeout_ms);
    let code = runtime.block_on(async move {
        stopped().await;
        eprintln!(
            "reference-gateway: stopping: refusing new connections, waiting up to {} ms for requests in flight",
            drain.as_millis()
        );
        match tokio::time::timeout(drain, running.stop()).await {
            Ok(Ok(())) => ExitCode::SUCCESS,
            Ok(Err(e)) => {
                eprintln!("reference-gateway: {e}");
                ExitCode::from(1)
            }
            Err(_) => {
                eprintln!(
                    "reference-gateway: requests still in flight after the drain timeout ({} ms, --drain-timeout-ms) were cut",
                    drain.as_millis()
                );
                ExitCode::SUCCESS
            }
        }
    });
    // Not waiting for the worker threads a cut drain left behind (dropping the
    // runtime would wait for the blocking task that joins them).
    runtime.shutdown_background();
    code
}

/// Resolves on Ctrl-C or SIGTERM.
async fn stopped() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let terminated = async move {
        match term.as_mut() {
            Some(term) => drop(term.recv().await),
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminated => {}
    }
}
