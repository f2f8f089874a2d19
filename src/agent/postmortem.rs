//! The postmortem draft of one incident (`report`, and `/incidents/<id>` on the status page):
//! the timeline of verdict changes with their evidence, alerts sent, the audit log's gate
//! results and restart steps, the SCN window affected, time to detect and to recover, and the
//! plots of the window, as Markdown, HTML or JSON. `Report::load` reads the history; the
//! renderers do no I/O.

use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;

use super::incidents::Incident;
use super::page::{self, esc, human, sev_class, when};
use super::plot::{self, Metric};
use crate::lang::Lang;
use crate::observation::Timestamp;
use crate::store::{History, HistoryError, Sample};

/// Margin of history shown on each side of the incident in its plots.
const MARGIN: Duration = Duration::from_secs(15 * 60);

/// The SCN window an incident affected: the output's last SCN before it, the first after it.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct ScnWindow {
    /// The output's last SCN at or before the incident's start.
    pub last_before: Option<u64>,
    /// When the output showed it.
    pub last_before_at: Option<Timestamp>,
    /// The first higher SCN the output showed after the resolution.
    pub first_after: Option<u64>,
    /// When.
    pub first_after_at: Option<Timestamp>,
}

/// One line of the report's timeline.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    /// When.
    pub at: Timestamp,
    /// `verdict`, `alert` or the audit log's action name.
    pub kind: String,
    /// What happened, in the report's language.
    pub text: String,
    /// The verdict's evidence, in the report's language (verdicts only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

/// An incident with what its report needs from the history.
#[derive(Debug, Clone)]
pub struct Report {
    /// The incident.
    pub incident: Incident,
    /// Its SCN window.
    pub scn: ScnWindow,
    /// The samples of the plotted window.
    pub samples: Vec<Sample>,
    /// The plotted window.
    pub from: Timestamp,
    /// Its end.
    pub to: Timestamp,
    /// The stall window (the output age plot's limit line).
    pub stall_window: Duration,
    /// When the report was written (the end of an ongoing incident).
    pub now: Timestamp,
}

impl Report {
    /// Reads the SCN window and the samples of `incident` (three single-statement reads).
    pub async fn load(
        history: &History,
        incident: Incident,
        stall_window: Duration,
        now: Timestamp,
    ) -> Result<Report, HistoryError> {
        let p = &incident.pipeline;
        let end = incident.until(now);
        let mut scn = ScnWindow::default();
        if let Some(b) = history.output_scn_before(p, incident.start).await? {
            scn.last_before = b.output_scn;
            scn.last_before_at = Some(b.at);
            if let (Some(before), Some(e)) = (b.output_scn, incident.end) {
                if let Some(a) = history.output_scn_after(p, e, before).await? {
                    scn.first_after = a.output_scn;
                    scn.first_after_at = Some(a.at);
                }
            }
        }
        let (from, to) = (
            incident.start.minus(MARGIN),
            end.plus(MARGIN).min(now.max(end)),
        );
        let samples = history.samples(p, from, to, 300).await?;
        Ok(Report {
            incident,
            scn,
            samples,
            from,
            to,
            stall_window,
            now,
        })
    }

    /// The timeline: verdict changes, alerts and actions, in time order (a verdict before the
    /// alert and the action recorded at the same instant, as they happened).
    pub fn events(&self, lang: Lang) -> Vec<Event> {
        let i = &self.incident;
        let mut out: Vec<(Timestamp, u8, Event)> = Vec::new();
        for d in &i.verdicts {
            let spec = d.cause.spec();
            out.push((
                d.observed_at,
                0,
                Event {
                    at: d.observed_at,
                    kind: "verdict".into(),
                    text: format!(
                        "{} {}: {}",
                        d.severity.as_str(),
                        match lang {
                            Lang::En => spec.title_en,
                            Lang::Zh => spec.title_zh,
                        },
                        d.summary.render(lang)
                    ),
                    evidence: d.evidence.iter().map(|e| e.fact.render(lang)).collect(),
                },
            ));
        }
        for a in &i.alerts {
            let outcome = match (&a.error, lang) {
                (None, Lang::En) => "delivered".to_owned(),
                (None, Lang::Zh) => "已送达".to_owned(),
                (Some(e), Lang::En) => format!("failed: {e}"),
                (Some(e), Lang::Zh) => format!("失败：{e}"),
            };
            out.push((
                a.at,
                1,
                Event {
                    at: a.at,
                    kind: "alert".into(),
                    text: format!("{} ({}) → {}: {outcome}", a.notice, a.cause, a.channel),
                    evidence: Vec::new(),
                },
            ));
        }
        for a in &i.actions {
            out.push((
                a.at,
                2,
                Event {
                    at: a.at,
                    kind: a.action.clone(),
                    text: super::incidents::describe_action(&a.detail, lang)
                        .trim()
                        .to_owned(),
                    evidence: Vec::new(),
                },
            ));
        }
        out.sort_by_key(|(t, k, _)| (*t, *k));
        out.into_iter().map(|(_, _, e)| e).collect()
    }

    /// The report as JSON (English keys; texts in `lang`).
    pub fn json(&self, lang: Lang) -> String {
        let i = &self.incident;
        let v = serde_json::json!({
            "id": i.id,
            "pipeline": i.pipeline,
            "start": i.start,
            "end": i.end,
            "worst_severity": i.worst().as_str(),
            "causes": i.causes().iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            "pages_sent": i.pages_sent(),
            "first_page": i.first_page(),
            "time_to_detect_s": i.time_to_detect().map(|d| d.as_secs()),
            "time_to_recover_s": i.time_to_recover().map(|d| d.as_secs()),
            "scn_window": self.scn,
            "timeline": self.events(lang),
            "plots": Metric::ALL.iter().map(|m| m.id()).collect::<Vec<_>>(),
        });
        // A JSON value with string keys: serializing it cannot fail.
        serde_json::to_string_pretty(&v).unwrap_or_default()
    }

