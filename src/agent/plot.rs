//! The plots of the status page and the incident reports: stored samples → series → SVG text,
//! drawn by `plotters`' SVG backend (text as SVG `<text>`, so no font file is read and nothing
//! is fetched by the browser). Pure: no I/O, no clock; the caller gives the range.

use plotters::prelude::*;

use crate::lang::Lang;
use crate::observation::Timestamp;
use crate::store::Sample;

/// Which quantity a plot shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Age of the newest committed output file against the stall window, seconds.
    OutputAge,
    /// Database SCN minus the output's last SCN.
    ScnLag,
    /// The flush table SCN (the mining loop's heartbeat).
    Heartbeat,
    /// Source records out and sink records in per second.
    RecordRates,
    /// How long the latest completed checkpoint took (Flink's `end_to_end_duration`), seconds.
    CheckpointDuration,
}

impl Metric {
    /// Every plot, in page order.
    pub const ALL: [Metric; 5] = [
        Metric::OutputAge,
        Metric::ScnLag,
        Metric::Heartbeat,
        Metric::RecordRates,
        Metric::CheckpointDuration,
    ];

    /// A stable name (CSS class, element id, report file name).
    pub fn id(self) -> &'static str {
        match self {
            Metric::OutputAge => "output-age",
            Metric::ScnLag => "scn-lag",
            Metric::Heartbeat => "heartbeat",
            Metric::RecordRates => "record-rates",
            Metric::CheckpointDuration => "checkpoint-duration",
        }
    }

    /// The plot's title in `lang`.
    pub fn title(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Metric::OutputAge, Lang::En) => "Output age (s) vs stall window",
            (Metric::OutputAge, Lang::Zh) => "输出文件年龄（秒）与停滞窗口",
            (Metric::ScnLag, Lang::En) => "SCN lag (database − output)",
            (Metric::ScnLag, Lang::Zh) => "SCN 延迟（数据库 − 输出）",
            (Metric::Heartbeat, Lang::En) => "Heartbeat (flush table SCN)",
            (Metric::Heartbeat, Lang::Zh) => "心跳（刷新表 SCN）",
            (Metric::RecordRates, Lang::En) => "Records/s: source (blue), sink (green)",
            (Metric::RecordRates, Lang::Zh) => "每秒记录数：源（蓝）、Sink（绿）",
            (Metric::CheckpointDuration, Lang::En) => "Checkpoint duration (s)",
            (Metric::CheckpointDuration, Lang::Zh) => "检查点耗时（秒）",
        }
    }
}

/// One line of a plot: (time, value) points, oldest first.
pub type Line = Vec<(i64, f64)>;

/// The lines `metric` draws from `samples` (the second line of `RecordRates` is the sink's;
/// rates are the counter's rise over the time between two samples, none across a reset).
pub fn lines(metric: Metric, samples: &[Sample]) -> Vec<Line> {
    let at = |s: &Sample| s.at.unix_millis();
    let age = |s: &Sample, t: Option<Timestamp>| t.map(|t| s.at.since(t).as_secs_f64());
    match metric {
        Metric::OutputAge => vec![samples
            .iter()
            .filter_map(|s| Some((at(s), age(s, s.output_committed)?)))
            .collect()],
        Metric::ScnLag => vec![samples
            .iter()
            .filter_map(|s| Some((at(s), s.database_scn?.saturating_sub(s.output_scn?) as f64)))
            .collect()],
        Metric::Heartbeat => vec![samples
            .iter()
            .filter_map(|s| Some((at(s), s.heartbeat_scn? as f64)))
            .collect()],
        Metric::RecordRates => vec![
            rates(samples, |s| s.source_records),
            rates(samples, |s| s.sink_records),
        ],
        // One point per checkpoint, not per sample: a checkpoint seen by several probes is
        // plotted once, when first seen.
        Metric::CheckpointDuration => {
            let mut line: Line = Vec::new();
            let mut last_done = None;
            for s in samples {
                let (Some(done), Some(ms)) = (s.checkpoint_completed, s.checkpoint_duration_ms)
                else {
                    continue;
                };
                if last_done != Some(done) {
                    last_done = Some(done);
                    line.push((at(s), ms as f64 / 1000.0));
                }
            }
            vec![line]
        }
    }
}

fn rates(samples: &[Sample], counter: impl Fn(&Sample) -> Option<u64>) -> Line {
    samples
        .windows(2)
        .filter_map(|w| {
            let (a, b) = (counter(&w[0])?, counter(&w[1])?);
            let secs = w[1].at.since(w[0].at).as_secs_f64();
            (b >= a && secs > 0.0).then(|| (w[1].at.unix_millis(), (b - a) as f64 / secs))
        })
        .collect()
}

/// How big a plot is drawn.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    /// Width in SVG units (CSS scales it to the screen).
    pub width: u32,
    /// Height.
    pub height: u32,
    /// Axis labels drawn (the small plots of the overview have none).
    pub axes: bool,
}

/// The overview's sparkline.
pub const SMALL: Size = Size {
    width: 220,
    height: 48,
    axes: false,
};

/// The pipeline page's and the report's plot.
pub const LARGE: Size = Size {
    width: 760,
    height: 200,
    axes: true,
};

const COLOURS: [RGBColor; 2] = [RGBColor(0x1f, 0x6f, 0xd1), RGBColor(0x1a, 0x8f, 0x3c)];
const LIMIT: RGBColor = RGBColor(0xc6, 0x28, 0x28);

/// The SVG of `metric` drawn from `samples` over `[from, to]`; the output age plot carries the
/// stall window as its limit line.
pub fn metric_svg(
    metric: Metric,
    samples: &[Sample],
    from: Timestamp,
    to: Timestamp,
    stall_window: std::time::Duration,
    size: Size,
) -> String {
    let limit = (metric == Metric::OutputAge).then_some(stall_window.as_secs_f64());
    svg(&lines(metric, samples), from, to, limit, size)
}

