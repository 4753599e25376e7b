//! What the reference gateway adds to a request, against the bar: nginx as a
//! reverse proxy. `cargo bench -p reference-gateway --bench proxy`.
//!
//! One run on one machine measures six ways to reach the same fast local
//! upstream (an OpenAI-shaped chat completion): directly; through nginx with
//! keep-alive upstream connections (skipped, and said so, when `nginx` is not
//! on the PATH: Debian's `nginx-light`); through a bare pass-through proxy built
//! from the gateway's own stack (axum, the gateway's pooled upstream client)
//! with no policy; through the reference gateway, healthy, and with every
//! guardrail and the soft-failure judgement on; and through it with
//! its primary refusing connections and the primary's breaker open. For each it
//! prints p50 and p99 latency at concurrency 1 and requests per second at 16
//! and 64 connections (closed loop), and the ratios to nginx.
//!
//! Each proxy runs two workers (single-threaded runtimes sharing a port), as
//! nginx runs two workers here, and as the gateway's binary runs one per CPU;
//! the upstream and the load generator have a thread each. The targets are
//! measured in turn, `BENCH_ROUNDS` times (default 3), each throughput run
//! `BENCH_SECONDS` long (default 2); the table shows each figure's median over
//! the rounds, with the proxy's CPU time per request read from `/proc` (a
//! figure steadier than requests per second on a shared machine).
#[path = "proxy/cpu.rs"]
mod cpu;
#[path = "proxy/load.rs"]
mod load;
#[path = "proxy/nginx.rs"]
mod nginx;
#[path = "proxy/passthrough.rs"]
mod passthrough;
#[path = "proxy/upstream.rs"]
mod upstream;

use std::net::SocketAddr;
use std::time::Duration;

use failover_contract::GatewayConfig;
use reference_gateway::{Gateway, Options, serve_workers};

/// A runtime of its own for each party, so that they share the machine as
/// separate processes would.
fn runtime(threads: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(threads).enable_all().build().expect("a runtime")
}

/// The config of the reference gateway: `chain` in front of the upstream.
fn config(primary: Option<SocketAddr>, upstream: SocketAddr) -> GatewayConfig {
    let mut providers = Vec::new();
    let mut chain = Vec::new();
    for (id, addr) in primary.iter().map(|a| ("primary", *a)).chain([("upstream", upstream)]) {
        providers.push(serde_json::json!({"id": id, "base_url": format!("http://{addr}"), "api_key": "sk-bench"}));
        chain.push(serde_json::json!({"provider": id}));
    }
    let config = serde_json::json!({
        "schema": "conformance/v1",
        "providers": providers,
        "models": [{"name": "gpt-4o", "backend_map": chain}],
        "policy": {
            "retry": {"max_attempts": 1},
            "breaker": {"min_calls": 5, "failure_rate": 0.5, "open_ms": 3_600_000, "open_max_ms": 3_600_000}
        }
    });
    GatewayConfig::from_json(&config.to_string()).expect("the bench config is valid")
}

/// The healthy config with every guardrail on (the prompt's tokens counted,
/// injection patterns, personal data redacted both ways) and every answer
/// judged for soft failures: what those checks cost per request.
fn guarded(upstream: SocketAddr) -> GatewayConfig {
    let mut config = serde_json::to_value(config(None, upstream)).expect("a config is JSON");
    config["guardrails"] = serde_json::json!({
        "prompt_length": {"max_tokens": 4096},
        "prompt_injection": {},
        "pii": {"action": "redact"},
        "output_pii": {"action": "redact"}
    });
    config["policy"]["soft_failures"] = serde_json::json!({"forbidden": ["(?i)as an ai language model"]});
    GatewayConfig::from_json(&config.to_string()).expect("the guarded bench config is valid")
}

/// A target of the bench: where it listens, and how to read its CPU time.
struct Target {
    name: &'static str,
    addr: Option<SocketAddr>,
    meter: fn(&Target) -> Option<load::CpuMeter>,
    /// The nginx master process, whose workers' CPU time is read.
    nginx_pid: Option<u32>,
}

fn no_meter(_: &Target) -> Option<load::CpuMeter> {
    None
}

/// The gateway's and the pass-through's workers are this process's threads.
fn worker_threads(_: &Target) -> Option<load::CpuMeter> {
    Some(Box::new(|| {
        let before = cpu::threads("gateway-worker");
        Box::new(move || cpu::spent(&before, &cpu::threads("gateway-worker")))
    }))
}

fn nginx_workers(target: &Target) -> Option<load::CpuMeter> {
    let master = target.nginx_pid?;
    Some(Box::new(move || {
        let before = cpu::children(master);
        Box::new(move || cpu::children(master).saturating_sub(before))
    }))
}

