//! The demo stack (docker-compose.yml and the files it mounts), checked without a Docker engine:
//! `docker-compose config` (Debian's, from tests/oracle/setup.sh) resolves and validates the
//! file, PyYAML (a dependency of that package) turns its output into JSON, and each test asserts
//! one of issue 19's defects against what the images' and the connector's own sources say.
//! The stack's Flink HA settings are started for real on loopback by the last test.
// See: #19

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// `docker-compose config` of docker-compose.yml, as JSON.
fn compose() -> Value {
    let out = Command::new("docker-compose")
        .args(["-f", "docker-compose.yml", "config"])
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| {
            panic!("docker-compose is not installed ({e}): run tests/oracle/setup.sh (or .ci/run)")
        });
    assert!(
        out.status.success(),
        "docker-compose config: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut py = Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    use std::io::Write;
    py.stdin.take().unwrap().write_all(&out.stdout).unwrap();
    let json = py.wait_with_output().unwrap();
    assert!(json.status.success(), "PyYAML could not read the output");
    serde_json::from_slice(&json.stdout).expect("JSON from PyYAML")
}

fn service<'a>(c: &'a Value, name: &str) -> &'a Value {
    let s = &c["services"][name];
    assert!(s.is_object(), "no service {name}");
    s
}

fn services(c: &Value) -> &serde_json::Map<String, Value> {
    c["services"].as_object().expect("services")
}

