//! One function per command of the CLI: wiring config, collectors, the decision table and the
//! report. Results go to stdout, diagnostics to stderr; each returns the exit status.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cli::{Cli, Command};
use crate::clock::{Clock as _, SystemClock};
use crate::collectors::flink::FlinkCollector;
use crate::collectors::oracle::OracleCollector;
use crate::collectors::output::FileSinkCollector;
use crate::collectors::zookeeper::ZooKeeperCollector;
use crate::collectors::{
    sample, Collectors, FlinkSource as _, OutputSource as _, ZooKeeperSource as _,
};
use crate::config::{Config, ConfigError, PipelineConfig, ProcessEnv};
use crate::diagnose::explain::explain;
use crate::diagnose::{diagnose, DiagnoseOptions, Diagnosis, Thresholds};
use crate::diagnose::{Bundle, BundlePipeline};
use crate::exit::Exit;
use crate::observation::{JobManagerStatus, Signal, Timestamp};
use crate::report::{self, Format};
use crate::simulator::{self, Scenario};

/// Why a command could not do its work (it then exits 3).
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The config file is missing or invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A file given on the command line could not be read or written.
    #[error("cannot {action} {}", path.display())]
    File {
        /// "read" or "write".
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A support bundle is not valid.
    #[error("{} is not a logminer-doctor bundle", path.display())]
    Bundle {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        #[source]
        source: serde_json::Error,
    },
    /// The command line asks for something that does not exist.
    #[error("{0}")]
    Usage(String),
    /// The simulation could not run (e.g. its temporary directory).
    #[error("the demo could not run: {0}")]
    Demo(String),
    /// The history database failed.
    #[error(transparent)]
    History(#[from] crate::store::HistoryError),
    /// The agent could not run.
    #[error(transparent)]
    Agent(#[from] crate::agent::AgentError),
    /// The agent's listen address could not be bound.
    #[error("cannot listen on {addr}")]
    Listen {
        /// The address.
        addr: std::net::SocketAddr,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

impl CommandError {
    /// Lines to print under the one-line error, e.g. every problem of an invalid config file.
    pub fn details(&self) -> Option<String> {
        match self {
            CommandError::Config(e @ ConfigError::Invalid { .. }) => Some(e.report()),
            _ => None,
        }
    }
}

/// Runs the command the command line names.
pub async fn run(cli: Cli) -> Result<Exit, CommandError> {
    match cli.command {
        Command::Demo { scenario } => demo(scenario.as_deref(), cli.format).await,
        Command::Diagnose {
            pipeline,
            samples,
            interval,
            from_scn,
            save,
            replay,
        } => {
            let req = DiagnoseRequest {
                config: cli.config,
                pipeline,
                samples: samples as usize,
                interval,
                from_scn,
                save,
            };
            match replay {
                Some(bundle) => replay_bundle(&bundle, req.pipeline.as_deref(), cli.format),
                None => diagnose_live(req, cli.format).await,
            }
        }
        Command::Explain { file } => explain_cmd(file.as_deref(), cli.format),
        Command::Gate {
            pipeline,
            from_scn,
            savepoint,
        } => {
            let args = crate::remediation::commands::Args {
                pipeline,
                from_scn,
                savepoint,
                apply: false,
            };
            crate::remediation::commands::gate(&cli.config, args, cli.format).await
        }
        Command::Restart {
            pipeline,
            apply,
            from_scn,
            savepoint,
        } => {
            let args = crate::remediation::commands::Args {
                pipeline,
                from_scn,
                savepoint,
                apply,
            };
            crate::remediation::commands::restart(&cli.config, args, cli.format).await
        }
        Command::CheckConfig => check_config(&cli.config, cli.format).await,
        Command::Watch => crate::agent::commands::watch(&cli.config).await,
        Command::History { pipeline, since } => {
            crate::agent::commands::history(&cli.config, pipeline.as_deref(), since, cli.format)
                .await
        }
        Command::Silence {
            pipeline,
            duration,
            reason,
            list,
            remove,
        } => {
            let action =
                match (list, remove, duration, reason) {
                    (true, _, _, _) => crate::agent::commands::SilenceAction::List,
                    (_, Some(id), _, _) => crate::agent::commands::SilenceAction::Remove(id),
                    (_, _, Some(d), Some(r)) => crate::agent::commands::SilenceAction::Add(d, r),
                    _ => return Err(CommandError::Usage(
                        "silence needs -p NAME --for DURATION --reason TEXT, --list or --remove ID"
                            .into(),
                    )),
                };
            crate::agent::commands::silence(&cli.config, pipeline.as_deref(), action, cli.format)
                .await
        }
    }
}

fn print_diagnoses(ds: &[Diagnosis], format: Format) -> Exit {
    match format {
        Format::Text => print!("{}", report::text_all(ds)),
        Format::Json => println!("{}", report::json_all(ds)),
    }
    Exit::worst(ds.iter().map(|d| d.severity))
}

// ---------------------------------------------------------------------------------------------
// diagnose
// ---------------------------------------------------------------------------------------------

struct DiagnoseRequest {
    config: PathBuf,
    pipeline: Option<String>,
    samples: usize,
    interval: Duration,
    from_scn: Option<u64>,
    save: Option<PathBuf>,
}

pub(crate) fn select<'a>(
    config: &'a Config,
    name: Option<&str>,
) -> Result<Vec<&'a PipelineConfig>, CommandError> {
    match name {
        None => Ok(config.pipelines.iter().collect()),
        Some(n) => config.pipeline(n).map(|p| vec![p]).ok_or_else(|| {
            let names: Vec<&str> = config.pipelines.iter().map(|p| p.name.as_str()).collect();
            CommandError::Usage(format!(
                "no pipeline {n:?} in {}; its pipelines are: {}",
                config.path.display(),
                names.join(", ")
            ))
        }),
    }
}

/// The collectors of a configured pipeline.
pub(crate) fn real_collectors(
    p: &PipelineConfig,
) -> Collectors<OracleCollector, FlinkCollector, Option<ZooKeeperCollector>, FileSinkCollector> {
    Collectors {
        oracle: OracleCollector::new(p.oracle.clone()),
        flink: FlinkCollector::new(p.flink.clone())
            .with_fixed_job_id(p.remediation.resubmit.as_ref().map(|r| r.job_id.clone())),
        zookeeper: p.zookeeper.clone().map(ZooKeeperCollector::new),
        output: FileSinkCollector::new(p.output.clone()),
    }
}

async fn diagnose_live(req: DiagnoseRequest, format: Format) -> Result<Exit, CommandError> {
    let config = Config::load(&req.config, &ProcessEnv)?;
    let pipelines = select(&config, req.pipeline.as_deref())?;
    let mut tasks = tokio::task::JoinSet::new();
    for (i, p) in pipelines.iter().enumerate() {
        let p = (*p).clone();
        let (samples, interval) = (req.samples, req.interval);
        // Recent observations kept by `watch` answer at once: one new sample completes them.
        let prior = crate::agent::commands::recent_history(&config, &p).await;
        tasks.spawn(async move {
            let collectors = real_collectors(&p);
            let samples = if prior.is_empty() { samples } else { 1 };
            let obs = sample(
                &p.name,
                &collectors,
                &SystemClock,
                samples,
                interval,
                p.probe_deadline(),
            )
            .await;
            (i, p, prior.into_iter().chain(obs).collect::<Vec<_>>())
        });
    }
    let mut results = Vec::new();
    while let Some(r) = tasks.join_next().await {
        match r {
            Ok(r) => results.push(r),
            Err(e) => return Err(CommandError::Demo(format!("a probe task failed: {e}"))),
        }
    }
    results.sort_by_key(|r| r.0);
    let bundle = Bundle {
        format: Bundle::FORMAT.into(),
        pipelines: results
            .into_iter()
            .map(|(_, p, observations)| BundlePipeline {
                name: p.name.clone(),
                thresholds: p.thresholds.clone(),
                rolling_interval: p.output.rolling_interval,
                from_scn: req.from_scn,
                observations,
            })
            .collect(),
    };
    if let Some(path) = &req.save {
        let text =
            serde_json::to_string_pretty(&bundle).map_err(|e| CommandError::Demo(e.to_string()))?;
        std::fs::write(path, text).map_err(|source| CommandError::File {
            action: "write",
            path: path.clone(),
            source,
        })?;
    }
    Ok(print_diagnoses(&diagnose_bundle(&bundle), format))
}

fn diagnose_bundle(bundle: &Bundle) -> Vec<Diagnosis> {
    bundle
        .pipelines
        .iter()
        .map(|p| {
            let mut d = diagnose(
                &p.observations,
                &p.thresholds,
                &DiagnoseOptions {
                    from_scn: p.from_scn,
                    rolling_interval: p.rolling_interval,
                },
            );
            if d.pipeline.is_empty() {
                d.pipeline = p.name.clone();
            }
            d
        })
        .collect()
}

fn replay_bundle(
    path: &Path,
    pipeline: Option<&str>,
    format: Format,
) -> Result<Exit, CommandError> {
    let text =
        crate::limits::read_text_capped(path, crate::limits::BUNDLE_BYTES).map_err(|source| {
            CommandError::File {
                action: "read",
                path: path.to_path_buf(),
                source,
            }
        })?;
    let mut bundle: Bundle =
        serde_json::from_str(&text).map_err(|source| CommandError::Bundle {
            path: path.to_path_buf(),
            source,
        })?;
    if bundle.format != Bundle::FORMAT {
        return Err(CommandError::Usage(format!(
            "{} has format {:?}; this version reads {:?}",
            path.display(),
            bundle.format,
            Bundle::FORMAT
        )));
    }
    if let Some(name) = pipeline {
        let names: Vec<String> = bundle.pipelines.iter().map(|p| p.name.clone()).collect();
        bundle.pipelines.retain(|p| p.name == name);
        if bundle.pipelines.is_empty() {
            return Err(CommandError::Usage(format!(
                "no pipeline {name:?} in {}; it holds: {}",
                path.display(),
                names.join(", ")
            )));
        }
    }
    // A bundle's thresholds obey the config's rules: a hand-edited `crash_loop_restarts = 0`
    // or a negative backpressure would otherwise give confident verdicts.
    let problems: Vec<String> = bundle
        .pipelines
        .iter()
        .enumerate()
        .flat_map(|(i, p)| {
            crate::config::threshold_problems(&p.thresholds, &format!("pipelines[{i}].thresholds"))
        })
        .chain(
            bundle
                .pipelines
                .iter()
                .enumerate()
                .filter(|(_, p)| p.rolling_interval > crate::config::MAX_DURATION)
                .map(|(i, _)| crate::config::ConfigProblem {
                    key: format!("pipelines[{i}].rolling_interval"),
                    message: "must be at most \"366d\" (a year)".into(),
                }),
        )
        .map(|p| p.to_string())
        .collect();
    if !problems.is_empty() {
        return Err(CommandError::Usage(format!(
            "{}: {}",
            path.display(),
            problems.join("; ")
        )));
    }
    if bundle.pipelines.iter().any(|p| p.observations.is_empty()) {
        return Err(CommandError::Usage(format!(
            "{} holds a pipeline without observations",
            path.display()
        )));
    }
    Ok(print_diagnoses(&diagnose_bundle(&bundle), format))
}

// ---------------------------------------------------------------------------------------------
// demo
// ---------------------------------------------------------------------------------------------

/// One demo scenario's result.
#[derive(Debug, serde::Serialize)]
pub struct DemoRun {
    /// The scenario's name (the cause it is meant to produce).
    pub scenario: String,
    /// What happens in it.
    pub story: String,
    /// What the decision table made of it.
    pub diagnosis: Diagnosis,
}

/// Plays one scenario and diagnoses it with the real output collector and the decision table.
pub async fn run_scenario(s: &Scenario, end: Timestamp) -> Result<DemoRun, CommandError> {
    let obs = s.observe("orders", end).await.map_err(CommandError::Demo)?;
    let diagnosis = diagnose(&obs, &Thresholds::default(), &DiagnoseOptions::default());
    Ok(DemoRun {
        scenario: s.name.to_string(),
        story: s.story.into(),
        diagnosis,
    })
}

async fn demo(only: Option<&str>, format: Format) -> Result<Exit, CommandError> {
    let scenarios = match only {
        Some(name) => vec![simulator::scenario(name).map_err(CommandError::Usage)?],
        None => simulator::scenarios(),
    };
    let mut runs = Vec::new();
    for s in &scenarios {
        // The last observation lands at the present, so the timestamps read as today's.
        let sampling = s.interval * (s.samples.saturating_sub(1) as u32);
        runs.push(run_scenario(s, SystemClock.now().minus(sampling)).await?);
    }
    match format {
        Format::Text => {
            for r in &runs {
                println!("=== scenario {}: {}", r.scenario, r.story);
                println!("{}", report::text(&r.diagnosis));
            }
        }
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&runs).map_err(|e| CommandError::Demo(e.to_string()))?
        ),
    }
    let missed: Vec<String> = runs
        .iter()
        .filter(|r| r.diagnosis.cause.as_str() != r.scenario)
        .map(|r| format!("{} -> {}", r.scenario, r.diagnosis.cause))
        .collect();
    if missed.is_empty() {
        Ok(Exit::Ok)
    } else {
        eprintln!(
            "demo: scenarios that did not produce their cause: {}",
            missed.join(", ")
        );
        Ok(Exit::Warning)
    }
}