/// The SVG of `lines` over `[from, to]`, with a dashed red `limit` line when given (the stall
/// window). Each line is one `<polyline>` holding every point; a failure to draw (which the
/// string backend does not produce) yields an empty plot rather than an error page.
pub fn svg(
    lines: &[Line],
    from: Timestamp,
    to: Timestamp,
    limit: Option<f64>,
    size: Size,
) -> String {
    let mut out = String::new();
    let _ = draw(&mut out, lines, from, to, limit, size);
    out
}

fn draw(
    out: &mut String,
    lines: &[Line],
    from: Timestamp,
    to: Timestamp,
    limit: Option<f64>,
    size: Size,
) -> Result<(), Box<dyn std::error::Error>> {
    let (x0, x1) = (
        from.unix_millis(),
        to.unix_millis().max(from.unix_millis() + 1),
    );
    let values = lines.iter().flatten().map(|p| p.1).chain(limit);
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let (y0, y1) = if lo.is_finite() {
        // Counters such as the heartbeat SCN are large and move little: the axis starts near
        // their minimum; ages and lags start at zero so their size reads at a glance.
        let y0 = if lo > 0.0 && (hi - lo) < lo * 0.5 {
            lo
        } else {
            lo.min(0.0)
        };
        (
            y0,
            if hi > y0 {
                hi + (hi - y0) * 0.05
            } else {
                y0 + 1.0
            },
        )
    } else {
        (0.0, 1.0)
    };
    let root = SVGBackend::with_string(out, (size.width, size.height)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut builder = ChartBuilder::on(&root);
    builder.margin(if size.axes { 6 } else { 2 });
    if size.axes {
        builder.x_label_area_size(20).y_label_area_size(72);
    }
    let mut chart = builder.build_cartesian_2d(x0..x1, y0..y1)?;
    if size.axes {
        let span = x1 - x0;
        chart
            .configure_mesh()
            .x_labels(5)
            .y_labels(4)
            .light_line_style(RGBColor(0xee, 0xee, 0xee))
            .x_label_formatter(&|x| time_label(*x, span))
            .y_label_formatter(&|y| {
                // SCNs move by little against their size: 143.3M on every tick says nothing.
                if (y1 - y0) < y0.abs() * 0.01 {
                    format!("{y:.0}")
                } else {
                    number_label(*y)
                }
            })
            .label_style(("sans-serif", 11))
            .draw()?;
    }
    if let Some(l) = limit {
        chart.draw_series(DashedLineSeries::new(
            vec![(x0, l), (x1, l)],
            6,
            4,
            LIMIT.stroke_width(1),
        ))?;
    }
    for (i, line) in lines.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        chart.draw_series(LineSeries::new(
            line.iter().copied(),
            colour.stroke_width(2),
        ))?;
    }
    root.present()?;
    Ok(())
}

/// `HH:MM` (UTC) for ranges within two days, `MM-DD` beyond.
fn time_label(ms: i64, span: i64) -> String {
    let t = humantime::format_rfc3339_seconds(Timestamp::from_unix_millis(ms).to_system_time())
        .to_string();
    if span <= 2 * 24 * 3_600_000 {
        t.get(11..16).unwrap_or_default().to_owned()
    } else {
        t.get(5..10).unwrap_or_default().to_owned()
    }
}

/// Short numbers: 1.2k, 3.4M, 5.6G.
pub fn number_label(v: f64) -> String {
    let a = v.abs();
    if a >= 1e9 {
        format!("{:.1}G", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.1}k", v / 1e3)
    } else if a >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// The colour of a severity in the verdict bands (the pages' CSS colours).
fn severity_colour(s: crate::diagnose::Severity) -> RGBColor {
    use crate::diagnose::Severity;
    match s {
        Severity::Ok => RGBColor(0x1a, 0x7f, 0x37),
        Severity::Warning => RGBColor(0xb7, 0x79, 0x1f),
        Severity::Critical => RGBColor(0xc6, 0x28, 0x28),
        Severity::Unknown => RGBColor(0x6b, 0x72, 0x80),
    }
}

/// The verdict timeline as coloured bands over `[from, to]`: each `(start, severity)` lasts
/// until the next one's start (the last until `to`); before the first, nothing is known.
pub fn bands(
    spans: &[(Timestamp, crate::diagnose::Severity)],
    from: Timestamp,
    to: Timestamp,
    width: u32,
) -> String {
    let mut out = String::new();
    let _ = draw_bands(&mut out, spans, from, to, width);
    out
}

fn draw_bands(
    out: &mut String,
    spans: &[(Timestamp, crate::diagnose::Severity)],
    from: Timestamp,
    to: Timestamp,
    width: u32,
) -> Result<(), Box<dyn std::error::Error>> {
    let (x0, x1) = (
        from.unix_millis(),
        to.unix_millis().max(from.unix_millis() + 1),
    );
    let root = SVGBackend::with_string(out, (width, 24)).into_drawing_area();
    root.fill(&RGBColor(0xee, 0xee, 0xee))?;
    let mut chart = ChartBuilder::on(&root)
        .margin(2)
        .build_cartesian_2d(x0..x1, 0.0..1.0)?;
    let rects = spans.iter().enumerate().map(|(i, (start, sev))| {
        let end = spans.get(i + 1).map_or(x1, |n| n.0.unix_millis());
        Rectangle::new(
            [(start.unix_millis().max(x0), 0.0), (end.min(x1), 1.0)],
            severity_colour(*sev).filled(),
        )
    });
    chart.draw_series(rects)?;
    root.present()?;
    Ok(())
}
