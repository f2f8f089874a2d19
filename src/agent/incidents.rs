//! Incidents, found in the history: the span from the first non-OK verdict of an episode that
//! paged to the verdict that resolved it, with the alerts sent and the actions of the audit log
//! inside it. `find` is pure (the history's rows in, incidents out); `load` reads the rows,
//! one short query each, so the prober is never held up by a report.

use std::time::Duration;

use serde::Serialize;

use crate::diagnose::{Cause, Diagnosis, Severity};
use crate::lang::Lang;
use crate::observation::Timestamp;
use crate::store::{History, HistoryError, SentAlert, TimelineEntry};

/// One entry of the audit log (gate results, restart steps, savepoints).
#[derive(Debug, Clone, Serialize)]
pub struct Action {
    /// When it was recorded.
    pub at: Timestamp,
    /// Its name (`restart`, `gate`, …).
    pub action: String,
    /// Its detail as recorded (JSON).
    pub detail: String,
}

/// An incident of one pipeline.
#[derive(Debug, Clone)]
pub struct Incident {
    /// `<pipeline>-<start as YYYYMMDDTHHMMSSZ>`: stable, and what `report` takes.
    pub id: String,
    /// The pipeline's name.
    pub pipeline: String,
    /// The first non-OK verdict.
    pub start: Timestamp,
    /// The verdict that resolved it (back to OK); `None` while it lasts.
    pub end: Option<Timestamp>,
    /// The verdict changes from the start to the resolution (included), oldest first.
    pub verdicts: Vec<Diagnosis>,
    /// Alerts recorded in the span (the resolution's included).
    pub alerts: Vec<SentAlert>,
    /// The audit log in the span.
    pub actions: Vec<Action>,
}

impl Incident {
    /// The causes in the order they were diagnosed (each once, the resolution's excluded).
    pub fn causes(&self) -> Vec<Cause> {
        let mut out: Vec<Cause> = Vec::new();
        for d in self.verdicts.iter().filter(|d| d.severity != Severity::Ok) {
            if !out.contains(&d.cause) {
                out.push(d.cause);
            }
        }
        out
    }

    /// The worst severity of the span.
    pub fn worst(&self) -> Severity {
        let rank = |s: Severity| match s {
            Severity::Ok => 0,
            Severity::Unknown => 1,
            Severity::Warning => 2,
            Severity::Critical => 3,
        };
        self.verdicts
            .iter()
            .map(|d| d.severity)
            .max_by_key(|s| rank(*s))
            .unwrap_or(Severity::Ok)
    }

    /// Pages delivered (firing and renotify notices that reached their channel).
    pub fn pages_sent(&self) -> usize {
        self.alerts
            .iter()
            .filter(|a| a.notice != "resolved" && a.error.is_none())
            .count()
    }

    /// When the first page went out (the first firing notice, delivered or not).
    pub fn first_page(&self) -> Option<Timestamp> {
        self.alerts
            .iter()
            .find(|a| a.notice == "firing")
            .map(|a| a.at)
    }

    /// Time to detect: from the first non-OK verdict to the first page.
    pub fn time_to_detect(&self) -> Option<Duration> {
        self.first_page().map(|p| p.since(self.start))
    }

    /// Time to recover: from the first non-OK verdict to the resolution.
    pub fn time_to_recover(&self) -> Option<Duration> {
        self.end.map(|e| e.since(self.start))
    }

    /// The incident's span: its end, or `now` while it lasts.
    pub fn until(&self, now: Timestamp) -> Timestamp {
        self.end.unwrap_or(now)
    }
}

/// The id of an incident of `pipeline` that started at `start`.
pub fn incident_id(pipeline: &str, start: Timestamp) -> String {
    let t = humantime::format_rfc3339_seconds(start.to_system_time()).to_string();
    let compact: String = t.chars().filter(|c| *c != '-' && *c != ':').collect();
    format!("{pipeline}-{compact}")
}

