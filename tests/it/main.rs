//! The integration tests: one binary, one module per area.

// audit (issue 16): the connector option corpus, the simulated database's faults, bad input,
// the binary's JSON and exit codes, the real cluster with a poor and a good configuration.
mod audit;
// The built binary: exit codes, JSON, bad input, secrets, the README example.
mod cli;
// The watch agent on simulated pipelines in paused time: schedule, alerts, history, endpoints.
mod agent;
// The agent's alert channels against a real Alertmanager and an HTTP receiver.
mod alert_channels;

mod chat_channels;

mod email;
// watch, history, silence and diagnose-from-history through the built binary.
mod watch_cli;
// The real-cluster harness's smoke tests: Flink HA on ZooKeeper and the CDC stand-in job.
mod cluster;
// The collector contract: deadlines and concurrency.
mod collectors;
// A fake JobManager answering from recorded JSON (test support).
mod fake_flink;
// The Flink collector and control on recorded answers and error shapes.
mod flink;

// The watch fleet through ZooKeeper: three and four `watch` processes (`[agent.fleet]`).
mod fleet;
// The config file: parsing, every validation rule, secrets.
mod config;
// The alert decision (pure): hold-down, dedup, re-notify, silences.
mod dedup;
// The pre-restart gate, the auto-remediation policy and the plan, on saved observations.
mod gate;
// The decision table on saved observation bundles, one row per cause and trap.
mod diagnose;
// Evidence strength: hints never convict, strong proof decides early (issue 11's traps).
mod evidence;
// The layering of src/: no module imports a higher layer, no cycles, drivers at home.
mod layers;
// explain on invented texts and on the corpus of real error texts.
mod explain;
// The FileSink output collector on real directories.
mod output;
// The CDC stand-in's poller source and DefaultRollingPolicy on the real cluster.
mod standin_modes;
// The real Flink and ZooKeeper collectors, Flink control and diagnose on the real HA cluster.
mod real_flink;
// watch through scripted phases of known truth on the real cluster: no false CRITICAL.
mod realism;
// gate, restart and watch's auto-remediation end to end on the real cluster.
mod remediation;
// Periodic savepoints, retention and restorability on the real cluster.
mod savepoints;
// The restart executor's failure paths against a scripted cluster.
mod restart_paths;
// The pipeline lock: the state database's row and ZooKeeper's node.
mod locks;
// The real-cluster harness: ZooKeeper, Flink HA, the feed, the committed output.
mod support;
// The Oracle collector on fixtures and a test driver: mapping, errors, deadline, backoff, SQL.
mod oracle;
// The Oracle collector on a real database (LMD_TEST_ORACLE), else skipped with the reason.
mod oracle_live;
// The Oracle collector's footprint on the simulated database: cost per probe, slow facts'
// cadence, sharing, the archive chain's summary, verdicts unchanged by caching.
mod oracle_footprint;
// The demo stack (docker-compose.yml and what it mounts) without an engine, and its Flink HA
// settings started on loopback.
mod stack;
// Cargo.toml's rust-version against the locked dependencies' own.
mod msrv;
// The status page, the pipeline pages and incident reports in headless Chromium; incidents
// and report through the built binary.
mod status_page;
// The .deb: built with cargo-deb, installed, its unit verified, run as its user, purged.
mod deb;
