//! `report.md`: a table a person reads at a glance, one row per case, then the
//! details of every failure and of what was not run.
use std::fmt::Write;

use super::Report;
use crate::run::Verdict;

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// An outcome as the Markdown reports show it.
pub(super) fn icon(status: Verdict) -> &'static str {
    match status {
        Verdict::Passed => "✅ passed",
        Verdict::Failed => "❌ failed",
        Verdict::NotSupported => "➖ not supported",
        Verdict::Skipped => "⏭ skipped",
        Verdict::AdapterDecided => "🔧 adapter decided",
    }
}

fn capitalised(words: &str) -> String {
    let mut chars = words.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The Markdown report.
pub fn markdown(r: &Report) -> String {
    let mut out = String::new();
    let name = if r.implementation.project.is_empty() {
        "an unnamed gateway".to_owned()
    } else {
        format!("{} {} {}", r.implementation.organization, r.implementation.project, r.implementation.version)
            .trim()
            .to_owned()
    };
    let _ = writeln!(out, "# Failover conformance report: {name}\n");
    let _ = writeln!(out, "- Suite: {} {}", r.suite.name, r.suite.version);
    let _ = writeln!(out, "- Date: {}", r.date);
    let _ = writeln!(
        out,
        "- Mode: {}{}",
        r.mode,
        r.gateway_command.as_deref().map(|c| format!(" (`{c}`)")).unwrap_or_default()
    );
    if !r.implementation.url.is_empty() {
        let _ = writeln!(out, "- Implementation: {}", r.implementation.url);
    }
    let declared =
        if r.capabilities.declared.is_empty() { "none".to_owned() } else { r.capabilities.declared.join(", ") };
    let _ = writeln!(out, "- Capabilities declared: {declared} (from {})", r.capabilities.source);
    let _ = writeln!(
        out,
        "- Timing: start timeout {} ms, tolerance factor {}",
        r.timing.start_timeout_ms, r.timing.tolerance_factor
    );
    for p in &r.profiles {
        let counts: Vec<String> =
            Verdict::ALL.iter().map(|v| format!("{} {}", p.summary.of_verdict(*v), v.words())).collect();
        let _ = writeln!(out, "- Profile **{}**: **{}** ({})", p.name, p.result.as_str(), counts.join(", "));
    }
    let titles: Vec<String> = Verdict::ALL.iter().map(|v| capitalised(&v.words())).collect();
    let _ = writeln!(out, "\n| Case | Status | {} |\n|---|---|{}", titles.join(" | "), "---|".repeat(titles.len()));
    for c in &r.cases {
        let missing = if c.missing_capabilities.is_empty() {
            String::new()
        } else {
            format!(" (needs {})", c.missing_capabilities.join(", "))
        };
        let counts: Vec<String> = Verdict::ALL.iter().map(|v| c.summary.of_verdict(*v).to_string()).collect();
        let _ = writeln!(out, "| {} | {}{missing} | {} |", c.id, icon(c.status), counts.join(" | "));
    }
    if !r.notes.is_empty() {
        let _ = writeln!(out, "\n## Notes from the implementation\n");
        for note in &r.notes {
            let _ = writeln!(out, "- {note}");
        }
    }
    let failures: Vec<_> = r
        .cases
        .iter()
        .flat_map(|c| c.scenarios.iter().filter(|s| s.status == Verdict::Failed).map(move |s| (c, s)))
        .collect();
    if !failures.is_empty() {
        let _ = writeln!(out, "\n## Failures\n");
        for (case, s) in failures {
            let _ = writeln!(out, "### {}: {}\n", case.id, cell(&s.name));
            let _ = writeln!(out, "- Feature: {} (line {})", s.feature, s.line);
            if let Some(step) = &s.failed_step {
                let _ = writeln!(out, "- Failing step: `{}`", step.trim());
            }
            if let Some(error) = &s.error {
                let _ = writeln!(out, "- Expected versus actual:\n\n```\n{}\n```\n", error.trim());
            }
        }
    }
    let not_run: Vec<_> =
        r.cases.iter().flat_map(|c| c.scenarios.iter().filter(|s| s.reason.is_some()).map(move |s| (c, s))).collect();
    if !not_run.is_empty() {
        let _ = writeln!(
            out,
            "\n## Not run, or not decided by the gateway\n\n| Case | Scenario | Status | Why |\n|---|---|---|---|"
        );
        for (case, s) in not_run {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                case.id,
                cell(&s.name),
                icon(s.status),
                cell(s.reason.as_deref().unwrap_or(""))
            );
        }
    }
    let measured: Vec<_> = r
        .cases
        .iter()
        .flat_map(|c| c.scenarios.iter().filter(|s| !s.measurements.is_empty()).map(move |s| (c, s)))
        .collect();
    if !measured.is_empty() {
        let _ = writeln!(out, "\n## Measurements\n\n| Case | Scenario | Measurements |\n|---|---|---|");
        for (case, s) in measured {
            let values: Vec<String> =
                s.measurements.iter().map(|m| format!("{} {} {}", m.name, m.value, m.unit)).collect();
            let _ = writeln!(out, "| {} | {} | {} |", case.id, cell(&s.name), values.join(", "));
        }
    }
    let _ = writeln!(out, "\n## Reproduce\n\n```sh");
    for (k, v) in &r.reproduce.environment {
        let _ = writeln!(out, "export {k}='{}'", v.replace('\'', r"'\''"));
    }
    let _ = writeln!(out, "{}\n```", r.reproduce.command);
    out
}
