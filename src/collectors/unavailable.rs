//! A stand-in for a system that is not collected (not configured, or deliberately left out in
//! a test): it reports a not-collected signal with its reason, so `diagnose` lists the steps it
//! could not check instead of guessing, and never reads it as a failure.

use super::{FlinkSource, OracleSource, ZooKeeperSource};
use crate::observation::{FlinkSnapshot, OracleSnapshot, Signal, ZooKeeperSnapshot};

/// A collector that does not exist yet, or a system that is not configured.
#[derive(Debug, Clone)]
pub struct Unavailable {
    reason: String,
}

impl Unavailable {
    /// A collector that always reports `reason` as the missing signal's error.
    pub fn new(reason: impl Into<String>) -> Self {
        Unavailable {
            reason: reason.into(),
        }
    }

    /// The reason it reports.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl OracleSource for Unavailable {
    async fn observe(&self) -> Signal<OracleSnapshot> {
        Signal::not_collected(self.reason.clone())
    }
}

impl FlinkSource for Unavailable {
    async fn observe(&self) -> Signal<FlinkSnapshot> {
        Signal::not_collected(self.reason.clone())
    }
}

impl ZooKeeperSource for Unavailable {
    async fn observe(&self) -> Signal<ZooKeeperSnapshot> {
        Signal::not_collected(self.reason.clone())
    }
}