/// A service's mounts as (source, target): `source:target[:mode]` in docker-compose 1.29's
/// output, with bind sources made absolute.
fn mounts(s: &Value) -> Vec<(String, String)> {
    s["volumes"]
        .as_array()
        .map(|v| {
            v.iter()
                .map(|m| {
                    let text = m.as_str().expect("short volume syntax");
                    let mut parts = text.split(':');
                    let source = parts.next().unwrap().to_string();
                    let target = parts.next().expect("a target").to_string();
                    (source, target)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The condition a service's `depends_on` puts on `other`, if it depends on it.
fn condition<'a>(s: &'a Value, other: &str) -> Option<&'a str> {
    s["depends_on"][other]["condition"].as_str()
}

/// A command (list or string) as one string.
fn command_text(v: &Value) -> String {
    match v {
        Value::Array(a) => a
            .iter()
            .map(|x| x.as_str().unwrap_or_default())
            .collect::<Vec<_>>()
            .join(" "),
        Value::String(s) => s.clone(),
        _ => String::new(),
    }
}

/// FLINK_PROPERTIES the way the image's docker-entrypoint.sh reads them: one `key: value` a line,
/// all whitespace removed, split at the first colon.
fn flink_properties(s: &Value) -> BTreeMap<String, String> {
    let text = s["environment"]["FLINK_PROPERTIES"]
        .as_str()
        .unwrap_or_default();
    text.lines()
        .map(|l| l.split_whitespace().collect::<String>())
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (k, v) = l.split_once(':').expect("key: value");
            (k.to_string(), v.to_string())
        })
        .collect()
}

/// The services that run the Flink image.
fn flink_services(c: &Value) -> Vec<(&String, &Value)> {
    services(c)
        .iter()
        .filter(|(_, s)| s["image"].as_str().is_some_and(|i| i.starts_with("flink:")))
        .collect()
}

#[test]
fn only_the_setup_script_runs_at_the_oracle_first_boot_and_the_loader_is_its_own_service() {
    let c = compose();
    let oracle = service(&c, "oracle");
    // gvenzl/oracle-xe's container-entrypoint.sh runs every *.sh (and *.sql) it finds under these
    // directories, recursively, on the first boot, before it reports the database ready.
    let initdb: Vec<(String, String)> = mounts(oracle)
        .into_iter()
        .filter(|(_, t)| t.contains("entrypoint-initdb.d") || t.contains("entrypoint-startdb.d"))
        .collect();
    assert_eq!(initdb.len(), 1, "exactly one first-boot mount: {initdb:?}");
    let (source, target) = &initdb[0];
    assert!(
        Path::new(source).is_file(),
        "{source} is mounted as a file, never a directory (a directory runs all of it)"
    );
    assert!(source.ends_with("docker/oracle/01-logminer.sh"), "{source}");
    assert_eq!(target, "/container-entrypoint-initdb.d/01-logminer.sh");
    // Executable, so the entrypoint runs it in its own bash instead of sourcing it into itself
    // (its `set -euo pipefail` would then change the entrypoint's own error handling).
    let ls = Command::new("git")
        .args(["ls-files", "-s", "docker/oracle/01-logminer.sh"])
        .current_dir(root())
        .output()
        .expect("git");
    assert!(
        String::from_utf8_lossy(&ls.stdout).starts_with("100755"),
        "01-logminer.sh is committed executable"
    );
    // The image runs it as oracle (uid 54321), not the owner of the checkout: others need r-x.
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode();
    assert_eq!(
        mode(Path::new(source)) & 0o005,
        0o005,
        "{source}: r-x for others"
    );
    assert_eq!(
        mode(&root().join("sql/grants.sql")) & 0o004,
        0o004,
        "grants.sql: r for others"
    );
    let setup = read("docker/oracle/01-logminer.sh");
    assert!(
        !setup.contains("while true"),
        "no endless loop at first boot"
    );

    // The loader runs as its own service, after the setup finished.
    let loader = service(&c, "loader");
    assert_eq!(condition(loader, "oracle"), Some("service_healthy"));
    assert!(mounts(loader)
        .iter()
        .any(|(s, _)| s.ends_with("docker/oracle/loader.sh")));
    assert!(
        mounts(oracle)
            .iter()
            .all(|(s, _)| !s.ends_with("loader.sh")),
        "the loader is not mounted into the database's container"
    );

    // Healthy means set up: the image's healthcheck.sh passes as soon as the PDB is open, which
    // is before the first-boot scripts run, so the healthcheck also needs the marker that the
    // setup script writes last.
    let test = command_text(&oracle["healthcheck"]["test"]);
    let marker = test
        .split_whitespace()
        .find(|w| w.starts_with("/opt/oracle/oradata/"))
        .unwrap_or_else(|| panic!("the healthcheck waits for a marker: {test}"));
    assert!(test.contains("healthcheck.sh XEPDB1"), "{test}");
    let last = setup
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap();
    assert_eq!(
        last,
        format!("touch {marker}"),
        "the marker is the last step"
    );
    // On the data volume, so a restarted container with a set-up database is healthy again.
    assert!(mounts(oracle)
        .iter()
        .any(|(s, t)| s == "oracle-data" && marker.starts_with(t.as_str())));
}

#[test]
fn the_jar_download_runs_as_root_and_flink_starts_only_after_it_succeeded() {
    let c = compose();
    let jars = service(&c, "cdc-jars");
    // curlimages/curl runs as curl_user (curl-container's create_appliance_image.sh, v8.10.1),
    // and a new named volume is root's.
    assert!(
        matches!(
            jars["user"].as_str(),
            Some("root") | Some("0") | Some("0:0")
        ),
        "cdc-jars runs as root"
    );
    // The download itself, run here by sh with a stand-in curl on PATH.
    let script = jars["command"][2].as_str().expect("sh -c SCRIPT");
    let tmp = tempfile::tempdir().unwrap();
    let bin = tmp.path().join("bin");
    let jar_dir = tmp.path().join("jars");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&jar_dir).unwrap();
    let run = |curl: &str| {
        std::fs::write(bin.join("curl"), curl).unwrap();
        Command::new("chmod")
            .arg("+x")
            .arg(bin.join("curl"))
            .status()
            .unwrap();
        // Compose turns $$ into $; the volume is /jars.
        let script = script
            .replace("$$", "$")
            .replace("cd /jars", &format!("cd {}", jar_dir.display()));
        let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
        let out = Command::new("sh")
            .args(["-c", &script])
            .env("PATH", path)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).to_string(),
        )
    };
    let jars_in = || {
        let mut names: Vec<String> = std::fs::read_dir(&jar_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        names.sort();
        names
    };
    // A curl that fails (curl -f exits 22 on an HTTP error) fails the service: nothing starts.
    let (ok, _) = run("#!/bin/sh\nexit 22\n");
    assert!(!ok, "a failed download fails the service");
    assert!(jars_in().is_empty(), "and leaves no jar behind");
    // A working one: each jar downloaded once, then kept on the next start.
    let fake = "#!/bin/sh\nwhile [ $# -gt 1 ]; do [ \"$1\" = -o ] && out=$2; shift; done\n\
                echo \"$1\"; echo jar > \"$out\"\n";
    let (ok, fetched) = run(fake);
    assert!(ok);
    assert_eq!(fetched.lines().count(), 3, "{fetched}");
    assert_eq!(
        jars_in(),
        [
            "flink-sql-connector-oracle-cdc-3.2.1.jar",
            "ojdbc8-19.3.0.0.jar",
            "xdb-19.3.0.0.jar"
        ]
    );
    let (ok, again) = run(fake);
    assert!(
        ok && again.is_empty(),
        "a restart downloads nothing: {again}"
    );
    let mut users = 0;
    for (name, s) in services(&c) {
        if name == "cdc-jars" {
            continue;
        }
        if mounts(s).iter().any(|(src, _)| src == "cdc-jars") {
            users += 1;
            assert_eq!(
                condition(s, "cdc-jars"),
                Some("service_completed_successfully"),
                "{name} mounts the jars: Flink's classpath is fixed when its JVM starts"
            );
        }
    }
    assert_eq!(
        users, 4,
        "both JobManagers, the TaskManager and the SQL client"
    );
}

