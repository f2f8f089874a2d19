//! `watch --simulate DIR`: the agent on simulated pipelines, in real time, for trying `watch`
//! (alerts, the status page, the fleet) without a database or a cluster, and for the tests
//! that run several `watch` processes. Each pipeline of the config gets its own world, advanced
//! to the wall clock at each probe; the file `DIR/<pipeline>` names the fault to play (a cause,
//! as `demo --scenario` takes it; absent, empty or `healthy`: none). When the file changes, the
//! world is played again from a healthy warm-up with that fault, ending now. The real output
//! collector reads the part files the world writes (under `DIR/.worlds/<pid>/`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use super::{scenario, World};
use crate::clock::{Clock as _, SystemClock};
use crate::collectors::output::FileSinkCollector;
use crate::collectors::{OutputSource as _, Probe, ProbeResult};
use crate::config::{OutputConfig, OutputFormat, PipelineConfig};
use crate::observation::{Observation, Timestamp};

/// One simulated pipeline: the fault it plays and its world.
struct Pipe {
    fault: String,
    world: World,
    out: PathBuf,
}

/// The probe of `watch --simulate`.
pub struct SimulatedProbe {
    dir: PathBuf,
    pipes: Mutex<HashMap<String, Pipe>>,
    /// Worlds played so far (each writes into a directory of its own).
    generation: AtomicU64,
}

impl SimulatedProbe {
    /// Simulated pipelines whose faults are named by the files in `dir`.
    pub fn new(dir: &Path) -> SimulatedProbe {
        SimulatedProbe {
            dir: dir.to_path_buf(),
            pipes: Mutex::new(HashMap::new()),
            generation: AtomicU64::new(0),
        }
    }

    fn fault_of(&self, pipeline: &str) -> String {
        let f = std::fs::read_to_string(self.dir.join(pipeline)).unwrap_or_default();
        match f.trim() {
            "" | "healthy" => String::new(),
            other => other.to_string(),
        }
    }

    /// A world playing `fault` (none: healthy), its last moment now.
    fn play(&self, pipeline: &str, fault: &str, now: Timestamp) -> Pipe {
        let generation = self.generation.fetch_add(1, Ordering::Relaxed) + 1;
        let out = self
            .dir
            .join(".worlds")
            .join(std::process::id().to_string())
            .join(crate::collectors::zookeeper::node_name(pipeline))
            .join(generation.to_string());
        let _ = std::fs::create_dir_all(&out);
        let warmup = Duration::from_secs(10 * 60);
        let world = match scenario(fault).ok().filter(|_| !fault.is_empty()) {
            Some(s) => {
                let mut w = World::new(&out, now.minus(s.duration()));
                w.run(s.warmup);
                (s.fault)(&mut w);
                w.run(s.after);
                w
            }
            None => {
                if !fault.is_empty() {
                    tracing::warn!(
                        pipeline,
                        fault,
                        "Unknown simulated fault; playing a healthy pipeline."
                    );
                }
                let mut w = World::new(&out, now.minus(warmup));
                w.run(warmup);
                w
            }
        };
        Pipe {
            fault: fault.to_string(),
            world,
            out,
        }
    }
}

impl Probe for SimulatedProbe {
    async fn probe(&self, pipeline: &PipelineConfig) -> ProbeResult {
        let now = SystemClock.now();
        let fault = self.fault_of(&pipeline.name);
        let (observation, out) = {
            let mut pipes = self.pipes.lock().unwrap_or_else(|p| p.into_inner());
            use std::collections::hash_map::Entry;
            let pipe = match pipes.entry(pipeline.name.clone()) {
                Entry::Occupied(e) if e.get().fault == fault => e.into_mut(),
                Entry::Occupied(mut e) => {
                    e.insert(self.play(&pipeline.name, &fault, now));
                    e.into_mut()
                }
                Entry::Vacant(v) => v.insert(self.play(&pipeline.name, &fault, now)),
            };
            let behind = now.since(pipe.world.now);
            pipe.world.run(Duration::from_secs(behind.as_secs()));
            let w = &pipe.world;
            (
                Observation {
                    pipeline: pipeline.name.clone(),
                    // The probe's own time (the world lags it by less than its 1 s step).
                    observed_at: now,
                    oracle: w.oracle_snapshot(),
                    flink: w.flink_snapshot(),
                    zookeeper: w.zookeeper_snapshot(),
                    output: crate::observation::Signal::missing("not read yet"),
                    observed_by: None,
                },
                pipe.out.clone(),
            )
        };
        let output = FileSinkCollector::new(OutputConfig {
            dir: out,
            format: OutputFormat::Json {
                scn_pointer: "/source/scn".into(),
            },
            rolling_interval: Duration::ZERO,
        });
        let observation = Observation {
            output: output.observe().await,
            ..observation
        };
        ProbeResult {
            observation,
            durations: Vec::new(),
        }
    }

    fn now(&self) -> Timestamp {
        SystemClock.now()
    }
}
