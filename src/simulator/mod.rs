//! A simulated pipeline behind the same collector traits as the real clients: it backs `demo`
//! and the agent tests. Oracle and ZooKeeper are simulated behind their traits; Flink behind its
//! REST API on loopback (`rest.rs`), read by the real Flink collector; the FileSink writes real
//! part files that the real output collector reads.
//!
//! Scenarios script faults; they never name a verdict to the decision table.

pub mod oracle_db;
pub mod probe;
pub mod rest;
mod world;

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

pub use world::{Connector, SimJob, World};

use crate::clock::Clock;
use crate::collectors::flink::FlinkCollector;
use crate::collectors::output::FileSinkCollector;
use crate::collectors::{sample, Collectors, FlinkSource, OracleSource, ZooKeeperSource};
use crate::config::{FlinkConfig, OutputConfig, OutputFormat};
use crate::diagnose::Cause;
use crate::observation::{
    FlinkSnapshot, Observation, OracleSnapshot, Signal, Timestamp, ZooKeeperSnapshot,
};
use rest::SimFlinkServer;

/// A world shared by the simulated collectors and the simulated clock.
#[derive(Debug, Clone)]
pub struct Sim(Arc<Mutex<World>>);

impl Sim {
    /// Wraps a world.
    pub fn new(world: World) -> Sim {
        Sim(Arc::new(Mutex::new(world)))
    }

    /// Locks the world to read or script it. A panic while it was held (a bug in the
    /// simulator) leaves it usable: the world is plain data.
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl OracleSource for Sim {
    async fn observe(&self) -> Signal<OracleSnapshot> {
        self.world().oracle_snapshot()
    }
}

impl FlinkSource for Sim {
    async fn observe(&self) -> Signal<FlinkSnapshot> {
        self.world().flink_snapshot()
    }
}

impl ZooKeeperSource for Sim {
    async fn observe(&self) -> Signal<ZooKeeperSnapshot> {
        self.world().zookeeper_snapshot()
    }
}

impl Clock for Sim {
    fn now(&self) -> Timestamp {
        self.world().now
    }

    /// Simulated time passes at once: hours of pipeline life take milliseconds.
    async fn sleep(&self, d: Duration) {
        self.world().run(d)
    }
}

/// A scripted story: a healthy warm-up, a fault, and time for it to show.
pub struct Scenario {
    /// The cause the scenario is meant to produce (its name on the command line).
    pub name: Cause,
    /// What happens, for people.
    pub story: &'static str,
    /// Healthy running time before the fault.
    pub warmup: Duration,
    /// What goes wrong, applied to the world once the warm-up has run.
    pub fault: fn(&mut World),
    /// Time after the fault before the doctor looks.
    pub after: Duration,
    /// Observations the doctor takes.
    pub samples: usize,
    /// Time between them.
    pub interval: Duration,
}

impl Scenario {
    /// Simulated time the scenario covers before sampling starts.
    pub fn duration(&self) -> Duration {
        self.warmup + self.after
    }

    /// Builds the world in `dir` so that the scenario's end lands at `end` (so timestamps
    /// read as today's), runs warm-up, fault and aftermath.
    pub fn play(&self, dir: &Path, end: Timestamp) -> Result<Sim, String> {
        let mut w = World::new(dir, end.minus(self.duration()));
        w.run(self.warmup);
        (self.fault)(&mut w);
        w.run(self.after);
        w.check_io()?;
        Ok(Sim::new(w))
    }