// ---------------------------------------------------------------------------------------------
// explain
// ---------------------------------------------------------------------------------------------

fn explain_cmd(file: Option<&Path>, format: Format) -> Result<Exit, CommandError> {
    let (bytes, what) = match file {
        Some(p) if p != Path::new("-") => (
            crate::limits::read_capped(p, crate::limits::EXPLAIN_BYTES).map_err(|source| {
                CommandError::File {
                    action: "read",
                    path: p.to_path_buf(),
                    source,
                }
            })?,
            p.display().to_string(),
        ),
        _ => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                return Err(CommandError::Usage(
                    "explain needs an error text: give a FILE, or pipe the text on standard input"
                        .into(),
                ));
            }
            let limit = crate::limits::EXPLAIN_BYTES;
            let buf = match crate::limits::read_all_capped(stdin.lock(), limit) {
                Ok(buf) => buf,
                Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                    return Err(CommandError::Usage(format!(
                        "the error text on standard input is larger than {limit} bytes: give the exception and its \"Caused by\" lines, not the whole log"
                    )))
                }
                Err(source) => {
                    return Err(CommandError::File {
                        action: "read",
                        path: PathBuf::from("<stdin>"),
                        source,
                    })
                }
            };
            (buf, "standard input".to_string())
        }
    };
    let text = String::from_utf8_lossy(&bytes);
    if text.trim().is_empty() {
        return Err(CommandError::Usage(format!(
            "the error text from {what} is empty: paste the exception or the TaskManager log lines"
        )));
    }
    let x = explain(&text);
    match format {
        Format::Text => print!("{}", report::explanation_text(&x)),
        Format::Json => println!("{}", report::explanation_json(&x)),
    }
    Ok(Exit::Ok)
}

