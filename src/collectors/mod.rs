//! The collectors: one per external system, each behind a small trait with a real
//! implementation and a simulated one (`crate::simulator`).
//!
//! Collectors do I/O and nothing else. A collector never panics and never hangs: every call has
//! a deadline, and a failed call becomes a `Signal::Missing` with its error, never an abort.
//! `collect` runs all four concurrently, so a slow database never delays the Flink or output
//! collectors of the same probe.

pub mod control;
pub mod flink;
pub mod oracle;
pub mod output;
pub mod probe;
pub mod unavailable;
pub mod zookeeper;

use std::future::Future;
use std::time::Duration;

pub use probe::{CollectorProbe, Probe, ProbeResult, System};

use crate::observation::{
    FlinkSnapshot, Observation, OracleSnapshot, OutputSnapshot, Signal, Timestamp,
    ZooKeeperSnapshot,
};

/// The database side of a pipeline, read with the monitoring account.
pub trait OracleSource: Send + Sync {
    /// One snapshot; failures of single queries become missing parts of it.
    fn observe(&self) -> impl Future<Output = Signal<OracleSnapshot>> + Send;

    /// One snapshot in which nothing comes from a cache: for a verdict that acts on the slow
    /// facts (the gate before a restart). A source without a cache just observes.
    fn observe_fresh(&self) -> impl Future<Output = Signal<OracleSnapshot>> + Send {
        self.observe()
    }
}

/// The Flink cluster: every JobManager, the job, checkpoints, exceptions, counters.
pub trait FlinkSource: Send + Sync {
    /// One snapshot.
    fn observe(&self) -> impl Future<Output = Signal<FlinkSnapshot>> + Send;
}

/// ZooKeeper, the HA service that names the leading JobManager.
pub trait ZooKeeperSource: Send + Sync {
    /// One snapshot.
    fn observe(&self) -> impl Future<Output = Signal<ZooKeeperSnapshot>> + Send;
}

/// ZooKeeper is optional: without a `[pipeline.zookeeper]` section it is simply not collected.
impl<Z: ZooKeeperSource> ZooKeeperSource for Option<Z> {
    async fn observe(&self) -> Signal<ZooKeeperSnapshot> {
        match self {
            Some(z) => z.observe().await,
            None => Signal::not_collected("ZooKeeper is not configured for this pipeline"),
        }
    }
}

/// The pipeline's output (a FileSink directory).
pub trait OutputSource: Send + Sync {
    /// One snapshot.
    fn observe(&self) -> impl Future<Output = Signal<OutputSnapshot>> + Send;
}

/// The four collectors of one pipeline.
pub struct Collectors<O, F, Z, W> {
    /// The connector's database, through the doctor's monitoring account.
    pub oracle: O,
    /// Every JobManager of the cluster, by REST.
    pub flink: F,
    /// Flink's ZooKeeper, for who leads (or `None` when HA is not ZooKeeper).
    pub zookeeper: Z,
    /// The FileSink's directory.
    pub output: W,
}

/// Takes one observation of `pipeline` at `observed_at`: all collectors concurrently, each
/// bounded by `deadline` (a collector that overruns it yields a missing signal).
pub async fn collect<O, F, Z, W>(
    pipeline: &str,
    observed_at: Timestamp,
    collectors: &Collectors<O, F, Z, W>,
    deadline: Duration,
) -> Observation
where
    O: OracleSource,
    F: FlinkSource,
    Z: ZooKeeperSource,
    W: OutputSource,
{
    collect_with(pipeline, observed_at, collectors, deadline, false).await
}

/// `collect`, with the Oracle side read fresh (`OracleSource::observe_fresh`) when `fresh`.
pub async fn collect_with<O, F, Z, W>(
    pipeline: &str,
    observed_at: Timestamp,
    collectors: &Collectors<O, F, Z, W>,
    deadline: Duration,
    fresh: bool,
) -> Observation
where
    O: OracleSource,
    F: FlinkSource,
    Z: ZooKeeperSource,
    W: OutputSource,
{
    let oracle = async {
        if fresh {
            collectors.oracle.observe_fresh().await
        } else {
            collectors.oracle.observe().await
        }
    };
    let (oracle, flink, zookeeper, output) = tokio::join!(
        bounded("oracle", deadline, oracle),
        bounded("flink", deadline, collectors.flink.observe()),
        bounded("zookeeper", deadline, collectors.zookeeper.observe()),
        bounded("output", deadline, collectors.output.observe()),
    );
    Observation {
        pipeline: pipeline.to_string(),
        observed_at,
        oracle,
        flink,
        zookeeper,
        output,
        observed_by: None,
    }
}

/// Runs one collector under the probe's deadline.
async fn bounded<T>(
    system: &str,
    deadline: Duration,
    fut: impl Future<Output = Signal<T>>,
) -> Signal<T> {
    match tokio::time::timeout(deadline, fut).await {
        Ok(signal) => signal,
        Err(_) => Signal::missing(format!(
            "the {system} collector did not answer within {}",
            humantime::format_duration(deadline)
        )),
    }
}

/// Takes `samples` observations `interval` apart (by `clock`), for a one-shot diagnosis: a
/// stall is a statement about progress over time, so one observation is never enough.
pub async fn sample<C, O, F, Z, W>(
    pipeline: &str,
    collectors: &Collectors<O, F, Z, W>,
    clock: &C,
    samples: usize,
    interval: Duration,
    deadline: Duration,
) -> Vec<Observation>
where
    C: crate::clock::Clock,
    O: OracleSource,
    F: FlinkSource,
    Z: ZooKeeperSource,
    W: OutputSource,
{
    let mut out = Vec::with_capacity(samples);
    for i in 0..samples.max(1) {
        if i > 0 {
            clock.sleep(interval).await;
        }
        out.push(collect(pipeline, clock.now(), collectors, deadline).await);
    }
    out
}
