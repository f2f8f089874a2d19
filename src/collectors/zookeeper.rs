//! The ZooKeeper collector: the health of each quorum member (`srvr`, `ruok`) and the leading
//! JobManager's REST address from Flink's leader node.
//!
//! A standby JobManager forwards REST calls to the leader and answers alike, so only ZooKeeper
//! can name the leader (notes/flink-anchors.md (b)). Also the pipeline lock's ephemeral node
//! (`create_ephemeral`), and the `watch` fleet's nodes (`fleet.rs`). No `zookeeper_client` type
//! leaves this module.

pub mod fleet;

use std::time::Duration;

use futures_util::future::join_all;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Mutex;

use super::ZooKeeperSource;
use crate::config::ZooKeeperConfig;
use crate::observation::{error_chain, Signal, ZooKeeperServer, ZooKeeperSnapshot};

/// Why a ZooKeeper read failed.
#[derive(Debug, thiserror::Error)]
pub enum ZooKeeperError {
    /// No session could be opened with the quorum.
    #[error("cannot open a ZooKeeper session with {quorum}")]
    Connect {
        /// The connect string.
        quorum: String,
        /// The client's error.
        #[source]
        source: zookeeper_client::Error,
    },
    /// Reading a node failed.
    #[error("cannot read ZooKeeper node {path}")]
    Read {
        /// The node.
        path: String,
        /// The client's error.
        #[source]
        source: zookeeper_client::Error,
    },
    /// The call did not finish in time.
    #[error("ZooKeeper ({quorum}) did not answer within {timeout:?}")]
    Timeout {
        /// The connect string.
        quorum: String,
        /// The bound.
        timeout: Duration,
    },
    /// The leader node holds bytes that are not Flink's leader information.
    #[error("ZooKeeper node {path} does not hold Flink leader information: {what}")]
    Format {
        /// The node.
        path: String,
        /// What is wrong.
        what: String,
    },
}

impl ZooKeeperError {
    /// A bounded label for metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            ZooKeeperError::Connect { .. } => "connect",
            ZooKeeperError::Read { .. } => "read",
            ZooKeeperError::Timeout { .. } => "timeout",
            ZooKeeperError::Format { .. } => "format",
        }
    }
}

/// Reads Flink's HA state from ZooKeeper. Keeps one session open between probes and opens a
/// new one after any failure.
pub struct ZooKeeperCollector {
    config: ZooKeeperConfig,
    client: Mutex<Option<zookeeper_client::Client>>,
}

impl ZooKeeperCollector {
    /// A collector for the quorum in `config`.
    pub fn new(config: ZooKeeperConfig) -> Self {
        ZooKeeperCollector {
            config,
            client: Mutex::new(None),
        }
    }

    /// `<root>/<cluster-id>/leader/rest_server/connection_info`: where the leading JobManager's
    /// WebMonitorEndpoint writes its REST URL.
    pub fn leader_path(&self) -> String {
        format!(
            "{}/{}/leader/rest_server/connection_info",
            self.config.root.trim_end_matches('/'),
            self.config.cluster_id
        )
    }

    fn quorum(&self) -> String {
        self.config.quorum.join(",")
    }

    /// The leading JobManager's REST URL, `None` when no leader is elected.
    pub async fn leader_rest_url(&self) -> Result<Option<String>, ZooKeeperError> {
        let timeout = self.config.session_timeout;
        let quorum = self.quorum();
        match tokio::time::timeout(timeout, self.read_leader()).await {
            Ok(r) => {
                if r.is_err() {
                    // A failed session is not reused: the next probe opens a fresh one.
                    *self.client.lock().await = None;
                }
                r
            }
            Err(_) => {
                *self.client.lock().await = None;
                Err(ZooKeeperError::Timeout { quorum, timeout })
            }
        }
    }