    /// The plot `m` of the incident's window, as SVG.
    pub fn plot(&self, m: Metric) -> String {
        plot::metric_svg(
            m,
            &self.samples,
            self.from,
            self.to,
            self.stall_window,
            plot::LARGE,
        )
    }

    fn headline(&self, lang: Lang) -> Vec<(&'static str, String)> {
        let i = &self.incident;
        let none = || "—".to_owned();
        let w = |en, zh| match lang {
            Lang::En => en,
            Lang::Zh => zh,
        };
        let scn = |v: Option<u64>, at: Option<Timestamp>| match (v, at) {
            (Some(v), Some(at)) => format!("{v} ({})", when(at)),
            _ => none(),
        };
        vec![
            (w("Pipeline", "管道"), i.pipeline.clone()),
            (w("Start", "开始"), when(i.start)),
            (
                w("End", "结束"),
                i.end
                    .map_or_else(|| w("ongoing", "进行中").to_owned(), when),
            ),
            (
                w("Worst severity", "最高严重度"),
                i.worst().as_str().to_owned(),
            ),
            (
                w("Causes (in order)", "原因（按顺序）"),
                i.causes()
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            (w("Pages sent", "已发送告警"), i.pages_sent().to_string()),
            (
                w(
                    "Time to detect (first verdict → first page)",
                    "发现耗时（首次判定 → 首次告警）",
                ),
                i.time_to_detect().map_or_else(none, human),
            ),
            (
                w(
                    "Time to recover (first verdict → resolution)",
                    "恢复耗时（首次判定 → 恢复）",
                ),
                i.time_to_recover().map_or_else(none, human),
            ),
            (
                w("Last output SCN before", "事件前输出的最后 SCN"),
                scn(self.scn.last_before, self.scn.last_before_at),
            ),
            (
                w("First output SCN after", "事件后输出的第一个 SCN"),
                scn(self.scn.first_after, self.scn.first_after_at),
            ),
        ]
    }

    /// The report as Markdown; the plots are linked as `<plot_base><metric>.svg` (files the
    /// command writes beside the report), else to the figures of the report the agent serves at
    /// `status` (`[agent.alerts] status_url`), else named only.
    pub fn markdown(
        &self,
        lang: Lang,
        plot_base: Option<&str>,
        status: Option<&url::Url>,
    ) -> String {
        let i = &self.incident;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "# {} {}\n",
            match lang {
                Lang::En => "Incident",
                Lang::Zh => "事件",
            },
            i.id
        );
        for (k, v) in self.headline(lang) {
            let _ = writeln!(s, "- **{k}**: {v}");
        }
        let _ = writeln!(
            s,
            "\n## {}\n",
            match lang {
                Lang::En => "Timeline",
                Lang::Zh => "时间线",
            }
        );
        for e in self.events(lang) {
            let _ = writeln!(s, "- `{}` **{}** {}", when(e.at), e.kind, e.text);
            for ev in &e.evidence {
                let _ = writeln!(s, "  - {ev}");
            }
        }
        let _ = writeln!(
            s,
            "\n## {}\n",
            match lang {
                Lang::En => "Plots",
                Lang::Zh => "图表",
            }
        );
        for m in Metric::ALL {
            match (plot_base, status) {
                (Some(base), _) => {
                    let _ = writeln!(s, "- [{}]({base}{}.svg)", m.title(lang), m.id());
                }
                (None, Some(status)) => {
                    let mut u = page::link(status, "incidents", &i.id);
                    u.set_fragment(Some(&format!("plot-{}", m.id())));
                    let _ = writeln!(s, "- [{}]({u})", m.title(lang));
                }
                (None, None) => {
                    let _ = writeln!(
                        s,
                        "- {} (`--out FILE` writes it beside the report)",
                        m.title(lang)
                    );
                }
            }
        }
        s
    }

    /// The report as one HTML page with the plots inline.
    pub fn html(&self, lang: Lang) -> String {
        let i = &self.incident;
        let mut b = String::new();
        let _ = write!(
            b,
            "<p><a href=\"/p/{}\">← {}</a></p><h1 class=\"{}\">{}</h1><table id=\"summary\">",
            page::seg(&i.pipeline),
            esc(&i.pipeline),
            sev_class(i.worst()),
            esc(&i.id)
        );
        for (k, v) in self.headline(lang) {
            let _ = write!(b, "<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(&v));
        }
        let _ = write!(
            b,
            "</table><h2>{}</h2><ol id=\"timeline\">",
            match lang {
                Lang::En => "Timeline",
                Lang::Zh => "时间线",
            }
        );
        for e in self.events(lang) {
            let _ = write!(
                b,
                "<li class=\"event-{}\"><time>{}</time> <b>{}</b> {}",
                esc(&e.kind),
                when(e.at),
                esc(&e.kind),
                esc(&e.text)
            );
            if !e.evidence.is_empty() {
                b.push_str("<ul>");
                for ev in &e.evidence {
                    let _ = write!(b, "<li>{}</li>", esc(ev));
                }
                b.push_str("</ul>");
            }
            b.push_str("</li>");
        }
        b.push_str("</ol>");
        for m in Metric::ALL {
            let _ = write!(
                b,
                "<figure class=\"plot\" id=\"plot-{}\"><figcaption>{}</figcaption>{}</figure>",
                m.id(),
                esc(m.title(lang)),
                self.plot(m)
            );
        }
        page::shell(&i.id, lang, &b)
    }
}
