//! `reference-gateway --config gateway.json [--port 8080]`: runs the reference
//! gateway as a server until Ctrl-C.
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use failover_contract::GatewayConfig;
use reference_gateway::events::LineSink;
use reference_gateway::{Gateway, Options, serve};

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
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    runtime.block_on(async move {
        let addr = format!("{}:{}", args.host, args.port);
        let listener = match tokio::net::TcpListener::bind(&addr).await {
            Ok(listener) => listener,
            Err(e) => {
                eprintln!("reference-gateway: cannot listen on {addr}: {e}");
                return ExitCode::from(1);
            }
        };
        let running = match serve(gateway, listener) {
            Ok(running) => running,
            Err(e) => {
                eprintln!("reference-gateway: {e}");
                return ExitCode::from(1);
            }
        };
        eprintln!("reference-gateway: listening on http://{}", running.addr);
        let _ = tokio::signal::ctrl_c().await;
        eprintln!("reference-gateway: stopping");
        match running.stop().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("reference-gateway: {e}");
                ExitCode::from(1)
            }
        }
    })
}
