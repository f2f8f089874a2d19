//! What the doctor's own history says a pipeline's redo and undo must cover, for the Oracle
//! checks of `audit`: the longest quiet period it has seen (an `idle_source` stretch of the
//! verdict timeline, kept 30 days), the connector's lag (how far back in redo the restart SCN of
//! the newest observation lies) and the initial snapshot it watched (the connector's sessions
//! running snapshot SELECTs, from the observations kept). This file owns computing them (pure)
//! and reading them from the state database; the checks compare the archive retention with the
//! quiet period plus the lag, and `undo_retention` with the snapshot.

use std::time::Duration;

use crate::diagnose::questions::redo_headroom;
use crate::diagnose::rules::RestartScn;
use crate::diagnose::Cause;
use crate::observation::{Observation, Timestamp};
use crate::store::{History, HistoryError, TimelineEntry};

/// How far back the audit reads the verdict timeline (the timeline keeps at least this long).
pub const TIMELINE_READ: Duration = Duration::from_secs(30 * 24 * 3600);

/// A stretch of time the doctor watched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stretch {
    /// How long it lasted (so far, when `ongoing`).
    pub length: Duration,
    /// It had not ended at the newest record.
    pub ongoing: bool,
    /// It began before the oldest record kept: the length is a lower bound.
    pub cut_off: bool,
}

/// What the history shows; `None` where it shows nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Exposure {
    /// How far back the verdict timeline reaches (the period the quiet one was sought in).
    pub timeline_span: Duration,
    /// The longest `idle_source` stretch: no change on the captured tables, the connector alive.
    pub longest_quiet: Option<Stretch>,
    /// At the newest observation: how long ago the restart SCN (the lowest of the output's last
    /// SCN and the oldest open transaction) was current, estimated from the redo's SCN rate.
    pub lag: Option<Duration>,
    /// The longest stretch of observations in which a connector session ran a snapshot SELECT.
    pub snapshot: Option<Stretch>,
}

/// The longest `idle_source` stretch of one pipeline's timeline (entries oldest first); an idle
/// verdict still current runs to `now`. Consecutive idle entries (a severity change inside the
/// idle verdict) are one stretch.
pub fn longest_quiet(timeline: &[TimelineEntry], now: Timestamp) -> Option<Stretch> {
    let mut best: Option<Stretch> = None;
    let mut start: Option<(usize, Timestamp)> = None;
    let mut keep = |from: (usize, Timestamp), to: Timestamp, ongoing: bool| {
        let s = Stretch {
            length: to.since(from.1),
            ongoing,
            // The first entry kept is idle: the stretch may have begun before the timeline.
            cut_off: from.0 == 0,
        };
        if best.is_none_or(|b| s.length > b.length) {
            best = Some(s);
        }
    };
    for (i, e) in timeline.iter().enumerate() {
        let at = e.diagnosis.observed_at;
        match (e.diagnosis.cause == Cause::IdleSource, start) {
            (true, None) => start = Some((i, at)),
            (false, Some(s)) => {
                keep(s, at, false);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        keep(s, now, true);
    }
    best
}

/// How long ago the restart SCN of `o` was current, from the redo's SCN rate (`None` when redo,
/// the SCN clock or the restart SCN is not observed, or the SCN has left redo already).
pub fn lag(o: &Observation) -> Option<Duration> {
    let (scn, _) = RestartScn::of(o, None).lowest()?;
    let h = redo_headroom(o, scn)?;
    Some(h.kept.saturating_sub(h.headroom))
}

/// The longest run of consecutive observations marked as snapshotting (`Some(true)`); an
/// observation whose sessions were not read (`None`) neither breaks nor extends a run.
pub fn longest_snapshot(marks: &[(Timestamp, Option<bool>)]) -> Option<Stretch> {
    let mut best: Option<Stretch> = None;
    let mut run: Option<(usize, Timestamp, Timestamp)> = None;
    let mut keep = |(first, from, to): (usize, Timestamp, Timestamp), ongoing: bool| {
        let s = Stretch {
            length: to.since(from),
            ongoing,
            cut_off: first == 0,
        };
        if best.is_none_or(|b| s.length > b.length) {
            best = Some(s);
        }
    };
    let mut first_read = None;
    for (i, (at, mark)) in marks.iter().enumerate() {
        match mark {
            Some(true) => {
                let first = *first_read.get_or_insert(i);
                run = Some(match run {
                    Some((f, from, _)) => (f, from, *at),
                    None => (usize::from(i != first), *at, *at),
                });
            }
            Some(false) => {
                first_read.get_or_insert(i);
                if let Some(r) = run.take() {
                    keep(r, false);
                }
            }
            None => {}
        }
    }
    if let Some(r) = run {
        keep(r, true);
    }
    best
}

/// Reads what the state database knows of `pipeline` at `now`.
pub async fn read(h: &History, pipeline: &str, now: Timestamp) -> Result<Exposure, HistoryError> {
    let since = now.minus(TIMELINE_READ);
    let timeline = h.timeline(Some(pipeline), since).await?;
    let timeline_span = timeline
        .first()
        .map_or(Duration::ZERO, |e| now.since(e.diagnosis.observed_at));
    let newest = h.recent_observations(pipeline, since, 1).await?;
    let marks = h.snapshot_marks(pipeline).await?;
    Ok(Exposure {
        timeline_span,
        longest_quiet: longest_quiet(&timeline, now),
        lag: newest.last().and_then(lag),
        snapshot: longest_snapshot(&marks),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_unix_millis(1_700_000_000_000 + s * 1000)
    }

    #[test]
    fn the_longest_snapshot_run_is_found_and_unread_marks_do_not_break_it() {
        let marks = [
            (t(0), Some(false)),
            (t(10), Some(true)),
            (t(20), None),
            (t(30), Some(true)),
            (t(40), Some(false)),
            (t(50), Some(true)),
            (t(55), Some(true)),
        ];
        let s = longest_snapshot(&marks).unwrap();
        assert_eq!(s.length, Duration::from_secs(20));
        assert!(!s.ongoing && !s.cut_off);
        // The ongoing run wins when longer, and a run from the first read mark is cut off.
        let marks = [(t(0), None), (t(5), Some(true)), (t(100), Some(true))];
        let s = longest_snapshot(&marks).unwrap();
        assert_eq!(s.length, Duration::from_secs(95));
        assert!(s.ongoing && s.cut_off);
        assert_eq!(longest_snapshot(&[(t(0), Some(false))]), None);
    }
}
