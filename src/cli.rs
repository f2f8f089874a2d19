//! The command line (clap derive). Parsing only: each command maps to one function in
//! `crate::commands`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::exit::EXIT_TABLE;
use crate::lang::Lang;
use crate::report::Format;

/// Why is this Oracle LogMiner -> Flink CDC pipeline not producing, and what is the safe fix?
#[derive(Debug, Parser)]
#[command(name = "logminer-doctor", version, after_help = EXIT_TABLE)]
pub struct Cli {
    /// The config file.
    #[arg(long, global = true, default_value = "logminer-doctor.toml")]
    pub config: PathBuf,
    /// Output format (`md` and `html` are for `report`; `text` is Markdown there).
    #[arg(long, global = true, value_enum, default_value_t = CliFormat::Text)]
    pub format: CliFormat,
    /// Language of text output (JSON stays English); default from LC_ALL, LC_MESSAGES or LANG
    /// (zh_CN.UTF-8 → Chinese).
    #[arg(long, global = true, value_enum)]
    pub lang: Option<Lang>,
    /// Log format on stderr (level from the LMD_LOG variable, e.g. `info`).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs the whole loop on a simulated pipeline, one scenario per cause; no setup needed.
    Demo {
        /// Run only this scenario (its name is the cause it produces, e.g. dead_connection).
        #[arg(long)]
        scenario: Option<String>,
    },
    /// One-shot: samples each pipeline, decides, explains. Exit 0/1/2/3.
    Diagnose {
        /// Only this pipeline.
        #[arg(short = 'p', long = "pipeline")]
        pipeline: Option<String>,
        /// Observations to take per pipeline.
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=100))]
        samples: u32,
        /// Time between observations.
        #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
        interval: Duration,
        /// The lowest SCN a restart must be able to resume from (e.g. from the connector's logs).
        #[arg(long)]
        from_scn: Option<u64>,
        /// Write the observations (a support bundle) to this file.
        #[arg(long, conflicts_with = "replay")]
        save: Option<PathBuf>,
        /// Diagnose the observations saved in this bundle instead of collecting.
        #[arg(long)]
        replay: Option<PathBuf>,
    },
    /// Pre-restart verification: each check PASS, FAIL or UNKNOWN with its fact. Exit 0 only
    /// when every check passes, 2 when one fails, 3 when one cannot be decided.
    Gate {
        /// Only this pipeline.
        #[arg(short = 'p', long = "pipeline")]
        pipeline: Option<String>,
        /// The lowest SCN a restart must be able to resume from (e.g. from the connector's logs).
        #[arg(long)]
        from_scn: Option<u64>,
        /// Resume from this savepoint or checkpoint path instead of the job's own.
        #[arg(long)]
        savepoint: Option<String>,
    },
    /// Prints the restart plan and the gate; with --apply executes it: stop with savepoint (or
    /// the newest retained checkpoint), resubmit with the fixed job id, verify output resumed.
    Restart {
        /// The pipeline (needed when the config has several).
        #[arg(short = 'p', long = "pipeline")]
        pipeline: Option<String>,
        /// Execute the plan (without it nothing is changed).
        #[arg(long)]
        apply: bool,
        /// The lowest SCN a restart must be able to resume from (e.g. from the connector's logs).
        #[arg(long)]
        from_scn: Option<u64>,
        /// Resume from this savepoint or checkpoint path instead of the job's own.
        #[arg(long)]
        savepoint: Option<String>,
    },
    /// Classifies an error text or stack trace (FILE, or standard input when FILE is `-` or absent).
    Explain {
        /// The file holding the text.
        file: Option<PathBuf>,
    },
    /// Validates the config file, then says whether each configured system is reachable.
    CheckConfig,
    /// Finds the settings of Oracle, the connector, Flink and the network that will make the
    /// pipeline stall silently, lose its resume point or page for nothing. Exit 0/1/2 by the
    /// worst finding, 3 when a part could not be read (a CRITICAL finding still exits 2) or a
    /// file given here is missing or unparsable.
    Audit(AuditArgs),
    /// The agent: probes every pipeline on its interval, keeps history, alerts, serves
    /// /metrics, /healthz, /readyz and /status. Stops on SIGINT or SIGTERM.
    Watch {
        /// Trial and tests: every pipeline is simulated (no database, cluster or output is
        /// contacted); the file DIR/<pipeline>, when present, names the fault to play (a cause,
        /// as `demo --scenario` takes it).
        #[arg(long, value_name = "DIR")]
        simulate: Option<PathBuf>,
    },
    /// The members of the watch fleet ([agent.fleet]) and the owner of each pipeline. Exit 0
    /// when every pipeline has an owner, 2 when one has none.
    Fleet,
    /// The savepoints the doctor knows, and whether each can be restored now (RESTORABLE,
    /// REDO PURGED, GONE, UNKNOWN).
    Savepoints {
        /// Only this pipeline.
        #[arg(short = 'p', long = "pipeline")]
        pipeline: Option<String>,
    },
    /// The timeline of verdicts kept by `watch`, with their evidence.
    History {
        /// Only this pipeline.
        #[arg(short = 'p', long = "pipeline")]
        pipeline: Option<String>,
        /// How far back.
        #[arg(long, default_value = "6h", value_parser = humantime::parse_duration)]
        since: Duration,
    },
    /// Silences a pipeline's alerts for a while (it is still probed and recorded); lists or
    /// removes silences.
    Silence {
        /// The pipeline to silence (or to list the silences of).
        #[arg(short = 'p', long = "pipeline", required_unless_present_any = ["list", "remove"])]
        pipeline: Option<String>,
        /// How long.
        #[arg(long = "for", value_parser = humantime::parse_duration, required_unless_present_any = ["list", "remove"])]
        duration: Option<Duration>,
        /// Why (shown in `silence --list`).
        #[arg(long, required_unless_present_any = ["list", "remove"])]
        reason: Option<String>,
        /// Lists the silences in force.
        #[arg(long, conflicts_with_all = ["duration", "reason", "remove"])]
        list: bool,
        /// Removes the silence with this id.
        #[arg(long, conflicts_with_all = ["duration", "reason"])]
        remove: Option<i64>,
    },
    /// Lists the incidents in the history `watch` keeps: start, end, duration, causes in order,
    /// pages sent, actions taken.
    Incidents {
        /// Only this pipeline.
        #[arg(short = 'p', long = "pipeline")]
        pipeline: Option<String>,
        /// Incidents still open at, or begun after, this long ago.
        #[arg(long, default_value = "7d", value_parser = humantime::parse_duration)]
        since: Duration,
    },
    /// Writes the postmortem draft of an incident (`--format md|html|json`; text is Markdown).
    Report {
        /// The incident's id, as `incidents` lists it.
        id: String,
        /// Write the report to this file (Markdown: with the plots as SVG files beside it);
        /// standard output otherwise.
        #[arg(short = 'o', long = "out")]
        out: Option<PathBuf>,
    },
}