#[test]
fn an_init_service_gives_the_flink_volumes_to_uid_9999_first() {
    let c = compose();
    let init = service(&c, "flink-init");
    assert_eq!(init["user"].as_str(), Some("root"));
    let script = command_text(&init["entrypoint"]) + " " + &command_text(&init["command"]);
    assert!(script.contains("chown -R 9999:9999"), "{script}");
    let init_mounts = mounts(init);
    // The Flink image's processes run as flink, uid 9999 (apache/flink-docker's Dockerfile:
    // useradd --uid=9999; docker-entrypoint.sh: gosu flink).
    let mut checked = 0;
    for (name, s) in flink_services(&c) {
        if name == "flink-init" {
            continue;
        }
        for (source, target) in mounts(s) {
            let writable = source == "flink-data" || source.ends_with("/cdc-output");
            if !writable {
                continue;
            }
            checked += 1;
            assert_eq!(
                condition(s, "flink-init"),
                Some("service_completed_successfully"),
                "{name} writes {target}"
            );
            let prepared = init_mounts
                .iter()
                .find(|(s2, _)| *s2 == source)
                .unwrap_or_else(|| panic!("flink-init mounts {source}"));
            assert!(
                script.contains(&format!(" {}", prepared.1)),
                "flink-init chowns {}: {script}",
                prepared.1
            );
        }
    }
    assert_eq!(
        checked, 6,
        "two JobManagers and the TaskManager, two mounts each"
    );
    // The HA directory Flink creates on first start exists and is flink's.
    let props = flink_properties(service(&c, "jobmanager1"));
    let ha = props["high-availability.storageDir"]
        .strip_prefix("file://")
        .unwrap();
    assert!(script.contains(&format!("mkdir -p {ha}")), "{script}");
}

#[test]
fn every_dependency_on_a_one_shot_service_waits_for_its_success() {
    let c = compose();
    let one_shot = ["cdc-jars", "flink-init", "cdc-job"];
    for (name, s) in services(&c) {
        let Some(deps) = s["depends_on"].as_object() else {
            continue;
        };
        for (dep, how) in deps {
            let cond = how["condition"].as_str().unwrap_or_default();
            if one_shot.contains(&dep.as_str()) {
                assert_eq!(cond, "service_completed_successfully", "{name} -> {dep}");
            } else if dep == "oracle" {
                assert_eq!(cond, "service_healthy", "{name} -> oracle");
            } else {
                assert_eq!(cond, "service_started", "{name} -> {dep}");
            }
        }
    }
    // The job is submitted once Oracle is set up; the doctor starts once it was submitted.
    assert_eq!(
        condition(service(&c, "cdc-job"), "oracle"),
        Some("service_healthy")
    );
    assert_eq!(
        condition(service(&c, "doctor"), "cdc-job"),
        Some("service_completed_successfully")
    );
}