    async fn read_leader(&self) -> Result<Option<String>, ZooKeeperError> {
        let mut guard = self.client.lock().await;
        if guard.is_none() {
            let client = zookeeper_client::Client::connector()
                .with_session_timeout(self.config.session_timeout)
                .with_fail_eagerly()
                .connect(&self.quorum())
                .await
                .map_err(|source| ZooKeeperError::Connect {
                    quorum: self.quorum(),
                    source,
                })?;
            *guard = Some(client);
        }
        let Some(client) = guard.as_ref() else {
            return Ok(None);
        };
        let path = self.leader_path();
        match client.get_data(&path).await {
            Ok((data, _)) if data.is_empty() => Ok(None),
            Ok((data, _)) => decode_leader_url(&data)
                .map(Some)
                .map_err(|what| ZooKeeperError::Format { path, what }),
            Err(zookeeper_client::Error::NoNode) => Ok(None),
            Err(source) => Err(ZooKeeperError::Read { path, source }),
        }
    }
}

/// Decodes Flink's leader information: Java serialization of `writeUTF(address)` followed by
/// `writeObject(leaderSessionId)` (`ZooKeeperUtils.writeLeaderInformationToZooKeeper`): the
/// stream header `AC ED 00 05`, a block-data record, then a 2-byte length and the address in
/// (modified) UTF-8.
pub fn decode_leader_url(data: &[u8]) -> Result<String, String> {
    let rest = data
        .strip_prefix(&[0xAC, 0xED, 0x00, 0x05])
        .ok_or("no Java serialization header (AC ED 00 05)")?;
    let rest = match rest.first() {
        // TC_BLOCKDATA: one length byte.
        Some(0x77) => rest.get(2..),
        // TC_BLOCKDATALONG: four length bytes.
        Some(0x7A) => rest.get(5..),
        _ => None,
    }
    .ok_or("no block-data record after the header")?;
    let len = match rest {
        [hi, lo, ..] => usize::from(*hi) << 8 | usize::from(*lo),
        _ => return Err("the address length is cut off".into()),
    };
    let text = rest.get(2..2 + len).ok_or("the address is cut off")?;
    // Modified UTF-8 equals UTF-8 for everything a URL holds.
    String::from_utf8(text.to_vec()).map_err(|e| format!("the address is not UTF-8: {e}"))
}

/// Sends a four-letter word and returns the answer (empty when the server closed the
/// connection without one, as it does for words not in `4lw.commands.whitelist`).
async fn four_letter_word(address: &str, word: &str, timeout: Duration) -> Result<String, String> {
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(address)
            .await
            .map_err(|e| e.to_string())?;
        stream
            .write_all(word.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        let mut answer = Vec::new();
        // Answers are a few hundred bytes; the bound keeps a misbehaving peer from flooding us.
        stream
            .take(64 * 1024)
            .read_to_end(&mut answer)
            .await
            .map_err(|e| e.to_string())?;
        Ok(String::from_utf8_lossy(&answer).into_owned())
    };
    match tokio::time::timeout(timeout, exchange).await {
        Ok(r) => r,
        Err(_) => Err(format!("no answer within {timeout:?}")),
    }
}

/// One quorum member's health: `srvr` (enabled by default since 3.5) names its mode; `ruok`
/// answers `imok` when it is enabled.
async fn server_health(address: &str, timeout: Duration) -> ZooKeeperServer {
    let srvr = four_letter_word(address, "srvr", timeout).await;
    let mode = srvr.as_ref().ok().and_then(|text| {
        text.lines()
            .find_map(|l| l.strip_prefix("Mode:"))
            .map(|m| m.trim().to_string())
    });
    let ok = match &srvr {
        Ok(text) if text.contains("Zookeeper version") => true,
        _ => matches!(
            four_letter_word(address, "ruok", timeout).await.as_deref(),
            Ok("imok")
        ),
    };
    ZooKeeperServer {
        address: address.to_string(),
        ok,
        mode,
    }
}