/// `--format`: text and JSON for every command, Markdown and HTML for `report` only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum CliFormat {
    /// For people.
    #[default]
    Text,
    /// Stable JSON for programs.
    Json,
    /// Markdown (`report`).
    Md,
    /// One HTML page with the plots inline (`report`).
    Html,
}

impl CliFormat {
    /// The format of the commands that write text or JSON; `None` for `md` and `html`.
    pub fn plain(self) -> Option<Format> {
        match self {
            CliFormat::Text => Some(Format::Text),
            CliFormat::Json => Some(Format::Json),
            CliFormat::Md | CliFormat::Html => None,
        }
    }
}

/// The options of `audit`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AuditArgs {
    /// Only this pipeline (needed with a file option when the config has several).
    #[arg(short = 'p', long = "pipeline")]
    pub pipeline: Option<String>,
    /// The connector's options: a Flink SQL file (CREATE TABLE ... WITH ('connector' =
    /// 'oracle-cdc', ...)), a Debezium .properties file, or program arguments (.args). Default:
    /// `connector_options` of [pipeline.audit].
    #[arg(long)]
    pub connector_options: Option<PathBuf>,
    /// The database server's sqlnet.ora. Default: `sqlnet` of [pipeline.audit].
    #[arg(long)]
    pub sqlnet: Option<PathBuf>,
    /// Also check this host's net.ipv4.tcp_keepalive_time (when the doctor runs beside a
    /// TaskManager; also when [pipeline.audit] sets host_keepalive).
    #[arg(long)]
    pub host_keepalive: bool,
}

/// Log format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, with the structured fields.
    Json,
}
