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
//! - [`collectors`]: I/O only, one module per external system behind a small trait.
//! - [`observation`]: plain serde data, one per pipeline per probe, replayable.
//! - [`diagnose`]: the decision table and `explain`, pure functions.
//! - [`report`]: a diagnosis as text or stable JSON.
//! - [`simulator`]: a simulated pipeline behind the same traits, for `demo` and the tests.
//! - [`config`]: the TOML file, raw → validated.
//! - [`agent`]: `watch`: scheduled probes, history, alerts, metrics and HTTP endpoints.
//! - [`lang`]: English or Chinese for every text output (a leaf).
//! - [`signal`]: SIGINT/SIGTERM as the agent's shutdown.
//! - [`commands`]: one function per command of the CLI.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod agent;
pub mod cli;
pub mod clock;
pub mod collectors;
pub mod commands;
pub mod config;
pub mod diagnose;
pub mod exit;
pub mod lang;
pub mod limits;
pub mod observation;
pub mod remediation;
pub mod report;
pub mod signal;
pub mod simulator;
pub mod store;
