//! One Flink session cluster in ZooKeeper HA for the whole test binary: ZooKeeper (Debian's jars),
//! two JobManagers (`StandaloneSessionClusterEntrypoint`) and one TaskManager
//! (`TaskManagerRunner`), all on 127.0.0.1 with free ports, each with its own config dir and log
//! in the cluster's temp dir. Real-cluster tests run one at a time (`begin` holds a global async
//! mutex) and cancel the jobs a previous test left.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::time::Instant;

use super::procs::{kill9, remove_stale_dirs, Procs};
use super::{installed, report, secs, wait_for, Installed};

/// `high-availability.zookeeper.path.root`.
pub const HA_ROOT: &str = "/flink";
/// The CDC stand-in job's main class (tests/flink-job/src).
pub const ENTRY_CLASS: &str = "lmd.standin.CdcStandIn";
/// Flink's terminal job states.
pub const TERMINAL: [&str; 3] = ["FINISHED", "CANCELED", "FAILED"];

/// ZooKeeper: tickTime 500 ms, sessions 1-6 s, so a SIGKILLed JobManager's session expires soon.
const ZK_TICK_MS: u64 = 500;
const ZK_MAX_SESSION_MS: u64 = 6000;
/// What Flink asks ZooKeeper for (`high-availability.zookeeper.client.session-timeout`).
pub const FLINK_ZK_SESSION_MS: u64 = 4000;

struct JobManager {
    name: String,
    rest_port: u16,
    conf: PathBuf,
    log: PathBuf,
    out: PathBuf,
    child: Mutex<Option<Child>>,
}

pub struct FlinkHa {
    /// The cluster's temp dir: configs, logs, HA storage, checkpoints, savepoints, outputs.
    pub dir: PathBuf,
    pub zk_address: String,
    pub cluster_id: String,
    pub installed: Installed,
    /// How long the cluster took to come up (ZooKeeper to both JobManagers seeing 1 TaskManager).
    pub startup: Duration,
    procs: Procs,
    jms: Vec<JobManager>,
    logs: Vec<PathBuf>,
    outputs: AtomicUsize,
    _others: Mutex<Vec<Child>>,
}

static CLUSTER: tokio::sync::OnceCell<Result<FlinkHa, String>> = tokio::sync::OnceCell::const_new();
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The real-cluster tests' turn (what `ClusterTest::begin` holds). A test that starts Flink
/// processes of its own holds it too, so that the timing-sensitive cluster tests never share
/// the machine's cores with it.
pub async fn serial() -> tokio::sync::MutexGuard<'static, ()> {
    SERIAL.lock().await
}

