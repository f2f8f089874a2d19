//! The one exit-code table of the program (monitoring-plugin convention, DESIGN.md §2).
//!
//! A broken probe never reads as healthy: usage and config errors of the monitoring commands
//! exit 3 (UNKNOWN), never 0 or 1.

use std::process::ExitCode;

use crate::diagnose::Severity;

/// Exit statuses, listed in `--help` and the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: OK (diagnose: healthy or idle; explain: classified; check-config: valid and reachable).
    Ok = 0,
    /// 1: WARNING (healthy or idle with a trend that will hurt; demo: a scenario missed its cause).
    Warning = 1,
    /// 2: CRITICAL (a fault; check-config: a configured system is unreachable).
    Critical = 2,
    /// 3: UNKNOWN (no step could decide; any usage, config or input error).
    Unknown = 3,
}

impl Exit {
    /// The exit for a diagnosis severity.
    pub fn from_severity(s: Severity) -> Exit {
        match s {
            Severity::Ok => Exit::Ok,
            Severity::Warning => Exit::Warning,
            Severity::Critical => Exit::Critical,
            Severity::Unknown => Exit::Unknown,
        }
    }

    /// The exit of several diagnoses: the most urgent wins (CRITICAL > UNKNOWN > WARNING > OK),
    /// so one broken pipeline is never hidden by an undecided one.
    pub fn worst(severities: impl IntoIterator<Item = Severity>) -> Exit {
        Exit::most_urgent(severities.into_iter().map(Exit::from_severity))
    }

    /// The most urgent of several exits (CRITICAL > UNKNOWN > WARNING > OK); none is UNKNOWN.
    pub fn most_urgent(exits: impl IntoIterator<Item = Exit>) -> Exit {
        let rank = |e: Exit| match e {
            Exit::Ok => 0,
            Exit::Warning => 1,
            Exit::Unknown => 2,
            Exit::Critical => 3,
        };
        exits
            .into_iter()
            .max_by_key(|e| rank(*e))
            .unwrap_or(Exit::Unknown)
    }

    /// The process exit code.
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e.code())
    }
}

/// The table as printed at the end of `--help`.
pub const EXIT_TABLE: &str = "\
Exit codes (monitoring-plugin convention):
  0  OK        healthy or idle source; explain classified the text; check-config all good
  1  WARNING   healthy or idle, with a trend that will hurt (redo headroom, failing checkpoints)
  2  CRITICAL  a fault: dead_connection, logminer_stuck, missing_redo, sink_stalled, ...;
               check-config: a configured system is unreachable
  3  UNKNOWN   no step could decide, or a usage, config or input error";
