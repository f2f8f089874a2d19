//! The redo-availability rule, pure: per enabled thread, the unbroken chain of logs (online,
//! or archived with a name, not deleted, status A, same incarnation) ending at the thread's
//! current online log, and whether it covers a given SCN. The collector gets the archived logs
//! as runs of consecutive sequences (sql/archive_chain.sql summarises them in SQL, so a week of
//! logs is a few rows); `available` on single logs is the reference the runs are tested against.

use std::collections::BTreeMap;

use crate::observation::{RedoThread, Timestamp};

/// One redo log as the rule sees it (a `V$LOG` or a `V$ARCHIVED_LOG` row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFile {
    /// `THREAD#`.
    pub thread: u32,
    /// `SEQUENCE#`.
    pub sequence: u64,
    /// `FIRST_CHANGE#`.
    pub first_change: u64,
    /// `NEXT_CHANGE#` (18446744073709551615 for the current online log on 12.2+).
    pub next_change: u64,
    /// `FIRST_TIME`.
    pub first_time: Timestamp,
    /// Where it comes from, and whether LogMiner can read it.
    pub source: LogSource,
}

/// Online log (`V$LOG.STATUS`) or archived copy (with the filter columns of `V$ARCHIVED_LOG`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogSource {
    /// An online log; `current` is `STATUS = 'CURRENT'`. UNUSED logs hold no redo.
    Online {
        /// `STATUS = 'CURRENT'`.
        current: bool,
        /// `STATUS = 'UNUSED'` (never written).
        unused: bool,
    },
    /// An archived copy.
    Archived {
        /// `NAME IS NOT NULL` (NULL after a clear or RMAN `delete input`).
        named: bool,
        /// `DELETED = 'YES'`.
        deleted: bool,
        /// `STATUS`: A available, D deleted, U unavailable, X expired.
        status: String,
        /// `RESETLOGS_CHANGE#`: the incarnation it belongs to.
        resetlogs_change: Option<u64>,
    },
}

impl LogFile {
    /// LogMiner can read this log in incarnation `resetlogs`.
    fn readable(&self, resetlogs: Option<u64>) -> bool {
        match &self.source {
            LogSource::Online { unused, .. } => !unused,
            LogSource::Archived {
                named,
                deleted,
                status,
                resetlogs_change,
            } => {
                *named
                    && !deleted
                    && status == "A"
                    && match (resetlogs, resetlogs_change) {
                        (Some(want), Some(have)) => want == *have,
                        _ => true,
                    }
            }
        }
    }
}

/// Why redo is not available for a thread.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedoError {
    /// An enabled thread has no online log at all.
    #[error("redo thread {0} is enabled but V$LOG shows no online log for it")]
    NoOnlineLog(u32),
}

/// Per enabled thread, the oldest SCN from which every log up to the thread's current online log
/// (its highest online sequence for a closed RAC thread) is readable with no sequence gap.
/// `resetlogs` is `V$DATABASE.RESETLOGS_CHANGE#`: archived copies of an older incarnation are
/// ignored (their sequences restart at 1 after a resetlogs).
pub fn available(
    threads: &[u32],
    logs: &[LogFile],
    resetlogs: Option<u64>,
) -> Result<Vec<RedoThread>, RedoError> {
    let mut out = Vec::new();
    for &thread in threads {
        // Sequence -> the log; an online log wins over an archived copy of the same sequence.
        let mut by_seq: BTreeMap<u64, &LogFile> = BTreeMap::new();
        for l in logs
            .iter()
            .filter(|l| l.thread == thread && l.readable(resetlogs))
        {
            let online = matches!(l.source, LogSource::Online { .. });
            if online || !by_seq.contains_key(&l.sequence) {
                by_seq.insert(l.sequence, l);
            }
        }
        let end = newest_online(logs, thread)?;
        let mut oldest = end;
        let mut seq = end.sequence;
        while seq > 0 {
            match by_seq.get(&(seq - 1)) {
                Some(prev) => {
                    oldest = prev;
                    seq -= 1;
                }
                None => break,
            }
        }
        out.push(RedoThread {
            thread,
            oldest_scn: oldest.first_change,
            oldest_time: oldest.first_time,
        });
    }
    Ok(out)
}

