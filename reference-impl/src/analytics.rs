//! Failover episodes, recorded (case TC_R752_FAILOVER_016): one policy
//! [`Tracker`] per (model, chain position) follows attempts, breaker
//! transitions and the requests fallbacks served; an episode that ends is
//! written to the store before `/admin/analytics` shows it, so what the API
//! shows survives a restart. Off (no cost) unless `store` is configured.
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use failover_policy::classify::ALL_CLASSES;
use failover_policy::episode::{Episode, Record, Tracker};
use failover_policy::{Class, State, Transition};
use serde::{Deserialize, Serialize};

use crate::settings::Settings;
use crate::store::Store;

/// One finished episode as stored and shown.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Row {
    pub model: String,
    pub provider: String,
    /// Start, as Unix time in ms.
    pub started_at_ms: u64,
    pub detect_ms: f64,
    pub first_success_ms: Option<f64>,
    pub depth: Option<u32>,
    pub duration_ms: f64,
    /// Failure class (`null`: drained by its health score before failing).
    pub class: Option<String>,
    pub reopens: u32,
    /// How it ended: `recovered` (the breaker closed again).
    pub ended: String,
}

impl Row {
    /// The policy's view of it.
    pub fn record(&self) -> Record {
        let class = self.class.as_deref().and_then(|name| ALL_CLASSES.into_iter().find(|c| c.as_str() == name));
        Record {
            started_ms: self.started_at_ms as f64,
            detect_ms: self.detect_ms,
            first_success_ms: self.first_success_ms,
            duration_ms: self.duration_ms,
            reopens: self.reopens,
            class,
        }
    }
}

/// The episodes among `rows` of chain position `hop` of `route`, in order.
pub(crate) fn records_of(rows: &[Row], settings: &Settings, route: usize, hop: usize) -> Vec<Record> {
    let model = &settings.routes[route].model;
    let provider = &settings.provider_of(route, hop).id;
    rows.iter().filter(|e| *e.model == **model && *e.provider == **provider).map(Row::record).collect()
}

/// The gateway's episode analytics.
pub(crate) struct Analytics {
    /// One tracker per (model, chain position), locked per model.
    trackers: Vec<Mutex<Vec<Tracker>>>,
    /// Finished episodes, as stored.
    history: Arc<Mutex<Vec<Row>>>,
    store: Arc<Store>,
    /// A moment on both clocks, to give episodes a wall-clock start.
    origin: (Instant, SystemTime),
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

impl Analytics {
    /// Opens the store and reads the history it holds.
    pub fn open(settings: &Settings, store: Arc<Store>) -> Result<Self, String> {
        let history = store.episodes::<Row>()?;
        let trackers =
            settings.routes.iter().map(|r| Mutex::new(r.hops.iter().map(|_| Tracker::default()).collect())).collect();
        Ok(Self {
            trackers,
            history: Arc::new(Mutex::new(history)),
            store,
            origin: (Instant::now(), SystemTime::now()),
        })
    }

    /// An attempt to chain position `hop` of `route` ended at `at`.
    pub fn attempt(&self, route: usize, hop: usize, failed: bool, class: Class, at: Instant) {
        crate::lock(&self.trackers[route])[hop].attempt(failed, class, at);
    }

    /// A request of `route` was served by chain position `hop` at `at`:
    /// every provider before it that is in an episode was covered.
    pub fn served(&self, route: usize, hop: usize, at: Instant) {
        if hop == 0 {
            return;
        }
        let depth = u32::try_from(hop).unwrap_or(u32::MAX);
        for tracker in crate::lock(&self.trackers[route]).iter_mut().take(hop) {
            tracker.covered(depth, at);
        }
    }

    /// A breaker transition of chain position `hop` of `route`; an episode
    /// that ends is written to the store in the background, then shown.
    /// Returns the provider's history with that episode last, if one ended.
    pub fn transition(&self, settings: &Settings, route: usize, hop: usize, t: &Transition) -> Option<Vec<Record>> {
        let ended = {
            let mut trackers = crate::lock(&self.trackers[route]);
            match t.to {
                State::Open => {
                    trackers[hop].opened(t.at);
                    None
                }
                State::Closed => trackers[hop].closed(t.at),
                State::HalfOpen => None,
            }
        };
        let row = self.row(settings, route, hop, &ended?);
        let mut records = self.records(settings, route, hop);
        records.push(row.record());
        let (store, history) = (self.store.clone(), self.history.clone());
        tokio::task::spawn_blocking(move || match store.append_episode(&row) {
            Ok(()) => crate::lock(&history).push(row),
            Err(e) => eprintln!("reference-gateway: episode not recorded: {e}"),
        });
        Some(records)
    }

    /// The finished episodes of chain position `hop` of `route`, oldest first.
    pub fn records(&self, settings: &Settings, route: usize, hop: usize) -> Vec<Record> {
        records_of(&crate::lock(&self.history), settings, route, hop)
    }

    fn row(&self, settings: &Settings, route: usize, hop: usize, e: &Episode) -> Row {
        let wall = match e.started.checked_duration_since(self.origin.0) {
            Some(after) => self.origin.1 + after,
            None => self.origin.1 - self.origin.0.saturating_duration_since(e.started),
        };
        Row {
            model: settings.routes[route].model.to_string(),
            provider: settings.provider_of(route, hop).id.to_string(),
            started_at_ms: wall.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64),
            detect_ms: ms(e.detect),
            first_success_ms: e.first_success.map(ms),
            depth: e.depth,
            duration_ms: ms(e.duration),
            class: e.class.map(|c| c.as_str().to_owned()),
            reopens: e.reopens,
            ended: "recovered".into(),
        }
    }

    /// Finished episodes, oldest first.
    pub fn history(&self) -> Vec<Row> {
        crate::lock(&self.history).clone()
    }

    /// Whether (route, hop) is in an episode now.
    pub fn in_episode(&self, route: usize, hop: usize) -> bool {
        crate::lock(&self.trackers[route])[hop].in_episode()
    }
}
