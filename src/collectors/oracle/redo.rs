//! The redo-availability rule, pure: per enabled thread, the unbroken chain of logs (online,
//! or archived with a name, not deleted, status A, same incarnation) ending at the thread's
//! current online log, and whether it covers a given SCN.

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
        let end = logs
            .iter()
            .filter(|l| l.thread == thread)
            .filter(|l| matches!(l.source, LogSource::Online { unused: false, .. }))
            .max_by_key(|l| {
                (
                    matches!(l.source, LogSource::Online { current: true, .. }),
                    l.sequence,
                )
            })
            .ok_or(RedoError::NoOnlineLog(thread))?;
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
