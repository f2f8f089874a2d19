//! `ClusterControl`: `FlinkControl` for a whole HA cluster, following its leader.
//!
//! A restart must survive a JobManager failover in the middle of it. Reads (job state,
//! savepoint status, restore points) go to the leader first and then to every other
//! JobManager, and the first answer wins: a standby forwards to the leader, and during an
//! election the next one may already lead. Writes (stop, cancel, submit) go to one JobManager
//! only, the leader ZooKeeper names, or else the first that answers, and are never repeated
//! here: whether a write that got no answer took effect is for the restart to find out (by
//! reading the job's state), so that nothing is done twice.

use std::path::Path;

use crate::collectors::control::{
    FlinkControl, JarRun, ListedSavepoint, RestorePoint, SavepointStatus,
};
use crate::collectors::flink::{FlinkError, FlinkRestClient};
use crate::collectors::zookeeper::ZooKeeperCollector;
use crate::config::PipelineConfig;

/// Every JobManager of the cluster, and the ZooKeeper that names the leader when configured.
pub struct ClusterControl {
    clients: Vec<FlinkRestClient>,
    zookeeper: Option<ZooKeeperCollector>,
}

impl ClusterControl {
    /// Controls the cluster of `clients` (one per configured JobManager).
    pub fn new(clients: Vec<FlinkRestClient>, zookeeper: Option<ZooKeeperCollector>) -> Self {
        ClusterControl { clients, zookeeper }
    }

    /// The clients, the one ZooKeeper names as leader first, the rest in configured order.
    async fn leader_first(&self) -> Vec<&FlinkRestClient> {
        let mut order: Vec<&FlinkRestClient> = self.clients.iter().collect();
        if let Some(zk) = &self.zookeeper {
            if let Ok(Some(leader)) = zk.leader_rest_url().await {
                let leader = leader.trim_end_matches('/');
                if let Some(i) = order.iter().position(|c| c.url() == leader) {
                    let c = order.remove(i);
                    order.insert(0, c);
                }
            }
        }
        order
    }

    /// The JobManager a write goes to: the leader ZooKeeper names, else the first that answers.
    pub async fn writer(&self) -> Result<&FlinkRestClient, FlinkError> {
        let order = self.leader_first().await;
        let mut last = None;
        for c in &order {
            match c.get::<serde_json::Value>("/overview").await {
                Ok(_) => return Ok(c),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| FlinkError::Operation {
            op: "choose a JobManager".into(),
            jobmanager: String::new(),
            message: "no JobManager is configured".into(),
        }))
    }

    /// Asks every JobManager, leader first, until one answers.
    async fn read<'a, T, F, Fut>(&'a self, f: F) -> Result<T, FlinkError>
    where
        F: Fn(&'a FlinkRestClient) -> Fut,
        Fut: std::future::Future<Output = Result<T, FlinkError>>,
    {
        let mut last = None;
        for c in self.leader_first().await {
            match f(c).await {
                Ok(v) => return Ok(v),
                // A 404 from one JobManager is an answer: they share the leader's view.
                Err(e) if !e.is_transient() => return Err(e),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| FlinkError::Operation {
            op: "read from the cluster".into(),
            jobmanager: String::new(),
            message: "no JobManager is configured".into(),
        }))
    }
}

impl FlinkControl for ClusterControl {
    type Error = FlinkError;

    async fn trigger_savepoint(
        &self,
        job_id: &str,
        target_dir: Option<&str>,
        trigger_id: &str,
    ) -> Result<String, FlinkError> {
        self.writer()
            .await?
            .trigger_savepoint(job_id, target_dir, trigger_id)
            .await
    }

    async fn stop_with_savepoint(
        &self,
        job_id: &str,
        target_dir: Option<&str>,
        trigger_id: &str,
    ) -> Result<String, FlinkError> {
        self.writer()
            .await?
            .stop_with_savepoint(job_id, target_dir, trigger_id)
            .await
    }

    async fn savepoint_status(
        &self,
        job_id: &str,
        trigger_id: &str,
    ) -> Result<SavepointStatus, FlinkError> {
        self.read(|c| c.savepoint_status(job_id, trigger_id)).await
    }

    async fn listed_savepoints(&self, job_id: &str) -> Result<Vec<ListedSavepoint>, FlinkError> {
        self.read(|c| c.listed_savepoints(job_id)).await
    }

    async fn dispose_savepoint(&self, path: &str) -> Result<String, FlinkError> {
        self.writer().await?.dispose_savepoint(path).await
    }

    async fn disposal_status(&self, trigger_id: &str) -> Result<SavepointStatus, FlinkError> {
        self.read(|c| c.disposal_status(trigger_id)).await
    }

    async fn cancel(&self, job_id: &str) -> Result<(), FlinkError> {
        self.writer().await?.cancel(job_id).await
    }

    async fn list_jars(&self) -> Result<Vec<(String, String)>, FlinkError> {
        self.writer().await?.list_jars().await
    }

    async fn upload_jar(&self, path: &Path) -> Result<String, FlinkError> {
        self.writer().await?.upload_jar(path).await
    }

    async fn run_jar(&self, jar_id: &str, run: &JarRun) -> Result<String, FlinkError> {
        self.writer().await?.run_jar(jar_id, run).await
    }

    async fn job_state(&self, job_id: &str) -> Result<String, FlinkError> {
        self.read(|c| c.job_state(job_id)).await
    }

    async fn latest_restore_point(&self, job_id: &str) -> Result<Option<RestorePoint>, FlinkError> {
        self.read(|c| c.latest_restore_point(job_id)).await
    }

    async fn submit_jar(&self, jar: &Path, run: &JarRun) -> Result<String, FlinkError> {
        // One JobManager for list, upload and run: a jar exists only where it was uploaded.
        self.writer().await?.submit_jar(jar, run).await
    }
}

/// The cluster control of a pipeline: every JobManager, led by the one ZooKeeper names.
pub fn cluster_control(p: &PipelineConfig) -> ClusterControl {
    ClusterControl::new(
        p.flink
            .jobmanagers
            .iter()
            .map(|u| FlinkRestClient::new(u.clone(), p.flink.request_timeout))
            .collect(),
        p.zookeeper.clone().map(ZooKeeperCollector::new),
    )
}
