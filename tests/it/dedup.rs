//! The alert decision (hold-down, dedup, re-notify, silences) as a table: one row per
//! behaviour, each a sequence of verdicts 15 s apart and the notices it must produce.

use std::time::Duration;

use logminer_doctor::agent::alerts::dedup::{step, AlertState, Policy};
use logminer_doctor::diagnose::{Cause, Severity};
use logminer_doctor::observation::Timestamp;

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
fn alert_decisions_follow_hold_down_dedup_renotify_and_silences() {
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
fn alert_state_round_trips_through_json_for_the_history() {
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
