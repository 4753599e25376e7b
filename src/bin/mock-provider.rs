//! `mock-provider --id primary --port 9001 [--fail "status 503"]`: one of the
//! suite's mock providers as a standalone OpenAI-compatible server, for trying
//! a gateway by hand or developing a vendor adapter.
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use failover_conformance::mock::{Fault, MockProvider, Schedule};

/// A mock OpenAI-compatible provider that stamps its id into every answer.
#[derive(Parser)]
struct Args {
    /// Provider id, stamped as `system_fingerprint: "mock:<id>"`.
    #[arg(long)]
    id: String,
    /// Port to listen on (loopback).
    #[arg(long)]
    port: u16,
    /// The API key it expects as `Authorization: Bearer <key>`.
    #[arg(long, default_value = "sk-mock")]
    api_key: String,
    /// Fail every request with this fault, e.g. "status 503", "a timeout".
    #[arg(long)]
    fail: Option<String>,
    /// Delay every successful answer by this many milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let fault = match args.fail.as_deref().map(str::parse::<Fault>).transpose() {
        Ok(fault) => fault,
        Err(e) => {
            eprintln!("mock-provider: --fail: {e}");
            return ExitCode::from(2);
        }
    };
    let addr = SocketAddr::from(([127, 0, 0, 1], args.port));
    let provider = match MockProvider::start_on(&args.id, addr, &args.api_key).await {
        Ok(p) => p,
        Err(e) => {
            eprintln!("mock-provider: cannot listen on {addr}: {e}");
            return ExitCode::from(1);
        }
    };
    provider.set_latency(Duration::from_millis(args.latency_ms));
    if let Some(fault) = fault {
        if let Err(e) = provider.fail(fault, Schedule::Always).await {
            eprintln!("mock-provider: {e}");
            return ExitCode::from(1);
        }
    }
    eprintln!("mock-provider {}: serving {} (key {})", args.id, provider.base_url(), args.api_key);
    let _ = tokio::signal::ctrl_c().await;
    ExitCode::SUCCESS
}
