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

#[cfg(test)]
mod tests {
    use super::*;

    const DEAD: (Cause, Severity) = (Cause::DeadConnection, Severity::Critical);
    const STUCK: (Cause, Severity) = (Cause::LogminerStuck, Severity::Critical);
    const OK: (Cause, Severity) = (Cause::Healthy, Severity::Ok);
    const WARN: (Cause, Severity) = (Cause::IdleSource, Severity::Warning);
    const UNK: (Cause, Severity) = (Cause::Unknown, Severity::Unknown);

    /// Runs verdicts 15 s apart (a `true` marks a silenced probe) and returns, per probe, the
    /// notices sent as "kind:cause".
    fn run(policy: Policy, probes: &[((Cause, Severity), bool)]) -> Vec<Vec<String>> {
        let mut state = AlertState::default();
        let mut out = Vec::new();
        for (i, ((cause, sev), silenced)) in probes.iter().enumerate() {
            let at = Timestamp::from_unix_millis(i as i64 * 15_000);
            let (next, sends) = step(&state, *cause, *sev, at, *silenced, policy);
            state = next;
            out.push(
                sends
                    .iter()
                    .map(|s| format!("{:?}:{}", s.notice, s.cause).to_lowercase())
                    .collect(),
            );
        }
        out
    }

    fn p(hold_down: u32, renotify_s: u64) -> Policy {
        Policy {
            hold_down,
            renotify: Duration::from_secs(renotify_s),
        }
    }

    fn flat(v: Vec<Vec<String>>) -> Vec<(usize, String)> {
        v.into_iter()
            .enumerate()
            .flat_map(|(i, s)| s.into_iter().map(move |x| (i, x)))
            .collect()
    }

    #[test]
    fn table() {
        let n = |x: bool| x;
        #[allow(clippy::type_complexity)]
        let rows: Vec<(
            &str,
            Policy,
            Vec<((Cause, Severity), bool)>,
            Vec<(usize, &str)>,
        )> = vec![
            (
                "one alert per incident and one resolution",
                p(1, 3600),
                vec![
                    (OK, n(false)),
                    (DEAD, false),
                    (DEAD, false),
                    (DEAD, false),
                    (OK, false),
                    (OK, false),
                ],
                vec![
                    (1, "firing:dead_connection"),
                    (4, "resolved:dead_connection"),
                ],
            ),
            (
                "hold-down: a failover that heals in 40 s never pages",
                p(4, 3600),
                vec![
                    (OK, false),
                    (DEAD, false),
                    (DEAD, false),
                    (DEAD, false),
                    (OK, false),
                ],
                vec![],
            ),
            (
                "hold-down: fires on the probe that completes it",
                p(3, 3600),
                vec![(DEAD, false), (DEAD, false), (DEAD, false), (DEAD, false)],
                vec![(2, "firing:dead_connection")],
            ),
            (
                "a change of verdict resolves the old incident and fires the new",
                p(1, 3600),
                vec![(DEAD, false), (STUCK, false), (STUCK, false)],
                vec![
                    (0, "firing:dead_connection"),
                    (1, "resolved:dead_connection"),
                    (1, "firing:logminer_stuck"),
                ],
            ),
            (
                "a change of verdict also waits out the hold-down",
                p(2, 3600),
                vec![(DEAD, false), (DEAD, false), (STUCK, false), (STUCK, false)],
                vec![
                    (1, "firing:dead_connection"),
                    (3, "resolved:dead_connection"),
                    (3, "firing:logminer_stuck"),
                ],
            ),
            (
                "re-notify on schedule while the incident lasts",
                p(1, 30),
                vec![
                    (DEAD, false),
                    (DEAD, false),
                    (DEAD, false),
                    (DEAD, false),
                    (DEAD, false),
                ],
                vec![
                    (0, "firing:dead_connection"),
                    (2, "renotify:dead_connection"),
                    (4, "renotify:dead_connection"),
                ],
            ),
            (
                "a warning does not page",
                p(1, 3600),
                vec![(WARN, false), (WARN, false)],
                vec![],
            ),
            (
                "unknown pages: the doctor is blind",
                p(1, 3600),
                vec![(UNK, false), (OK, false)],
                vec![(0, "firing:unknown"), (1, "resolved:unknown")],
            ),
            (
                "silenced: nothing fires, the incident fires when the silence ends",
                p(1, 3600),
                vec![(DEAD, true), (DEAD, true), (DEAD, false)],
                vec![(2, "firing:dead_connection")],
            ),
            (
                "silenced: no re-notify, but the resolution is sent",
                p(1, 15),
                vec![(DEAD, false), (DEAD, true), (DEAD, true), (OK, true)],
                vec![
                    (0, "firing:dead_connection"),
                    (3, "resolved:dead_connection"),
                ],
            ),
            (
                "an incident that ends under silence sends nothing",
                p(1, 3600),
                vec![(DEAD, true), (OK, true), (OK, false)],
                vec![],
            ),
        ];
        for (name, policy, probes, want) in rows {
            let got = flat(run(policy, &probes));
            let want: Vec<(usize, String)> = want.into_iter().map(|(i, s)| (i, s.into())).collect();
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn state_round_trips_through_json() {
        let (s, _) = step(
            &AlertState::default(),
            Cause::DeadConnection,
            Severity::Critical,
            Timestamp::from_unix_millis(1),
            false,
            p(1, 60),
        );
        let text = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<AlertState>(&text).unwrap(), s);
    }
}
