//! `restart`: the plan; with `--apply` the gated restart, its progress and its outcome.

use std::fmt::Write as _;
use std::io::IsTerminal as _;
use std::path::Path;
use std::time::Duration;

use super::gate::{gate_text, json, one, Args};
use super::{select, CommandError};
use crate::config::{Config, ProcessEnv};
use crate::exit::Exit;
use crate::lang::Lang;
use crate::remediation::gate::Status;
use crate::remediation::restart::{GatedRestart, LogProgress, Outcome, Progress, Request, Step};
use crate::report::Format;

/// `restart [-p NAME] [--apply] [--from-scn N] [--savepoint PATH]`.
pub async fn restart(
    config_path: &Path,
    args: Args,
    format: Format,
    lang: Lang,
) -> Result<Exit, CommandError> {
    let config = Config::load(config_path, &ProcessEnv)?;
    let pipelines = select(&config, args.pipeline.as_deref())?;
    let [p] = pipelines.as_slice() else {
        return Err(CommandError::Usage(format!(
            "restart acts on one pipeline: name it with -p ({})",
            config
                .pipelines
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    };
    let req = Request {
        apply: args.apply,
        from_scn: args.from_scn,
        given_state: args.savepoint.clone(),
    };
    let terminal = std::io::stdout().is_terminal() && format == Format::Text;
    let progress: Box<dyn Progress> = if terminal {
        Box::new(BarProgress::new())
    } else if format == Format::Text {
        Box::new(LineProgress)
    } else {
        Box::new(LogProgress {
            pipeline: p.name.clone(),
        })
    };
    if format == Format::Text && args.apply {
        match lang {
            Lang::En => println!("restart {}: gate, then the plan below", p.name),
            Lang::Zh => println!("重启 {}：先过 gate，再按下面的计划执行", p.name),
        }
    }
    let result = one(&config, p, &req, progress.as_ref()).await;
    match format {
        Format::Json => println!("{}", json(&result)),
        Format::Text => print!("{}", restart_text(&result, args.apply, lang)),
    }
    Ok(match &result.restart {
        Some(r) if r.succeeded() => Exit::Ok,
        Some(_) => Exit::Critical,
        None if args.apply => match result.gate.exit() {
            Exit::Ok => Exit::Critical,
            e => e,
        },
        None => result.gate.exit(),
    })
}

/// The plan, the gate and, after `--apply`, what happened.
pub fn restart_text(r: &GatedRestart, applied: bool, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    let mut s = String::new();
    let verdict = crate::report::status_line(&r.diagnosis, lang);
    let _ = if zh {
        writeln!(s, "当前判定：{verdict}")
    } else {
        writeln!(s, "Verdict now: {verdict}")
    };
    let _ = if zh {
        writeln!(s, "{} 的重启计划：", r.gate.pipeline)
    } else {
        writeln!(s, "Plan for {}:", r.gate.pipeline)
    };
    for (i, line) in r.plan.iter().enumerate() {
        let _ = writeln!(s, "  {}. {}", i + 1, line.render(lang));
    }
    s.push_str(&gate_text(&r.gate, lang));
    match (&r.restart, applied) {
        (_, false) => {
            let _ = writeln!(
                s,
                "{}",
                lang.pick(
                    "Nothing was changed: this was the plan. Run `restart --apply` to execute it.",
                    "没有做任何改动：以上只是计划。运行 `restart --apply` 执行它。",
                )
            );
        }
        (None, true) => {
            let blocked = r
                .gate
                .checks
                .iter()
                .filter(|c| c.status != Status::Pass)
                .map(|c| c.key)
                .collect::<Vec<_>>()
                .join(", ");
            let _ = if zh {
                writeln!(s, "没有做任何改动：gate 未通过（{blocked}）。")
            } else {
                writeln!(s, "Nothing was changed: the gate did not pass ({blocked}).")
            };
        }
        (Some(rep), true) => {
            // Each step's detail is the audit log's record of it (ids, paths, the systems'
            // own errors), kept as recorded.
            for st in &rep.steps {
                let _ = writeln!(
                    s,
                    "  {} {:<12} {}",
                    if st.ok { "ok  " } else { "FAIL" },
                    st.step.as_str(),
                    st.detail
                );
            }
            match &rep.outcome {
                Outcome::Succeeded { proof } => {
                    let proof = proof.render(lang);
                    let _ = if zh {
                        writeln!(s, "重启成功：{proof}。")
                    } else {
                        writeln!(s, "Restart succeeded: {proof}.")
                    };
                }
                Outcome::Failed {
                    step,
                    error,
                    job_state,
                    what_to_do,
                } => {
                    let _ = if zh {
                        writeln!(s, "重启在 {} 步骤停止：{error}", step.as_str())
                    } else {
                        writeln!(s, "Restart STOPPED at {}: {error}", step.as_str())
                    };
                    let _ = if zh {
                        writeln!(s, "作业当前状态：{job_state}")
                    } else {
                        writeln!(s, "Job state now: {job_state}")
                    };
                    for t in what_to_do {
                        let _ = writeln!(s, "  - {}", t.render(lang));
                    }
                }
            }
            let _ = if zh {
                writeln!(s, "审计日志：重启 id {}", rep.restart_id)
            } else {
                writeln!(s, "Audit log: restart id {}", rep.restart_id)
            };
        }
    }
    s
}

/// Plain progress lines (not a terminal).
struct LineProgress;

impl Progress for LineProgress {
    fn begin(&self, step: Step, what: &str) {
        println!("[{}] {what} …", step.as_str());
    }
    fn end(&self, step: Step, ok: bool, detail: &str) {
        println!(
            "[{}] {}: {detail}",
            step.as_str(),
            if ok { "done" } else { "FAILED" }
        );
    }
}

/// A spinner per step on a terminal (indicatif).
struct BarProgress {
    current: std::sync::Mutex<Option<indicatif::ProgressBar>>,
}

impl BarProgress {
    fn new() -> Self {
        BarProgress {
            current: std::sync::Mutex::new(None),
        }
    }
}

impl Progress for BarProgress {
    fn begin(&self, step: Step, what: &str) {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} [{elapsed}] {prefix}: {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar.set_prefix(step.as_str());
        bar.set_message(what.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        if let Some(old) = self
            .current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .replace(bar)
        {
            old.finish_and_clear();
        }
    }
    fn end(&self, step: Step, ok: bool, detail: &str) {
        let bar = self
            .current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        let line = format!("{} {}: {detail}", if ok { "✔" } else { "✘" }, step.as_str());
        match bar {
            Some(b) => {
                b.finish_and_clear();
                println!("{line}");
            }
            None => println!("{line}"),
        }
    }
}
