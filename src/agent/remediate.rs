//! The agent's seam to remediation: `Remediator` runs the gated restart of a pipeline
//! (`auto = true`) and takes its periodic savepoints (`[pipeline.savepoints] interval`); `ClusterRemediator` is the real one, acting on the pipeline's Flink cluster (led by
//! the JobManager ZooKeeper names) and killing orphaned sessions through Oracle.
//!
//! A seam so that tests drive the same restart with the simulated Oracle.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::collectors::control::OracleControl;
use crate::collectors::Probe;
use crate::config::PipelineConfig;
use crate::observation::Observation;
use crate::remediation::restart::{Bounds, GatedRestart, LogProgress, Request, Restart};
use crate::remediation::savepoints::{periodic, PeriodicRun};
use crate::store::History;

/// A boxed future (the trait is used as an object).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Runs the gated restart of a pipeline (the gate first; the restart only when it passes).
pub trait Remediator: Send + Sync + 'static {
    /// Gate and, when it passes, restart `pipeline`; `window` is what the verdict rests on.
    fn restart<'a>(
        &'a self,
        pipeline: &'a PipelineConfig,
        window: Vec<Observation>,
        history: Option<History>,
    ) -> BoxFuture<'a, GatedRestart>;

    /// Takes `pipeline`'s periodic savepoint of its running `job_id`, with one retry, then
    /// retention (`remediation::savepoints::periodic`); `before` is the newest observation.
    fn savepoint<'a>(
        &'a self,
        pipeline: &'a PipelineConfig,
        job_id: String,
        before: Observation,
        history: History,
    ) -> BoxFuture<'a, PeriodicRun>;
}

/// The real restart: the cluster from the pipeline's config, Oracle per pipeline for the kill
/// procedure, and the agent's probe for the verification.
pub struct ClusterRemediator<P, K> {
    probe: Arc<P>,
    oracles: HashMap<String, K>,
}

impl<P, K> ClusterRemediator<P, K> {
    /// Verifies with `probe`; kills orphaned sessions with `oracles[pipeline name]`.
    pub fn new(probe: Arc<P>, oracles: HashMap<String, K>) -> Self {
        ClusterRemediator { probe, oracles }
    }
}

impl<P: Probe, K: OracleControl + 'static> Remediator for ClusterRemediator<P, K> {
    fn restart<'a>(
        &'a self,
        pipeline: &'a PipelineConfig,
        window: Vec<Observation>,
        history: Option<History>,
    ) -> BoxFuture<'a, GatedRestart> {
        Box::pin(async move {
            let control = crate::remediation::cluster::cluster_control(pipeline);
            let progress = LogProgress {
                pipeline: pipeline.name.clone(),
            };
            let restart = Restart {
                pipeline,
                control: &control,
                oracle: self.oracles.get(&pipeline.name),
                probe: self.probe.as_ref(),
                history: history.as_ref(),
                progress: &progress,
                bounds: Bounds::of(pipeline),
            };
            let req = Request {
                apply: true,
                ..Request::default()
            };
            restart.gated(&window, &req).await
        })
    }

    fn savepoint<'a>(
        &'a self,
        pipeline: &'a PipelineConfig,
        job_id: String,
        before: Observation,
        history: History,
    ) -> BoxFuture<'a, PeriodicRun> {
        Box::pin(async move {
            let control = crate::remediation::cluster::cluster_control(pipeline);
            periodic(
                &control,
                pipeline,
                &job_id,
                &before,
                &history,
                Duration::from_secs(1),
            )
            .await
        })
    }
}
