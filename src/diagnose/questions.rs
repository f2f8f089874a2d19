//! Questions that the decision table, the gate and the restart's verification all ask, answered
//! once so that they cannot disagree: is a JobManager failover in progress, do the JobManagers
//! see the same cluster, and is the restart SCN covered by redo on every thread.
//!
//! Pure, on one observation: the decision table adds time on top (how long a failover lasts,
//! two disagreeing observations in a row), the gate takes the one fresh observation as it is.

use super::RestartScn;
use crate::observation::{JobManagerStatus, Observation, RedoThread, Signal, Timestamp};

/// What shows a JobManager failover in progress in `o`, if one is: a JobManager answering
/// HTTP 503 (leader election) or HTTP 500 `RecipientUnreachableException` (its leader is gone),
/// ZooKeeper naming a leader that does not answer, or ZooKeeper naming none.
pub fn failover(o: &Observation) -> Option<String> {
    // ZooKeeper answering with no leader elected: an election is under way, whatever the
    // JobManagers' REST endpoints answer meanwhile (they may wait for the new leader, or time out).
    let zk = o.zookeeper.value();
    if zk.is_some_and(|z| z.leader_rest_url.is_none() && z.servers.iter().any(|s| s.ok)) {
        return Some("ZooKeeper names no leading JobManager".into());
    }
    let f = o.flink.value()?;
    let electing: Vec<&str> = f
        .jobmanagers
        .iter()
        .filter(|j| {
            matches!(
                j.status,
                JobManagerStatus::LeaderElection | JobManagerStatus::LeaderUnreachable
            )
        })
        .map(|j| j.url.as_str())
        .collect();
    if !electing.is_empty() {
        return Some(format!(
            "{} answer leader election / leader unreachable",
            electing.join(", ")
        ));
    }
    let url = zk.and_then(|z| z.leader_rest_url.as_deref())?;
    f.jobmanagers
        .iter()
        .any(|j| same_url(&j.url, url) && matches!(j.status, JobManagerStatus::Unreachable { .. }))
        .then(|| format!("ZooKeeper still names {url}, which does not answer"))
}

/// Whether a failover is in progress in `o` (see [`failover`]).
pub fn in_failover(o: &Observation) -> bool {
    failover(o).is_some()
}

/// The same REST endpoint, whatever the case and a trailing slash.
pub fn same_url(a: &str, b: &str) -> bool {
    a.trim_end_matches('/')
        .eq_ignore_ascii_case(b.trim_end_matches('/'))
}

/// A JobManager's view of the jobs with the configured name: (id, state, start time), sorted.
type JobView = Vec<(String, String, Timestamp)>;

/// Two JobManagers that both answer and list different jobs in `o` (two clusters, or a split
/// brain): what each sees.
pub fn disagreement(o: &Observation) -> Option<(String, String)> {
    let f = o.flink.value()?;
    let views: Vec<(&str, JobView)> = f
        .jobmanagers
        .iter()
        .filter_map(|j| match &j.status {
            JobManagerStatus::Up { jobs, .. } => {
                let mut v: Vec<_> = jobs
                    .iter()
                    .map(|s| (s.id.clone(), s.state.clone(), s.start_time))
                    .collect();
                v.sort();
                Some((j.url.as_str(), v))
            }
            _ => None,
        })
        .collect();
    let (a_url, a) = views.first()?;
    views.iter().find(|(_, v)| v != a).map(|(b_url, b)| {
        let show = |v: &JobView| {
            if v.is_empty() {
                "no such job".to_string()
            } else {
                v.iter()
                    .map(|(id, st, t)| format!("{id} {st} since {t}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            }
        };
        (
            format!("{a_url} sees {}", show(a)),
            format!("{b_url} sees {}", show(b)),
        )
    })
}

/// Whether redo still holds what a restart needs.
#[derive(Debug, Clone, PartialEq)]
pub enum RedoCoverage<'a> {
    /// No restart SCN is known: why.
    NoRestartScn(String),
    /// The available redo was not observed: why.
    RedoUnknown(String),
    /// Every enabled thread's chain starts at or before the restart SCN.
    Covered {
        /// The restart SCN (the lowest candidate).
        scn: u64,
        /// Every candidate and where it came from.
        sources: Vec<String>,
        /// The enabled redo threads.
        threads: &'a [RedoThread],
    },
    /// Some thread's oldest available redo is newer than the restart SCN.
    Uncovered {
        /// The restart SCN (the lowest candidate).
        scn: u64,
        /// Every candidate and where it came from.
        sources: Vec<String>,
        /// The enabled redo threads.
        threads: &'a [RedoThread],
        /// The threads that no longer reach back to it.
        uncovered: Vec<u32>,
    },
}

/// Is the conservative restart SCN (DESIGN.md §2 step 3) covered by the redo available in `o`
/// on every enabled thread?
pub fn redo_coverage<'a>(o: &'a Observation, restart: &RestartScn) -> RedoCoverage<'a> {
    let threads = match o.oracle.value().map(|x| &x.redo) {
        Some(Signal::Observed { value }) if !value.threads.is_empty() => &value.threads,
        Some(Signal::Observed { .. }) => {
            return RedoCoverage::RedoUnknown("no enabled redo thread listed".into())
        }
        Some(other) => {
            return RedoCoverage::RedoUnknown(format!(
                "redo not observed: {}",
                other.error().unwrap_or_default()
            ))
        }
        None => {
            return RedoCoverage::RedoUnknown(format!(
                "Oracle not observed: {}",
                o.oracle.error().unwrap_or_default()
            ))
        }
    };
    let Some((scn, sources)) = restart.lowest() else {
        let why = match &restart.output_unreadable {
            Some(e) => format!(
                "the output's last SCN cannot be read ({e}), no open transaction, no --from-scn"
            ),
            None => "no SCN in the output, no open transaction and no --from-scn".into(),
        };
        return RedoCoverage::NoRestartScn(why);
    };
    let uncovered: Vec<u32> = threads
        .iter()
        .filter(|t| t.oldest_scn > scn)
        .map(|t| t.thread)
        .collect();
    if uncovered.is_empty() {
        RedoCoverage::Covered {
            scn,
            sources,
            threads,
        }
    } else {
        RedoCoverage::Uncovered {
            scn,
            sources,
            threads,
            uncovered,
        }
    }
}
