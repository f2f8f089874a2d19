//! The pipeline lock: no two doctors restart the same job at once.
//!
//! Two parts, taken in this order and both held for the whole restart:
//! - a row in the state database (`History::try_lock`), for doctors sharing a state directory
//!   (a `restart --apply` beside the agent); it expires, so a doctor that died never blocks
//!   the pipeline for longer than one restart's bounds;
//! - with ZooKeeper configured, an ephemeral node in the ZooKeeper Flink itself uses, for
//!   doctors on different hosts: `/logminer-doctor/locks/<cluster-id>/<job name>`, outside
//!   Flink's own tree. ZooKeeper removes it when its holder's session ends, so a crashed
//!   doctor frees it by itself after the session timeout.
//!
//! A lock that cannot be checked is an error, never a pass: the gate then says UNKNOWN.

use std::time::Duration;

use crate::collectors::zookeeper::{self, EphemeralError, EphemeralNode};
use crate::config::ZooKeeperConfig;
use crate::observation::{error_chain, Timestamp};
use crate::store::{History, LockHolder};

/// Why the lock was not taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another doctor holds it.
    #[error("held by {holder} ({by})")]
    Held {
        /// Where: "state database <path>" or "ZooKeeper <node>".
        by: String,
        /// Who.
        holder: String,
        /// Since when, when known.
        since: Option<Timestamp>,
    },
    /// It could not be checked.
    #[error("cannot check the lock in {what}: {why}")]
    Failed {
        /// Where.
        what: String,
        /// The error of the state database or of ZooKeeper.
        why: String,
    },
}

/// The lock, held until `release`.
pub struct PipelineLock {
    pipeline: String,
    owner: String,
    history: Option<History>,
    zookeeper: Option<EphemeralNode>,
}

impl PipelineLock {
    /// Where it is held, for the gate's line.
    pub fn describe(&self) -> String {
        let mut parts = vec![];
        if let Some(h) = &self.history {
            parts.push(format!("state database {}", h.path().display()));
        }
        if let Some(node) = &self.zookeeper {
            parts.push(format!("ZooKeeper {}", node.path()));
        }
        if parts.is_empty() {
            "nowhere: no state database and no ZooKeeper".into()
        } else {
            format!("taken by {} in {}", self.owner, parts.join(" and "))
        }
    }

    /// Releases both parts (each only if still ours).
    pub async fn release(self) {
        if let Some(node) = &self.zookeeper {
            node.release_if_holding(self.owner.as_bytes()).await;
        }
        if let Some(h) = &self.history {
            if let Err(e) = h.unlock(&self.pipeline, &self.owner).await {
                tracing::warn!(pipeline = %self.pipeline, error = %error_chain(&e), "Cannot release the state database lock; it expires by itself.");
            }
        }
    }
}

/// This process's identity as a lock holder: host, process id and a token unique to the call.
pub fn owner_id() -> String {
    format!(
        "{} pid {} token {}",
        crate::host::name(),
        std::process::id(),
        super::new_trigger_id()
    )
}

/// The lock node of a job in ZooKeeper: one path component per job name, whatever it holds.
pub fn node_path(zk: &ZooKeeperConfig, job_name: &str) -> String {
    format!(
        "/logminer-doctor/locks/{}/{}",
        zookeeper::node_name(&zk.cluster_id),
        zookeeper::node_name(job_name)
    )
}

/// Takes the lock of `pipeline` (whose job is `job_name`): the state database's first, then
/// ZooKeeper's, releasing the first when the second cannot be had.
pub async fn acquire(
    history: Option<&History>,
    zookeeper: Option<&ZooKeeperConfig>,
    pipeline: &str,
    job_name: &str,
    ttl: Duration,
    now: Timestamp,
) -> Result<PipelineLock, LockError> {
    let owner = owner_id();
    if let Some(h) = history {
        match h.try_lock(pipeline, &owner, now, ttl).await {
            Ok(Ok(())) => {}
            Ok(Err(LockHolder {
                owner: holder,
                acquired,
                expires,
            })) => {
                return Err(LockError::Held {
                    by: format!("state database {}", h.path().display()),
                    holder: format!("{holder}, since {acquired}, expires {expires}"),
                    since: Some(acquired),
                })
            }
            Err(e) => {
                return Err(LockError::Failed {
                    what: format!("state database {}", h.path().display()),
                    why: error_chain(&e),
                })
            }
        }
    }
    let mut lock = PipelineLock {
        pipeline: pipeline.to_string(),
        owner,
        history: history.cloned(),
        zookeeper: None,
    };
    if let Some(zk) = zookeeper {
        match zookeeper_lock(zk, job_name, &lock.owner).await {
            Ok(held) => lock.zookeeper = Some(held),
            Err(e) => {
                lock.release().await;
                return Err(e);
            }
        }
    }
    Ok(lock)
}

async fn zookeeper_lock(
    zk: &ZooKeeperConfig,
    job_name: &str,
    owner: &str,
) -> Result<EphemeralNode, LockError> {
    let node = node_path(zk, job_name);
    match zookeeper::create_ephemeral(zk, &node, owner.as_bytes()).await {
        Ok(held) => Ok(held),
        Err(EphemeralError::Exists { holder }) => Err(LockError::Held {
            by: format!("ZooKeeper {node}"),
            holder,
            since: None,
        }),
        Err(EphemeralError::Failed { why }) => Err(LockError::Failed {
            what: format!("ZooKeeper {} {node}", zk.quorum.join(",")),
            why,
        }),
    }
}
