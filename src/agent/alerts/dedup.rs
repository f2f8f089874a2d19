//! When a verdict becomes a message: hold-down, deduplication, re-notify and silences.
//!
//! Pure: no I/O and no clock. The caller passes the probe's timestamp and whether the pipeline
//! is silenced, and persists the returned state; the tests are table-driven.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::diagnose::{Cause, Severity};
use crate::observation::Timestamp;

/// How the agent alerts (from `[agent]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// An alertable verdict fires only once it held for this many consecutive probes.
    pub hold_down: u32,
    /// An incident still firing is notified again after this long.
    pub renotify: Duration,
}

/// The alert state of one pipeline, persisted in the history so it survives a restart.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertState {
    /// The alertable cause seen on the latest consecutive probes, and how many.
    pub pending: Option<(Cause, u32)>,
    /// The incident that was notified and not yet resolved.
    pub firing: Option<Firing>,
}

/// A notified incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Firing {
    /// Its cause.
    pub cause: Cause,
    /// When it was first notified.
    pub since: Timestamp,
    /// When it was last notified (first time or re-notify).
    pub last_sent: Timestamp,
}

/// What to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Notice {
    /// A new incident (or a change of verdict).
    Firing,
    /// The same incident, still there after the re-notify interval.
    Renotify,
    /// The incident is over (the verdict is OK/WARNING again, or changed to another cause).
    Resolved,
}

/// One message to send: what kind, for which cause, since when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Send {
    /// Firing, re-notify or resolved.
    pub notice: Notice,
    /// The incident's cause.
    pub cause: Cause,
    /// When the incident was first notified.
    pub since: Timestamp,
}

/// Whether a verdict pages: CRITICAL does, and so does UNKNOWN (the doctor is blind on that
/// pipeline). OK and WARNING do not: warnings are shown in `/status` and the metrics.
pub fn alertable(severity: Severity) -> bool {
    matches!(severity, Severity::Critical | Severity::Unknown)
}

/// Feeds one probe's verdict into the state: returns the next state and the messages to send.
///
/// While silenced nothing fires and nothing re-notifies (the verdict still counts toward the
/// hold-down, so an incident that outlives the silence fires when it ends); a resolution is
/// still sent, because it wakes nobody and clears the alert where it is shown.
pub fn step(
    state: &AlertState,
    cause: Cause,
    severity: Severity,
    at: Timestamp,
    silenced: bool,
    policy: Policy,
) -> (AlertState, Vec<Send>) {
    let mut next = state.clone();
    let mut out = Vec::new();
    if !alertable(severity) {
        next.pending = None;
        if let Some(f) = next.firing.take() {
            out.push(resolved(f));
        }
        return (next, out);
    }
    let count = match state.pending {
        Some((c, n)) if c == cause => n.saturating_add(1),
        _ => 1,
    };
    next.pending = Some((cause, count));
    if count < policy.hold_down.max(1) {
        // Not held long enough: a change to another alertable cause does not resolve the old
        // incident yet either, so a flapping verdict never produces a burst of messages.
        return (next, out);
    }
    match state.firing {
        Some(f) if f.cause == cause => {
            if !silenced && at.since(f.last_sent) >= policy.renotify {
                next.firing = Some(Firing { last_sent: at, ..f });
                out.push(Send {
                    notice: Notice::Renotify,
                    cause,
                    since: f.since,
                });
            }
        }
        Some(f) => {
            out.push(resolved(f));
            next.firing = None;
            if !silenced {
                next.firing = Some(fire(cause, at, &mut out));
            }
        }
        None => {
            if !silenced {
                next.firing = Some(fire(cause, at, &mut out));
            }
        }
    }
    (next, out)
}

fn fire(cause: Cause, at: Timestamp, out: &mut Vec<Send>) -> Firing {
    out.push(Send {
        notice: Notice::Firing,
        cause,
        since: at,
    });
    Firing {
        cause,
        since: at,
        last_sent: at,
    }
}

fn resolved(f: Firing) -> Send {
    Send {
        notice: Notice::Resolved,
        cause: f.cause,
        since: f.since,
    }
}