/// The doctor's config of the stack (its password variable set to a stand-in).
pub(crate) fn doctor_config() -> logminer_doctor::config::Config {
    use logminer_doctor::config::{Config, Env};
    struct E;
    impl Env for E {
        fn var(&self, name: &str) -> Option<String> {
            (name == "LMD_MONITOR_PASSWORD").then(|| "x".to_string())
        }
        fn read_file(&self, path: &Path) -> std::io::Result<String> {
            std::fs::read_to_string(path)
        }
    }
    let p = root().join("docker/doctor/logminer-doctor.toml");
    Config::load(&p, &E).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn each_jobmanager_advertises_its_own_rest_address() {
    let c = compose();
    let doctor = doctor_config();
    let listed: Vec<String> = doctor.pipelines[0]
        .flink
        .jobmanagers
        .iter()
        .map(|u| u.as_str().trim_end_matches('/').to_string())
        .collect();
    let mut seen = Vec::new();
    for (name, s) in flink_services(&c) {
        if command_text(&s["command"]) != "jobmanager" {
            continue;
        }
        let props = flink_properties(s);
        let host = s["hostname"].as_str().expect("a hostname");
        // The image's config.yaml says rest.address: 0.0.0.0 (apache/flink-docker's Dockerfile),
        // and the JobManager publishes http://<rest.address>:<rest.port> in ZooKeeper.
        assert_eq!(
            props.get("rest.address").map(String::as_str),
            Some(host),
            "{name}"
        );
        let port = props.get("rest.port").expect("rest.port");
        // docker-compose 1.29 prints ports in the long syntax.
        let published = s["ports"].as_array().unwrap().iter().any(|p| {
            p["published"].as_u64().map(|n| n.to_string()).as_ref() == Some(port)
                && p["target"].as_u64().map(|n| n.to_string()).as_ref() == Some(port)
        });
        assert!(published, "{name} publishes {port} on the same port");
        let url = format!("http://{host}:{port}");
        assert!(listed.contains(&url), "the doctor lists {url}: {listed:?}");
        seen.push(url);
    }
    assert_eq!(seen.len(), 2, "two JobManagers");
    assert_ne!(seen[0], seen[1]);
    // The processes that only look the leader up in ZooKeeper share the HA keys.
    let jm = flink_properties(service(&c, "jobmanager1"));
    for name in ["jobmanager2", "taskmanager", "cdc-job"] {
        let p = flink_properties(service(&c, name));
        for key in jm.keys().filter(|k| k.starts_with("high-availability.")) {
            assert_eq!(p.get(key), jm.get(key), "{name} {key}");
        }
    }
}

/// Flink CDC's connector table at release-3.2.1 (docs/content/docs/connectors/flink-sources/
/// overview.md): Oracle 11, 12, 19, 21; Flink 1.17 to 1.20 for CDC 3.2.*.
const ORACLE_CDC_DATABASES: [u32; 4] = [11, 12, 19, 21];
const CDC_3_2_FLINK: [&str; 4] = ["1.17", "1.18", "1.19", "1.20"];

/// The WITH options of the CREATE TABLE whose name is `table` in Flink SQL `sql`.
fn with_options(sql: &str, table: &str) -> BTreeMap<String, String> {
    let start = sql
        .find(&format!("CREATE TABLE {table}"))
        .unwrap_or_else(|| panic!("no table {table}"));
    let rest = &sql[start..];
    let with = rest.find("WITH (").expect("WITH");
    let end = rest[with..].find(");").expect("end of WITH") + with;
    rest[with..end]
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with('\''))
        .map(|l| {
            let parts: Vec<&str> = l.split('\'').collect();
            (parts[1].to_string(), parts[3].to_string())
        })
        .collect()
}