impl ZooKeeperSource for ZooKeeperCollector {
    async fn observe(&self) -> Signal<ZooKeeperSnapshot> {
        let timeout = self.config.session_timeout;
        let servers = join_all(self.config.quorum.iter().map(|a| server_health(a, timeout))).await;
        match self.leader_rest_url().await {
            Ok(leader_rest_url) => Signal::observed(ZooKeeperSnapshot {
                servers,
                leader_rest_url,
            }),
            Err(e) => Signal::missing(error_chain(&e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::decode_leader_url;

    #[test]
    fn decodes_a_leader_url_written_by_flink() {
        // AC ED 00 05, TC_BLOCKDATA of 0x18 bytes: writeUTF("http://127.0.0.1:18081"),
        // then (not read) the serialized UUID.
        let url = b"http://127.0.0.1:18081";
        let mut data = vec![
            0xAC,
            0xED,
            0x00,
            0x05,
            0x77,
            (url.len() + 2) as u8,
            0x00,
            url.len() as u8,
        ];
        data.extend_from_slice(url);
        data.extend_from_slice(&[0x73, 0x72, 0x00, 0x0E]);
        assert_eq!(decode_leader_url(&data).unwrap(), "http://127.0.0.1:18081");
    }

    #[test]
    fn rejects_bytes_that_are_not_leader_information() {
        assert!(decode_leader_url(b"http://x").is_err());
        assert!(
            decode_leader_url(&[0xAC, 0xED, 0x00, 0x05, 0x77, 0x05, 0x00, 0x20, b'h']).is_err()
        );
    }
}

/// `s` as one path component whatever it holds: percent-encoding of every UTF-8 byte outside
/// `[A-Za-z0-9._-]` (no collisions, no `/`).
pub fn node_name(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// An ephemeral node this process created (the pipeline lock's ZooKeeper part): ZooKeeper
/// removes it when the session ends, so a crashed holder frees it after the session timeout.
pub struct EphemeralNode {
    client: zookeeper_client::Client,
    path: String,
}

/// Why `create_ephemeral` did not create the node.
#[derive(Debug)]
pub enum EphemeralError {
    /// The node exists: someone else holds it (`holder` is its data, or why it is unknown).
    Exists {
        /// The node's data as text.
        holder: String,
    },
    /// ZooKeeper could not be asked.
    Failed {
        /// ZooKeeper's error (connection loss, a node that exists, a session that expired).
        why: String,
    },
}

/// Connects to `zk`'s quorum (bounded by its session timeout), creates `node`'s missing
/// persistent parents and then `node` itself, ephemeral, holding `data`.
pub async fn create_ephemeral(
    zk: &ZooKeeperConfig,
    node: &str,
    data: &[u8],
) -> Result<EphemeralNode, EphemeralError> {
    use zookeeper_client::{Acls, Client, CreateMode};
    let failed = |why: String| EphemeralError::Failed { why };
    let quorum = zk.quorum.join(",");
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
    match client.create(node, data, &ephemeral).await {
        Ok(_) => Ok(EphemeralNode {
            client,
            path: node.to_owned(),
        }),
        Err(zookeeper_client::Error::NodeExists) => {
            let holder = match client.get_data(node).await {
                Ok((data, _)) => String::from_utf8_lossy(&data).into_owned(),
                // Released between the two calls: still not ours; the next try may get it.
                Err(e) => format!("unknown ({e})"),
            };
            Err(EphemeralError::Exists { holder })
        }
        Err(e) => Err(failed(e.to_string())),
    }
}

impl EphemeralNode {
    /// The node's path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Deletes the node if it still holds `data` (only our own node: compare, then delete at
    /// that version). Failures are logged: the node goes with the session anyway.
    pub async fn release_if_holding(&self, data: &[u8]) {
        let node = self.path.as_str();
        match self.client.get_data(node).await {
            Ok((held, stat)) if held == data => {
                if let Err(e) = self.client.delete(node, Some(stat.version)).await {
                    tracing::warn!(node, error = %e, "Cannot delete the ZooKeeper lock node; it goes with the session.");
                }
            }
            Ok(_) | Err(zookeeper_client::Error::NoNode) => {}
            Err(e) => {
                tracing::warn!(node, error = %e, "Cannot read the ZooKeeper lock node; it goes with the session.")
            }
        }
    }
}
