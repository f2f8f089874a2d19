//! The ZooKeeper calls of the `watch` fleet (`agent::fleet` decides, this file talks): the
//! member's session and member node, the owner nodes, and the state the members share (per
//! pipeline JSON documents such as the alert state, and the silences), each written with the
//! version read so that of two members acting on the same state only one succeeds. No
//! `zookeeper_client` type leaves this file.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use zookeeper_client::{Acls, Client, CreateMode, SessionState};

use super::node_name;
use crate::config::FleetConfig;
use crate::observation::Timestamp;
use crate::store::Silence;

/// Why a fleet call failed.
#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    /// No session could be had with the quorum.
    #[error("cannot connect to ZooKeeper {quorum}: {why}")]
    Connect {
        /// The quorum.
        quorum: String,
        /// Why.
        why: String,
    },
    /// A call failed.
    #[error("ZooKeeper: cannot {what}: {source}")]
    Call {
        /// What was being done.
        what: String,
        /// The client's error.
        #[source]
        source: zookeeper_client::Error,
    },
    /// Another member changed the node between the read and the write.
    #[error("{what} was changed by another member meanwhile")]
    Conflict {
        /// The node.
        what: String,
    },
    /// Another live session holds this member's name.
    #[error("another live process is registered as member {member:?}: give each member its own [agent.fleet] member")]
    NameTaken {
        /// The name.
        member: String,
    },
    /// A node holds what this version cannot read.
    #[error("cannot read {what}: {why}")]
    Decode {
        /// The node.
        what: String,
        /// Why.
        why: String,
    },
}

impl FleetError {
    fn call(what: impl Into<String>) -> impl FnOnce(zookeeper_client::Error) -> FleetError {
        let what = what.into();
        move |source| FleetError::Call { what, source }
    }

    /// The session is over (expired or closed): a new one is needed, and what the old one held
    /// is gone.
    pub fn session_over(&self) -> bool {
        matches!(
            self,
            FleetError::Call {
                source: zookeeper_client::Error::SessionExpired
                    | zookeeper_client::Error::ClientClosed,
                ..
            }
        )
    }
}

/// What a member advertises in its member node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberInfo {
    /// The member's name.
    pub member: String,
    /// Its host name.
    pub host: String,
    /// Its process id.
    pub pid: u32,
    /// Its HTTP address (`[agent] listen`).
    pub listen: String,
    /// When it joined.
    pub joined: Timestamp,
}

/// A kind of per-pipeline state the members share (a directory under the fleet's root).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SharedState {
    /// `alerts/<pipeline>`: the pipeline's alert state.
    Alerts,
    /// `unowned/<pipeline>`: the unowned-pipeline alert's state.
    Unowned,
    /// `savepoints/<pipeline>`: the savepoints the owners recorded and their alerts' state.
    Savepoints,
}

impl SharedState {
    fn dir(self) -> &'static str {
        match self {
            SharedState::Alerts => "alerts",
            SharedState::Unowned => "unowned",
            SharedState::Savepoints => "savepoints",
        }
    }
}

/// The fleet as ZooKeeper holds it (`fleet` command).
#[derive(Debug, Clone, Serialize)]
pub struct FleetSnapshot {
    /// The live members.
    pub members: Vec<MemberInfo>,
    /// Each owner node: (pipeline node name, owning member).
    pub owners: Vec<(String, String)>,
}

/// The member's ZooKeeper connection and the calls on the fleet's nodes.
#[derive(Debug)]
pub struct Coordinator {
    config: FleetConfig,
    /// The client and its session id, while it lasts.
    client: Mutex<Option<(Client, i64)>>,
    /// A one-shot command's (`silence`, `fleet`): connects on demand, never registers.
    one_shot: bool,
}

fn persistent() -> zookeeper_client::CreateOptions<'static> {
    CreateMode::Persistent.with_acls(Acls::anyone_all())
}

