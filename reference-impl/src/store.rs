//! The gateway's one embedded store (redb: one file, crash-safe
//! transactions, no server): what must outlive the process: the failover
//! episodes of `/admin/analytics`, one JSON record per key in the order
//! they ended, and gateway-side sessions, one JSON record per session id.
//!
//! A store that cannot be opened stops the gateway at start with an error
//! naming the file and what to do: a missing file is created only when
//! `store.create` says so, so a moved or deleted history is never replaced by
//! an empty one unnoticed; a file that is not a redb store, or a corrupt one,
//! is never overwritten.
use std::path::Path;

use failover_contract::{ConfigError, StoreConfig};
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Failover episodes: sequence number → JSON record.
const EPISODES: TableDefinition<u64, &[u8]> = TableDefinition::new("episodes");
/// Sessions: session id → JSON record.
const SESSIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("sessions");
/// Each spend budget's window and spend, by budget id.
const BUDGETS: TableDefinition<&str, &[u8]> = TableDefinition::new("budgets");

/// An open store.
pub(crate) struct Store {
    db: Database,
    path: String,
}

fn error(message: String) -> ConfigError {
    ConfigError { path: "store.path".into(), message }
}

impl Store {
    /// Opens the store `config` names, creating it only if allowed, and makes
    /// sure its tables can be read.
    pub fn open(config: &StoreConfig) -> Result<Self, ConfigError> {
        let path = config.path.as_str();
        let exists = Path::new(path).exists();
        if !exists && !config.create {
            return Err(error(format!(
                "the store {path} does not exist; if this is the gateway's first start, set \"store\": {{\"create\": true}} \
                 (a store that was moved or deleted is not silently started again empty)"
            )));
        }
        let opened = if exists { Database::open(path) } else { Database::create(path) };
        let db = opened.map_err(|e| {
            error(format!(
                "cannot open the store {path}: {e}; if it is damaged or not a redb store, move it aside and start \
                 with \"create\": true, or point store.path at the right file"
            ))
        })?;
        let store = Self { db, path: path.to_owned() };
        store.ensure_tables().map_err(|e| error(format!("the store {path} cannot be read: {e}")))?;
        Ok(store)
    }

    fn ensure_tables(&self) -> Result<(), redb::Error> {
        let tx = self.db.begin_write()?;
        tx.open_table(EPISODES)?;
        tx.open_table(SESSIONS)?;
        tx.open_table(BUDGETS)?;
        tx.commit()?;
        Ok(())
    }

    /// Every episode, oldest first. A record that does not parse is an error
    /// naming it, never skipped.
    pub fn episodes<T: DeserializeOwned>(&self) -> Result<Vec<T>, String> {
        let read = || -> Result<Vec<(u64, Vec<u8>)>, redb::Error> {
            let tx = self.db.begin_read()?;
            let table = tx.open_table(EPISODES)?;
            let mut rows = Vec::new();
            for row in table.iter()? {
                let (key, value) = row?;
                rows.push((key.value(), value.value().to_vec()));
            }
            Ok(rows)
        };
        let rows = read().map_err(|e| format!("the store {} cannot be read: {e}", self.path))?;
        rows.into_iter()
            .map(|(key, bytes)| {
                serde_json::from_slice(&bytes)
                    .map_err(|e| format!("the store {} holds an unreadable episode #{key}: {e}", self.path))
            })
            .collect()
    }

    /// Appends `episode`, durably, before returning.
    pub fn append_episode<T: Serialize>(&self, episode: &T) -> Result<(), String> {
        let bytes = serde_json::to_vec(episode).map_err(|e| e.to_string())?;
        let write = || -> Result<(), redb::Error> {
            let tx = self.db.begin_write()?;
            {
                let mut table = tx.open_table(EPISODES)?;
                let next = table.last()?.map_or(0, |(key, _)| key.value() + 1);
                table.insert(next, bytes.as_slice())?;
            }
            tx.commit()?;
            Ok(())
        };
        write().map_err(|e| format!("cannot write to the store {}: {e}", self.path))
    }

    /// The record of session `id`, if the store has one.
    pub fn session(&self, id: &str) -> Result<Option<Vec<u8>>, String> {
        let read = || -> Result<Option<Vec<u8>>, redb::Error> {
            let tx = self.db.begin_read()?;
            let table = tx.open_table(SESSIONS)?;
            Ok(table.get(id)?.map(|v| v.value().to_vec()))
        };
        read().map_err(|e| format!("the store {} cannot be read: {e}", self.path))
    }

    /// Writes session `id`'s record, durably, before returning.
    pub fn put_session(&self, id: &str, record: &[u8]) -> Result<(), String> {
        let write = || -> Result<(), redb::Error> {
            let tx = self.db.begin_write()?;
            tx.open_table(SESSIONS)?.insert(id, record)?;
            tx.commit()?;
            Ok(())
        };
        write().map_err(|e| format!("cannot write to the store {}: {e}", self.path))
    }

    /// Every spend budget's record, by id.
    pub fn budgets(&self) -> Result<Vec<(String, Vec<u8>)>, String> {
        let read = || -> Result<Vec<(String, Vec<u8>)>, redb::Error> {
            let tx = self.db.begin_read()?;
            let table = tx.open_table(BUDGETS)?;
            let mut rows = Vec::new();
            for row in table.iter()? {
                let (id, record) = row?;
                rows.push((id.value().to_owned(), record.value().to_vec()));
            }
            Ok(rows)
        };
        read().map_err(|e| format!("the store {} cannot be read: {e}", self.path))
    }

    /// Writes every spend budget's record in one transaction, durably.
    pub fn put_budgets(&self, rows: &[(&str, Vec<u8>)]) -> Result<(), String> {
        let write = || -> Result<(), redb::Error> {
            let tx = self.db.begin_write()?;
            {
                let mut table = tx.open_table(BUDGETS)?;
                for (id, record) in rows {
                    table.insert(*id, record.as_slice())?;
                }
            }
            tx.commit()?;
            Ok(())
        };
        write().map_err(|e| format!("cannot write to the store {}: {e}", self.path))
    }

    /// Rewrites or removes every session record: `keep` gets each id and
    /// record and says what to keep in its place (`None`: remove it).
    pub fn sweep_sessions(&self, mut keep: impl FnMut(&str, &[u8]) -> Option<Vec<u8>>) -> Result<usize, String> {
        let mut write = || -> Result<usize, redb::Error> {
            let tx = self.db.begin_write()?;
            let mut updates = Vec::new();
            {
                let mut table = tx.open_table(SESSIONS)?;
                for row in table.iter()? {
                    let (id, record) = row?;
                    let kept = keep(id.value(), record.value());
                    if kept.as_deref() != Some(record.value()) {
                        updates.push((id.value().to_owned(), kept));
                    }
                }
                for (id, kept) in &updates {
                    match kept {
                        Some(record) => table.insert(id.as_str(), record.as_slice()).map(drop)?,
                        None => table.remove(id.as_str()).map(drop)?,
                    }
                }
            }
            tx.commit()?;
            Ok(updates.len())
        };
        write().map_err(|e| format!("cannot write to the store {}: {e}", self.path))
    }
}
