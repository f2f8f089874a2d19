//! The status pages `watch` serves: the overview (`/`), one page per pipeline (`/p/<name>`) and
//! an incident's report (`/incidents/<id>`), as HTML rendered here with the plots inline as SVG.
//! No script, no external style or font: the pages work offline and with JavaScript disabled.
//! Reads the history with short single-statement queries; never writes it.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use super::incidents::{self, Incident};
use super::plot::{self, Metric, Size};
use crate::diagnose::{Diagnosis, Severity};
use crate::lang::Lang;
use crate::observation::Timestamp;
use crate::remediation::savepoints::restorability;
use crate::store::{History, HistoryError, Silence};

/// How far the overview's small plots look back.
pub const OVERVIEW_SPAN: Duration = Duration::from_secs(6 * 3600);
/// Points of an overview plot.
const OVERVIEW_POINTS: u32 = 60;
/// Points of a pipeline page's plot.
const PAGE_POINTS: u32 = 300;

/// What the pages know of one configured pipeline.
#[derive(Debug, Clone)]
pub struct PipelineInfo {
    /// Its name.
    pub name: String,
    /// Its stall window (the output age plot's limit line).
    pub stall_window: Duration,
}

/// Everything the pages read: the history, the pipelines, the language and the clock.
#[derive(Clone)]
pub struct Pages {
    /// The history database (`None` when it could not be opened: the pages say so).
    pub history: Option<History>,
    /// The configured pipelines, in config order.
    pub pipelines: Vec<PipelineInfo>,
    /// `[agent] language`.
    pub lang: Lang,
    /// `[agent] retention` (the longest range).
    pub retention: Duration,
    /// The agent's clock (the simulator's in tests).
    pub now: Arc<dyn Fn() -> Timestamp + Send + Sync>,
    /// This member of the fleet (none: `watch` alone): the pages say who owns each pipeline.
    pub fleet: Option<Arc<super::fleet::Fleet>>,
}

impl std::fmt::Debug for Pages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages")
            .field("pipelines", &self.pipelines.len())
            .field("lang", &self.lang)
            .finish_non_exhaustive()
    }
}

/// The ranges of the pipeline page's selector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    /// The last hour.
    Hour,
    /// The last 6 hours (the default).
    SixHours,
    /// The last day.
    Day,
    /// Everything kept (`[agent] retention`).
    Retention,
}

impl Range {
    /// Every range, in selector order.
    pub const ALL: [Range; 4] = [Range::Hour, Range::SixHours, Range::Day, Range::Retention];

    /// The query value (`?range=6h`).
    pub fn as_str(self) -> &'static str {
        match self {
            Range::Hour => "1h",
            Range::SixHours => "6h",
            Range::Day => "24h",
            Range::Retention => "retention",
        }
    }

    /// The range named `s`; `None` for anything else (the handler answers 400).
    pub fn parse(s: &str) -> Option<Range> {
        Range::ALL.into_iter().find(|r| r.as_str() == s)
    }

    fn span(self, retention: Duration) -> Duration {
        match self {
            Range::Hour => Duration::from_secs(3600),
            Range::SixHours => Duration::from_secs(6 * 3600),
            Range::Day => Duration::from_secs(24 * 3600),
            Range::Retention => retention,
        }
    }
}

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// Percent-encodes a pipeline name or incident id for a URL path segment.
pub fn seg(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// `<base>/<section>/<name>` on the status page at `base` (`[agent.alerts] status_url`), resolved
/// like a relative link: `https://host/status` and `https://host/` both give
/// `https://host/<section>/<name>`, and a proxy's path prefix is kept; `name` is percent-encoded.
pub fn link(base: &url::Url, section: &str, name: &str) -> url::Url {
    let mut u = base
        .join(&format!("{section}/"))
        .unwrap_or_else(|_| base.clone());
    if let Ok(mut segments) = u.path_segments_mut() {
        segments.pop_if_empty().push(name);
    }
    u
}

/// The CSS class of a severity (colour).
pub fn sev_class(s: Severity) -> &'static str {
    match s {
        Severity::Ok => "sev-ok",
        Severity::Warning => "sev-warning",
        Severity::Critical => "sev-critical",
        Severity::Unknown => "sev-unknown",
    }
}