fn ephemeral() -> zookeeper_client::CreateOptions<'static> {
    CreateMode::Ephemeral.with_acls(Acls::anyone_all())
}

impl Coordinator {
    /// A member's coordinator for `config` (`session` connects and registers).
    pub fn new(config: FleetConfig) -> Coordinator {
        Coordinator {
            config,
            client: Mutex::new(None),
            one_shot: false,
        }
    }

    /// A one-shot command's coordinator: connects on first use, never registers.
    pub fn for_command(config: FleetConfig) -> Coordinator {
        Coordinator {
            one_shot: true,
            ..Coordinator::new(config)
        }
    }

    fn dir(&self, sub: &str) -> String {
        format!("{}/{sub}", self.config.root)
    }

    fn node(&self, sub: &str, pipeline: &str) -> String {
        format!("{}/{sub}/{}", self.config.root, node_name(pipeline))
    }

    fn quorum(&self) -> String {
        self.config.zookeeper.join(",")
    }

    /// The current client, when its session may still be alive.
    fn current(&self) -> Option<(Client, i64)> {
        let mut c = self.client.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((client, _)) = c.as_ref() {
            if matches!(
                client.state(),
                SessionState::Expired | SessionState::Closed | SessionState::AuthFailed
            ) {
                *c = None;
            }
        }
        c.clone()
    }

    /// A connected client with a fresh session (not registered).
    async fn connect(&self) -> Result<Client, FleetError> {
        let quorum = self.quorum();
        let failed = |why: String| FleetError::Connect {
            quorum: quorum.clone(),
            why,
        };
        let connect = Client::connector()
            .with_session_timeout(self.config.session_timeout)
            .with_fail_eagerly()
            .connect(&quorum);
        match tokio::time::timeout(self.config.session_timeout, connect).await {
            Ok(Ok(c)) => Ok(c),
            Ok(Err(e)) => Err(failed(e.to_string())),
            Err(_) => Err(failed(format!(
                "no session within {}",
                humantime::format_duration(self.config.session_timeout)
            ))),
        }
    }

    /// The member's session id: the current one, or a new session with the member node created
    /// (and the fleet's parent nodes). The member node holds `MemberInfo`.
    pub async fn session(&self, listen: &str) -> Result<i64, FleetError> {
        if let Some((_, id)) = self.current() {
            return Ok(id);
        }
        let client = self.connect().await?;
        let id = client.session_id().0;
        for dir in ["members", "owners", "alerts", "unowned", "savepoints"] {
            mkdirs(&client, &self.dir(dir)).await?;
        }
        self.register(&client, id, listen).await?;
        *self.client.lock().unwrap_or_else(|p| p.into_inner()) = Some((client, id));
        tracing::info!(member = %self.config.member, session = %format!("{id:#x}"), "Joined the fleet.");
        Ok(id)
    }

    /// Creates the member node again in the current session (it was deleted by hand).
    pub async fn rejoin(&self, listen: &str) -> Result<(), FleetError> {
        let (client, id) = self.current().ok_or(FleetError::Call {
            what: "use the fleet session".into(),
            source: zookeeper_client::Error::SessionExpired,
        })?;
        self.register(&client, id, listen).await
    }

    /// The negotiated session timeout, or the configured one before any session.
    pub fn session_timeout(&self) -> Duration {
        match self.current() {
            Some((c, _)) => c.session_timeout().min(self.config.session_timeout),
            None => self.config.session_timeout,
        }
    }

    async fn register(&self, client: &Client, id: i64, listen: &str) -> Result<(), FleetError> {
        let info = MemberInfo {
            member: self.config.member.clone(),
            host: crate::host::name(),
            pid: std::process::id(),
            listen: listen.to_string(),
            joined: Timestamp::from_system_time(std::time::SystemTime::now()),
        };
        let path = format!("{}/{}", self.dir("members"), node_name(&self.config.member));
        let data = serde_json::to_vec(&info).unwrap_or_default();
        match client.create(&path, &data, &ephemeral()).await {
            Ok(_) => Ok(()),
            Err(zookeeper_client::Error::NodeExists) => {
                // Ours from this session (a retry), or another live process with our name.
                match client.check_stat(&path).await {
                    Ok(Some(stat)) if stat.ephemeral_owner == id => Ok(()),
                    Ok(_) => Err(FleetError::NameTaken {
                        member: self.config.member.clone(),
                    }),
                    Err(e) => Err(FleetError::call(format!("read {path}"))(e)),
                }
            }
            Err(e) => Err(FleetError::call(format!("create {path}"))(e)),
        }
    }

