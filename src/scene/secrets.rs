//! What a scenario's gateway holds that it must never show (every provider's
//! API key, the admin token) and everything it did show: each answer, the
//! admin API's and the metrics' answers, and its own output.
use super::Scene;
use crate::checks::secrets::{Secret, Shown};

/// The admin API's and the metrics' pages, read with the admin token. A
/// gateway without one answers 404 or so: that answer is searched too.
const PAGES: &[&str] = &[
    "/admin/events",
    "/admin/providers",
    "/admin/drills",
    "/admin/budgets",
    "/admin/slo",
    "/admin/analytics",
    "/metrics",
];

impl Scene {
    /// Every provider's API key and the admin token.
    pub fn secrets(&self) -> Vec<Secret> {
        let keys = self
            .providers
            .values()
            .map(|p| Secret { name: format!("provider \"{}\"'s API key", p.id()), value: p.api_key().to_owned() });
        let token = self.admin_token().map(|t| Secret { name: "the admin token".into(), value: t.to_owned() });
        keys.chain(token).collect()
    }

    /// How many of `provider`'s answers gave its API key back.
    pub fn key_given_back(&self, provider: &str) -> Result<usize, String> {
        let provider = self.existing_provider(provider)?;
        let key = provider.api_key().as_bytes();
        Ok(provider.journal().iter().filter(|r| r.answer.windows(key.len()).any(|w| w == key)).count())
    }

    /// Everything the gateway showed so far: each answer's status, headers,
    /// body and stream, the admin API's and metrics' pages now, and (for a
    /// gateway the suite started as a command) its output.
    pub async fn everything_shown(&self) -> Result<Vec<Shown>, String> {
        let mut shown = Vec::new();
        for (i, e) in self.exchanges.iter().enumerate() {
            let n = i + 1;
            let headers: String = e
                .headers
                .iter()
                .map(|(name, value)| format!("{name}: {}\n", String::from_utf8_lossy(value.as_bytes())))
                .collect();
            shown.push(Shown { place: format!("response {n}'s headers ({} {})", e.status, e.path), text: headers });
            shown.push(Shown { place: format!("response {n}'s body"), text: String::from_utf8_lossy(&e.body).into() });
            if let Some(stream) = &e.stream {
                let events: String = stream.events.iter().map(|ev| format!("{}\n", ev.data)).collect();
                let broke = stream.transport_error.clone().unwrap_or_default();
                shown.push(Shown { place: format!("response {n}'s stream"), text: events + &broke });
            }
        }
        let admin = self.admin()?;
        for page in PAGES {
            let (status, body) = admin.get_as(page, admin.token).await?;
            shown.push(Shown { place: format!("GET {page} ({status})"), text: body });
        }
        if let Some((log, text)) = self.gateway.as_ref().and_then(|g| g.output()) {
            shown.push(Shown { place: format!("the gateway's output ({log})"), text });
        }
        Ok(shown)
    }
}