const CSS: &str = "
:root{--ok:#1a7f37;--warning:#b7791f;--critical:#c62828;--unknown:#6b7280}
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;padding:12px;color:#1f2328;background:#f6f8fa}
h1{font-size:1.3rem;margin:.2rem 0 .8rem}h2{font-size:1.05rem;margin:1.2rem 0 .4rem}
a{color:#0b57d0}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{padding:6px 8px;border-bottom:1px solid #d0d7de;text-align:left;vertical-align:top;font-size:.9rem;overflow-wrap:anywhere}
tr.sev-ok td:first-child{border-left:6px solid var(--ok)}
tr.sev-warning td:first-child{border-left:6px solid var(--warning)}
tr.sev-critical td:first-child{border-left:6px solid var(--critical)}
tr.sev-unknown td:first-child{border-left:6px solid var(--unknown)}
tr.silenced{opacity:.75}
.badge{display:inline-block;padding:1px 6px;border-radius:4px;color:#fff;font-weight:600;font-size:.8rem}
.badge.sev-ok{background:var(--ok)}.badge.sev-warning{background:var(--warning)}
.badge.sev-critical{background:var(--critical)}.badge.sev-unknown{background:var(--unknown)}
.badge.silence{background:#57606a}
.plots{display:flex;flex-wrap:wrap;gap:4px}
.plot{background:#fff;border:1px solid #d0d7de;margin:4px 0;padding:4px}
figure.plot{max-width:1100px}figure.plot svg{width:100%;height:auto;display:block}
.small svg{width:110px;height:24px}
.range a{margin-right:8px}.range a.current{font-weight:700;text-decoration:none;color:#1f2328}
.muted{color:#57606a;font-size:.85rem}
ul{margin:.2rem 0;padding-left:1.2rem}
@media (max-width:700px){
 .overview thead{display:none}
 .overview tr{display:block;margin-bottom:8px;border:1px solid #d0d7de}
 .overview td{display:block;border:0}
 .plots{display:grid;grid-template-columns:1fr 1fr}
 .small svg{width:100%;height:auto}
}
";

/// A whole HTML page around `body`.
pub fn shell(title: &str, lang: Lang, body: &str) -> String {
    let code = match lang {
        Lang::En => "en",
        Lang::Zh => "zh-CN",
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"{code}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{CSS}</style></head><body>{body}</body></html>\n",
        esc(title)
    )
}

fn words(lang: Lang, en: &'static str, zh: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

/// A duration for people: `3h 12m`, `45s`.
pub fn human(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {}s", s / 60, s % 60),
        3600..86400 => format!("{}h {}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d {}h", s / 86400, (s % 86400) / 3600),
    }
}

/// A time for people: `2026-11-30 03:15:00Z`.
pub fn when(t: Timestamp) -> String {
    humantime::format_rfc3339_seconds(t.to_system_time())
        .to_string()
        .replacen('T', " ", 1)
}

/// The verdict's words: severity badge and cause title.
fn verdict_html(d: &Diagnosis, lang: Lang) -> String {
    let spec = d.cause.spec();
    format!(
        "<span class=\"badge {}\">{}</span> {}",
        sev_class(d.severity),
        d.severity.as_str(),
        esc(words(lang, spec.title_en, spec.title_zh))
    )
}

/// The plots of `samples` over `[from, to]`.
pub fn plots_html(
    samples: &[crate::store::Sample],
    from: Timestamp,
    to: Timestamp,
    stall_window: Duration,
    size: Size,
    lang: Lang,
) -> String {
    let mut s = String::new();
    for m in Metric::ALL {
        let svg = plot::metric_svg(m, samples, from, to, stall_window, size);
        if size.axes {
            let _ = write!(
                s,
                "<figure class=\"plot\" id=\"plot-{}\"><figcaption>{}</figcaption>{svg}</figure>",
                m.id(),
                esc(m.title(lang))
            );
        } else {
            let _ = write!(
                s,
                "<span class=\"small plot-{}\" title=\"{}\">{svg}</span>",
                m.id(),
                esc(m.title(lang))
            );
        }
    }
    s
}

impl Pages {
    fn history(&self) -> Result<&History, PageError> {
        self.history.as_ref().ok_or(PageError::NoHistory)
    }

    /// The overview: one row per pipeline with its verdict, since when, the summary and the
    /// small plots of the last hours. `latest` is the agent's latest diagnoses.
    pub async fn overview(&self, latest: &[Diagnosis]) -> Result<String, PageError> {
        let now = (self.now)();
        let h = self.history()?;
        // The timeline's current entries: "since when", and the verdict of a pipeline the agent
        // has not probed yet since it started (the last one known, until the first probe).
        let current = h.current_verdicts().await?;
        let silences = h.silences(None, now).await?;
        let from = now.minus(OVERVIEW_SPAN);
        let mut samples = Vec::with_capacity(self.pipelines.len());
        for p in &self.pipelines {
            samples.push(h.samples(&p.name, from, now, OVERVIEW_POINTS).await?);
        }
        // Drawing 5 plots per pipeline is CPU work (tens of ms for 100 pipelines): it runs on the
        // blocking pool, not on the runtime's threads that serve the probes.
        let (lang, pipelines, latest) = (self.lang, self.pipelines.clone(), latest.to_vec());
        let fleet = self.fleet.as_ref().map(|f| FleetLine::of(f, &pipelines));
        let render = move || {
            let view = Overview {
                lang,
                now,
                from,
                latest: &latest,
                current: &current,
                silences: &silences,
                fleet: fleet.as_ref(),
            };
            view.render(&pipelines, &samples)
        };
        tokio::task::spawn_blocking(render)
            .await
            .map_err(|_| PageError::Render)
    }

    /// The page of pipeline `name` over `range`; `Ok(None)` when no such pipeline is configured.
    pub async fn pipeline(
        &self,
        name: &str,
        range: Range,
        latest: Option<&Diagnosis>,
    ) -> Result<Option<String>, PageError> {
        let lang = self.lang;
        let Some(p) = self.pipelines.iter().find(|p| p.name == name) else {
            return Ok(None);
        };
        let h = self.history()?;
        let now = (self.now)();
        let from = now.minus(range.span(self.retention));
        let samples = h.samples(name, from, now, PAGE_POINTS).await?;
        let timeline = h.timeline(Some(name), from).await?;
        // The verdict in force at the range's start (the change before it) colours its first band.
        let before = h
            .timeline(
                Some(name),
                now.minus(self.retention.max(Duration::from_secs(30 * 86400))),
            )
            .await?
            .into_iter()
            .rfind(|e| e.diagnosis.observed_at < from);
        let silences = h.silences(Some(name), now).await?;
        let found = incidents::load(
            h,
            &[name.to_owned()],
            now.minus(self.retention.max(Duration::from_secs(30 * 86400))),
        )
        .await?;
        let savepoints = h.savepoints(Some(name)).await?;
        let newest = h
            .recent_observations(name, now.minus(self.retention), 1)
            .await?;
        // Before its first probe since the agent started, the last verdict the timeline holds.
        let latest = latest.cloned().or_else(|| {
            timeline
                .last()
                .or(before.as_ref())
                .map(|e| e.diagnosis.clone())
        });
        let latest = latest.as_ref();
        let mut b = String::new();
        let _ = write!(
            b,
            "<p><a href=\"/\">← {}</a></p><h1>{}</h1>",
            words(lang, "all pipelines", "全部管道"),
            esc(name)
        );
        if let Some(d) = latest {
            let _ = write!(
                b,
                "<p id=\"verdict\" class=\"{}\">{} — {}</p>",
                sev_class(d.severity),
                verdict_html(d, lang),
                esc(&d.summary.render(lang))
            );
            if let Some(m) = &d.observed_by {
                let _ = write!(
                    b,
                    "<p id=\"observed-by\" class=\"muted\">{} {}</p>",
                    words(lang, "observed by fleet member", "观测成员"),
                    esc(m)
                );
            }
        }
        if let Some(f) = &self.fleet {
            let line = FleetLine::of(f, std::slice::from_ref(p));
            let note = line.owner_note(line.owners[0].as_deref(), lang);
            if !note.is_empty() {
                let _ = write!(b, "<p id=\"owner\">{}</p>", note.trim_start_matches("<br>"));
            }
        }
        for s in &silences {
            let _ = write!(b, "<p class=\"silences\">{}</p>", silence_badge(s, lang));
        }
        b.push_str("<nav class=\"range\">");
        for r in Range::ALL {
            let _ = write!(
                b,
                "<a href=\"/p/{}?range={}\"{}>{}</a>",
                seg(name),
                r.as_str(),
                if r == range { " class=\"current\"" } else { "" },
                match r {
                    Range::Retention => words(lang, "all kept", "全部保留"),
                    other => other.as_str(),
                }
            );
        }
        let _ = write!(
            b,
            "</nav><p class=\"muted\" id=\"range\" data-range=\"{}\">{} → {} · {} {}</p>",
            range.as_str(),
            when(from),
            when(now),
            samples.len(),
            words(lang, "samples", "个样本")
        );
        b.push_str(&plots_html(
            &samples,
            from,
            now,
            p.stall_window,
            plot::LARGE,
            lang,
        ));
        // The verdict timeline: coloured bands, then the changes as a list.
        let mut spans: Vec<(Timestamp, Severity)> = Vec::new();
        if let Some(e) = &before {
            spans.push((from, e.diagnosis.severity));
        }
        spans.extend(
            timeline
                .iter()
                .map(|e| (e.diagnosis.observed_at, e.diagnosis.severity)),
        );
        let _ = write!(
            b,
            "<h2>{}</h2><figure class=\"plot\" id=\"bands\">{}</figure><ul id=\"timeline\">",
            words(lang, "Verdicts", "判定变化"),
            plot::bands(&spans, from, now, plot::LARGE.width)
        );
        for e in timeline.iter().rev() {
            let _ = write!(
                b,
                "<li class=\"{}\">{} {} — {}</li>",
                sev_class(e.diagnosis.severity),
                when(e.diagnosis.observed_at),
                verdict_html(&e.diagnosis, lang),
                esc(&e.diagnosis.summary.render(lang))
            );
        }
        b.push_str("</ul>");
        if let Some(d) = latest {
            b.push_str(&evidence_html(d, lang));
        }
        let _ = write!(b, "<h2>{}</h2>", words(lang, "Incidents", "事件"));
        if found.is_empty() {
            let _ = write!(b, "<p class=\"muted\">{}</p>", words(lang, "none", "无"));
        } else {
            b.push_str("<ul id=\"incidents\">");
            for i in found.iter().rev() {
                let _ = write!(b, "<li>{}</li>", incident_line(i, now, lang));
            }
            b.push_str("</ul>");
        }
        let _ = write!(b, "<h2>{}</h2>", words(lang, "Savepoints", "保存点"));
        if savepoints.is_empty() {
            let _ = write!(
                b,
                "<p class=\"muted\">{}</p>",
                words(lang, "none recorded", "无记录")
            );
        } else {
            let _ = write!(
                b,
                "<table id=\"savepoints\"><thead><tr><th>{}</th><th>{}</th><th>SCN</th><th>{}</th></tr></thead><tbody>",
                words(lang, "Completed", "完成时间"),
                words(lang, "Path", "路径"),
                words(lang, "Restorable", "可恢复")
            );
            for sp in &savepoints {
                let r = restorability(sp, newest.last());
                let _ = write!(
                    b,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    when(sp.completed_at),
                    esc(&sp.path),
                    sp.restart_scn
                        .map_or_else(|| "—".to_owned(), |s| s.to_string()),
                    r.word()
                );
            }
            b.push_str("</tbody></table>");
        }
        Ok(Some(shell(name, lang, &b)))
    }
}

/// What the overview shows, read from the agent and the history.
struct Overview<'a> {
    lang: Lang,
    now: Timestamp,
    from: Timestamp,
    latest: &'a [Diagnosis],
    current: &'a [crate::store::TimelineEntry],
    silences: &'a [Silence],
    fleet: Option<&'a FleetLine>,
}

/// What the pages say of the fleet: this member, the fleet's size and each pipeline's owner.
#[derive(Debug, Clone)]
struct FleetLine {
    member: String,
    members: usize,
    /// Per pipeline (config order): the owner, as this member sees the fleet.
    owners: Vec<Option<String>>,
}

impl FleetLine {
    fn of(f: &super::fleet::Fleet, pipelines: &[PipelineInfo]) -> FleetLine {
        FleetLine {
            member: f.member().to_string(),
            members: f.size(),
            owners: pipelines.iter().map(|p| f.owner_of(&p.name)).collect(),
        }
    }

    fn header(&self, lang: Lang) -> String {
        format!(
            "<p id=\"fleet\" class=\"muted\">{}</p>",
            esc(&match lang {
                Lang::En => format!(
                    "Fleet member {} of {} live; this page shows what this member observed: a pipeline another member owns has its current verdict on that member's page.",
                    self.member, self.members
                ),
                Lang::Zh => format!(
                    "机群成员 {}（共 {} 个在线）；本页显示本成员的观测：由其他成员负责的管道，其当前判定见该成员的页面。",
                    self.member, self.members
                ),
            })
        )
    }

    fn owner_note(&self, owner: Option<&str>, lang: Lang) -> String {
        match owner {
            Some(o) if o == self.member => String::new(),
            Some(o) => format!(
                "<br><span class=\"muted owner\">{} {}</span>",
                words(lang, "owned by fleet member", "负责成员"),
                esc(o)
            ),
            None => format!(
                "<br><span class=\"muted owner\">{}</span>",
                words(lang, "no fleet member owns it", "机群中无成员负责")
            ),
        }
    }
}

impl Overview<'_> {
    /// The page: one row per pipeline, `samples` in the pipelines' order.
    fn render(&self, pipelines: &[PipelineInfo], samples: &[Vec<crate::store::Sample>]) -> String {
        let (lang, now, from) = (self.lang, self.now, self.from);
        let mut b = String::new();
        let _ = write!(
            b,
            "<h1>logminer-doctor</h1><p class=\"muted\">{} {}</p>\
             <table class=\"overview\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            words(lang, "As of", "截至"),
            when(now),
            words(lang, "Pipeline", "管道"),
            words(lang, "Verdict", "判定"),
            words(lang, "Since", "起始"),
            words(lang, "Summary", "摘要"),
            words(lang, "Last 6 hours", "最近 6 小时"),
        );
        if let Some(f) = self.fleet {
            b.insert_str(b.find("<table").unwrap_or(0), &f.header(lang));
        }
        for (i, (p, samples)) in pipelines.iter().zip(samples).enumerate() {
            let owner = self.fleet.map_or_else(String::new, |f| {
                f.owner_note(f.owners.get(i).and_then(|o| o.as_deref()), lang)
            });
            let known = self.current.iter().find(|e| e.pipeline == p.name);
            let d = self
                .latest
                .iter()
                .find(|d| d.pipeline == p.name)
                .or(known.map(|e| &e.diagnosis));
            let silence = self.silences.iter().find(|s| s.pipeline == p.name);
            let class = d.map_or("sev-unknown", |d| sev_class(d.severity));
            let _ = write!(
                b,
                "<tr id=\"row-{}\" class=\"{class}{}\"><td><a href=\"/p/{}\">{}</a>{owner}</td><td>{}{}</td><td>{}</td><td>{}</td><td><div class=\"plots\">{}</div></td></tr>",
                esc(&p.name),
                if silence.is_some() { " silenced" } else { "" },
                seg(&p.name),
                esc(&p.name),
                d.map_or_else(
                    || words(lang, "not probed yet", "尚未探测").to_owned(),
                    |d| verdict_html(d, lang)
                ),
                silence.map_or_else(String::new, |s| silence_badge(s, lang)),
                known.map_or_else(String::new, |e| format!(
                    "{}<br><span class=\"muted\">{}</span>",
                    when(e.diagnosis.observed_at),
                    human(now.since(e.diagnosis.observed_at))
                )),
                d.map_or_else(String::new, |d| esc(&d.summary.render(lang))),
                plots_html(samples, from, now, p.stall_window, plot::SMALL, lang),
            );
        }
        b.push_str("</tbody></table>");
        shell("logminer-doctor", lang, &b)
    }
}

/// One incident as a line with its report's link.
pub fn incident_line(i: &Incident, now: Timestamp, lang: Lang) -> String {
    let causes: Vec<&str> = i.causes().iter().map(|c| c.as_str()).collect();
    format!(
        "<a href=\"/incidents/{}\">{}</a> <span class=\"badge {}\">{}</span> {} → {} ({}) · {}",
        seg(&i.id),
        esc(&i.id),
        sev_class(i.worst()),
        i.worst().as_str(),
        when(i.start),
        i.end
            .map_or_else(|| words(lang, "ongoing", "进行中").to_owned(), when),
        human(i.until(now).since(i.start)),
        esc(&causes.join(", "))
    )
}

fn silence_badge(s: &Silence, lang: Lang) -> String {
    format!(
        "<span class=\"badge silence\">{} {}</span> <span class=\"muted\">{}</span>",
        words(lang, "silenced until", "静默至"),
        when(s.until),
        esc(&s.reason)
    )
}

/// The evidence and what to do, rendered in `lang`.
pub fn evidence_html(d: &Diagnosis, lang: Lang) -> String {
    let mut b = String::new();
    let _ = write!(
        b,
        "<h2>{}</h2><ul id=\"evidence\">",
        words(lang, "Evidence", "证据")
    );
    for e in &d.evidence {
        let _ = write!(b, "<li>{}</li>", esc(&e.fact.render(lang)));
    }
    for w in &d.warnings {
        let _ = write!(b, "<li class=\"sev-warning\">{}</li>", esc(&w.render(lang)));
    }
    for m in &d.missing_signals {
        let _ = write!(
            b,
            "<li class=\"sev-unknown\">{} {}: {}</li>",
            words(lang, "not checked:", "未检查："),
            esc(&m.signal),
            esc(&m.why.render(lang))
        );
    }
    let _ = write!(
        b,
        "</ul><h2>{}</h2><ol id=\"todo\">",
        words(lang, "What to do", "处理建议")
    );
    for f in &d.remediation {
        let _ = write!(b, "<li>{}</li>", esc(&f.render(lang)));
    }
    b.push_str("</ol>");
    b
}

/// Why a page could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// The history database could not be opened when the agent started.
    #[error("the history database is not open (see the agent's log)")]
    NoHistory,
    /// A read failed.
    #[error(transparent)]
    History(#[from] HistoryError),
    /// Drawing the page panicked (a bug; the agent goes on).
    #[error("the page could not be drawn")]
    Render,
}