    /// The current client; for the one-shot commands, a new session (without membership) when
    /// there is none. A member never gets a session it did not register: its calls fail until
    /// `session` registers a new one.
    async fn client(&self) -> Result<Client, FleetError> {
        if let Some((c, _)) = self.current() {
            return Ok(c);
        }
        if !self.one_shot {
            return Err(FleetError::Call {
                what: "use the fleet session".into(),
                source: zookeeper_client::Error::SessionExpired,
            });
        }
        let c = self.connect().await?;
        *self.client.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((c.clone(), c.session_id().0));
        Ok(c)
    }

    /// The live members' names, sorted.
    pub async fn members(&self) -> Result<Vec<String>, FleetError> {
        let dir = self.dir("members");
        let mut m = self
            .client()
            .await?
            .list_children(&dir)
            .await
            .map_err(FleetError::call(format!("list {dir}")))?;
        m.sort();
        Ok(m)
    }

    /// The node names (`node_name(pipeline)`) of the pipelines that have an owner.
    pub async fn owners(&self) -> Result<BTreeSet<String>, FleetError> {
        let dir = self.dir("owners");
        Ok(self
            .client()
            .await?
            .list_children(&dir)
            .await
            .map_err(FleetError::call(format!("list {dir}")))?
            .into_iter()
            .collect())
    }

    /// Takes `pipeline`'s owner node for session `id`: true when the member holds it now.
    pub async fn claim(&self, pipeline: &str, id: i64) -> Result<bool, FleetError> {
        let client = self.client().await?;
        let path = self.node("owners", pipeline);
        match client
            .create(&path, self.config.member.as_bytes(), &ephemeral())
            .await
        {
            Ok(_) => Ok(true),
            Err(zookeeper_client::Error::NodeExists) => match client.check_stat(&path).await {
                Ok(Some(stat)) => Ok(stat.ephemeral_owner == id),
                // Freed between the two calls: the next round takes it.
                Ok(None) => Ok(false),
                Err(e) => Err(FleetError::call(format!("read {path}"))(e)),
            },
            Err(e) => Err(FleetError::call(format!("create {path}"))(e)),
        }
    }

    /// Frees `pipeline`'s owner node when session `id` holds it; whether the node is gone now
    /// (false: another member's holds it).
    pub async fn release(&self, pipeline: &str, id: i64) -> Result<bool, FleetError> {
        let client = self.client().await?;
        let path = self.node("owners", pipeline);
        match client.check_stat(&path).await {
            Ok(Some(stat)) if stat.ephemeral_owner == id => {
                match client.delete(&path, Some(stat.version)).await {
                    Ok(()) | Err(zookeeper_client::Error::NoNode) => Ok(true),
                    Err(e) => Err(FleetError::call(format!("delete {path}"))(e)),
                }
            }
            Ok(Some(_)) => Ok(false),
            Ok(None) => Ok(true),
            Err(e) => Err(FleetError::call(format!("read {path}"))(e)),
        }
    }

    /// Leaves the fleet: frees the owner nodes `held` and the member node, then closes the
    /// session. Failures only delay the others until the session expires.
    pub async fn leave(&self, held: &[String]) {
        let Some((client, id)) = self.current() else {
            return;
        };
        for p in held {
            if let Err(e) = self.release(p, id).await {
                tracing::warn!(pipeline = %p, error = %e, "Cannot free the owner node; it goes with the session.");
            }
        }
        let path = format!("{}/{}", self.dir("members"), node_name(&self.config.member));
        if let Err(e) = client.delete(&path, None).await {
            tracing::warn!(error = %e, "Cannot delete the member node; it goes with the session.");
        }
        *self.client.lock().unwrap_or_else(|p| p.into_inner()) = None;
        drop(client);
    }