#[test]
fn the_database_is_one_the_connector_supports_and_the_job_reads_its_pdb() {
    let c = compose();
    let image = service(&c, "oracle")["image"].as_str().unwrap().to_string();
    let (repo, tag) = image.split_once(':').unwrap();
    assert_eq!(
        repo, "gvenzl/oracle-xe",
        "Oracle XE (Free 23ai is not supported)"
    );
    let major: u32 = tag.split('.').next().unwrap().parse().unwrap();
    assert!(ORACLE_CDC_DATABASES.contains(&major), "{image}");
    assert_eq!(
        service(&c, "loader")["image"].as_str(),
        Some(image.as_str())
    );
    // The connector's version in the download, and the Flink version it supports.
    let download = command_text(&service(&c, "cdc-jars")["command"]);
    assert!(
        download.contains("flink-sql-connector-oracle-cdc-3.2."),
        "{download}"
    );
    let flink = service(&c, "jobmanager1")["image"].as_str().unwrap();
    let flink_minor = flink
        .trim_start_matches("flink:")
        .split('.')
        .take(2)
        .collect::<Vec<_>>()
        .join(".");
    assert!(CDC_3_2_FLINK.contains(&flink_minor.as_str()), "{flink}");
    for (_, s) in flink_services(&c) {
        assert_eq!(s["image"].as_str(), Some(flink), "one Flink version");
    }

    // XE 21c: CDB XE, PDB XEPDB1 (gvenzl/oci-oracle-xe README). The job mines the root and reads
    // the table in the PDB with the Debezium-based source (the incremental one lists tables in
    // the root only: flink-cdc #1737, the fix #1836 never merged).
    let sql = read("docker/flink/orders-cdc.sql");
    let src = with_options(&sql, "customers_src");
    assert_eq!(src["connector"], "oracle-cdc");
    assert_eq!(src["database-name"], "XE");
    assert_eq!(src["debezium.database.pdb.name"], "XEPDB1");
    assert_eq!(src["scan.incremental.snapshot.enabled"], "false");
    let setup = read("docker/oracle/01-logminer.sh");
    assert!(setup.contains("ALTER SESSION SET CONTAINER = XEPDB1;"));
    assert!(read("docker/oracle/loader.sh").contains("@//oracle:1521/XEPDB1"));
    let doctor = doctor_config();
    assert_eq!(doctor.pipelines[0].oracle.connect_string, "oracle:1521/XE");
    for f in [
        "docker-compose.yml",
        "docker/flink/orders-cdc.sql",
        "docker/oracle/01-logminer.sh",
        "docker/oracle/loader.sh",
        "docker/doctor/logminer-doctor.toml",
    ] {
        let text = read(f);
        assert!(
            !text.contains("FREEPDB1") && !text.contains("oracle-free"),
            "{f} still names Oracle Free"
        );
    }
    let readme = read("README.md");
    let demo = section(&readme, "### The demo stack");
    assert!(demo.contains("XE 21c"), "{demo}");
    assert!(!demo.contains("23ai"), "the demo stack is not 23ai: {demo}");
}

/// The text of a README section, up to the next heading of any level.
fn section<'a>(readme: &'a str, heading: &str) -> &'a str {
    let start = readme
        .find(heading)
        .unwrap_or_else(|| panic!("README has no {heading}"));
    let body = &readme[start + heading.len()..];
    let end = body.find("\n#").unwrap_or(body.len());
    &body[..end]
}

/// A Flink duration as the job's SQL writes it ("10s", "1 min", "10 s").
fn flink_duration(text: &str) -> Duration {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let n: u64 = text[..split].parse().expect("a number");
    match text[split..].trim() {
        "ms" => Duration::from_millis(n),
        "s" | "sec" | "secs" | "second" | "seconds" => Duration::from_secs(n),
        "min" | "minute" | "minutes" => Duration::from_secs(60 * n),
        "h" | "hour" | "hours" => Duration::from_secs(3600 * n),
        unit => panic!("unit {unit:?} in {text:?}"),
    }
}