/// A run of consecutive readable archived sequences of one thread (a row of
/// sql/archive_chain.sql): below `low_seq` and above `high_seq` the thread has a gap, or the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Island {
    /// `THREAD#`.
    pub thread: u32,
    /// The lowest sequence of the run.
    pub low_seq: u64,
    /// The highest sequence of the run.
    pub high_seq: u64,
    /// How many sequences it holds (`high_seq - low_seq + 1` when the SQL is right).
    pub logs: u64,
    /// `FIRST_CHANGE#` of its lowest sequence.
    pub first_change: u64,
    /// `FIRST_TIME` of its lowest sequence.
    pub first_time: Timestamp,
}

/// What sql/archive_chain.sql computes, in Rust, from single archived logs: per thread, the runs
/// of consecutive readable sequences (copies of one sequence count once), the newest
/// `max_per_thread` of each thread, oldest first. The tests compare the SQL's recorded rows and
/// the simulated database's answers with it.
pub fn islands(logs: &[LogFile], resetlogs: Option<u64>, max_per_thread: usize) -> Vec<Island> {
    let mut by_thread: BTreeMap<u32, BTreeMap<u64, &LogFile>> = BTreeMap::new();
    for l in logs
        .iter()
        .filter(|l| matches!(l.source, LogSource::Archived { .. }) && l.readable(resetlogs))
    {
        let seqs = by_thread.entry(l.thread).or_default();
        let keep = seqs
            .get(&l.sequence)
            .is_none_or(|have| l.first_change < have.first_change);
        if keep {
            seqs.insert(l.sequence, l);
        }
    }
    let mut out = Vec::new();
    for (thread, seqs) in by_thread {
        let mut runs: Vec<Island> = Vec::new();
        for (seq, l) in seqs {
            match runs.last_mut() {
                Some(r) if r.high_seq + 1 == seq => {
                    r.high_seq = seq;
                    r.logs += 1;
                }
                _ => runs.push(Island {
                    thread,
                    low_seq: seq,
                    high_seq: seq,
                    logs: 1,
                    first_change: l.first_change,
                    first_time: l.first_time,
                }),
            }
        }
        let skip = runs.len().saturating_sub(max_per_thread);
        out.extend(runs.into_iter().skip(skip));
    }
    out
}

/// The gaps of each thread between its runs, as (thread, first missing, last missing) sequence.
pub fn gaps(islands: &[Island]) -> Vec<(u32, u64, u64)> {
    islands
        .windows(2)
        .filter(|w| w[0].thread == w[1].thread && w[0].high_seq + 1 < w[1].low_seq)
        .map(|w| (w[0].thread, w[0].high_seq + 1, w[1].low_seq - 1))
        .collect()
}

/// `available` with the archived logs given as runs: per enabled thread, from the current
/// online log back through online logs and runs while no sequence is missing. Same answer as
/// `available` on the single logs the runs summarise (tested), for `online` holding only
/// online logs.
pub fn available_from_runs(
    threads: &[u32],
    online: &[LogFile],
    runs: &[Island],
) -> Result<Vec<RedoThread>, RedoError> {
    let mut out = Vec::new();
    for &thread in threads {
        let mut by_seq: BTreeMap<u64, &LogFile> = BTreeMap::new();
        for l in online
            .iter()
            .filter(|l| l.thread == thread && l.readable(None))
        {
            by_seq.insert(l.sequence, l);
        }
        let end = newest_online(online, thread)?;
        let (mut oldest_scn, mut oldest_time) = (end.first_change, end.first_time);
        let mut seq = end.sequence;
        while seq > 0 {
            let prev = seq - 1;
            if let Some(l) = by_seq.get(&prev) {
                (oldest_scn, oldest_time) = (l.first_change, l.first_time);
                seq = prev;
            } else if let Some(r) = runs
                .iter()
                .find(|r| r.thread == thread && r.low_seq <= prev && prev <= r.high_seq)
            {
                (oldest_scn, oldest_time) = (r.first_change, r.first_time);
                seq = r.low_seq;
            } else {
                break;
            }
        }
        out.push(RedoThread {
            thread,
            oldest_scn,
            oldest_time,
        });
    }
    Ok(out)
}

/// The thread's newest online log that holds redo: the CURRENT one, else the highest sequence
/// (where the chain of available redo ends, and is walked back from).
fn newest_online(logs: &[LogFile], thread: u32) -> Result<&LogFile, RedoError> {
    logs.iter()
        .filter(|l| l.thread == thread)
        .filter(|l| matches!(l.source, LogSource::Online { unused: false, .. }))
        .max_by_key(|l| {
            (
                matches!(l.source, LogSource::Online { current: true, .. }),
                l.sequence,
            )
        })
        .ok_or(RedoError::NoOnlineLog(thread))
}