    /// Reads a JSON node: its value (default when absent) and version (`None`: absent).
    async fn read<T: DeserializeOwned + Default>(
        &self,
        path: &str,
    ) -> Result<(T, Option<i32>), FleetError> {
        match self.client().await?.get_data(path).await {
            Ok((data, stat)) => {
                let value = serde_json::from_slice(&data).map_err(|e| FleetError::Decode {
                    what: path.to_string(),
                    why: e.to_string(),
                })?;
                Ok((value, Some(stat.version)))
            }
            Err(zookeeper_client::Error::NoNode) => Ok((T::default(), None)),
            Err(e) => Err(FleetError::call(format!("read {path}"))(e)),
        }
    }

    /// Writes a JSON node only if it is still at `version` (`None`: only if still absent).
    async fn write<T: Serialize>(
        &self,
        path: &str,
        value: &T,
        version: Option<i32>,
    ) -> Result<(), FleetError> {
        let client = self.client().await?;
        let data = serde_json::to_vec(value).map_err(|e| FleetError::Decode {
            what: path.to_string(),
            why: e.to_string(),
        })?;
        let conflict = || FleetError::Conflict {
            what: path.to_string(),
        };
        let r = match version {
            Some(v) => client.set_data(path, &data, Some(v)).await.map(|_| ()),
            None => client.create(path, &data, &persistent()).await.map(|_| ()),
        };
        match r {
            Ok(()) => Ok(()),
            Err(zookeeper_client::Error::BadVersion | zookeeper_client::Error::NodeExists) => {
                Err(conflict())
            }
            Err(zookeeper_client::Error::NoNode) if version.is_some() => Err(conflict()),
            Err(e) => Err(FleetError::call(format!("write {path}"))(e)),
        }
    }

    /// `pipeline`'s shared state of `kind` (default when absent) and its version (`None`:
    /// absent).
    pub async fn state<T: DeserializeOwned + Default>(
        &self,
        kind: SharedState,
        pipeline: &str,
    ) -> Result<(T, Option<i32>), FleetError> {
        self.read(&self.node(kind.dir(), pipeline)).await
    }

    /// Writes `pipeline`'s shared state of `kind` if no other member changed it since `version`
    /// was read (`FleetError::Conflict` otherwise).
    pub async fn save_state<T: Serialize>(
        &self,
        kind: SharedState,
        pipeline: &str,
        value: &T,
        version: Option<i32>,
    ) -> Result<(), FleetError> {
        self.write(&self.node(kind.dir(), pipeline), value, version)
            .await
    }

    /// Every silence and the node's version.
    async fn silences_versioned(&self) -> Result<(Vec<StoredSilence>, Option<i32>), FleetError> {
        self.read(&self.dir("silences")).await
    }

    /// The silences in force at `now`, of `pipeline` or all.
    pub async fn silences(
        &self,
        pipeline: Option<&str>,
        now: Timestamp,
    ) -> Result<Vec<Silence>, FleetError> {
        let (all, _) = self.silences_versioned().await?;
        Ok(all
            .into_iter()
            .filter(|s| s.until > now && pipeline.is_none_or(|p| p == s.pipeline))
            .map(Silence::from)
            .collect())
    }

    /// Adds a silence (retrying while other members write the list); expired ones are dropped.
    pub async fn add_silence(
        &self,
        pipeline: &str,
        now: Timestamp,
        d: Duration,
        reason: &str,
    ) -> Result<Silence, FleetError> {
        self.update_silences(now, |list| {
            let id = list.iter().map(|s| s.id).max().unwrap_or(0) + 1;
            let s = StoredSilence {
                id,
                pipeline: pipeline.to_string(),
                until: now.plus(d),
                reason: reason.to_string(),
                created: now,
            };
            list.push(s.clone());
            Silence::from(s)
        })
        .await
    }

