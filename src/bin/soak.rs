//! `soak [--minutes 10]`: the reference gateway's binary (or another
//! gateway's, `--gateway`) under minutes of mixed chaos at a moderate load;
//! see `failover_conformance::soak`. Exits 1 on a panic, a request a client
//! saw fail while a healthy fallback was there, or memory outside its band.
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use failover_conformance::soak::{self, Settings};

/// Soak a gateway: minutes of chaos on its primary, healthy fallbacks.
#[derive(Parser)]
struct Args {
    /// How long the load runs, in minutes.
    #[arg(long, default_value_t = 10.0)]
    minutes: f64,
    /// How long each chaos phase lasts, in seconds.
    #[arg(long, default_value_t = 20)]
    phase_secs: u64,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// The gateway's binary; by default `reference-gateway` beside this one.
    #[arg(long)]
    gateway: Option<PathBuf>,
    /// Where the config, the gateway's output and the summary go.
    #[arg(long, default_value = "target/soak")]
    dir: PathBuf,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let Some(gateway) =
        args.gateway.or_else(|| Some(std::env::current_exe().ok()?.with_file_name("reference-gateway")))
    else {
        eprintln!("soak: cannot tell where this binary is; pass --gateway");
        return ExitCode::from(2);
    };
    if !gateway.is_file() {
        eprintln!(
            "soak: no gateway binary at {}; build it first (`cargo build --release --bins`) or pass --gateway",
            gateway.display()
        );
        return ExitCode::from(2);
    }
    let settings = Settings {
        gateway,
        duration: Duration::from_secs_f64(args.minutes.max(0.0) * 60.0),
        phase: Duration::from_secs(args.phase_secs.max(1)),
        concurrency: args.concurrency.max(1),
        stream_every: 4,
        sample_every: Duration::from_secs(5),
        dir: args.dir,
    };
    println!(
        "soak: {} for {:.1} min, {} in flight, phases of {} s: {}",
        settings.gateway.display(),
        args.minutes,
        settings.concurrency,
        settings.phase.as_secs(),
        soak::CHAOS.join(", ")
    );
    let outcome = match soak::run(&settings).await {
        Ok(outcome) => outcome,
        Err(e) => {
            eprintln!("soak: {e}");
            return ExitCode::from(2);
        }
    };
    for (phase, requests, failed) in &outcome.phases {
        println!("  phase {phase:<34} {requests:>7} requests, {failed} failed");
    }
    for (secs, kib) in &outcome.rss {
        println!("  rss at {secs:>6.0} s: {:.1} MiB", *kib as f64 / 1024.0);
    }
    let memory = soak::rss_flat(&outcome.rss);
    let verdicts = [
        ("panics", outcome.panics.is_empty(), format!("{}", outcome.panics.len())),
        ("gateway still running", outcome.alive, format!("{}", outcome.alive)),
        (
            "requests failed with a healthy fallback",
            outcome.failures == 0 && outcome.requests > 0,
            format!("{} of {}", outcome.failures, outcome.requests),
        ),
        ("resident memory flat", memory.is_ok(), memory.clone().unwrap_or_else(|e| e)),
    ];
    for line in outcome.panics.iter().take(5) {
        println!("  panic: {line}");
    }
    for example in &outcome.examples {
        println!("  failed: {example}");
    }
    for (what, ok, figure) in &verdicts {
        println!("{what}: {} ({figure})", if *ok { "ok" } else { "FAILED" });
    }
    if verdicts.iter().all(|(_, ok, _)| *ok) { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
