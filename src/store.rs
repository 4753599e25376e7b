//! The file a scenario gives the gateway as its store (capability
//! `analytics`): in a directory of its own that goes when the scenario ends,
//! fresh, missing, or holding bytes that are not a store.
use std::path::PathBuf;

use failover_contract::StoreConfig;

/// What the store file holds when the gateway first starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prepared {
    /// Nothing yet: the gateway may create it.
    New,
    /// Nothing, and the gateway is not allowed to create it.
    Missing,
    /// Bytes that are not a store (creation allowed: it must still not be replaced).
    Garbage,
}

/// Bytes a `Garbage` store holds.
pub const GARBAGE: &[u8] = b"this is not a store: it is a file the gateway must refuse and leave alone\n";

/// A scenario's store file.
#[derive(Debug)]
pub struct StoreFile {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl StoreFile {
    /// Prepares a store file as `prepared` says, and the config naming it.
    pub fn prepare(prepared: Prepared) -> Result<(Self, StoreConfig), String> {
        let dir = tempfile::Builder::new()
            .prefix("failover-store-")
            .tempdir()
            .map_err(|e| format!("cannot make a directory for the gateway's store: {e}"))?;
        let path = dir.path().join("gateway.store");
        if prepared == Prepared::Garbage {
            std::fs::write(&path, GARBAGE).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        let config = StoreConfig { path: path.display().to_string(), create: prepared != Prepared::Missing };
        Ok((Self { _dir: dir, path }, config))
    }

    /// What the file holds now (`None`: it does not exist).
    pub fn contents(&self) -> Option<Vec<u8>> {
        std::fs::read(&self.path).ok()
    }
}