    /// Removes silence `id`: whether it existed.
    pub async fn remove_silence(&self, id: i64, now: Timestamp) -> Result<bool, FleetError> {
        self.update_silences(now, |list| {
            let before = list.len();
            list.retain(|s| s.id != id);
            list.len() < before
        })
        .await
    }

    /// Applies `change` to the list of silences in force and writes it back, again from a
    /// fresh read while another member's write came between.
    async fn update_silences<T>(
        &self,
        now: Timestamp,
        mut change: impl FnMut(&mut Vec<StoredSilence>) -> T,
    ) -> Result<T, FleetError> {
        let path = self.dir("silences");
        for _ in 0..20 {
            let (mut list, version) = self.silences_versioned().await?;
            list.retain(|s| s.until > now);
            let out = change(&mut list);
            match self.write(&path, &list, version).await {
                Ok(()) => return Ok(out),
                Err(FleetError::Conflict { .. }) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(FleetError::Conflict { what: path })
    }

    /// Closes the session (one-shot commands; `watch` leaves with `leave`).
    pub fn close(&self) {
        *self.client.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// The members and owners as ZooKeeper holds them (connects for the call: `fleet`).
    pub async fn snapshot(&self) -> Result<FleetSnapshot, FleetError> {
        let client = self.client().await?;
        let list = |dir: String| {
            let client = client.clone();
            async move {
                match client.list_children(&dir).await {
                    Ok(mut v) => {
                        v.sort();
                        Ok(v)
                    }
                    Err(zookeeper_client::Error::NoNode) => Ok(Vec::new()),
                    Err(e) => Err(FleetError::call(format!("list {dir}"))(e)),
                }
            }
        };
        let mut members = Vec::new();
        for name in list(self.dir("members")).await? {
            let path = format!("{}/{name}", self.dir("members"));
            match client.get_data(&path).await {
                Ok((data, _)) => {
                    members.push(serde_json::from_slice(&data).unwrap_or(MemberInfo {
                        member: name,
                        host: String::new(),
                        pid: 0,
                        listen: String::new(),
                        joined: Timestamp::from_unix_millis(0),
                    }))
                }
                Err(zookeeper_client::Error::NoNode) => {}
                Err(e) => return Err(FleetError::call(format!("read {path}"))(e)),
            }
        }
        let mut owners = Vec::new();
        for name in list(self.dir("owners")).await? {
            let path = format!("{}/{name}", self.dir("owners"));
            match client.get_data(&path).await {
                Ok((data, _)) => owners.push((name, String::from_utf8_lossy(&data).into_owned())),
                Err(zookeeper_client::Error::NoNode) => {}
                Err(e) => return Err(FleetError::call(format!("read {path}"))(e)),
            }
        }
        Ok(FleetSnapshot { members, owners })
    }
}

/// A silence as the fleet stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StoredSilence {
    id: i64,
    pipeline: String,
    until: Timestamp,
    reason: String,
    created: Timestamp,
}

impl From<StoredSilence> for Silence {
    fn from(s: StoredSilence) -> Silence {
        Silence {
            id: s.id,
            pipeline: s.pipeline,
            until: s.until,
            reason: s.reason,
            created: s.created,
        }
    }
}

/// Creates `path` and its missing parents, persistent.
async fn mkdirs(client: &Client, path: &str) -> Result<(), FleetError> {
    let mut at = String::new();
    for part in path.trim_start_matches('/').split('/') {
        at.push('/');
        at.push_str(part);
        match client.create(&at, &[], &persistent()).await {
            Ok(_) | Err(zookeeper_client::Error::NodeExists) => {}
            Err(e) => return Err(FleetError::call(format!("create {at}"))(e)),
        }
    }
    Ok(())
}