impl FlinkHa {
    /// The cluster of this test binary, started on first use. Panics (in every test using it)
    /// if it could not start, with the reason and where the logs are.
    pub async fn shared() -> &'static FlinkHa {
        let started = CLUSTER.get_or_init(FlinkHa::start).await;
        match started {
            Ok(ha) => ha,
            Err(e) => panic!("the real Flink/ZooKeeper cluster is not available: {e}"),
        }
    }

    async fn start() -> Result<FlinkHa, String> {
        let installed = installed()?;
        let t0 = Instant::now();
        let tmp = std::env::temp_dir();
        remove_stale_dirs(&tmp, "lmd-cluster-");
        let dir = tmp.join(format!("lmd-cluster-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let procs = Procs::new(dir.join("pids"));
        let mut logs = Vec::new();
        let mut others = Vec::new();

        // ZooKeeper, standalone, with Debian's jars.
        let (zk, zk_address) = start_zookeeper(&procs, &installed, &dir).await?;
        others.push(zk);
        logs.push(dir.join("zookeeper.log"));
        let ports = free_ports(4);

        let cluster_id = format!("lmd-{}", std::process::id());
        let common = CommonConf {
            zk_address: zk_address.clone(),
            cluster_id: cluster_id.clone(),
            dir: dir.clone(),
        };

        // Two JobManagers.
        let mut jms = Vec::new();
        for i in 0..2 {
            let name = format!("jobmanager-{i}");
            let rest_port = ports[2 * i];
            let rpc_port = ports[1 + 2 * i];
            let conf = dir.join(&name).join("conf");
            let extra = format!(
                "jobmanager.rpc.port: {rpc_port}\nhigh-availability.jobmanager.port: {rpc_port}\n\
                 rest.port: {rest_port}\nweb.upload.dir: {}\n",
                dir.join(&name).join("upload").display()
            );
            write_conf(&conf, &common, &name, &extra);
            let jm = JobManager {
                log: dir.join(format!("{name}.log")),
                out: dir.join(format!("{name}.out")),
                name,
                rest_port,
                conf,
                child: Mutex::new(None),
            };
            logs.push(jm.log.clone());
            logs.push(jm.out.clone());
            jms.push(jm);
        }

        let ha = FlinkHa {
            dir: dir.clone(),
            zk_address,
            cluster_id,
            installed,
            startup: Duration::ZERO,
            procs,
            jms,
            logs,
            outputs: AtomicUsize::new(0),
            _others: Mutex::new(others),
        };
        for i in 0..2 {
            ha.start_jobmanager(i);
        }

        // One TaskManager, with the memory parameters Flink's taskmanager.sh would compute.
        let tm_conf = dir.join("taskmanager").join("conf");
        write_conf(&tm_conf, &common, "taskmanager", "");
        let tm_log = dir.join("taskmanager.log");
        let tm_out = dir.join("taskmanager.out");
        let tm_child = spawn_taskmanager(&ha.procs, &ha.installed, &tm_log, &tm_out, &tm_conf)?;
        ha._others.lock().unwrap().push(tm_child);
        let mut ha = ha;
        ha.logs.push(tm_log);
        ha.logs.push(tm_out);

        // Up when both REST endpoints answer /overview with the TaskManager registered.
        let rest = Rest::new();
        for url in ha.rest_urls() {
            let waited = tokio::time::timeout(Duration::from_secs(150), async {
                loop {
                    if let Ok(o) = rest.get(&url, "/overview").await {
                        if o["taskmanagers"].as_u64() == Some(1) {
                            return;
                        }
                    }
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
            })
            .await;
            if waited.is_err() {
                ha.dump_logs(40);
                return Err(format!(
                    "{url}/overview did not show 1 TaskManager within 150 s"
                ));
            }
        }
        ha.startup = t0.elapsed();
        report(&format!(
            "[cluster] up in {}: ZooKeeper {}, JobManagers {:?}, cluster-id {}, dir {}",
            secs(ha.startup),
            ha.zk_address,
            ha.rest_urls(),
            ha.cluster_id,
            ha.dir.display()
        ));
        Ok(ha)
    }

    /// Starts JobManager `i` (again, after a kill: it rejoins as a standby).
    pub fn start_jobmanager(&self, i: usize) {
        let jm = &self.jms[i];
        let child = spawn_jobmanager(&self.procs, &self.installed, &jm.log, &jm.out, &jm.conf);
        let mut slot = jm.child.lock().unwrap();
        if let Some(mut old) = slot.replace(child) {
            kill9(&mut old);
        }
    }

    /// Starts one more JobManager as a cluster of its own (`high-availability.cluster-id` =
    /// `name`) on this ZooKeeper, configured by `conf` (flat YAML keys, after the loopback
    /// basics; it must set the HA keys it wants), with no TaskManager. Returns when its REST
    /// endpoint answers; it is SIGKILLed when the returned value drops.
    pub async fn start_lone_jobmanager(&self, name: &str, conf: &str) -> LoneJobManager {
        let ports = free_ports(2);
        let dir = self.dir.join(name);
        let conf_dir = dir.join("conf");
        std::fs::create_dir_all(dir.join("tmp")).expect("create the JobManager's dirs");
        std::fs::create_dir_all(&conf_dir).expect("create the JobManager's conf dir");
        let text = format!(
            "jobmanager.rpc.address: 127.0.0.1\n\
             jobmanager.bind-host: 127.0.0.1\n\
             jobmanager.rpc.port: {rpc}\n\
             high-availability.jobmanager.port: {rpc}\n\
             jobmanager.memory.process.size: 900m\n\
             rest.address: 127.0.0.1\n\
             rest.bind-address: 127.0.0.1\n\
             rest.port: {rest}\n\
             blob.server.port: 0\n\
             high-availability.zookeeper.quorum: {zk}\n\
             high-availability.zookeeper.path.root: {HA_ROOT}\n\
             high-availability.cluster-id: {name}\n\
             io.tmp.dirs: {tmp}\n\
             {conf}",
            rpc = ports[0],
            rest = ports[1],
            zk = self.zk_address,
            tmp = dir.join("tmp").display(),
        );
        write(&conf_dir.join("config.yaml"), &text);
        // The cluster's log4j config, for the same log layout.
        let log4j = std::fs::read_to_string(self.jms[0].conf.join("log4j.properties"))
            .expect("the cluster's log4j.properties");
        write(&conf_dir.join("log4j.properties"), &log4j);
        let log = self.dir.join(format!("{name}.log"));
        let out = self.dir.join(format!("{name}.out"));
        let child = spawn_jobmanager(&self.procs, &self.installed, &log, &out, &conf_dir);
        let url = format!("http://127.0.0.1:{}", ports[1]);
        let lone = LoneJobManager {
            url: url.clone(),
            child,
        };
        let rest = Rest::new();
        wait_for(
            &format!(
                "{name} at {url} to answer /overview (log {})",
                log.display()
            ),
            Duration::from_secs(120),
            Duration::from_millis(250),
            || async { rest.get(&url, "/overview").await.ok() },
        )
        .await;
        lone
    }

    /// SIGKILLs JobManager `i`, a process this harness started, by its pid.
    pub fn kill9_jobmanager(&self, i: usize) {
        let mut slot = self.jms[i].child.lock().unwrap();
        if let Some(mut child) = slot.take() {
            eprintln!(
                "[cluster] kill -9 {} (pid {})",
                self.jms[i].name,
                child.id()
            );
            kill9(&mut child);
        }
    }

    /// Restarts any JobManager that is not running (a test that killed one and then panicked),
    /// then waits until both answer /overview.
    pub async fn ensure_jobmanagers(&self, rest: &Rest) {
        for i in 0..self.jms.len() {
            let running = {
                let mut slot = self.jms[i].child.lock().unwrap();
                matches!(slot.as_mut().map(|c| c.try_wait()), Some(Ok(None)))
            };
            if !running {
                eprintln!(
                    "[cluster] {} is not running: starting it again",
                    self.jms[i].name
                );
                self.start_jobmanager(i);
            }
        }
        for url in self.rest_urls() {
            let what = format!("{url}/overview to answer");
            wait_for(
                &what,
                Duration::from_secs(90),
                Duration::from_millis(250),
                || async { rest.get(&url, "/overview").await.ok() },
            )
            .await;
        }
    }

    /// The pid of JobManager `i`, if running.
    pub fn jobmanager_pid(&self, i: usize) -> Option<u32> {
        self.jms[i].child.lock().unwrap().as_ref().map(Child::id)
    }

    /// `http://127.0.0.1:<rest.port>` of each JobManager.
    pub fn rest_urls(&self) -> Vec<String> {
        self.jms
            .iter()
            .map(|jm| format!("http://127.0.0.1:{}", jm.rest_port))
            .collect()
    }

    pub fn rest_url(&self, i: usize) -> String {
        format!("http://127.0.0.1:{}", self.jms[i].rest_port)
    }

    /// The JobManager index whose REST URL is `url`.
    pub fn jobmanager_index(&self, url: &str) -> Option<usize> {
        self.rest_urls().iter().position(|u| u == url)
    }

    /// `<root>/<cluster-id>/leader/rest_server/connection_info`.
    pub fn leader_rest_path(&self) -> String {
        format!(
            "{HA_ROOT}/{}/leader/rest_server/connection_info",
            self.cluster_id
        )
    }

    /// The leader's REST URL as ZooKeeper names it (None if no leader node or no ZooKeeper).
    pub async fn zk_leader_url(&self) -> Option<String> {
        let bytes = zk_get(&self.zk_address, &self.leader_rest_path()).await?;
        decode_write_utf(&bytes)
    }

    /// A fresh, empty output dir for one job.
    pub fn new_output_dir(&self, name: &str) -> PathBuf {
        let n = self.outputs.fetch_add(1, Ordering::SeqCst);
        let dir = self.dir.join("outputs").join(format!("{n}-{name}"));
        std::fs::create_dir_all(&dir).expect("create the output dir");
        dir
    }

    /// Where stop-with-savepoint writes, per test.
    pub fn savepoint_dir(&self, name: &str) -> PathBuf {
        self.dir.join("savepoints").join(name)
    }

    /// Every log file of the cluster.
    pub fn log_files(&self) -> &[PathBuf] {
        &self.logs
    }

    /// Prints the last `lines` lines of every log (to stderr, shown when a test fails).
    pub fn dump_logs(&self, lines: usize) {
        for log in &self.logs {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            let all: Vec<&str> = text.lines().collect();
            let tail = &all[all.len().saturating_sub(lines)..];
            eprintln!("----- {} (last {} lines) -----", log.display(), tail.len());
            for l in tail {
                eprintln!("{l}");
            }
        }
    }
}

/// Starts a standalone ZooKeeper (Debian's jars) on a free loopback port, logging to
/// `dir/zookeeper.log`: tickTime 500 ms and sessions of at most 6 s, so a SIGKILLed JobManager's
/// session expires soon. Returns the process and `127.0.0.1:<port>`.
pub async fn start_zookeeper(
    procs: &Procs,
    installed: &Installed,
    dir: &Path,
) -> Result<(Child, String), String> {
    let zk_port = free_ports(1)[0];
    let zk_dir = dir.join("zookeeper");
    std::fs::create_dir_all(zk_dir.join("data")).map_err(|e| e.to_string())?;
    let zoo_cfg = zk_dir.join("zoo.cfg");
    write(
        &zoo_cfg,
        &format!(
            "tickTime={ZK_TICK_MS}\ninitLimit=10\nsyncLimit=5\ndataDir={}\nclientPort={zk_port}\n\
             clientPortAddress=127.0.0.1\nminSessionTimeout={}\nmaxSessionTimeout={ZK_MAX_SESSION_MS}\n\
             admin.enableServer=false\n4lw.commands.whitelist=ruok,stat,srvr\n",
            zk_dir.join("data").display(),
            2 * ZK_TICK_MS,
        ),
    );
    let mut child = respawn_zookeeper(procs, installed, dir);
    let zk_address = format!("127.0.0.1:{zk_port}");
    if let Err(e) = wait_tcp(&zk_address, Duration::from_secs(30)).await {
        kill9(&mut child);
        return Err(format!(
            "ZooKeeper did not listen on {zk_address}: {e} (log {})",
            dir.join("zookeeper.log").display()
        ));
    }
    Ok((child, zk_address))
}

/// Starts ZooKeeper again on the configuration, port and data `start_zookeeper` wrote in `dir`
/// (a restart: sessions and nodes survive in its data directory).
pub fn respawn_zookeeper(procs: &Procs, installed: &Installed, dir: &Path) -> Child {
    let mut zk = Command::new("java");
    zk.args([
        "-Xmx256m",
        "-XX:+UseSerialGC",
        "-cp",
        &installed.zk_classpath,
    ])
    .arg("-Dzookeeper.admin.enableServer=false")
    .arg("org.apache.zookeeper.server.ZooKeeperServerMain")
    .arg(dir.join("zookeeper").join("zoo.cfg"));
    procs.spawn(zk, &dir.join("zookeeper.log"))
}

/// Flink's classpath as its scripts build it: lib/*.jar sorted, flink-dist last.
pub fn flink_classpath(installed: &Installed) -> String {
    let mut jars: Vec<PathBuf> = std::fs::read_dir(&installed.flink_lib)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    jars.retain(|p| p.extension().is_some_and(|e| e == "jar"));
    jars.sort_by_key(|p| {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        (name.starts_with("flink-dist"), name)
    });
    jars.iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(":")
}

/// Starts a JobManager (`StandaloneSessionClusterEntrypoint`) on the config dir `conf`.
pub fn spawn_jobmanager(
    procs: &Procs,
    installed: &Installed,
    log: &Path,
    out: &Path,
    conf: &Path,
) -> Child {
    let jvm = ["-Xms512m", "-Xmx512m", "-XX:MaxMetaspaceSize=256m"].map(String::from);
    let main = "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
    procs.spawn(flink_java(installed, &jvm, log, conf, main), out)
}

/// `java <jvm> -XX:+UseSerialGC <opts> <log props> -classpath <Flink's> <main> --configDir conf`.
fn flink_java(
    installed: &Installed,
    jvm: &[String],
    log: &Path,
    conf: &Path,
    main: &str,
) -> Command {
    let mut cmd = Command::new("java");
    cmd.args(jvm)
        .arg("-XX:+UseSerialGC")
        .args(&installed.flink_java_opts)
        .args(log_props(log, conf))
        .arg("-classpath")
        .arg(flink_classpath(installed))
        .arg(main)
        .arg("--configDir")
        .arg(conf);
    cmd
}

/// The JVM parameters and dynamic configs `BashJavaUtils GET_TM_RESOURCE_PARAMS` prints.
fn tm_resource_params(
    installed: &Installed,
    conf: &Path,
) -> Result<(Vec<String>, Vec<String>), String> {
    let cp = format!(
        "{}:{}",
        installed.bash_java_utils.display(),
        flink_classpath(installed)
    );
    let out = Command::new("java")
        .args([
            "-cp",
            &cp,
            "org.apache.flink.runtime.util.bash.BashJavaUtils",
        ])
        .args(["GET_TM_RESOURCE_PARAMS", "--configDir"])
        .arg(conf)
        .output()
        .map_err(|e| format!("BashJavaUtils: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let results: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("BASH_JAVA_UTILS_EXEC_RESULT:"))
        .collect();
    if !out.status.success() || results.len() < 2 {
        return Err(format!(
            "BashJavaUtils GET_TM_RESOURCE_PARAMS failed: {}\n{}",
            stdout,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let split = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    Ok((split(results[0]), split(results[1])))
}

/// Starts a TaskManager (`TaskManagerRunner`) on the config dir `conf`, with the memory
/// parameters Flink's taskmanager.sh would compute.
pub fn spawn_taskmanager(
    procs: &Procs,
    installed: &Installed,
    log: &Path,
    out: &Path,
    conf: &Path,
) -> Result<Child, String> {
    let (jvm_params, dynamic) = tm_resource_params(installed, conf)?;
    let main = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";
    let mut tm = flink_java(installed, &jvm_params, log, conf, main);
    tm.args(&dynamic);
    Ok(procs.spawn(tm, out))
}

struct CommonConf {
    zk_address: String,
    cluster_id: String,
    dir: PathBuf,
}

/// A JobManager `FlinkHa::start_lone_jobmanager` started; SIGKILLed on drop.
pub struct LoneJobManager {
    /// Its REST URL.
    pub url: String,
    child: Child,
}

impl Drop for LoneJobManager {
    fn drop(&mut self) {
        kill9(&mut self.child);
    }
}

/// Writes `config.yaml` (flat keys) and a log4j2 config into `conf`.
fn write_conf(conf: &Path, c: &CommonConf, name: &str, extra: &str) {
    std::fs::create_dir_all(conf).expect("create a config dir");
    let d = &c.dir;
    let text = format!(
        "jobmanager.rpc.address: 127.0.0.1\n\
         jobmanager.bind-host: 127.0.0.1\n\
         jobmanager.memory.process.size: 900m\n\
         rest.address: 127.0.0.1\n\
         rest.bind-address: 127.0.0.1\n\
         blob.server.port: 0\n\
         taskmanager.host: 127.0.0.1\n\
         taskmanager.bind-host: 127.0.0.1\n\
         taskmanager.numberOfTaskSlots: 4\n\
         taskmanager.memory.process.size: 1024m\n\
         taskmanager.memory.managed.fraction: 0.1\n\
         parallelism.default: 1\n\
         heartbeat.interval: 2000\n\
         heartbeat.timeout: 10000\n\
         high-availability.type: zookeeper\n\
         high-availability.zookeeper.quorum: {zk}\n\
         high-availability.zookeeper.path.root: {HA_ROOT}\n\
         high-availability.cluster-id: {id}\n\
         high-availability.storageDir: file://{ha}\n\
         high-availability.zookeeper.client.session-timeout: {FLINK_ZK_SESSION_MS}\n\
         high-availability.zookeeper.client.connection-timeout: 4000\n\
         state.checkpoints.dir: file://{cp}\n\
         state.savepoints.dir: file://{sp}\n\
         io.tmp.dirs: {tmp}\n\
         {extra}",
        zk = c.zk_address,
        id = c.cluster_id,
        ha = d.join("ha").display(),
        cp = d.join("checkpoints").display(),
        sp = d.join("savepoints").display(),
        tmp = d.join(name).join("tmp").display(),
    );
    std::fs::create_dir_all(d.join(name).join("tmp")).expect("create io.tmp.dirs");
    write_conf_text(conf, &text);
}

/// Writes `config.yaml` with `text` and the harness's log4j2 config into `conf`.
pub fn write_conf_text(conf: &Path, text: &str) {
    std::fs::create_dir_all(conf).expect("create a config dir");
    write(&conf.join("config.yaml"), text);
    write(
        &conf.join("log4j.properties"),
        "rootLogger.level = INFO\n\
         rootLogger.appenderRef.file.ref = MainAppender\n\
         appender.main.name = MainAppender\n\
         appender.main.type = File\n\
         appender.main.append = true\n\
         appender.main.fileName = ${sys:log.file}\n\
         appender.main.layout.type = PatternLayout\n\
         appender.main.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-60c %x - %m%n\n\
         logger.zk.name = org.apache.flink.shaded.zookeeper3\n\
         logger.zk.level = WARN\n\
         logger.curator.name = org.apache.flink.shaded.curator5\n\
         logger.curator.level = WARN\n",
    );
}

fn log_props(log: &Path, conf: &Path) -> Vec<String> {
    let log4j = conf.join("log4j.properties");
    vec![
        format!("-Dlog.file={}", log.display()),
        format!("-Dlog4j.configuration=file:{}", log4j.display()),
        format!("-Dlog4j.configurationFile=file:{}", log4j.display()),
    ]
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// `n` distinct free loopback ports (bound together, then released).
pub fn free_ports(n: usize) -> Vec<u16> {
    let listeners: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("bind port 0"))
        .collect();
    listeners
        .iter()
        .map(|l| l.local_addr().unwrap().port())
        .collect()
}

pub async fn wait_tcp(addr: &str, timeout: Duration) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    loop {
        match TcpStream::connect(addr) {
            Ok(_) => return Ok(()),
            Err(e) if Instant::now() >= deadline => return Err(e.to_string()),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// Reads one znode; None if it does not exist or ZooKeeper does not answer.
pub async fn zk_get(zk_address: &str, path: &str) -> Option<Vec<u8>> {
    let read = async {
        let client = zookeeper_client::Client::connector()
            .with_session_timeout(Duration::from_secs(4))
            .connect(zk_address)
            .await
            .ok()?;
        client.get_data(path).await.ok().map(|(data, _)| data)
    };
    tokio::time::timeout(Duration::from_secs(5), read)
        .await
        .ok()
        .flatten()
}

/// The string a Java `ObjectOutputStream.writeUTF` put first in `bytes`: the stream header
/// (AC ED 00 05), a block-data header (0x77 + 1-byte length, or 0x7A + 4-byte length), then a
/// 2-byte length and the (modified) UTF-8 text.
pub fn decode_write_utf(bytes: &[u8]) -> Option<String> {
    let rest = bytes.strip_prefix(&[0xAC, 0xED, 0x00, 0x05])?;
    let rest = match rest.first()? {
        0x77 => rest.get(2..)?,
        0x7A => rest.get(5..)?,
        _ => return None,
    };
    let len = u16::from_be_bytes([*rest.first()?, *rest.get(1)?]) as usize;
    let text = rest.get(2..2 + len)?;
    String::from_utf8(text.to_vec()).ok()
}

/// One real-cluster test: holds the global lock for its duration, prints its time, and dumps the
/// cluster's logs if it panics.
pub struct ClusterTest {
    pub ha: &'static FlinkHa,
    pub rest: Rest,
    name: String,
    started: Instant,
    _serial: tokio::sync::MutexGuard<'static, ()>,
}

impl ClusterTest {
    /// Waits for the other real-cluster tests, brings the cluster up if needed, and cancels any
    /// job a previous test left running.
    pub async fn begin(name: &str) -> ClusterTest {
        let serial = SERIAL.lock().await;
        let ha = FlinkHa::shared().await;
        let test = ClusterTest {
            ha,
            rest: Rest::new(),
            name: name.to_string(),
            started: Instant::now(),
            _serial: serial,
        };
        ha.ensure_jobmanagers(&test.rest).await;
        test.cancel_leftover_jobs().await;
        eprintln!("[{name}] start (cluster dir {})", ha.dir.display());
        test
    }

    /// A REST URL that answers /overview now.
    pub async fn any_rest_url(&self) -> String {
        let urls = self.ha.rest_urls();
        wait_for(
            "a JobManager answering /overview",
            Duration::from_secs(60),
            Duration::from_millis(250),
            || async {
                for url in &urls {
                    if self.rest.get(url, "/overview").await.is_ok() {
                        return Some(url.clone());
                    }
                }
                None
            },
        )
        .await
    }

    async fn cancel_leftover_jobs(&self) {
        let url = self.any_rest_url().await;
        let Ok(jobs) = self.rest.get(&url, "/jobs/overview").await else {
            return;
        };
        for job in jobs["jobs"].as_array().cloned().unwrap_or_default() {
            let state = job["state"].as_str().unwrap_or("");
            let id = job["jid"].as_str().unwrap_or("").to_string();
            if !TERMINAL.contains(&state) {
                eprintln!(
                    "[{}] cancelling job {id} ({state}) left by an earlier test",
                    self.name
                );
                let _ = self.rest.cancel(&url, &id).await;
                self.rest
                    .wait_job_state(&url, &id, &TERMINAL, Duration::from_secs(60))
                    .await;
            }
        }
    }

    /// Uploads the stand-in job's jar to `url` and runs it; returns the job id.
    pub async fn submit(
        &self,
        url: &str,
        job_name: &str,
        feed: &str,
        output: &Path,
        savepoint: Option<&str>,
    ) -> String {
        self.submit_with(url, job_name, feed, output, savepoint, &[])
            .await
    }

    /// `submit` with more program arguments after the usual ones, e.g.
    /// `&["--source", "poller", "--rolling", "default", "--rollover-ms", "4000"]` (see the
    /// stand-in's Javadoc for all of them).
    pub async fn submit_with(
        &self,
        url: &str,
        job_name: &str,
        feed: &str,
        output: &Path,
        savepoint: Option<&str>,
        extra_args: &[&str],
    ) -> String {
        let jar_id = self
            .rest
            .upload_jar(url, &self.ha.installed.job_jar)
            .await
            .unwrap_or_else(|e| panic!("upload the job jar to {url}: {e}"));
        let mut args = vec![
            "--feed".to_string(),
            feed.to_string(),
            "--output".to_string(),
            output.display().to_string(),
            "--job-name".to_string(),
            job_name.to_string(),
            "--checkpoint-ms".to_string(),
            "2000".to_string(),
        ];
        args.extend(extra_args.iter().map(|a| a.to_string()));
        let mut body = json!({
            "entryClass": ENTRY_CLASS,
            "programArgsList": args,
            "parallelism": 1,
        });
        if let Some(sp) = savepoint {
            body["savepointPath"] = json!(sp);
        }
        let resp = self
            .rest
            .send(
                self.rest
                    .client
                    .post(format!("{url}/jars/{jar_id}/run"))
                    .json(&body),
            )
            .await
            .unwrap_or_else(|e| panic!("run the job jar on {url}: {e}"));
        let id = resp["jobid"]
            .as_str()
            .unwrap_or_else(|| panic!("no jobid in {resp}"))
            .to_string();
        eprintln!(
            "[{}] submitted job {job_name} as {id} on {url} {extra_args:?}",
            self.name
        );
        id
    }
}

impl Drop for ClusterTest {
    fn drop(&mut self) {
        let took = self.started.elapsed();
        if std::thread::panicking() {
            eprintln!("[{}] FAILED after {}; cluster logs:", self.name, secs(took));
            for log in self.ha.log_files() {
                eprintln!("  {}", log.display());
            }
            self.ha.dump_logs(30);
        } else {
            report(&format!("[{}] took {}", self.name, secs(took)));
        }
    }
}

/// A small Flink REST client for the harness (a new one per test: a reqwest client belongs to
/// the runtime that first used it).
pub struct Rest {
    pub client: reqwest::Client,
}

impl Default for Rest {
    fn default() -> Self {
        Rest::new()
    }
}

impl Rest {
    pub fn new() -> Rest {
        Rest {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .expect("reqwest client"),
        }
    }

    /// Sends a request; a non-2xx status is an error carrying the status and body.
    pub async fn send(&self, req: reqwest::RequestBuilder) -> Result<Value, String> {
        let resp = req.send().await.map_err(|e| e.to_string())?;
        let status = resp.status();
        let text = resp.text().await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!("HTTP {status}: {text}"));
        }
        if text.trim().is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))
    }

    pub async fn get(&self, url: &str, path: &str) -> Result<Value, String> {
        self.send(self.client.get(format!("{url}{path}"))).await
    }

    /// `POST /jars/upload` (multipart field `jarfile`); returns the jar id.
    pub async fn upload_jar(&self, url: &str, jar: &Path) -> Result<String, String> {
        let bytes = std::fs::read(jar).map_err(|e| format!("{}: {e}", jar.display()))?;
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name("cdc-standin.jar")
            .mime_str("application/x-java-archive")
            .map_err(|e| e.to_string())?;
        let form = reqwest::multipart::Form::new().part("jarfile", part);
        let resp = self
            .send(
                self.client
                    .post(format!("{url}/jars/upload"))
                    .multipart(form),
            )
            .await?;
        let filename = resp["filename"]
            .as_str()
            .ok_or_else(|| format!("no filename in {resp}"))?;
        Ok(filename.rsplit('/').next().unwrap_or(filename).to_string())
    }

    pub async fn job(&self, url: &str, id: &str) -> Result<Value, String> {
        self.get(url, &format!("/jobs/{id}")).await
    }

    /// `PATCH /jobs/:id?mode=cancel`.
    pub async fn cancel(&self, url: &str, id: &str) -> Result<Value, String> {
        self.send(self.client.patch(format!("{url}/jobs/{id}?mode=cancel")))
            .await
    }

    /// Cancels and waits for CANCELED.
    pub async fn cancel_and_wait(&self, url: &str, id: &str) {
        self.cancel(url, id)
            .await
            .unwrap_or_else(|e| panic!("cancel {id}: {e}"));
        self.wait_job_state(url, id, &["CANCELED"], Duration::from_secs(60))
            .await;
    }

    /// Waits until the job is in one of `states`; returns the state.
    pub async fn wait_job_state(
        &self,
        url: &str,
        id: &str,
        states: &[&str],
        timeout: Duration,
    ) -> String {
        let what = format!("job {id} to be {states:?} on {url}");
        wait_for(&what, timeout, Duration::from_millis(250), || async {
            let job = self.job(url, id).await.ok()?;
            let state = job["state"].as_str()?.to_string();
            states.contains(&state.as_str()).then_some(state)
        })
        .await
    }

    /// Waits until the job is RUNNING with every vertex RUNNING; returns the job's JSON.
    pub async fn wait_job_running(&self, url: &str, id: &str, timeout: Duration) -> Value {
        let what = format!("job {id} and all its vertices RUNNING on {url}");
        wait_for(&what, timeout, Duration::from_millis(250), || async {
            let job = self.job(url, id).await.ok()?;
            let vertices = job["vertices"].as_array()?;
            let all = !vertices.is_empty()
                && vertices
                    .iter()
                    .all(|v| v["status"].as_str() == Some("RUNNING"));
            (job["state"].as_str() == Some("RUNNING") && all).then_some(job)
        })
        .await
    }

    /// `GET /jobs/:id/checkpoints` counts.completed.
    pub async fn checkpoints_completed(&self, url: &str, id: &str) -> Result<u64, String> {
        let cp = self.get(url, &format!("/jobs/{id}/checkpoints")).await?;
        cp["counts"]["completed"]
            .as_u64()
            .ok_or_else(|| format!("no counts.completed in {cp}"))
    }

    /// Stop-with-savepoint (`drain: false`), polled until COMPLETED; returns its location.
    pub async fn stop_with_savepoint(&self, url: &str, id: &str, target: &Path) -> String {
        let body = json!({"drain": false, "targetDirectory": target.display().to_string()});
        let resp = self
            .send(
                self.client
                    .post(format!("{url}/jobs/{id}/stop"))
                    .json(&body),
            )
            .await
            .unwrap_or_else(|e| panic!("stop {id} with a savepoint: {e}"));
        let trigger = resp["request-id"]
            .as_str()
            .unwrap_or_else(|| panic!("no request-id in {resp}"))
            .to_string();
        let path = format!("/jobs/{id}/savepoints/{trigger}");
        wait_for(
            "the savepoint to complete",
            Duration::from_secs(60),
            Duration::from_millis(250),
            || async {
                let st = self.get(url, &path).await.ok()?;
                match st["status"]["id"].as_str()? {
                    "COMPLETED" => {
                        if let Some(loc) = st["operation"]["location"].as_str() {
                            Some(loc.to_string())
                        } else {
                            panic!("stop-with-savepoint failed: {st}")
                        }
                    }
                    _ => None,
                }
            },
        )
        .await
    }

    /// The ids of the registered TaskManagers.
    pub async fn taskmanager_ids(&self, url: &str) -> Vec<String> {
        let tms = self.get(url, "/taskmanagers").await.unwrap_or(Value::Null);
        tms["taskmanagers"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|t| t["id"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
}
