//! The `watch` agent: probes every pipeline on its own interval, keeps history, alerts on
//! changes of verdict and serves metrics and status over HTTP.
//!
//! Each pipeline runs in its own task on its own `tokio::time::interval` (missed ticks skipped,
//! never bursted), under a semaphore that bounds how many probe at once; a hung pipeline holds
//! only its own task. The verdict is diagnosed over the recent history window, never a single
//! observation. History, alert delivery and metrics never stop the probing.

pub mod alerts;
pub mod audit;
pub mod fleet;
pub mod http;
pub mod incidents;
pub mod metrics;
pub mod page;
pub mod plot;
pub mod postmortem;
pub mod remediate;
pub mod savepoints;

use std::collections::{BTreeMap, VecDeque};
use std::future::{Future, IntoFuture};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;
use tokio::time::{Instant, MissedTickBehavior};

use crate::collectors::probe::{self, Probe, ProbeResult};
use crate::collectors::zookeeper::fleet::{FleetError, SharedState};
use crate::config::{AgentConfig, Config, PipelineConfig};
use crate::diagnose::{diagnose, DiagnoseOptions, Diagnosis};
use crate::observation::{error_chain, Observation};
use crate::remediation::auto::{self, AutoDecision};
use crate::store::{History, HistoryError, Retention};
use alerts::dedup::{self, AlertState, Policy};
use alerts::{AlertError, AlertMessage, Channel};
use metrics::Metrics;

/// What the agent needs from outside, injected so tests use the simulator.
pub struct Deps<P> {
    /// Takes observations (the real collectors in `watch`).
    pub probe: Arc<P>,
    /// Where alerts go.
    pub channels: Vec<Arc<dyn Channel>>,
    /// First delay between delivery retries (doubled each time).
    pub retry_backoff: Duration,
    /// Runs the gated restart of `auto = true` pipelines (none: they are only alerted).
    pub remediator: Option<Arc<dyn remediate::Remediator>>,
}

impl<P> Deps<P> {
    /// The channels `[agent]` configures, with a 1 s first backoff.
    pub fn from_config(probe: P, config: &Config) -> Deps<P> {
        let a = &config.agent.alerts;
        let mut channels: Vec<Arc<dyn Channel>> = Vec::new();
        if let Some(url) = &a.alertmanager {
            channels.push(Arc::new(alerts::Alertmanager::new(url, a.timeout)));
        }
        if let Some(url) = &a.webhook {
            channels.push(Arc::new(alerts::Webhook::new(url, a.timeout)));
        }
        let chats = [
            (alerts::chat::ChatKind::Slack, &a.slack),
            (alerts::chat::ChatKind::DingTalk, &a.dingtalk),
            (alerts::chat::ChatKind::WeCom, &a.wecom),
            (alerts::chat::ChatKind::Feishu, &a.feishu),
        ];
        for (kind, c) in chats {
            if let Some(c) = c {
                let chat = alerts::chat::Chat::new(
                    kind,
                    &c.url,
                    c.language,
                    c.secret.clone(),
                    c.keyword.clone(),
                    a.status_url.clone(),
                    a.timeout,
                );
                channels.push(Arc::new(alerts::rate::RateLimited::new(
                    chat,
                    alerts::rate::limits(kind),
                )));
            }
        }
        if let Some(e) = &a.email {
            channels.push(Arc::new(alerts::email::Email::new(
                e,
                a.status_url.clone(),
                a.timeout,
            )));
        }
        Deps {
            probe: Arc::new(probe),
            channels,
            retry_backoff: Duration::from_secs(1),
            remediator: None,
        }
    }
}

