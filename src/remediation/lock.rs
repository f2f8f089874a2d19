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

use zookeeper_client::{Acls, Client, CreateMode};

use crate::agent::history::{History, LockHolder};
use crate::config::ZooKeeperConfig;
use crate::observation::{error_chain, Timestamp};

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
        /// Why.
        why: String,
    },
}

/// The lock, held until `release`.
pub struct PipelineLock {
    pipeline: String,
    owner: String,
    history: Option<History>,
    zookeeper: Option<(Client, String)>,
}

impl PipelineLock {
    /// Where it is held, for the gate's line.
    pub fn describe(&self) -> String {
        let mut parts = vec![];
        if let Some(h) = &self.history {
            parts.push(format!("state database {}", h.path().display()));
        }
        if let Some((_, node)) = &self.zookeeper {
            parts.push(format!("ZooKeeper {node}"));
        }
        if parts.is_empty() {
            "nowhere: no state database and no ZooKeeper".into()
        } else {
            format!("taken by {} in {}", self.owner, parts.join(" and "))
        }
    }

    /// Releases both parts (each only if still ours).
    pub async fn release(self) {
        if let Some((client, node)) = &self.zookeeper {
            release_node(client, node, &self.owner).await;
        }
        if let Some(h) = &self.history {
            if let Err(e) = h.unlock(&self.pipeline, &self.owner).await {
                tracing::warn!(pipeline = %self.pipeline, error = %error_chain(&e), "Cannot release the state database lock; it expires by itself.");
            }
        }
    }
}

async fn release_node(client: &Client, node: &str, owner: &str) {
    // Only our own node: compare the owner written into it, delete at that version.
    match client.get_data(node).await {
        Ok((data, stat)) if data == owner.as_bytes() => {
            if let Err(e) = client.delete(node, Some(stat.version)).await {
                tracing::warn!(node, error = %e, "Cannot delete the ZooKeeper lock node; it goes with the session.");
            }
        }
        Ok(_) | Err(zookeeper_client::Error::NoNode) => {}
        Err(e) => {
            tracing::warn!(node, error = %e, "Cannot read the ZooKeeper lock node; it goes with the session.")
        }
    }
}

/// This process's identity as a lock holder: host, process id and a token unique to the call.
pub fn owner_id() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown-host".into());
    format!(
        "{host} pid {} token {}",
        std::process::id(),
        super::new_trigger_id()
    )
}

/// The lock node of a job in ZooKeeper: one path component per job name, whatever it holds.
pub fn node_path(zk: &ZooKeeperConfig, job_name: &str) -> String {
    // Percent-encoding of every UTF-8 byte outside [A-Za-z0-9._-]: one component, no collisions.
    let escape = |s: &str| -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    format!(
        "/logminer-doctor/locks/{}/{}",
        escape(&zk.cluster_id),
        escape(job_name)
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
) -> Result<(Client, String), LockError> {
    let node = node_path(zk, job_name);
    let quorum = zk.quorum.join(",");
    let failed = |why: String| LockError::Failed {
        what: format!("ZooKeeper {quorum} {node}"),
        why,
    };
    let connect = Client::connector()
        .with_session_timeout(zk.session_timeout)
        .with_fail_eagerly()
        .connect(&quorum);
    let client = match tokio::time::timeout(zk.session_timeout, connect).await {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return Err(failed(e.to_string())),
        Err(_) => {
            return Err(failed(format!(
                "no session within {:?}",
                zk.session_timeout
            )))
        }
    };
    // The parents are persistent and shared; creating one that exists is fine.
    let persistent = CreateMode::Persistent.with_acls(Acls::anyone_all());
    let mut parent = String::new();
    let parents: Vec<&str> = node.trim_start_matches('/').split('/').collect();
    for part in &parents[..parents.len() - 1] {
        parent.push('/');
        parent.push_str(part);
        match client.create(&parent, &[], &persistent).await {
            Ok(_) | Err(zookeeper_client::Error::NodeExists) => {}
            Err(e) => return Err(failed(format!("cannot create {parent}: {e}"))),
        }
    }
    let ephemeral = CreateMode::Ephemeral.with_acls(Acls::anyone_all());
    match client.create(&node, owner.as_bytes(), &ephemeral).await {
        Ok(_) => Ok((client, node)),
        Err(zookeeper_client::Error::NodeExists) => {
            let holder = match client.get_data(&node).await {
                Ok((data, _)) => String::from_utf8_lossy(&data).into_owned(),
                // Released between the two calls: still not ours; the next try may get it.
                Err(e) => format!("unknown ({e})"),
            };
            Err(LockError::Held {
                by: format!("ZooKeeper {node}"),
                holder,
                since: None,
            })
        }
        Err(e) => Err(failed(e.to_string())),
    }
}