#[test]
fn the_jobs_rolling_policy_is_what_the_doctors_config_says() {
    let sql = read("docker/flink/orders-cdc.sql");
    let out = with_options(&sql, "customers_out");
    assert_eq!(out["connector"], "filesystem");
    // Row formats roll only by size or time; Flink 1.20's defaults (FileSystemConnectorOptions:
    // rollover 30 min, inactivity 30 min, check every 1 min) leave only in-progress files for
    // half an hour.
    let rollover = flink_duration(&out["sink.rolling-policy.rollover-interval"]);
    let inactivity = flink_duration(&out["sink.rolling-policy.inactivity-interval"]);
    let check = flink_duration(&out["sink.rolling-policy.check-interval"]);
    assert!(inactivity <= rollover);
    let doctor = doctor_config();
    let p = &doctor.pipelines[0];
    assert_eq!(
        p.output.rolling_interval,
        rollover + check,
        "rolling_interval is how long a part file can stay open"
    );
    let checkpoint = sql
        .lines()
        .find_map(|l| l.strip_prefix("SET 'execution.checkpointing.interval' = '"))
        .map(|v| flink_duration(v.trim_end_matches("';")))
        .expect("the job sets its checkpoint interval");
    // A rolled file is committed at the next checkpoint: the doctor's stall window covers a
    // whole cycle, so healthy output never reads as stalled.
    assert!(
        checkpoint + p.output.rolling_interval < p.thresholds.stall_window,
        "stall_window {:?} is longer than {checkpoint:?} + {:?}",
        p.thresholds.stall_window,
        p.output.rolling_interval
    );
}

#[test]
fn the_setup_script_sets_the_recovery_area_and_fails_on_any_sql_error() {
    // The premise: a shell keeps only the low 8 bits of an exit code, so EXIT SQL.SQLCODE after
    // ORA-01536 (1536 = 6 x 256) would read as success.
    let status = Command::new("bash")
        .args(["-c", "exit 1536"])
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));

    let setup = read("docker/oracle/01-logminer.sh");
    assert!(setup.contains("set -euo pipefail"));
    for f in ["docker/oracle/01-logminer.sh", "docker/oracle/loader.sh"] {
        assert!(!read(f).contains("EXIT SQL.SQLCODE"), "{f}");
    }
    // Every SQL*Plus session of the setup starts with WHENEVER SQLERROR EXIT FAILURE.
    let sessions: Vec<&str> = setup.split("sqlplus -s / as sysdba").collect();
    assert_eq!(sessions.len(), 3, "two SQL*Plus sessions");
    let first_body = sessions[1];
    assert!(
        first_body
            .trim_start()
            .starts_with("<<'SQL'\nWHENEVER SQLERROR EXIT FAILURE"),
        "{first_body}"
    );
    let second = sessions[1]
        .rsplit_once("\n{")
        .map(|(_, s)| s)
        .expect("the grants session's input");
    assert!(
        second
            .trim_start()
            .starts_with("echo 'WHENEVER SQLERROR EXIT FAILURE';"),
        "{second}"
    );
    // The recovery area: its size first (Oracle refuses a destination without one), then a
    // destination that the script created, before archive-log mode is turned on.
    let size = setup.find("db_recovery_file_dest_size =").expect("size");
    let dest_at = setup
        .find("db_recovery_file_dest = '")
        .expect("db_recovery_file_dest");
    let archivelog = setup.find("ALTER DATABASE ARCHIVELOG").unwrap();
    assert!(size < dest_at && dest_at < archivelog);
    let dest = setup[dest_at..].split('\'').nth(1).unwrap();
    assert!(setup.contains(&format!("mkdir -p {dest}\n")), "{dest}");
}

#[test]
fn the_readme_says_what_the_stack_needs() {
    let readme = read("README.md");
    let demo = section(&readme, "### The demo stack");
    assert!(demo.contains("7 GB"), "memory: {demo}");
    assert!(demo.contains("x86-64"), "architecture: {demo}");
    let compose = read("docker-compose.yml");
    assert!(compose.contains("x86-64") && compose.contains("7 GB"));
}

#[test]
fn the_doctor_image_builds_with_the_declared_rust_version() {
    let manifest = read("Cargo.toml");
    let declared = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = \""))
        .map(|v| v.trim_end_matches('"'))
        .expect("rust-version");
    let dockerfile = read("docker/doctor/Dockerfile");
    assert!(
        dockerfile.contains(&format!("FROM rust:{declared}-")),
        "the Dockerfile's rust image is {declared}"
    );
}

