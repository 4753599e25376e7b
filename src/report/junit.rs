//! `junit.xml`: one test suite per case, one test case per scenario; scenarios
//! not run are `skipped` with the reason.
use std::fmt::Write;

use super::Report;

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

/// The JUnit XML report.
pub fn junit(r: &Report) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let total: usize = r.cases.iter().map(|c| c.scenarios.len()).sum();
    let failed: usize = r.cases.iter().map(|c| c.summary.failed).sum();
    let skipped: usize = r.cases.iter().map(|c| c.summary.skipped + c.summary.not_supported).sum();
    let _ = writeln!(
        out,
        "<testsuites name=\"failover-conformance\" tests=\"{total}\" failures=\"{failed}\" skipped=\"{skipped}\" timestamp=\"{}\">",
        escape(&r.date)
    );
    for case in &r.cases {
        let s = &case.summary;
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">",
            escape(&case.id),
            case.scenarios.len(),
            s.failed,
            s.skipped + s.not_supported
        );
        for scenario in &case.scenarios {
            let name = escape(&scenario.name);
            let class = escape(&format!("{}.{}", case.id, scenario.feature));
            let _ = write!(out, "    <testcase name=\"{name}\" classname=\"{class}\"");
            match scenario.status.as_str() {
                "failed" => {
                    let message = scenario.failed_step.as_deref().unwrap_or("failed");
                    let _ = writeln!(
                        out,
                        ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                        escape(message.trim()),
                        escape(scenario.error.as_deref().unwrap_or(""))
                    );
                }
                "skipped" | "not_supported" => {
                    let why = format!("{}: {}", scenario.status, scenario.reason.as_deref().unwrap_or(""));
                    let _ = writeln!(out, ">\n      <skipped message=\"{}\"/>\n    </testcase>", escape(&why));
                }
                _ => {
                    let _ = writeln!(out, "/>");
                }
            }
        }
        let _ = writeln!(out, "  </testsuite>");
    }
    out.push_str("</testsuites>\n");
    out
}
