//! Process hygiene: every process the harness starts is recorded in a pid file, and one reaper
//! child (started before any of them) kills exactly those pids with SIGKILL once the test binary
//! has exited, also after a panic or a SIGKILL of the test binary (static destructors never run).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;

/// The processes of one cluster run.
pub struct Procs {
    pid_file: PathBuf,
    lock: Mutex<()>,
}

impl Procs {
    /// Starts the reaper that watches this test binary and kills the pids listed in `pid_file`.
    pub fn new(pid_file: PathBuf) -> Procs {
        File::create(&pid_file).expect("create the pid file");
        // The reaper waits for EOF on a pipe whose only writer is this process (Rust opens
        // pipes close-on-exec, so no child inherits it): the kernel closes it when this process
        // ends, however it ends. Polling the pid instead is fooled when the pid is reused.
        let script = r#"cat >/dev/null
for p in $(cat "$0" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done"#;
        let mut reaper = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg(&pid_file)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the reaper (sh)");
        // The write end stays open for the life of this process, on purpose; the reaper
        // outlives us and is not waited for.
        std::mem::forget(reaper.stdin.take());
        drop(reaper);
        Procs {
            pid_file,
            lock: Mutex::new(()),
        }
    }

    /// Spawns `cmd` with stdout and stderr appended to `out` and records its pid for the reaper.
    pub fn spawn(&self, mut cmd: Command, out: &Path) -> Child {
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(out)
            .unwrap_or_else(|e| panic!("open {}: {e}", out.display()));
        let err = log.try_clone().expect("clone the log handle");
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"));
        let mut pids = OpenOptions::new()
            .append(true)
            .open(&self.pid_file)
            .expect("open the pid file");
        writeln!(pids, "{}", child.id()).expect("record the pid");
        child
    }
}

/// Kills a child this harness started, by its pid (SIGKILL), and reaps it.
pub fn kill9(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Removes the temp dirs of earlier runs whose test binary is gone (their logs are kept until
/// the next run so that a failure can be inspected). A process of such a run that is still
/// alive — its reaper may not have read the pid file yet, or died — is killed first, but only
/// when its command line names that run's dir: a pid reused by an unrelated process is left.
pub fn remove_stale_dirs(parent: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let Some(pid) = name.strip_prefix(prefix) else {
            continue;
        };
        let pid = pid.split('-').next().unwrap_or("");
        if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
            let dir = entry.path();
            let listed = std::fs::read_to_string(dir.join("pids")).unwrap_or_default();
            for p in listed.lines().filter_map(|l| l.trim().parse::<i32>().ok()) {
                let cmdline = std::fs::read(format!("/proc/{p}/cmdline")).unwrap_or_default();
                let cmdline = String::from_utf8_lossy(&cmdline);
                if cmdline.contains(&*dir.to_string_lossy()) {
                    eprintln!("harness: killing pid {p} left running by an earlier run ({name})");
                    let _ = Command::new("kill").arg("-9").arg(p.to_string()).status();
                }
            }
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}
