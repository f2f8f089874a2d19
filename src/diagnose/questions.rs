//! Questions that the decision table, the gate and the restart's verification all ask, answered
//! once so that they cannot disagree: is a JobManager failover in progress, do the JobManagers
//! see the same cluster, is the restart SCN covered by redo on every thread, and how long until
//! an SCN ages out of redo (the decision table's headroom, and a savepoint's).
//!
//! Pure, on one observation: the decision table adds time on top (how long a failover lasts,
//! two disagreeing observations in a row), the gate takes the one fresh observation as it is.

use super::{Fact, RestartScn};
use crate::observation::{JobManagerStatus, Observation, RedoThread, Signal, Timestamp};

/// What shows a JobManager failover in progress in `o`, if one is: a JobManager answering
/// HTTP 503 (leader election) or HTTP 500 `RecipientUnreachableException` (its leader is gone),
/// ZooKeeper naming a leader that does not answer, or ZooKeeper naming none.
pub fn failover(o: &Observation) -> Option<Fact> {
    // ZooKeeper answering with no leader elected: an election is under way, whatever the
    // JobManagers' REST endpoints answer meanwhile (they may wait for the new leader, or time out).
    let zk = o.zookeeper.value();
    if zk.is_some_and(|z| z.leader_rest_url.is_none() && z.servers.iter().any(|s| s.ok)) {
        return Some(Fact::ZookeeperNamesNoLeader);
    }
    let f = o.flink.value()?;
    let electing: Vec<String> = f
        .jobmanagers
        .iter()
        .filter(|j| {
            matches!(
                j.status,
                JobManagerStatus::LeaderElection | JobManagerStatus::LeaderUnreachable
            )
        })
        .map(|j| j.url.clone())
        .collect();
    if !electing.is_empty() {
        return Some(Fact::JobManagersElecting { urls: electing });
    }
    let url = zk.and_then(|z| z.leader_rest_url.as_deref())?;
    f.jobmanagers
        .iter()
        .any(|j| same_url(&j.url, url) && matches!(j.status, JobManagerStatus::Unreachable { .. }))
        .then(|| Fact::ZookeeperNamesDeadLeader { url: url.into() })
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
pub fn disagreement(o: &Observation) -> Option<(Fact, Fact)> {
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
        // Job ids, states and times read the same in every language.
        let sees = |url: &str, v: &JobView| Fact::JobManagerSees {
            url: url.into(),
            jobs: v
                .iter()
                .map(|(id, st, t)| format!("{id} {st} since {t}"))
                .collect(),
        };
        (sees(a_url, a), sees(b_url, b))
    })
}

/// Whether redo still holds what a restart needs.
#[derive(Debug, Clone, PartialEq)]
pub enum RedoCoverage<'a> {
    /// No restart SCN is known: why.
    NoRestartScn(Fact),
    /// The available redo was not observed: why.
    RedoUnknown(Fact),
    /// Every enabled thread's chain starts at or before the restart SCN.
    Covered {
        /// The restart SCN (the lowest candidate).
        scn: u64,
        /// Every candidate and where it came from.
        sources: Vec<Fact>,
        /// The enabled redo threads.
        threads: &'a [RedoThread],
    },
    /// Some thread's oldest available redo is newer than the restart SCN.
    Uncovered {
        /// The restart SCN (the lowest candidate).
        scn: u64,
        /// Every candidate and where it came from.
        sources: Vec<Fact>,
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
        Some(Signal::Observed { .. }) => return RedoCoverage::RedoUnknown(Fact::NoRedoThread),
        Some(other) => {
            return RedoCoverage::RedoUnknown(Fact::RedoNotObserved {
                why: Box::new(Fact::error(other.error().unwrap_or_default())),
            })
        }
        None => {
            return RedoCoverage::RedoUnknown(Fact::OracleNotObserved {
                why: Box::new(Fact::error(o.oracle.error().unwrap_or_default())),
            })
        }
    };
    let Some((scn, sources)) = restart.lowest() else {
        return RedoCoverage::NoRestartScn(Fact::NoRestartScn {
            output_error: restart.output_unreadable.clone(),
        });
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

/// How an SCN ages out of redo: `redo_headroom`'s answer.
#[derive(Debug, Clone, Copy)]
pub struct Headroom<'a> {
    /// How long until the SCN leaves available redo.
    pub headroom: std::time::Duration,
    /// The thread whose oldest log binds first.
    pub binding: &'a RedoThread,
    /// How long redo is kept on that thread (its oldest log to the database's clock).
    pub kept: std::time::Duration,
    /// The rate at which purging moves through SCNs, per second.
    pub purge_scn_per_s: f64,
}

/// How long until `scn` ages out of `o`'s available redo, and the thread that binds first,
/// assuming redo is kept for a constant time window and the SCN rate stays as it was (linear
/// between the binding thread's oldest log and the database's clock). `None` when redo or the
/// SCN clock is not observed, or `scn` is already uncovered.
pub fn redo_headroom(o: &Observation, scn: u64) -> Option<Headroom<'_>> {
    let oracle = o.oracle.value()?;
    let threads = &oracle.redo.value()?.threads;
    let binding = threads.iter().max_by_key(|t| t.oldest_scn)?;
    if binding.oldest_scn > scn {
        return None;
    }
    let db = oracle.database.value()?;
    let elapsed = db.database_time.since(binding.oldest_time).as_secs_f64();
    let scns = db.current_scn.saturating_sub(binding.oldest_scn) as f64;
    if elapsed <= 0.0 || scns <= 0.0 {
        return None;
    }
    // Saturating: a replayed bundle can hold any numbers, and this must never panic.
    let secs =
        |s: f64| std::time::Duration::try_from_secs_f64(s).unwrap_or(std::time::Duration::MAX);
    Some(Headroom {
        headroom: secs((scn - binding.oldest_scn) as f64 * elapsed / scns),
        binding,
        kept: secs(elapsed),
        purge_scn_per_s: scns / elapsed,
    })
}