/// The incidents of one pipeline in its timeline (oldest first), given the alerts and the
/// audit log of the same pipeline. An episode of non-OK verdicts that sent no firing alert
/// (held down, silenced) is not an incident.
pub fn find(
    pipeline: &str,
    timeline: &[TimelineEntry],
    alerts: &[SentAlert],
    actions: &[Action],
) -> Vec<Incident> {
    let mut episodes: Vec<(Vec<Diagnosis>, Option<Timestamp>)> = Vec::new();
    let mut open: Option<Vec<Diagnosis>> = None;
    for e in timeline.iter().filter(|e| e.pipeline == pipeline) {
        let d = &e.diagnosis;
        match (&mut open, d.severity == Severity::Ok) {
            (None, true) => {}
            (None, false) => open = Some(vec![d.clone()]),
            (Some(v), false) => v.push(d.clone()),
            (Some(_), true) => {
                if let Some(mut v) = open.take() {
                    v.push(d.clone());
                    episodes.push((v, Some(d.observed_at)));
                }
            }
        }
    }
    if let Some(v) = open {
        episodes.push((v, None));
    }
    episodes
        .into_iter()
        .filter_map(|(verdicts, end)| {
            let start = verdicts.first()?.observed_at;
            let inside = |t: Timestamp| t >= start && end.is_none_or(|e| t <= e);
            let alerts: Vec<SentAlert> = alerts.iter().filter(|a| inside(a.at)).cloned().collect();
            if !alerts.iter().any(|a| a.notice == "firing") {
                return None;
            }
            Some(Incident {
                id: incident_id(pipeline, start),
                pipeline: pipeline.to_owned(),
                start,
                end,
                verdicts,
                alerts,
                actions: actions.iter().filter(|a| inside(a.at)).cloned().collect(),
            })
        })
        .collect()
}

/// The incidents of `pipelines` that were still open at `since` or began after it, oldest
/// first. Three short reads per pipeline (timeline, alerts, audit log).
pub async fn load(
    history: &History,
    pipelines: &[String],
    since: Timestamp,
) -> Result<Vec<Incident>, HistoryError> {
    let mut out = Vec::new();
    // The timeline keeps changes only, for at least 30 days: reading it whole finds the start
    // of an incident that began before `since`.
    let origin = Timestamp::from_unix_millis(0);
    for p in pipelines {
        let timeline = history.timeline(Some(p), origin).await?;
        if !timeline
            .iter()
            .any(|e| e.diagnosis.severity != Severity::Ok)
        {
            continue;
        }
        let alerts = history.alerts_since(p, origin).await?;
        let actions = history
            .actions(p, origin)
            .await?
            .into_iter()
            .map(|(at, action, detail)| Action { at, action, detail })
            .collect::<Vec<_>>();
        out.extend(
            find(p, &timeline, &alerts, &actions)
                .into_iter()
                .filter(|i| i.end.is_none_or(|e| e >= since)),
        );
    }
    out.sort_by_key(|i| i.start);
    Ok(out)
}

/// One audit-log entry's detail (the JSON `remediation` records) in words: a step's outcome, a
/// gate's refusal, a restart's beginning and result; the recorded text when it is none of them.
pub fn describe_action(detail: &str, lang: Lang) -> String {
    let v: serde_json::Value = serde_json::from_str(detail).unwrap_or_default();
    match (
        v.get("ok").and_then(|o| o.as_bool()),
        v.get("detail").and_then(|d| d.as_str()),
    ) {
        (Some(ok), Some(d)) => {
            let word = match (ok, lang) {
                (true, Lang::En) => "ok:",
                (false, Lang::En) => "FAILED:",
                (true, Lang::Zh) => "成功：",
                (false, Lang::Zh) => "失败：",
            };
            format!("{word} {d}")
        }
        _ => match v.get("result").and_then(|r| r.as_str()) {
            Some(r) => format!(
                "{r} {}",
                v.get("proof")
                    .or(v.get("error"))
                    .and_then(|x| x.as_str())
                    .unwrap_or_default()
            ),
            None => match v.get("blockers") {
                Some(b) => match lang {
                    Lang::En => format!("refused by the gate: {b}"),
                    Lang::Zh => format!("gate 拒绝：{b}"),
                },
                None => match v.get("restart_scn") {
                    Some(scn) => match lang {
                        Lang::En => format!("began (gate passed; restart SCN {scn})"),
                        Lang::Zh => format!("开始（gate 通过；重启点 SCN {scn}）"),
                    },
                    None => detail.to_owned(),
                },
            },
        },
    }
}