    /// Plays the scenario in a temporary directory and takes its observations with the
    /// simulated Oracle, Flink and ZooKeeper and the real output collector.
    pub async fn observe(
        &self,
        pipeline: &str,
        end: Timestamp,
    ) -> Result<Vec<Observation>, String> {
        let dir = tempfile::Builder::new()
            .prefix("logminer-doctor-sim-")
            .tempdir()
            .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
        let sim = self.play(dir.path(), end)?;
        let output = OutputConfig {
            dir: dir.path().to_path_buf(),
            format: OutputFormat::Json {
                scn_pointer: "/source/scn".into(),
            },
            rolling_interval: Duration::ZERO,
        };
        // Flink is reached through its REST API, served by the simulator on loopback, and read
        // by the real Flink collector.
        let server = SimFlinkServer::start(&sim)
            .await
            .map_err(|e| format!("cannot serve the simulated Flink REST API: {e}"))?;
        let flink = FlinkCollector::new(FlinkConfig {
            jobmanagers: server
                .urls()
                .iter()
                .filter_map(|u| url::Url::parse(u).ok())
                .collect(),
            job_name: "oracle-cdc-orders".into(),
            source_operator: "Source".into(),
            sink_operator: "FileSink".into(),
            request_timeout: Duration::from_secs(5),
        })
        // Simulated time does not pass between two thread dumps; no need to wait.
        .with_dump_gap(Duration::from_millis(5));
        let collectors = Collectors {
            oracle: sim.clone(),
            flink,
            zookeeper: sim.clone(),
            output: FileSinkCollector::new(output),
        };
        let obs = sample(
            pipeline,
            &collectors,
            &sim,
            self.samples,
            self.interval,
            Duration::from_secs(10),
        )
        .await;
        sim.world().check_io()?;
        Ok(obs)
    }
}

const MIN: u64 = 60;

/// Every scenario, one per cause the simulation can produce (all but `unknown`).
pub fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: Cause::Healthy,
            story: "orders flow at 5 changes/s; the connector mines, checkpoints commit part files",
            warmup: Duration::from_secs(10 * MIN),
            fault: |_| {},
            samples: 3,
            interval: Duration::from_secs(30),
            after: Duration::from_secs(5 * MIN),
        },
        Scenario {
            name: Cause::IdleSource,
            story: "the shop closes: no changes on SHOP.ORDERS for 40 minutes; the connector keeps mining",
            warmup: Duration::from_secs(10 * MIN),
            fault: |w| w.changes_per_s = 0.0,
            samples: 3,
            interval: Duration::from_secs(30),
            after: Duration::from_secs(40 * MIN),
        },
        Scenario {
            name: Cause::DeadConnection,
            story: "a firewall drops the connector's idle TCP flow: the socket is half-open, the source thread blocks in its read, the job stays RUNNING",
            warmup: Duration::from_secs(10 * MIN),
            fault: |w| w.set_connector(Connector::HalfOpen),
            samples: 3,
            interval: Duration::from_secs(30),
            after: Duration::from_secs(20 * MIN),
        },
        Scenario {
            name: Cause::LogminerStuck,
            story: "the LogMiner query hangs inside the database: the session is ACTIVE on it, its statistics do not move",
            warmup: Duration::from_secs(10 * MIN),
            fault: |w| w.set_connector(Connector::Stuck),
            samples: 3,
            interval: Duration::from_secs(30),
            after: Duration::from_secs(15 * MIN),
        },
        Scenario {
            name: Cause::MissingRedo,
            story: "the table was quiet for 6 hours while an RMAN job deletes archived logs older than 4 hours: the restart SCN left redo",
            warmup: Duration::from_secs(10 * MIN),
            fault: |w| {
                w.changes_per_s = 0.0;
                w.redo_retention = Duration::from_secs(4 * 3600);
            },
            samples: 3,
            interval: Duration::from_secs(30),
            after: Duration::from_secs(6 * 3600),
        },
        Scenario {
            name: Cause::FallingBehind,
            story: "a month-end batch doubles the change rate: the connector reads 3.5 changes/s of 7, its lag grows by the minute, and archived logs are kept 2 hours",
            warmup: Duration::from_secs(10 * MIN),
            fault: |w| {
                w.changes_per_s = 7.0;
                w.mine_per_iteration = Some(7);
                w.redo_retention = Duration::from_secs(2 * 3600);
            },
            samples: 6,
            interval: Duration::from_secs(60),
            after: Duration::from_secs(60 * MIN),
        },
        Scenario {
            name: Cause::SinkStalled,
            story: "the sink's checkpoints start expiring: the source keeps reading, nothing is committed",
            warmup: Duration::from_secs(10 * MIN),
            fault: |w| w.checkpoints_fail = true,
            samples: 3,
            interval: Duration::from_secs(30),
            after: Duration::from_secs(8 * MIN),
        },
        Scenario {
            name: Cause::JobNotRunning,
            story: "the job fails on a bug in a user function and Flink gives up",
            warmup: Duration::from_secs(10 * MIN),
            fault: |w| {
                w.fail_job(
                    "java.lang.NullPointerException",
                    "java.lang.NullPointerException: Cannot invoke \"String.length()\" because \"value\" is null\n\tat com.example.cdc.OrderMapper.map(OrderMapper.java:42)",
                )
            },
            samples: 3,
            interval: Duration::from_secs(30),
            after: Duration::from_secs(15 * MIN),
        },
        Scenario {
            name: Cause::LeaderProblem,
            story: "after a failover someone resubmits the job by hand: it runs twice",
            warmup: Duration::from_secs(10 * MIN),
            fault: |w| w.submit_duplicate(),
            samples: 3,
            interval: Duration::from_secs(30),
            after: Duration::from_secs(3 * MIN),
        },
        Scenario {
            name: Cause::OracleUnreachable,
            story: "the database host drops off the network: the connector hangs, the doctor's connect times out",
            warmup: Duration::from_secs(10 * MIN),
            fault: |w| {
                w.set_connector(Connector::HalfOpen);
                w.oracle_error = Some(
                    "ORA-12170: TNS:Connect timeout occurred (connecting to db-prod-1:1521/ORCLPDB1)".into(),
                );
            },
            samples: 3,
            interval: Duration::from_secs(30),
            after: Duration::from_secs(10 * MIN),
        },
        Scenario {
            name: Cause::Misconfigured,
            story: "a DBA drops the ALL COLUMNS supplemental log group of SHOP.ORDERS; updates lose their before-images",
            warmup: Duration::from_secs(10 * MIN),
            fault: |w| w.table_all_columns = false,
            samples: 3,
            interval: Duration::from_secs(30),
            after: Duration::from_secs(5 * MIN),
        },
        Scenario {
            name: Cause::ResourceExhausted,
            story: "archived logs fill the fast recovery area: archiving is about to stop (ORA-00257)",
            warmup: Duration::from_secs(10 * MIN),
            fault: |w| w.recovery_area_pct = 99.2,
            samples: 3,
            interval: Duration::from_secs(30),
            after: Duration::from_secs(5 * MIN),
        },
    ]
}

/// The scenario named `name` (a cause name).
pub fn scenario(name: &str) -> Result<Scenario, String> {
    let names: Vec<String> = scenarios().iter().map(|s| s.name.to_string()).collect();
    scenarios()
        .into_iter()
        .find(|s| s.name.as_str() == name)
        .ok_or_else(|| {
            format!(
                "no scenario {name:?}; the scenarios are: {}",
                names.join(", ")
            )
        })
}