/// The config a stack JobManager ends up with, moved onto loopback: the image's config.yaml
/// (`image`) overridden key by key by the stack's FLINK_PROPERTIES, as the image's entrypoint
/// does (config-parser-utils.sh -Dkey=value), with the compose network's host names mapped by
/// `hosts` and file:///flink-data moved into `data`.
fn loopback_conf(
    image: &[(&str, String)],
    props: &BTreeMap<String, String>,
    hosts: &[(&str, &str)],
    data: &Path,
) -> String {
    let mut conf: BTreeMap<String, String> = image
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    for (k, v) in props {
        let mut v = v.clone();
        // Host names only in the keys that hold one (high-availability.type is "zookeeper" too).
        let holds_host = k.ends_with(".address") || k.ends_with(".quorum");
        for (from, to) in hosts.iter().filter(|_| holds_host) {
            if v == *from || v.starts_with(&format!("{from}:")) {
                v = v.replacen(from, to, 1);
            }
        }
        v = v.replace("file:///flink-data", &format!("file://{}", data.display()));
        conf.insert(k.clone(), v);
    }
    conf.iter().map(|(k, v)| format!("{k}: {v}\n")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stacks_flink_ha_settings_work_each_leader_publishing_its_own_rest_address() {
    use crate::support::flink::{self as h, Rest};
    let _turn = h::serial().await;
    let c = compose();
    let installed = crate::support::installed().unwrap_or_else(|e| panic!("{e}"));
    crate::support::procs::remove_stale_dirs(&std::env::temp_dir(), "lmd-stack-ha-");
    let dir = std::env::temp_dir().join(format!("lmd-stack-ha-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let procs = crate::support::procs::Procs::new(dir.join("pids"));
    let (mut zk, zk_address) = h::start_zookeeper(&procs, &installed, &dir)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let ports = h::free_ports(4);
    // Every host name of the compose network is this machine; each JobManager's REST port
    // (8081, 8082) becomes a free one, and ZooKeeper's 2181 the port of the one started above.
    let (zk_host, zk_port) = zk_address.split_once(':').unwrap();
    let hosts = [
        ("zookeeper", zk_host),
        ("jobmanager1", "127.0.0.1"),
        ("jobmanager2", "127.0.0.1"),
    ];
    let mut jms: Vec<(String, u16, PathBuf)> = Vec::new();
    for (i, name) in ["jobmanager1", "jobmanager2"].into_iter().enumerate() {
        let mut props = flink_properties(service(&c, name));
        let (port, rpc) = (ports[2 * i], ports[2 * i + 1]);
        assert_eq!(
            props["high-availability.zookeeper.quorum"],
            "zookeeper:2181"
        );
        props.insert(
            "high-availability.zookeeper.quorum".into(),
            format!("zookeeper:{zk_port}"),
        );
        assert!(props.contains_key("rest.port"), "{name} sets rest.port");
        props.insert("rest.port".into(), port.to_string());
        // The image's config.yaml (apache/flink-docker's Dockerfile sets rest.address and the
        // bind addresses to 0.0.0.0). The REST bind address stays the wildcard: a JobManager
        // bound to one address publishes that address in ZooKeeper, and only one bound to the
        // wildcard publishes rest.address (Flink's RestServerEndpoint), which is what the stack
        // does. Nothing is sent anywhere but 127.0.0.1; the RPC side is bound to loopback.
        let upload = dir.join(name).join("upload").display().to_string();
        let image = [
            ("rest.address", "0.0.0.0".to_string()),
            ("rest.bind-address", "0.0.0.0".to_string()),
            ("jobmanager.bind-host", "127.0.0.1".to_string()),
            ("jobmanager.rpc.address", "127.0.0.1".to_string()),
            ("jobmanager.rpc.port", rpc.to_string()),
            ("high-availability.jobmanager.port", rpc.to_string()),
            ("blob.server.port", "0".to_string()),
            ("jobmanager.memory.process.size", "900m".to_string()),
            ("web.upload.dir", upload),
        ];
        let conf = dir.join(name).join("conf");
        let text = loopback_conf(&image, &props, &hosts, &dir.join("flink-data"));
        h::write_conf_text(&conf, &text);
        jms.push((name.to_string(), port, conf));
    }
    let cluster_id =
        flink_properties(service(&c, "jobmanager1"))["high-availability.cluster-id"].clone();
    let root = flink_properties(service(&c, "jobmanager1"))
        ["high-availability.zookeeper.path.root"]
        .clone();
    let leader_path = format!("{root}/{cluster_id}/leader/rest_server/connection_info");
    let rest = Rest::new();

    // jobmanager2 alone first: it leads, and ZooKeeper must name its own REST address.
    let jm = |i: usize| {
        let (name, _, conf) = &jms[i];
        let log = dir.join(format!("{name}.log"));
        let out = dir.join(format!("{name}.out"));
        h::spawn_jobmanager(&procs, &installed, &log, &out, conf)
    };
    let mut jm2 = jm(1);
    let leader = wait_leader(&zk_address, &leader_path, None, &dir).await;
    assert_eq!(
        leader,
        format!("http://127.0.0.1:{}", jms[1].1),
        "ZooKeeper names jobmanager2 by its own REST address"
    );
    // The TaskManager, with the stack's taskmanager settings (the shared HA keys), finds the
    // leader through ZooKeeper alone and registers there.
    let mut tm_props = flink_properties(service(&c, "taskmanager"));
    tm_props.insert(
        "high-availability.zookeeper.quorum".into(),
        format!("zookeeper:{zk_port}"),
    );
    let tm_image = [
        ("taskmanager.host", "127.0.0.1".to_string()),
        ("taskmanager.bind-host", "127.0.0.1".to_string()),
        ("jobmanager.rpc.address", "127.0.0.1".to_string()),
        ("taskmanager.memory.process.size", "1024m".to_string()),
        ("taskmanager.memory.managed.fraction", "0.1".to_string()),
    ];
    let tm_conf = dir.join("taskmanager").join("conf");
    let text = loopback_conf(&tm_image, &tm_props, &hosts, &dir.join("flink-data"));
    h::write_conf_text(&tm_conf, &text);
    let mut tm = h::spawn_taskmanager(
        &procs,
        &installed,
        &dir.join("taskmanager.log"),
        &dir.join("taskmanager.out"),
        &tm_conf,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let registered = |url: String| {
        let rest = &rest;
        async move {
            let o = rest.get(&url, "/overview").await.ok()?;
            (o["taskmanagers"].as_u64() == Some(1)).then_some(())
        }
    };
    crate::support::wait_for(
        "the TaskManager to register with the leader at its advertised address",
        Duration::from_secs(120),
        Duration::from_millis(250),
        || registered(leader.clone()),
    )
    .await;

    // Then jobmanager1 joins as a standby and jobmanager2 stops: jobmanager1 leads.
    let mut jm1 = jm(0);
    let standby = format!("http://127.0.0.1:{}", jms[0].1);
    crate::support::wait_for(
        "jobmanager1's REST endpoint",
        Duration::from_secs(90),
        Duration::from_millis(250),
        || async { rest.get(&standby, "/config").await.ok() },
    )
    .await;
    crate::support::procs::kill9(&mut jm2);
    let leader = wait_leader(&zk_address, &leader_path, Some(&leader), &dir).await;
    assert_eq!(
        leader, standby,
        "ZooKeeper names jobmanager1 by its own REST address"
    );
    crate::support::wait_for(
        "the TaskManager to register with the new leader",
        Duration::from_secs(120),
        Duration::from_millis(250),
        || registered(leader.clone()),
    )
    .await;
    crate::support::procs::kill9(&mut tm);
    crate::support::procs::kill9(&mut jm1);
    crate::support::procs::kill9(&mut zk);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The REST URL ZooKeeper names as leader, once it is not `previous`.
async fn wait_leader(zk: &str, path: &str, previous: Option<&str>, logs: &Path) -> String {
    use crate::support::flink::{decode_write_utf, zk_get};
    crate::support::wait_for(
        &format!(
            "ZooKeeper to name a (new) REST leader (logs in {})",
            logs.display()
        ),
        Duration::from_secs(120),
        Duration::from_millis(250),
        || async {
            let url = decode_write_utf(&zk_get(zk, path).await?)?;
            (Some(url.as_str()) != previous && !url.is_empty()).then_some(url)
        },
    )
    .await
}
