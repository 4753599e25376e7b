//! The cucumber world: a fresh [`Scene`] per scenario, dropped (with its mock
//! providers and gateway) when the scenario ends.
use cucumber::World;
use failover_conformance::run::SceneWorld;
use failover_conformance::scene::Scene;

/// One scenario's world.
#[derive(Debug, Default, World)]
pub struct FailoverWorld {
    /// Everything the scenario set up and observed.
    pub scene: Scene,
}

impl SceneWorld for FailoverWorld {
    fn scene(&self) -> &Scene {
        &self.scene
    }
}