/// Why the agent could not run.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// The HTTP server failed.
    #[error("the HTTP server on {addr} failed")]
    Serve {
        /// The listen address.
        addr: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// State shared between the pipeline tasks and the HTTP endpoints.
#[derive(Debug)]
pub struct Shared {
    /// The Prometheus registry /metrics serves, updated after every probe.
    pub metrics: Metrics,
    /// The latest diagnosis per pipeline, in config order.
    latest: Mutex<BTreeMap<usize, Diagnosis>>,
    /// Pipelines that completed their first probe.
    probed: AtomicUsize,
    pipelines: usize,
    /// Restarts running now (shutdown waits for them: a half-done restart leaves a stopped job).
    restarts_in_flight: AtomicUsize,
    /// Why the history cannot be written, since its last failed write (cleared by the next
    /// observation stored): `/readyz` says so, since alerts then survive no restart.
    history_failing: Mutex<Option<String>>,
    /// What the status pages read, set once the agent has opened the history.
    pages: std::sync::OnceLock<page::Pages>,
    /// This member of the fleet, when `[agent.fleet]` is set.
    fleet: std::sync::OnceLock<Arc<fleet::Fleet>>,
}

impl Shared {
    /// Shared state for `pipelines` pipelines.
    pub fn new(pipelines: usize) -> Shared {
        Shared::with_metrics(pipelines, Metrics::new())
    }

    /// Shared state for `config`'s pipelines (with the fleet's metrics when it has a fleet).
    pub fn for_config(config: &Config) -> Shared {
        let metrics = if config.agent.fleet.is_some() {
            Metrics::for_fleet()
        } else {
            Metrics::new()
        };
        Shared::with_metrics(config.pipelines.len(), metrics)
    }

    /// Shared state for `pipelines` pipelines with `metrics` (`Metrics::for_fleet` in a fleet).
    pub fn with_metrics(pipelines: usize, metrics: Metrics) -> Shared {
        Shared {
            fleet: std::sync::OnceLock::new(),
            metrics,
            latest: Mutex::new(BTreeMap::new()),
            probed: AtomicUsize::new(0),
            pipelines,
            restarts_in_flight: AtomicUsize::new(0),
            history_failing: Mutex::new(None),
            pages: std::sync::OnceLock::new(),
        }
    }

    /// What the status pages read (`None` before the agent started).
    pub fn pages(&self) -> Option<&page::Pages> {
        self.pages.get()
    }

    /// Sets what the status pages read (the first call wins).
    pub fn set_pages(&self, pages: page::Pages) {
        let _ = self.pages.set(pages);
    }

    /// Why the history database cannot be written now, if it cannot.
    pub fn history_failing(&self) -> Option<String> {
        self.history_failing
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn set_history_failing(&self, why: Option<String>) {
        *self
            .history_failing
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = why;
    }

    /// Whether every pipeline completed its first probe.
    pub fn is_ready(&self) -> bool {
        match self.fleet.get() {
            // A member probes only its share: it is ready while it is in the fleet.
            Some(f) => f.in_fleet(),
            None => self.probed.load(Ordering::Acquire) >= self.pipelines,
        }
    }

    /// Why this member is not in its fleet (`None`: in it, or no fleet).
    pub fn fleet_trouble(&self) -> Option<String> {
        self.fleet.get().and_then(|f| f.trouble())
    }

    /// Forgets a pipeline's latest diagnosis (its new owner in the fleet publishes it).
    fn forget(&self, index: usize) {
        self.lock().remove(&index);
    }

    /// The latest diagnoses, in config order.
    pub fn latest(&self) -> Vec<Diagnosis> {
        self.lock().values().cloned().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<usize, Diagnosis>> {
        self.latest.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The cause of pipeline `index`'s latest verdict (unknown before its first).
    fn cause_of(&self, index: usize) -> crate::diagnose::Cause {
        self.lock().get(&index).map(|d| d.cause).unwrap_or_default()
    }

    fn publish(&self, index: usize, d: Diagnosis) {
        if self.lock().insert(index, d).is_none() {
            self.probed.fetch_add(1, Ordering::AcqRel);
        }
    }
}

/// Runs the agent until `shutdown` resolves, serving HTTP on `listener`; then stops probing and
/// waits at most `[agent] shutdown_grace` for the probes in flight.
pub async fn run<P: Probe>(
    config: Config,
    deps: Deps<P>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), AgentError> {
    let shared = Arc::new(Shared::for_config(&config));
    run_with(config, deps, listener, shutdown, shared).await
}

/// `run` with the shared state given (tests read it).
pub async fn run_with<P: Probe>(
    config: Config,
    deps: Deps<P>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
    shared: Arc<Shared>,
) -> Result<(), AgentError> {
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let history = match History::open(&config.agent.state_dir) {
        Ok(h) => {
            if h.recovered_from().is_some() {
                // Counted as the damage it was; the new database works.
                shared.metrics.history_error("corrupt");
            }
            Some(h)
        }
        Err(e) => {
            // Reported, never silent; the probing goes on without history.
            shared.metrics.history_error(e.kind());
            shared.set_history_failing(Some(error_chain(&e)));
            tracing::error!(error = %error_chain(&e), "Cannot open the history database; probing without it.");
            None
        }
    };
    let fleet = config.agent.fleet.clone().map(|fc| {
        let pipelines = config
            .pipelines
            .iter()
            .map(|p| (p.name.clone(), p.interval))
            .collect();
        let f = Arc::new(fleet::Fleet::new(fc, pipelines, addr.clone()));
        let _ = shared.fleet.set(f.clone());
        f
    });
    let now_probe = deps.probe.clone();
    shared.set_pages(page::Pages {
        history: history.clone(),
        pipelines: config
            .pipelines
            .iter()
            .map(|p| page::PipelineInfo {
                name: p.name.clone(),
                stall_window: p.thresholds.stall_window,
            })
            .collect(),
        lang: config.agent.language,
        retention: config.agent.retention,
        now: Arc::new(move || now_probe.now()),
        fleet: fleet.clone(),
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    let permits = Arc::new(Semaphore::new(config.agent.concurrency.get() as usize));
    let channels: Arc<[Arc<dyn Channel>]> = deps.channels.into();
    let deliveries: Arc<Mutex<JoinSet<()>>> = Arc::default();
    for c in channels.iter() {
        shared.metrics.register_channel(c.name());
    }
    let mut tasks = JoinSet::new();
    // Shared, not cloned per task: a copy of the whole config in each of N tasks is N² memory.
    let agent_config = Arc::new(config.agent.clone());
    // Where every alert goes: the pipeline tasks' and the fleet's unowned-pipeline alert.
    let dispatcher = Dispatcher {
        channels: channels.clone(),
        deliveries: deliveries.clone(),
        shared: shared.clone(),
        history: history.clone(),
        retries: config.agent.alerts.retries,
        backoff: deps.retry_backoff,
    };
    let fleet_task = fleet.clone().map(|f| {
        let dispatcher = dispatcher.clone();
        let names: Vec<String> = config.pipelines.iter().map(|p| p.name.clone()).collect();
        let renotify = config.agent.alerts.renotify;
        let probe = deps.probe.clone();
        let member = f.clone();
        tokio::spawn(fleet::run(f, stop_rx.clone(), move |u| {
            let (f, d, names, now) = (
                member.clone(),
                dispatcher.clone(),
                names.clone(),
                probe.now(),
            );
            async move {
                let owned = f.owned();
                let owned: Vec<(String, bool)> = names
                    .into_iter()
                    .map(|n| {
                        let o = owned.contains(&n);
                        (n, o)
                    })
                    .collect();
                d.shared
                    .metrics
                    .record_fleet(f.size(), f.in_fleet(), &owned);
                fleet::page_unowned(&f, u, now, renotify, |m| d.send(Arc::new(m))).await;
            }
        }))
    });
    for (index, p) in config.pipelines.iter().enumerate() {
        let ctx = PipelineTask {
            index,
            pipeline: p.clone(),
            agent: agent_config.clone(),
            probe: deps.probe.clone(),
            shared: shared.clone(),
            history: history.clone(),
            dispatcher: dispatcher.clone(),
            permits: permits.clone(),
            remediator: deps.remediator.clone(),
            fleet: fleet.clone(),
        };
        tasks.spawn(ctx.run(stop_rx.clone()));
    }
    tracing::info!(listen = %addr, pipelines = config.pipelines.len(), "Agent started.");
    if config.agent.token.is_none() && !config.agent.listen.ip().is_loopback() {
        tracing::warn!(
            listen = %addr,
            "The HTTP endpoints listen beyond loopback without a token: /status shows connect strings, JobManager URLs, paths and job ids to anyone who can reach them. Set [agent] token_env or token_file."
        );
    }
    let mut stop_http = stop_rx.clone();
    let router = http::router(shared.clone(), config.agent.token.clone());
    let server = axum::serve(listener, router).with_graceful_shutdown(async move {
        let _ = stop_http.wait_for(|s| *s).await;
    });
    let mut server = tokio::spawn(server.into_future());
    let served = tokio::select! {
        r = &mut server => match r {
            Ok(Ok(())) => Ok(()),
            Ok(Err(source)) => Err(AgentError::Serve { addr: addr.clone(), source }),
            Err(join) => Err(AgentError::Serve { addr: addr.clone(), source: std::io::Error::other(join.to_string()) }),
        },
        () = shutdown => Ok(()),
    };
    let _ = stop_tx.send(true);
    let grace = config.agent.shutdown_grace;
    let stopping = Instant::now();
    // The member leaves the fleet at once (owner nodes freed: the others take over without
    // waiting for the session to expire); its probes in flight can no longer alert.
    if let Some(t) = fleet_task {
        if tokio::time::timeout(grace, t).await.is_err() {
            tracing::warn!("Leaving the fleet took longer than the grace period; the session expires by itself.");
        }
    }
    // The endpoints answer until the probes are drained, then close their connections.
    let server_done = server.is_finished();
    let drained =
        tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
    let mut waited_for_restart = false;
    if drained.is_err() {
        if shared.restarts_in_flight.load(Ordering::Acquire) > 0 {
            waited_for_restart = true;
            // Abandoning a restart between its stop and its submission would leave the job
            // stopped: let it finish (every step of it is bounded).
            tracing::warn!("A restart is in progress; waiting for it to finish before stopping.");
            while tasks.join_next().await.is_some() {}
        } else {
            tracing::warn!(grace = %humantime::format_duration(grace), "Probes still running after the grace period; abandoning them.");
            tasks.abort_all();
        }
    }
    // Alerts still being delivered (a restart's outcome, a resolution) get the rest of the grace
    // period; rate-limited ones go out at once, merged.
    for c in channels.iter() {
        c.shutting_down();
    }
    let mut pending = std::mem::take(&mut *lock(&deliveries));
    // After a restart that outlived the grace, its outcome alert still gets a full grace.
    let left = if waited_for_restart {
        grace
    } else {
        grace.saturating_sub(stopping.elapsed())
    };
    let delivered =
        tokio::time::timeout(left, async { while pending.join_next().await.is_some() {} }).await;
    if delivered.is_err() {
        tracing::error!(undelivered = pending.len(), grace = %humantime::format_duration(grace), "Alerts still undelivered after the grace period; abandoning them.");
        pending.abort_all();
    }
    if !server_done
        && tokio::time::timeout(Duration::from_secs(1), &mut server)
            .await
            .is_err()
    {
        server.abort();
    }
    tracing::info!("Agent stopped.");
    served
}

/// One pipeline's loop.
struct PipelineTask<P> {
    index: usize,
    pipeline: PipelineConfig,
    agent: Arc<AgentConfig>,
    probe: Arc<P>,
    shared: Arc<Shared>,
    history: Option<History>,
    /// Where its alerts go.
    dispatcher: Dispatcher,
    permits: Arc<Semaphore>,
    remediator: Option<Arc<dyn remediate::Remediator>>,
    /// This member of the fleet: the task acts only while it owns the pipeline.
    fleet: Option<Arc<fleet::Fleet>>,
}

impl<P: Probe> PipelineTask<P> {
    async fn run(self, mut stop: watch::Receiver<bool>) {
        let p = &self.pipeline;
        let a = &self.agent;
        let mut window: VecDeque<Observation> = VecDeque::new();
        let mut alert_state = AlertState::default();
        // Carry over what the previous run knew: recent observations (so the first verdict
        // already rests on several) and the alert state (so a restart neither re-pages nor
        // forgets an incident).
        self.reload_window(&mut window).await;
        // In a fleet the alert state is the fleet's, read at each probe.
        if let (Some(h), None) = (&self.history, &self.fleet) {
            match h.alert_state(&p.name).await {
                Ok(s) => alert_state = s,
                Err(e) => self.history_failed(&e),
            }
        }
        let mut ticker = tokio::time::interval(p.interval);
        // A probe that overran its interval is followed by the next scheduled one, not by a burst
        // of the ticks it missed.
        ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let mut previous: Option<Instant> = None;
        let mut savepoints = savepoints::Schedule::new(self.probe.now());
        // The epoch of this member's ownership of the pipeline, in a fleet.
        let mut owned: Option<u64> = None;
        loop {
            let tick = tokio::select! {
                t = ticker.tick() => t,
                _ = stop.wait_for(|s| *s) => break,
            };
            // With `Skip`, deadlines that passed during an overrunning probe are never returned:
            // the gap between two returned deadlines shows how many were skipped.
            if let Some(prev) = previous {
                let gap = tick.saturating_duration_since(prev).as_millis();
                let missed = (gap / p.interval.as_millis().max(1)).saturating_sub(1);
                for _ in 0..missed {
                    self.shared.metrics.tick_missed(&p.name);
                }
            }
            previous = Some(tick);
            if let Some(f) = &self.fleet {
                // Not owned: look again after the fleet's next round, not a whole interval
                // later, so a pipeline taken over is probed at once.
                let recheck = fleet::tick(f.config()).min(p.interval);
                match (f.owns(&p.name), owned) {
                    (None, None) => {
                        ticker.reset_after(recheck);
                        continue;
                    }
                    (None, Some(_)) => {
                        // Handed over (or out of the fleet): the new owner probes and alerts.
                        owned = None;
                        self.shared.forget(self.index);
                        self.shared.metrics.forget_verdict(&p.name);
                        ticker.reset_after(recheck);
                        continue;
                    }
                    (Some(e), o) if o != Some(e) => {
                        // Owned anew: what this member knew of it may be old; start from its
                        // own recent history (the alert state is the fleet's).
                        owned = Some(e);
                        self.reload_window(&mut window).await;
                        // Its savepoints and their alerts as the fleet has them (a run of an
                        // earlier ownership, if any, finishes on its own).
                        savepoints = savepoints::Schedule::new(self.probe.now());
                    }
                    _ => {}
                }
            }
            let permit = tokio::select! {
                p = self.permits.acquire() => p,
                _ = stop.wait_for(|s| *s) => break,
            };
            let result = self.probe_bounded().await;
            drop(permit);
            alert_state = self.after_probe(result, &mut window, alert_state).await;
            if let Some(latest) = window.back() {
                let ctx = savepoints::Ctx {
                    pipeline: p,
                    latest,
                    cause: self.shared.cause_of(self.index),
                    now: self.probe.now(),
                    remediator: self.remediator.as_ref(),
                    history: self.history.as_ref(),
                    metrics: &self.shared.metrics,
                    renotify: a.alerts.renotify,
                    fleet: self.fleet.as_deref(),
                };
                for m in savepoints.step(&ctx).await {
                    self.dispatch(Arc::new(m));
                }
            }
            if *stop.borrow() {
                break;
            }
        }
        savepoints.finish(a.shutdown_grace).await;
    }

    /// Replaces `window` with the pipeline's recent observations from the history (those of
    /// the last `history_window`, at most `history_samples`).
    async fn reload_window(&self, window: &mut VecDeque<Observation>) {
        window.clear();
        let (p, a) = (&self.pipeline, &self.agent);
        if let Some(h) = &self.history {
            let since = self.probe.now().minus(a.history_window);
            match h
                .recent_observations(&p.name, since, a.history_samples.get())
                .await
            {
                Ok(obs) => window.extend(obs),
                Err(e) => self.history_failed(&e),
            }
        }
    }

    /// One probe, bounded: the collectors each have their deadline, and the probe as a whole
    /// gets a little more, so that a probe that hangs anyway is abandoned.
    async fn probe_bounded(&self) -> ProbeResult {
        let p = &self.pipeline;
        let limit = p.probe_deadline() + Duration::from_secs(5);
        match tokio::time::timeout(limit, self.probe.probe(p)).await {
            Ok(r) => r,
            Err(_) => {
                tracing::warn!(pipeline = %p.name, limit = %humantime::format_duration(limit), "Probe did not finish in time; abandoned.");
                ProbeResult {
                    observation: probe::missing(
                        &p.name,
                        self.probe.now(),
                        &format!(
                            "the probe did not finish within {}",
                            humantime::format_duration(limit)
                        ),
                    ),
                    durations: Vec::new(),
                }
            }
        }
    }

    async fn after_probe(
        &self,
        result: ProbeResult,
        window: &mut VecDeque<Observation>,
        state: AlertState,
    ) -> AlertState {
        let p = &self.pipeline;
        let a = &self.agent;
        let mut obs = result.observation;
        if let Some(f) = &self.fleet {
            obs.observed_by = Some(f.member().to_string());
        }
        let now = obs.observed_at;
        if let Some(h) = &self.history {
            let retention = Retention {
                max_age: a.retention,
                max_count: a.retention_count.get(),
            };
            match h.record_observation(&obs, retention).await {
                Ok(()) => self.shared.set_history_failing(None),
                Err(e) => self.history_failed(&e),
            }
        }
        window.push_back(obs);
        let oldest = now.minus(a.history_window);
        while window.len() > a.history_samples.get() as usize
            || window.front().is_some_and(|o| o.observed_at < oldest)
        {
            window.pop_front();
        }
        let observations: Vec<Observation> = window.iter().cloned().collect();
        let d = diagnose(
            &observations,
            &p.thresholds,
            &DiagnoseOptions {
                pipeline: p.name.clone(),
                from_scn: None,
                rolling_interval: p.output.rolling_interval,
            },
        );
        if let Some(latest) = window.back() {
            self.shared
                .metrics
                .record_probe(&d, latest, &result.durations);
        }
        tracing::debug!(pipeline = %p.name, cause = %d.cause, severity = %d.severity, observations = d.observations, "Probed.");
        let mut silenced = false;
        if let Some(h) = &self.history {
            match h.record_diagnosis(&d).await {
                Ok(true) => {
                    let job_id = window
                        .back()
                        .and_then(|o| o.flink.value())
                        .and_then(|f| f.job.as_ref())
                        .map(|j| j.id.clone())
                        .unwrap_or_default();
                    tracing::info!(pipeline = %p.name, job_id = %job_id, cause = %d.cause, severity = %d.severity, summary = %d.summary, "Verdict changed.");
                }
                Ok(false) => {}
                Err(e) => self.history_failed(&e),
            }
            if self.fleet.is_none() {
                match h.silences(Some(&p.name), now).await {
                    Ok(s) => silenced = !s.is_empty(),
                    Err(e) => self.history_failed(&e),
                }
            }
        }
        // In a fleet the alert state and the silences are the fleet's (ZooKeeper): read them
        // now, whoever wrote them last.
        let (state, version) = match &self.fleet {
            None => (state, None),
            Some(f) => {
                let zk = f.shared_state();
                let read = async {
                    let (state, version) =
                        zk.state::<AlertState>(SharedState::Alerts, &p.name).await?;
                    let silences = zk.silences(Some(&p.name), now).await?;
                    Ok::<_, FleetError>((state, version, !silences.is_empty()))
                };
                match read.await {
                    Ok((state, version, s)) => {
                        silenced = s;
                        (state, version)
                    }
                    Err(e) => {
                        tracing::warn!(pipeline = %p.name, error = %e, "Cannot read the fleet's alert state; no alert from this probe.");
                        self.shared.publish(self.index, d);
                        return AlertState::default();
                    }
                }
            }
        };
        let policy = Policy {
            hold_down: a.alerts.hold_down.get(),
            renotify: a.alerts.renotify,
        };
        let (next, sends) = dedup::step(&state, d.cause, d.severity, now, silenced, policy);
        if next != state {
            match &self.fleet {
                None => {
                    if let Some(h) = &self.history {
                        if let Err(e) = h.save_alert_state(&p.name, &next).await {
                            self.history_failed(&e);
                        }
                    }
                }
                Some(f) => {
                    // Only the member whose write lands sends: a member that lost the pipeline
                    // meanwhile, or wrote from an older state, sends nothing.
                    let written = match f.owns(&p.name) {
                        None => Err("this member no longer owns the pipeline".to_string()),
                        Some(_) => f
                            .shared_state()
                            .save_state(SharedState::Alerts, &p.name, &next, version)
                            .await
                            .map_err(|e| e.to_string()),
                    };
                    if let Err(why) = written {
                        tracing::info!(pipeline = %p.name, why = %why, "Alert state not written; nothing sent from this probe.");
                        self.shared.publish(self.index, d);
                        return AlertState::default();
                    }
                }
            }
        }
        // Auto-remediation acts once per incident, when it first pages: never in a loop.
        let firing = sends
            .iter()
            .find(|s| s.notice == dedup::Notice::Firing)
            .copied();
        let decision = match firing {
            Some(_) if p.remediation.auto => Some(auto::decide(&d)),
            _ => None,
        };
        let note = match &decision {
            Some(AutoDecision::Restart) if self.remediator.is_some() => {
                Some("restarting after the gate; the outcome follows in a new message".to_string())
            }
            Some(AutoDecision::Restart) => {
                Some("not available in this process: restart by hand with `logminer-doctor restart --apply`".to_string())
            }
            Some(AutoDecision::Refuse(why)) => Some(why.clone()),
            _ => None,
        };
        for send in sends {
            let mut m = AlertMessage::new(&d, send, a.alerts.renotify);
            if send.notice == dedup::Notice::Firing {
                if let Some(n) = &note {
                    m = m.with_action(n.clone());
                }
            }
            self.dispatch(Arc::new(m));
        }
        if let (Some(AutoDecision::Restart), Some(r), Some(send)) =
            (&decision, &self.remediator, firing)
        {
            self.shared
                .restarts_in_flight
                .fetch_add(1, Ordering::AcqRel);
            tracing::warn!(pipeline = %p.name, cause = %d.cause, "Auto-remediation: restarting.");
            let result = r
                .restart(p, observations.clone(), self.history.clone())
                .await;
            self.shared
                .restarts_in_flight
                .fetch_sub(1, Ordering::AcqRel);
            if result
                .restart
                .as_ref()
                .is_some_and(|r| r.new_job_id.is_some())
            {
                self.shared.metrics.restarted(&p.name);
            }
            let text = restart_outcome(&result);
            tracing::warn!(pipeline = %p.name, outcome = %text, "Auto-remediation done.");
            let m = AlertMessage::new(&d, send, a.alerts.renotify).with_action(text);
            // The window keeps the observations from before the restart: the next verdicts see
            // the recovery as they see any other (a one-observation window would not decide).
            self.dispatch(Arc::new(m));
        }
        self.shared.publish(self.index, d);
        next
    }

    /// Sends `m` on every channel (`Dispatcher::send`).
    fn dispatch(&self, m: Arc<AlertMessage>) {
        self.dispatcher.send(m);
    }

    fn history_failed(&self, e: &HistoryError) {
        self.shared.metrics.history_error(e.kind());
        self.shared.set_history_failing(Some(error_chain(e)));
        // Damage found while running is handled as at start: checked, moved aside, replaced.
        if let (Some(h), "corrupt") = (&self.history, e.kind()) {
            let h = h.clone();
            tokio::spawn(async move {
                match h.recover_if_damaged().await {
                    Ok(Some(moved)) => tracing::error!(
                        moved_to = %moved.display(),
                        "The history database was damaged while running: moved aside and replaced."
                    ),
                    Ok(None) => {}
                    Err(e) => {
                        tracing::error!(error = %error_chain(&e), "Cannot recover the history database.")
                    }
                }
            });
        }
        tracing::error!(pipeline = %self.pipeline.name, kind = e.kind(), error = %error_chain(e), "History database failed; probing goes on.");
    }
}

/// Where alerts go: every channel, each delivery in a task of its own.
#[derive(Clone)]
struct Dispatcher {
    channels: Arc<[Arc<dyn Channel>]>,
    /// Alert deliveries in flight, so shutdown can let them finish within the grace period.
    deliveries: Arc<Mutex<JoinSet<()>>>,
    shared: Arc<Shared>,
    history: Option<History>,
    retries: u32,
    backoff: Duration,
}

impl Dispatcher {
    /// Sends `m` on every channel, each delivery in a task of its own: a slow or failing channel
    /// delays neither the probing nor the other channels.
    fn send(&self, m: Arc<AlertMessage>) {
        tracing::info!(pipeline = %m.pipeline, cause = %m.cause, notice = ?m.notice, "Alerting.");
        for channel in self.channels.iter() {
            let (channel, m, shared, history) = (
                channel.clone(),
                m.clone(),
                self.shared.clone(),
                self.history.clone(),
            );
            let (retries, backoff) = (self.retries, self.backoff);
            let mut deliveries = lock(&self.deliveries);
            // Finished deliveries are reaped here, so the set never grows.
            while deliveries.try_join_next().is_some() {}
            deliveries.spawn(async move {
                let r = alerts::deliver(channel.as_ref(), &m, retries, backoff).await;
                shared.metrics.alert(channel.name(), r.is_ok());
                let error = r.as_ref().err().map(AlertError::redacted);
                if let Some(e) = &error {
                    tracing::error!(pipeline = %m.pipeline, channel = channel.name(), error = %e, "Alert not delivered after every retry.");
                }
                if let Some(h) = history {
                    if let Err(e) = h
                        .record_alert(&m.pipeline, m.at, channel.name(), m.notice, m.cause, error)
                        .await
                    {
                        shared.metrics.history_error(e.kind());
                        tracing::error!(error = %error_chain(&e), "Cannot record a sent alert.");
                    }
                }
            });
        }
    }
}

/// What a gated restart did, in one line for the alert.
fn restart_outcome(r: &crate::remediation::restart::GatedRestart) -> String {
    match &r.restart {
        None => format!(
            "did not restart: the gate blocked it: {}",
            r.gate.blockers().join("; ")
        ),
        Some(rep) => match &rep.outcome {
            crate::remediation::restart::Outcome::Succeeded { .. } => rep.summary(),
            crate::remediation::restart::Outcome::Failed { what_to_do, .. } => format!(
                "{}; no further automatic restart for this incident. {}",
                rep.summary(),
                what_to_do
                    .iter()
                    .map(|f| f.en())
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        },
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
