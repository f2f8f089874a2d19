//! One observation of a pipeline, as `watch` and remediation take it: the `Probe` seam, and
//! `CollectorProbe`, which runs a pipeline's four collectors (real ones in `watch`, `gate` and
//! `restart`, simulated ones in tests) and times each (`System` names them).

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use super::{collect_with, Collectors, FlinkSource, OracleSource, OutputSource, ZooKeeperSource};
use crate::clock::Clock;
use crate::config::PipelineConfig;
use crate::observation::{
    FlinkSnapshot, Observation, OracleSnapshot, OutputSnapshot, Signal, Timestamp,
    ZooKeeperSnapshot,
};

/// One of the four collectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum System {
    /// The database.
    Oracle,
    /// The Flink cluster.
    Flink,
    /// Flink's ZooKeeper quorum.
    Zookeeper,
    /// The FileSink directory.
    Output,
}

impl System {
    /// Every collector.
    pub const ALL: [System; 4] = [
        System::Oracle,
        System::Flink,
        System::Zookeeper,
        System::Output,
    ];

    /// Its label value.
    pub fn as_str(self) -> &'static str {
        match self {
            System::Oracle => "oracle",
            System::Flink => "flink",
            System::Zookeeper => "zookeeper",
            System::Output => "output",
        }
    }
}

/// One probe's result.
#[derive(Debug, Clone)]
pub struct ProbeResult {
    /// What the collectors saw.
    pub observation: Observation,
    /// How long each collector took.
    pub durations: Vec<(System, Duration)>,
}

/// Takes one observation of a pipeline. Never fails: a failed call is a missing signal.
pub trait Probe: Send + Sync + 'static {
    /// Observes `pipeline` now.
    fn probe(&self, pipeline: &PipelineConfig) -> impl Future<Output = ProbeResult> + Send;
    /// Observes `pipeline` now with nothing taken from a cache (`OracleSource::observe_fresh`):
    /// what the gate judges before a restart. Without caches, the same as `probe`.
    fn probe_fresh(&self, pipeline: &PipelineConfig) -> impl Future<Output = ProbeResult> + Send {
        self.probe(pipeline)
    }
    /// The current time by the probe's clock (for observations the agent makes up itself,
    /// e.g. when a probe overran).
    fn now(&self) -> Timestamp;
}

/// A collector wrapped to record how long its latest call took.
#[derive(Debug)]
pub struct Timed<T> {
    inner: T,
    took: Mutex<Duration>,
}

impl<T> Timed<T> {
    fn new(inner: T) -> Timed<T> {
        Timed {
            inner,
            took: Mutex::new(Duration::ZERO),
        }
    }

    async fn time<R>(&self, fut: impl Future<Output = R>) -> R {
        let start = Instant::now();
        let r = fut.await;
        *self.took.lock().unwrap_or_else(|p| p.into_inner()) = start.elapsed();
        r
    }

    fn took(&self) -> Duration {
        *self.took.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl<T: OracleSource> OracleSource for Timed<T> {
    async fn observe(&self) -> Signal<OracleSnapshot> {
        self.time(self.inner.observe()).await
    }
    async fn observe_fresh(&self) -> Signal<OracleSnapshot> {
        self.time(self.inner.observe_fresh()).await
    }
}
impl<T: FlinkSource> FlinkSource for Timed<T> {
    async fn observe(&self) -> Signal<FlinkSnapshot> {
        self.time(self.inner.observe()).await
    }
}
impl<T: ZooKeeperSource> ZooKeeperSource for Timed<T> {
    async fn observe(&self) -> Signal<ZooKeeperSnapshot> {
        self.time(self.inner.observe()).await
    }
}
impl<T: OutputSource> OutputSource for Timed<T> {
    async fn observe(&self) -> Signal<OutputSnapshot> {
        self.time(self.inner.observe()).await
    }
}

/// A pipeline's timed collectors and the deadline of each call.
type Entry<O, F, Z, W> = (Collectors<Timed<O>, Timed<F>, Timed<Z>, Timed<W>>, Duration);

/// The collectors of every pipeline, by name, with a clock for the observations' timestamps.
pub struct CollectorProbe<C, O, F, Z, W> {
    clock: C,
    pipelines: HashMap<String, Entry<O, F, Z, W>>,
}

impl<C, O, F, Z, W> CollectorProbe<C, O, F, Z, W> {
    /// No pipelines yet.
    pub fn new(clock: C) -> Self {
        CollectorProbe {
            clock,
            pipelines: HashMap::new(),
        }
    }

    /// Adds a pipeline's collectors; each collector call is bounded by `deadline`.
    pub fn insert(&mut self, name: &str, c: Collectors<O, F, Z, W>, deadline: Duration) {
        let timed = Collectors {
            oracle: Timed::new(c.oracle),
            flink: Timed::new(c.flink),
            zookeeper: Timed::new(c.zookeeper),
            output: Timed::new(c.output),
        };
        self.pipelines.insert(name.to_owned(), (timed, deadline));
    }
}

impl<C, O, F, Z, W> Probe for CollectorProbe<C, O, F, Z, W>
where
    C: Clock + 'static,
    O: OracleSource + 'static,
    F: FlinkSource + 'static,
    Z: ZooKeeperSource + 'static,
    W: OutputSource + 'static,
{
    async fn probe(&self, p: &PipelineConfig) -> ProbeResult {
        self.probe_with(p, false).await
    }

    async fn probe_fresh(&self, p: &PipelineConfig) -> ProbeResult {
        self.probe_with(p, true).await
    }

    fn now(&self) -> Timestamp {
        self.clock.now()
    }
}

impl<C, O, F, Z, W> CollectorProbe<C, O, F, Z, W>
where
    C: Clock + 'static,
    O: OracleSource + 'static,
    F: FlinkSource + 'static,
    Z: ZooKeeperSource + 'static,
    W: OutputSource + 'static,
{
    async fn probe_with(&self, p: &PipelineConfig, fresh: bool) -> ProbeResult {
        let now = self.clock.now();
        match self.pipelines.get(&p.name) {
            Some((c, deadline)) => {
                let observation = collect_with(&p.name, now, c, *deadline, fresh).await;
                ProbeResult {
                    observation,
                    durations: vec![
                        (System::Oracle, c.oracle.took()),
                        (System::Flink, c.flink.took()),
                        (System::Zookeeper, c.zookeeper.took()),
                        (System::Output, c.output.took()),
                    ],
                }
            }
            None => ProbeResult {
                observation: missing(&p.name, now, "no collectors are set up for this pipeline"),
                durations: Vec::new(),
            },
        }
    }
}

/// An observation in which every signal is missing for `why`.
pub fn missing(pipeline: &str, at: Timestamp, why: &str) -> Observation {
    Observation {
        pipeline: pipeline.to_owned(),
        observed_at: at,
        oracle: Signal::missing(why),
        flink: Signal::missing(why),
        zookeeper: Signal::missing(why),
        output: Signal::missing(why),
        observed_by: None,
    }
}