fn main() {
    let seconds = std::env::var("BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(2.0);
    let rounds: usize = std::env::var("BENCH_ROUNDS").ok().and_then(|s| s.parse().ok()).unwrap_or(3);
    // `BENCH_ONLY=gateway` (a word of the targets' names) measures only those, while profiling.
    let only = std::env::var("BENCH_ONLY").ok();
    let window = Duration::from_secs_f64(seconds);
    let upstream_rt = runtime(1);
    let upstream = upstream_rt.block_on(upstream::serve()).expect("the upstream starts");
    let load_rt = runtime(1);

    let nginx = nginx::Nginx::start(upstream);
    if let Err(why) = &nginx {
        println!("nginx: skipped ({why})");
    }
    let bare = passthrough::serve(upstream, WORKERS).expect("the pass-through proxy starts");
    let healthy = Gateway::new(&config(None, upstream), Options::default()).expect("a gateway");
    let healthy = serve_workers(healthy, LOOPBACK, WORKERS).expect("the gateway serves");
    let guarded = Gateway::new(&guarded(upstream), Options::default()).expect("a gateway");
    let guarded = serve_workers(guarded, LOOPBACK, WORKERS).expect("the gateway serves");
    // A primary that refuses connections: a port bound by nobody.
    let dead = std::net::TcpListener::bind(LOOPBACK).and_then(|l| l.local_addr()).expect("a free port");
    let failing = Gateway::new(&config(Some(dead), upstream), Options::default()).expect("a gateway");
    let failing = serve_workers(failing, LOOPBACK, WORKERS).expect("the gateway serves");
    load_rt.block_on(load::open_the_breaker(failing.addr));

    let targets = [
        Target { name: "upstream, direct", addr: Some(upstream), meter: no_meter, nginx_pid: None },
        Target {
            name: NGINX,
            addr: nginx.as_ref().ok().map(|n| n.addr),
            meter: nginx_workers,
            nginx_pid: nginx.as_ref().ok().map(nginx::Nginx::pid),
        },
        Target {
            name: "bare pass-through (gateway stack, no policy)",
            addr: Some(bare.addr),
            meter: worker_threads,
            nginx_pid: None,
        },
        Target { name: "reference gateway, healthy", addr: Some(healthy.addr), meter: worker_threads, nginx_pid: None },
        Target {
            name: "reference gateway, guardrails and soft-failure judging on",
            addr: Some(guarded.addr),
            meter: worker_threads,
            nginx_pid: None,
        },
        Target {
            name: "reference gateway, primary failing, breaker open",
            addr: Some(failing.addr),
            meter: worker_threads,
            nginx_pid: None,
        },
    ];
    let mut measured: Vec<Vec<load::Measured>> = targets.iter().map(|_| Vec::new()).collect();
    for round in 1..=rounds {
        eprintln!("round {round} of {rounds}");
        for (target, results) in targets.iter().zip(&mut measured) {
            let wanted = only.as_deref().is_none_or(|o| target.name.contains(o));
            if let (Some(addr), true) = (target.addr, wanted) {
                let meter = (target.meter)(target);
                results.push(load_rt.block_on(load::measure(addr, window, meter.as_ref())));
            }
        }
    }
    let rows: Vec<Row> = targets
        .iter()
        .zip(measured)
        .map(|(t, results)| Row { name: t.name, measured: load::median(results) })
        .collect();
    println!("\n{rounds} rounds of {seconds} s each; every figure is the median of the rounds");
    print(&rows);
}

/// One row of the table.
struct Row {
    name: &'static str,
    measured: Option<load::Measured>,
}

const NGINX: &str = "nginx reverse proxy";

/// Any free loopback port.
const LOOPBACK: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 0);

/// Worker threads of each proxy: two, as nginx runs two workers here.
const WORKERS: usize = 2;

fn print(rows: &[Row]) {
    let nginx = rows.iter().find(|r| r.name == NGINX).and_then(|r| r.measured.as_ref());
    println!();
    println!(
        "| {:<50} | {:>8} | {:>8} | {:>9} | {:>9} | {:>10} | {:>18} | {:>12} | {:>12} |",
        "target",
        "p50 µs",
        "p99 µs",
        "rps @16",
        "rps @64",
        "CPU µs/req",
        "p50 − nginx p50",
        "rps/nginx 16",
        "rps/nginx 64"
    );
    println!(
        "|{:-<52}|{:->10}|{:->10}|{:->11}|{:->11}|{:->12}|{:->20}|{:->14}|{:->14}|",
        "", "", "", "", "", "", "", "", ""
    );
    for row in rows {
        let Some(m) = &row.measured else {
            let dash = "-";
            println!(
                "| {:<50} | {dash:>8} | {dash:>8} | {dash:>9} | {dash:>9} | {dash:>10} | {dash:>18} | {dash:>12} | {dash:>12} |",
                row.name
            );
            continue;
        };
        let (delta, r16, r64) = match nginx {
            Some(n) => (
                format!("{:+.0} µs", m.p50_us - n.p50_us),
                format!("{:.2}", m.rps_16 / n.rps_16),
                format!("{:.2}", m.rps_64 / n.rps_64),
            ),
            None => ("-".into(), "-".into(), "-".into()),
        };
        let cpu = m.cpu_us.map_or_else(|| "-".to_owned(), |us| format!("{us:.1}"));
        println!(
            "| {:<50} | {:>8.0} | {:>8.0} | {:>9.0} | {:>9.0} | {:>10} | {:>18} | {:>12} | {:>12} |",
            row.name, m.p50_us, m.p99_us, m.rps_16, m.rps_64, cpu, delta, r16, r64
        );
    }
}