// ---------------------------------------------------------------------------------------------
// check-config
// ---------------------------------------------------------------------------------------------

/// One line of check-config's report.
#[derive(Debug, serde::Serialize)]
pub struct Check {
    /// The pipeline.
    pub pipeline: String,
    /// oracle, flink, zookeeper or output.
    pub system: &'static str,
    /// What was checked (a URL, an address, a path).
    pub target: String,
    /// ok, unreachable or not_checked.
    pub status: &'static str,
    /// Details.
    pub detail: String,
}

async fn check_config(path: &Path, format: Format) -> Result<Exit, CommandError> {
    let config = Config::load(path, &ProcessEnv)?;
    let mut checks = Vec::new();
    for p in &config.pipelines {
        // One direct login (never a pool that would retry a wrong password).
        let (status, detail) = match OracleCollector::new(p.oracle.clone())
            .test_connection()
            .await
        {
            Ok(detail) => ("ok", detail),
            Err(e) if e.kind().is_own_trouble() => ("not_checked", e.to_string()),
            Err(e) => ("unreachable", e.to_string()),
        };
        checks.push(Check {
            pipeline: p.name.clone(),
            system: "oracle",
            target: p.oracle.connect_string.clone(),
            status,
            detail,
        });
        let flink = FlinkCollector::new(p.flink.clone());
        if let Some(snapshot) = flink.observe().await.value() {
            for jm in &snapshot.jobmanagers {
                let (status, detail) = match &jm.status {
                    JobManagerStatus::Up {
                        flink_version,
                        jobs,
                    } => (
                        "ok",
                        format!(
                            "Flink {flink_version}; {} job(s) named {:?}",
                            jobs.len(),
                            p.flink.job_name
                        ),
                    ),
                    JobManagerStatus::LeaderElection => (
                        "ok",
                        "answers, but a leader election is in progress".to_string(),
                    ),
                    JobManagerStatus::LeaderUnreachable => (
                        "unreachable",
                        "answers, but its leader is gone (RecipientUnreachableException)"
                            .to_string(),
                    ),
                    JobManagerStatus::Unreachable { error } => ("unreachable", error.clone()),
                };
                checks.push(Check {
                    pipeline: p.name.clone(),
                    system: "flink",
                    target: jm.url.clone(),
                    status,
                    detail,
                });
            }
        }
        if let Some(zk) = &p.zookeeper {
            let snapshot = ZooKeeperCollector::new(zk.clone()).observe().await;
            match &snapshot {
                Signal::Observed { value } => {
                    for server in &value.servers {
                        checks.push(Check {
                            pipeline: p.name.clone(),
                            system: "zookeeper",
                            target: server.address.clone(),
                            status: if server.ok { "ok" } else { "unreachable" },
                            detail: server
                                .mode
                                .as_ref()
                                .map(|m| format!("mode {m}"))
                                .unwrap_or_else(|| "no answer to srvr/ruok".into()),
                        });
                    }
                    checks.push(Check {
                        pipeline: p.name.clone(),
                        system: "zookeeper",
                        target: format!("{}/{}", zk.root, zk.cluster_id),
                        status: "ok",
                        detail: match &value.leader_rest_url {
                            Some(url) => format!("leading JobManager: {url}"),
                            None => "no JobManager leads (no leader node)".into(),
                        },
                    });
                }
                other => checks.push(Check {
                    pipeline: p.name.clone(),
                    system: "zookeeper",
                    target: zk.quorum.join(","),
                    status: "unreachable",
                    detail: other.error().unwrap_or_default().to_string(),
                }),
            }
        }
        let scan = FileSinkCollector::new(p.output.clone()).observe().await;
        checks.push(Check {
            pipeline: p.name.clone(),
            system: "output",
            target: p.output.dir.display().to_string(),
            status: if scan.value().is_some() {
                "ok"
            } else {
                "unreachable"
            },
            detail: match &scan {
                Signal::Observed { value: s } => format!(
                    "{} committed files ({} bytes), {} in progress",
                    s.committed_files, s.committed_bytes, s.in_progress_files
                ),
                other => other.error().unwrap_or_default().to_string(),
            },
        });
    }
    let bad = checks.iter().any(|c| c.status == "unreachable");
    match format {
        Format::Text => {
            println!(
                "{}: valid, {} pipeline(s)",
                config.path.display(),
                config.pipelines.len()
            );
            for c in &checks {
                println!(
                    "  {} {} {}: {} ({})",
                    c.pipeline, c.system, c.target, c.status, c.detail
                );
            }
        }
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&checks).map_err(|e| CommandError::Demo(e.to_string()))?
        ),
    }
    Ok(if bad { Exit::Critical } else { Exit::Ok })
}
