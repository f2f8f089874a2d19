//! The commands of the CLI, one file per subcommand (the top layer: each wires config,
//! collectors, the decision table, the agent or remediation, and the report). Here: `run`, the
//! dispatch from the parsed command line, `CommandError`, and the wiring every command shares
//! (`select`, `real_collectors`). Results go to stdout, diagnostics to stderr; each command
//! returns the exit status.

pub mod audit;
pub mod check_config;
pub mod demo;
pub mod diagnose;
pub mod explain;
pub mod fleet;
pub mod gate;
pub mod history;
pub mod incidents;
pub mod restart;
pub mod savepoints;
pub mod silence;
pub mod watch;

use std::path::PathBuf;

use crate::cli::{Cli, CliFormat, Command};
use crate::collectors::flink::FlinkCollector;
use crate::collectors::oracle::cache::Databases;
use crate::collectors::oracle::OracleCollector;
use crate::collectors::output::FileSinkCollector;
use crate::collectors::zookeeper::ZooKeeperCollector;
use crate::collectors::Collectors;
use crate::config::{Config, ConfigError, PipelineConfig};
use crate::exit::Exit;
use crate::lang::Lang;

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
    /// A file given to `audit` is missing or unparsable.
    #[error(transparent)]
    AuditInput(#[from] crate::audit::InputError),
    /// The agent could not run.
    #[error(transparent)]
    Agent(#[from] crate::agent::AgentError),
    /// The fleet's ZooKeeper could not be used.
    #[error("the fleet: {0}")]
    Fleet(String),
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
    pub fn details(&self, lang: Lang) -> Option<String> {
        match self {
            CommandError::Config(e @ ConfigError::Invalid { .. }) => Some(e.report_in(lang)),
            _ => None,
        }
    }
}

/// Runs the command the command line names.
pub async fn run(cli: Cli) -> Result<Exit, CommandError> {
    let lang = cli.lang.unwrap_or_else(Lang::from_env);
    // `md` and `html` are `report`'s; every other command writes text or JSON.
    let wide = cli.format;
    let plain = || {
        wide.plain().ok_or_else(|| {
            CommandError::Usage("--format md and html are for `report`; use text or json".into())
        })
    };
    match cli.command {
        Command::Demo { scenario } => demo::demo(scenario.as_deref(), plain()?, lang).await,
        Command::Diagnose {
            pipeline,
            samples,
            interval,
            from_scn,
            save,
            replay,
        } => {
            let req = diagnose::DiagnoseRequest {
                config: cli.config,
                pipeline,
                samples: samples as usize,
                interval,
                from_scn,
                save,
            };
            match replay {
                Some(bundle) => {
                    diagnose::replay_bundle(&bundle, req.pipeline.as_deref(), plain()?, lang)
                }
                None => diagnose::diagnose_live(req, plain()?, lang).await,
            }
        }
        Command::Explain { file } => explain::explain_cmd(file.as_deref(), plain()?, lang),
        Command::Gate {
            pipeline,
            from_scn,
            savepoint,
        } => {
            let args = gate::Args {
                pipeline,
                from_scn,
                savepoint,
                apply: false,
            };
            gate::gate(&cli.config, args, plain()?, lang).await
        }
        Command::Restart {
            pipeline,
            apply,
            from_scn,
            savepoint,
        } => {
            let args = gate::Args {
                pipeline,
                from_scn,
                savepoint,
                apply,
            };
            restart::restart(&cli.config, args, plain()?, lang).await
        }
        Command::Audit(args) => audit::audit(&cli.config, &args, plain()?, lang).await,
        Command::CheckConfig => check_config::check_config(&cli.config, plain()?, lang).await,
        Command::Watch { simulate } => watch::watch(&cli.config, simulate.as_deref()).await,
        Command::Fleet => fleet::fleet(&cli.config, plain()?, lang).await,
        Command::Savepoints { pipeline } => {
            savepoints::savepoints(&cli.config, pipeline.as_deref(), plain()?, lang).await
        }
        Command::History { pipeline, since } => {
            history::history(&cli.config, pipeline.as_deref(), since, plain()?, lang).await
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
                    (true, _, _, _) => silence::SilenceAction::List,
                    (_, Some(id), _, _) => silence::SilenceAction::Remove(id),
                    (_, _, Some(d), Some(r)) => silence::SilenceAction::Add(d, r),
                    _ => return Err(CommandError::Usage(
                        "silence needs -p NAME --for DURATION --reason TEXT, --list or --remove ID"
                            .into(),
                    )),
                };
            silence::silence(&cli.config, pipeline.as_deref(), action, plain()?).await
        }
        Command::Incidents { pipeline, since } => {
            incidents::incidents(&cli.config, pipeline.as_deref(), since, plain()?, lang).await
        }
        Command::Report { id, out } => {
            let format = match wide {
                CliFormat::Text | CliFormat::Md => incidents::ReportFormat::Markdown,
                CliFormat::Html => incidents::ReportFormat::Html,
                CliFormat::Json => incidents::ReportFormat::Json,
            };
            incidents::report(&cli.config, &id, format, out.as_deref(), lang).await
        }
    }
}

/// The pipelines a command acts on: all, or the one named (a usage error names the others).
pub fn select<'a>(
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

/// The collectors of a configured pipeline (sharing no Oracle slow facts).
pub fn real_collectors(
    p: &PipelineConfig,
) -> Collectors<OracleCollector, FlinkCollector, Option<ZooKeeperCollector>, FileSinkCollector> {
    real_collectors_in(p, &Databases::new())
}

/// The collectors of a configured pipeline whose Oracle collector shares its database's slow
/// facts with the other pipelines of `dbs` on the same database (`watch`).
pub fn real_collectors_in(
    p: &PipelineConfig,
    dbs: &Databases,
) -> Collectors<OracleCollector, FlinkCollector, Option<ZooKeeperCollector>, FileSinkCollector> {
    Collectors {
        oracle: OracleCollector::shared_in(p.oracle.clone(), dbs),
        flink: FlinkCollector::new(p.flink.clone())
            .with_fixed_job_id(p.remediation.resubmit.as_ref().map(|r| r.job_id.clone())),
        zookeeper: p.zookeeper.clone().map(ZooKeeperCollector::new),
        output: FileSinkCollector::new(p.output.clone()),
    }
}
