//! logminer-doctor: why is this Oracle LogMiner → Flink CDC pipeline not producing, and what
//! is the safe fix?
//!
//! Data flows one way (DESIGN.md §4):
//!
//! ```text
//! collectors (oracle, flink, zookeeper, output) -> Observation -> diagnose (pure) -> Diagnosis
//!                                                                                 |-> report
//!                                                                                 '-> (later) alerts, metrics, remediation
//! ```
//!
//! The modules form layers (README "Architecture"); a module uses its own layer and lower ones,
//! never a higher one, and no two top-level modules use each other (`tests/it/layers.rs`
//! checks both, and that each driver crate stays in its module):
//!
//! 1. [`cli`], [`commands`] (one file per subcommand) and the binary: the top.
//! 2. [`agent`]: `watch`: scheduled probes, alerts, metrics and HTTP endpoints, and the fleet of
//!    `watch` processes sharing the pipelines through ZooKeeper.
//! 3. [`remediation`]: the gate, the restart, the pipeline lock, the auto-restart policy;
//!    [`audit`]: the settings of Oracle, the connector, Flink and the network that will stall
//!    a pipeline, found before they do.
//! 4. [`collectors`]: I/O only, one module per external system behind a small trait, with the
//!    narrow write traits remediation drives (`collectors::control`) and the `Probe` seam;
//!    [`simulator`]: a simulated pipeline behind the same traits, for `demo` and the tests;
//!    [`store`]: the state database (history, alerts, silences, audit log, lock rows).
//! 5. [`config`]: the TOML file, raw → validated; [`report`]: a diagnosis as text or stable
//!    JSON; [`exit`]: the exit-code table.
//! 6. [`diagnose`]: the decision table, `explain` and the support bundle, pure functions.
//! 7. Leaves: [`observation`] (plain serde data, one per pipeline per probe, replayable),
//!    [`lang`] (English or Chinese), [`limits`], [`clock`], [`signal`] (SIGINT/SIGTERM as the
//!    agent's shutdown), [`host`] (the names the doctor gives itself).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod agent;
pub mod audit;
pub mod cli;
pub mod clock;
pub mod collectors;
pub mod commands;
pub mod config;
pub mod diagnose;
pub mod exit;
pub mod host;
pub mod lang;
pub mod limits;
pub mod observation;
pub mod remediation;
pub mod report;
pub mod signal;
pub mod simulator;
pub mod store;
