//! The cucumber world: a fresh [`Scene`] per scenario, dropped (with its mock
//! providers and gateway) when the scenario ends.
use cucumber::World;
use failover_conformance::run::{Hold, SceneWorld};
use failover_conformance::scene::Scene;

/// One scenario's world.
#[derive(Debug, Default, World)]
pub struct FailoverWorld {
    /// Everything the scenario set up and observed.
    pub scene: Scene,
    /// The analytics report read before a restart, to compare with after.
    pub analytics_seen: Option<serde_json::Value>,
    /// The dashboard's stream, when the scenario watches it.
    pub dashboard: Option<failover_conformance::dashboard::Watch>,
    /// The right to run now (alone, for `@serial` scenarios).
    hold: Option<Hold>,
}

impl SceneWorld for FailoverWorld {
    fn scene(&self) -> &Scene {
        &self.scene
    }

    fn hold(&mut self, hold: Hold) {
        self.hold = Some(hold);
    }

    fn release(&mut self) {
        self.hold = None;
    }
}
