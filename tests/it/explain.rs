//! `explain` on real error texts (the public corpus) and on invented ones: codes, phrases,
//! precedence, and the JSON shape.

use std::collections::BTreeMap;

use logminer_doctor::diagnose::explain::{explain, explain_with, rule_texts, Explanation};
use logminer_doctor::diagnose::Cause;
use logminer_doctor::lang::Lang;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Entry {
    id: String,
    text: String,
    source: String,
    cause: Cause,
    #[serde(default)]
    also_acceptable: Vec<Cause>,
    #[allow(dead_code)]
    #[serde(default)]
    notes: String,
    /// The project whose documentation or source the text comes from (documented.jsonl).
    #[serde(default)]
    project: Option<String>,
}

impl Entry {
    fn accepts(&self, got: Cause) -> bool {
        got == self.cause || self.also_acceptable.contains(&got)
    }

    /// `owner/repo` from a GitHub URL, else the host.
    fn project(&self) -> String {
        let rest = self
            .source
            .split("://")
            .nth(1)
            .unwrap_or(&self.source)
            .to_string();
        let parts: Vec<&str> = rest.split('/').collect();
        if parts.first() == Some(&"github.com") && parts.len() >= 3 {
            format!("{}/{}", parts[1], parts[2])
        } else {
            parts.first().unwrap_or(&"?").to_string()
        }
    }
}

/// The source project for the leave-one-source-out table: `oracle`, `debezium`, `flink`,
/// `flink-cdc` when the entry names it or its URL is theirs, else `owner/repo` or the host.
fn source_project(e: &Entry) -> String {
    if let Some(p) = &e.project {
        return p.clone();
    }
    match e.project().as_str() {
        "apache/flink" => "flink".to_string(),
        "apache/flink-cdc" | "ververica/flink-cdc-connectors" => "flink-cdc".to_string(),
        "debezium/debezium" => "debezium".to_string(),
        "docs.oracle.com" => "oracle".to_string(),
        other => other.to_string(),
    }
}

/// Whether a rule's `source` text names `project` (one of the four documented sources).
fn names_project(source: &str, project: &str) -> bool {
    let lower = source.to_lowercase();
    match project {
        "oracle" => [
            "Oracle docs",
            "Oracle message text",
            "Oracle JDBC",
            "Oracle ORA-",
            "ODPI-C",
        ]
        .iter()
        .any(|k| source.contains(k)),
        "debezium" => lower.contains("debezium") || source.contains("DBZ-"),
        "flink-cdc" => lower.contains("flink cdc") || lower.contains("flink-cdc"),
        "flink" => {
            let rest = lower.replace("flink cdc", "").replace("flink-cdc", "");
            rest.contains("flink")
        }
        _ => false,
    }
}

const PROJECTS: [&str; 4] = ["oracle", "debezium", "flink", "flink-cdc"];

fn corpus() -> Vec<Entry> {
    load("errors.jsonl")
}

/// Texts from Oracle's error reference, Debezium's and Flink's and Flink CDC's sources and docs,
/// written down after the rules (tests/fixtures/corpus/documented.jsonl).
fn documented() -> Vec<Entry> {
    load("documented.jsonl")
}

fn load(name: &str) -> Vec<Entry> {
    let path = format!(
        "{}/tests/fixtures/corpus/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).expect("corpus fixture is readable");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("corpus line is valid JSON"))
        .collect()
}

fn pct(hit: usize, n: usize) -> f64 {
    if n == 0 {
        0.0
    } else {
        100.0 * hit as f64 / n as f64
    }
}

fn cause(text: &str) -> Cause {
    explain(text).cause
}

#[test]
fn corpus_accuracy_is_at_least_95_percent_overall_and_reported_per_project() {
    let entries = corpus();
    assert!(!entries.is_empty());
    let results: Vec<(&Entry, Explanation)> =
        entries.iter().map(|e| (e, explain(&e.text))).collect();

    let hits = results.iter().filter(|(e, x)| e.accepts(x.cause)).count();
    let overall = pct(hits, results.len());
    println!(
        "explain corpus accuracy: {hits}/{} = {overall:.1}%",
        results.len()
    );
    for (e, x) in results.iter().filter(|(e, x)| !e.accepts(x.cause)) {
        println!(
            "  MISS {}: expected {} (also {:?}), got {} — {}",
            e.id, e.cause, e.also_acceptable, x.cause, x.summary
        );
    }

    let mut projects: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (e, x) in &results {
        let p = projects.entry(e.project()).or_default();
        p.1 += 1;
        if e.accepts(x.cause) {
            p.0 += 1;
        }
    }
    println!("per project (alone | leaving it out):");
    for (name, (h, n)) in &projects {
        let (rest_h, rest_n) = (hits - h, results.len() - n);
        println!(
            "  {name:<40} alone {h}/{n} = {:5.1}% | without it {rest_h}/{rest_n} = {:5.1}%",
            pct(*h, *n),
            pct(rest_h, rest_n)
        );
    }

    assert!(overall >= 95.0, "accuracy {overall:.1}% is below 95%");
}

/// Accuracy over `entries` with the rules `enabled` accepts, and the misses.
fn score(entries: &[Entry], enabled: &dyn Fn(&str) -> bool) -> (usize, Vec<String>) {
    let mut hits = 0;
    let mut misses = Vec::new();
    for e in entries {
        let x = explain_with(&e.text, enabled);
        if e.accepts(x.cause) {
            hits += 1;
        } else {
            misses.push(format!(
                "{}: expected {} (also {:?}), got {} — {}",
                e.id, e.cause, e.also_acceptable, x.cause, x.summary
            ));
        }
    }
    (hits, misses)
}

#[test]
fn documented_texts_are_classified_at_least_95_percent_right() {
    let entries = documented();
    assert!(entries.len() >= 40, "{} documented texts", entries.len());
    for e in &entries {
        assert!(
            PROJECTS.contains(&source_project(e).as_str()),
            "{}: project {:?}",
            e.id,
            e.project
        );
        assert!(
            e.source.starts_with("https://"),
            "{}: source {}",
            e.id,
            e.source
        );
    }
    let (hits, misses) = score(&entries, &|_| true);
    let overall = pct(hits, entries.len());
    println!(
        "explain documented accuracy: {hits}/{} = {overall:.1}%",
        entries.len()
    );
    for m in &misses {
        println!("  MISS {m}");
    }
    assert!(overall >= 95.0, "accuracy {overall:.1}% is below 95%");
}

/// For each source project: accuracy on that project's texts (shared corpus and documented texts)
/// with every rule and with the rules whose `source` names the project disabled. Printed, not
/// asserted: it shows how much each project's texts lean on rules written from that project.
#[test]
fn leave_one_source_out_table_is_printed() {
    let all: Vec<Entry> = corpus().into_iter().chain(documented()).collect();
    let texts = rule_texts();
    println!("leave-one-source-out (rules naming the project disabled):");
    println!(
        "  {:<10} {:>5} {:>16} {:>16} {:>14}",
        "project", "rules", "all rules", "without its", "rest, without"
    );
    for project in PROJECTS {
        let rules = texts
            .iter()
            .filter(|r| !r.meaning.is_empty() && names_project(r.source, project))
            .count();
        let (own, rest): (Vec<&Entry>, Vec<&Entry>) =
            all.iter().partition(|e| source_project(e) == project);
        let own: Vec<Entry> = own.into_iter().map(clone_entry).collect();
        let rest: Vec<Entry> = rest.into_iter().map(clone_entry).collect();
        let without = |source: &str| !names_project(source, project);
        let (with_hits, _) = score(&own, &|_| true);
        let (without_hits, misses) = score(&own, &without);
        let (rest_hits, _) = score(&rest, &without);
        println!(
            "  {project:<10} {rules:>5} {:>8}/{:<3} {:5.1}% {:>4}/{:<3} {:5.1}% {:>4}/{:<3} {:5.1}%",
            with_hits,
            own.len(),
            pct(with_hits, own.len()),
            without_hits,
            own.len(),
            pct(without_hits, own.len()),
            rest_hits,
            rest.len(),
            pct(rest_hits, rest.len()),
        );
        for m in misses {
            println!("      without {project}: MISS {m}");
        }
        assert!(rules > 0, "no rule names {project}");
    }
}

fn clone_entry(e: &Entry) -> Entry {
    Entry {
        id: e.id.clone(),
        text: e.text.clone(),
        source: e.source.clone(),
        cause: e.cause,
        also_acceptable: e.also_acceptable.clone(),
        notes: e.notes.clone(),
        project: e.project.clone(),
    }
}

// ---- Chinese

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[test]
fn every_rule_and_fix_has_chinese_wording() {
    let texts = rule_texts();
    assert!(texts.len() > 50);
    for r in &texts {
        if !r.meaning.is_empty() {
            assert!(
                has_cjk(r.meaning_zh) && !r.meaning_zh.trim().is_empty(),
                "no Chinese meaning for {:?} ({})",
                r.meaning,
                r.source
            );
        }
        match (r.fix, r.fix_zh) {
            (None, None) => {}
            (Some(_), Some(zh)) => assert!(has_cjk(zh), "fix_zh without Chinese: {zh:?}"),
            (en, zh) => panic!(
                "fix and fix_zh disagree for {:?}: {en:?} / {zh:?}",
                r.meaning
            ),
        }
    }
}

#[test]
fn every_explanation_renders_in_chinese_and_english() {
    let texts: Vec<String> = corpus()
        .into_iter()
        .chain(documented())
        .map(|e| e.text)
        .chain([
            "".to_string(),
            "  ".to_string(),
            "ORA-06512: at line 1".to_string(),
        ])
        .chain(["java.lang.IllegalArgumentException: nothing known".to_string()])
        .collect();
    for t in &texts {
        let x = explain(t);
        for lang in [Lang::En, Lang::Zh] {
            assert!(!x.summary_in(lang).trim().is_empty(), "{lang}: {t}");
            assert!(!x.remediation_in(lang).trim().is_empty(), "{lang}: {t}");
        }
        assert_eq!(x.summary_in(Lang::En), x.summary);
        assert_eq!(x.remediation_in(Lang::En), x.remediation);
        assert!(
            has_cjk(x.summary_in(Lang::Zh)),
            "{}",
            x.summary_in(Lang::Zh)
        );
        assert!(
            has_cjk(x.remediation_in(Lang::Zh)),
            "{}",
            x.remediation_in(Lang::Zh)
        );
        // Codes and identifiers are kept as they are.
        for code in &x.codes {
            if x.summary.contains(code.as_str()) {
                assert!(x.summary_in(Lang::Zh).contains(code.as_str()), "{code}");
            }
        }
    }
    let x = explain("ORA-01291: missing logfile");
    assert!(x.summary_in(Lang::Zh).contains("ORA-01291"));
    assert!(x.remediation_in(Lang::Zh).contains("RMAN"));
    // The JSON stays English with its four keys.
    let v = serde_json::to_value(&x).unwrap();
    assert_eq!(v.as_object().unwrap().len(), 4);
}

#[test]
fn explanation_serialises_to_exactly_four_fields() {
    let v = serde_json::to_value(explain("ORA-01291: missing logfile")).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, ["cause", "codes", "remediation", "summary"]);
    assert_eq!(v["cause"], "missing_redo");
    assert_eq!(v["codes"], serde_json::json!(["ORA-01291"]));
}

// ---- codes

#[test]
fn codes_are_read_in_every_printed_form_and_normalised() {
    let cases: &[(&str, &[&str])] = &[
        ("ORA-01291: missing logfile", &["ORA-01291"]),
        ("ORA-1291", &["ORA-01291"]),
        ("ORA 01291 seen", &["ORA-01291"]),
        (
            "Error : 1291, Position : 0, Sql = BEGIN ...",
            &["ORA-01291"],
        ),
        ("TNS-12541: TNS:no listener", &["TNS-12541"]),
        (
            "DPI-1047: Cannot locate a 64-bit Oracle Client library",
            &["DPI-1047"],
        ),
        (
            "java.sql.SQLException: ORA-00942: table or view does not exist",
            &["ORA-00942"],
        ),
        (
            "java.sql.SQLRecoverableException: IO Error (errorCode=17002)",
            &["ORA-17002"],
        ),
        ("SQLRecoverableException, Vendor code 17002", &["ORA-17002"]),
        ("oracledb: { errorNum: 12170, offset: 0 }", &["ORA-12170"]),
        (
            "DPI-1080: connection was closed by ORA-3113",
            &["DPI-1080", "ORA-03113"],
        ),
        ("lower case ora-00257 too", &["ORA-00257"]),
    ];
    for (text, want) in cases {
        assert_eq!(explain(text).codes, *want, "text: {text}");
    }
}

#[test]
fn codes_are_deduplicated_in_order_of_first_appearance_even_when_glued() {
    let text = "Error : 44609, Position : 0 Error Msg = ORA-44609: x\nORA-06512: at line 1\n\
                ORA-00310: archived log contains sequence 5; sequence 3 requiredORA-00334: x\n\
                ORA-44609 again";
    assert_eq!(
        explain(text).codes,
        ["ORA-44609", "ORA-06512", "ORA-00310", "ORA-00334"]
    );
}

#[test]
fn prose_numbers_and_tns_prefixes_are_not_codes() {
    let x = explain("TNS:listener could not hand off; ORA is busy; Error 5 in step 12");
    assert!(x.codes.is_empty(), "{:?}", x.codes);
    // A bare error number outside an Oracle text may be HTTP's or another database's.
    let x = explain("RestClientException: JobManager answered with error code 503");
    assert!(x.codes.is_empty(), "{:?}", x.codes);
}

#[test]
fn routine_log_lines_are_not_errors() {
    for line in [
        "http://jm1:8081 was granted leadership with leaderSessionID=2f1c0e4e-8d7a-4c1b-9d2e-1a2b3c4d5e6f",
        "Completed checkpoint 118 for job 5e1f (10342 bytes, checkpointDuration=212 ms).",
        "LogMiner session has exceeded maximum session time of 'PT5M', forcing restart.",
        "Final TaskExecutor Memory configuration: JVM Metaspace: 256.000mb (268435456 bytes)",
        "INFO io.debezium.jdbc.JdbcConnection - Connection gracefully closed",
    ] {
        assert_eq!(cause(line), Cause::Unknown, "{line}");
    }
}

// ---- Chinese-locale driver messages

#[test]
fn chinese_driver_messages_are_understood() {
    assert_eq!(
        cause("java.sql.SQLRecoverableException: 无法从套接字读取更多的数据"),
        Cause::DeadConnection
    );
    assert_eq!(
        cause("java.sql.SQLRecoverableException: 关闭的连接"),
        Cause::DeadConnection
    );
    assert_eq!(
        cause("java.sql.SQLRecoverableException: IO 错误: 网络适配器无法建立连接"),
        Cause::OracleUnreachable
    );
    assert_eq!(
        cause("IO 错误: Socket read timed out"),
        Cause::DeadConnection
    );
    assert_eq!(cause("ORA-01031: 权限不足"), Cause::Misconfigured);
    assert_eq!(cause("写入失败: 设备上没有空间"), Cause::ResourceExhausted);
}

// ---- precedence

#[test]
fn a_grant_wrapped_in_recursive_sql_is_misconfigured() {
    let x = explain(
        "ORA-00604: error occurred at recursive SQL level 1\nORA-01031: insufficient privileges",
    );
    assert_eq!(x.cause, Cause::Misconfigured);
    assert_eq!(x.codes, ["ORA-00604", "ORA-01031"]);
}

#[test]
fn missing_redo_inside_a_restart_loop_is_missing_redo() {
    let text = "Going to restart connector after 10 sec. after a retriable exception\n\
                Caused by: java.sql.SQLException: ORA-01291: missing logfile\n\
                org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy";
    assert_eq!(cause(text), Cause::MissingRedo);
}

#[test]
fn a_fatal_session_error_caused_by_memory_is_resource_exhausted() {
    let text = "java.sql.SQLRecoverableException: ORA-00603: ORACLE server session terminated by fatal error\n\
                ORA-04036: PGA memory used by the instance exceeds PGA_AGGREGATE_LIMIT";
    assert_eq!(cause(text), Cause::ResourceExhausted);
}

#[test]
fn a_socket_error_named_by_the_mining_loop_is_dead_connection() {
    let text = "ERROR LogMinerHelper - Mining session stopped due to the \
                java.sql.SQLRecoverableException: No more data to read from socket";
    assert_eq!(cause(text), Cause::DeadConnection);
}

#[test]
fn a_reconnect_that_cannot_reach_the_listener_is_oracle_unreachable() {
    let text = "java.sql.SQLRecoverableException: Closed Connection\n... reconnecting ...\n\
                java.sql.SQLRecoverableException: IO Error: The Network Adapter could not establish the connection";
    assert_eq!(cause(text), Cause::OracleUnreachable);
}

#[test]
fn overwritten_redo_beats_the_logminer_corruption_it_causes() {
    let text = "ORA-01343: LogMiner encountered corruption in the logstream\n\
                ORA-00310: archived log contains sequence 120; sequence 118 required";
    assert_eq!(cause(text), Cause::MissingRedo);
    assert_eq!(
        cause("ORA-01343: LogMiner encountered corruption in the logstream"),
        Cause::LogminerStuck
    );
}

#[test]
fn a_failing_checkpoint_defers_to_the_source_error_that_caused_it() {
    let text = "Checkpoint expired before completing.\nCaused by: java.io.IOException: Broken pipe (oracle.net.ns)";
    assert_eq!(cause(text), Cause::DeadConnection);
    assert_eq!(
        cause("Checkpoint expired before completing."),
        Cause::SinkStalled
    );
}

#[test]
fn a_generic_mining_stop_alone_is_logminer_stuck() {
    assert_eq!(
        cause("ERROR Mining session stopped due to the java.lang.IllegalStateException: x"),
        Cause::LogminerStuck
    );
}

// ---- no basis

#[test]
fn empty_or_blank_text_is_unknown_and_says_so() {
    for text in ["", "   \n\t "] {
        let x = explain(text);
        assert_eq!(x.cause, Cause::Unknown);
        assert!(x.codes.is_empty());
        assert!(x.summary.contains("empty"), "{}", x.summary);
    }
}

#[test]
fn texts_without_a_documented_code_or_phrase_are_unknown() {
    assert_eq!(
        cause("java.lang.IllegalArgumentException: bad value at Foo.bar(Foo.java:12)"),
        Cause::Unknown
    );
    assert_eq!(
        cause("java.lang.RuntimeException: One or more fetchers have encountered exception"),
        Cause::Unknown
    );
    // Wrapper and location codes alone name nothing.
    let x = explain("ORA-06512: at line 1");
    assert_eq!(x.cause, Cause::Unknown);
    assert_eq!(x.codes, ["ORA-06512"]);
    assert!(x.summary.contains("ORA-06512"));
}

#[test]
fn generic_socket_errors_follow_the_system_they_are_about() {
    // No system named: in this tool's domain, the connector's socket.
    assert_eq!(
        cause("java.net.SocketException: Connection reset"),
        Cause::DeadConnection
    );
    // ZooKeeper's client losing its server is a leadership matter.
    assert_eq!(
        cause(
            "WARN org.apache.zookeeper.ClientCnxn - Session 0x0 for server zk1:2181, \
               java.net.ConnectException: Connection refused"
        ),
        Cause::LeaderProblem
    );
    // A Kafka client's socket says nothing about Oracle.
    assert_eq!(
        cause("WARN org.apache.kafka.clients.NetworkClient - Connection to node 1 failed: Connection refused"),
        Cause::Unknown
    );
}

// ---- invented texts, one or more per cause, to show the rules generalise

#[test]
fn invented_texts_classify_by_their_codes_and_phrases() {
    let cases: &[(&str, Cause)] = &[
        // missing_redo
        ("io.debezium.DebeziumException: Online REDO LOG files or archive log files do not contain the offset scn 9912. Please perform a new snapshot.", Cause::MissingRedo),
        ("Caused by: Error : 1292, Position : 0, Sql = BEGIN sys.dbms_logmnr.start_logmnr(...)", Cause::MissingRedo),
        ("ORA-00308: cannot open archived log '/u01/arch/1_88_999.arc'\nORA-27037: unable to obtain file status", Cause::MissingRedo),
        // misconfigured
        ("io.debezium.DebeziumException: Supplemental logging not properly configured.  Use: ALTER DATABASE ADD SUPPLEMENTAL LOG DATA", Cause::Misconfigured),
        ("The Oracle server is not configured to use a archive log LOG_MODE, which is required", Cause::Misconfigured),
        ("DPI-1047: Cannot locate a 64-bit Oracle Client library: \"libclntsh.so: cannot open shared object file\"", Cause::Misconfigured),
        ("ORA-16000: database or pluggable database open for read-only access", Cause::Misconfigured),
        ("org.apache.flink.table.api.ValidationException: Unsupported options found for 'oracle-cdc'.", Cause::Misconfigured),
        // resource_exhausted
        ("ORA-04036: PGA memory used by the instance exceeds PGA_AGGREGATE_LIMIT", Cause::ResourceExhausted),
        ("ORA-00257: Archiver error. Connect AS SYSDBA only until resolved.", Cause::ResourceExhausted),
        ("java.lang.OutOfMemoryError: Metaspace", Cause::ResourceExhausted),
        ("java.io.IOException: No space left on device\n\tat org.apache.flink.connector.file.sink", Cause::ResourceExhausted),
        ("ORA-01652: unable to extend temp segment by 128 in tablespace TEMP", Cause::ResourceExhausted),
        // dead_connection
        ("Caused by: java.sql.SQLException: ORA-03113: end-of-file on communication channel", Cause::DeadConnection),
        ("ORA-02396: exceeded maximum idle time, please connect again", Cause::DeadConnection),
        ("oracle.jdbc.OracleDatabaseException: IO Error: Socket read timed out", Cause::DeadConnection),
        ("java.sql.SQLRecoverableException: Closed Connection", Cause::DeadConnection),
        // oracle_unreachable
        ("TNS-12541: TNS:no listener", Cause::OracleUnreachable),
        ("ORA-01034: ORACLE not available\nORA-27101: shared memory realm does not exist", Cause::OracleUnreachable),
        ("java.sql.SQLException: ORA-01017: invalid username/password; logon denied", Cause::OracleUnreachable),
        ("IO Error: Connection refused (host=db1, port=1521)", Cause::OracleUnreachable),
        // logminer_stuck
        ("ORA-01306: dbms_logmnr.start_logmnr() must be invoked before selecting from v$logmnr_contents", Cause::LogminerStuck),
        ("java.sql.SQLTimeoutException: ORA-01013: user requested cancel of current operation", Cause::LogminerStuck),
        ("ORA-00600: internal error code, arguments: [krvxbpx]\nORA-06512: at \"SYS.DBMS_LOGMNR\", line 58", Cause::LogminerStuck),
        // leader_problem
        ("{\"errors\":[\"Service temporarily unavailable due to an ongoing leader election. Please refresh.\"]}", Cause::LeaderProblem),
        ("org.apache.flink.runtime.rpc.exceptions.RecipientUnreachableException: Could not send message", Cause::LeaderProblem),
        ("org.apache.flink.runtime.rpc.exceptions.FencingTokenException: Fencing token mismatch", Cause::LeaderProblem),
        ("KeeperErrorCode = ConnectionLoss for /flink/default/leader", Cause::LeaderProblem),
        // sink_stalled
        ("org.apache.flink.util.FlinkRuntimeException: Exceeded checkpoint tolerable failure threshold.", Cause::SinkStalled),
        ("Checkpoint 42 of job abc was declined by task Sink: files (1/1)", Cause::SinkStalled),
        ("org.apache.flink.connector.kafka.sink.FlinkKafkaInternalProducer: Failed to send data to Kafka: Expiring 12 record(s)", Cause::SinkStalled),
        // job_not_running
        ("org.apache.flink.runtime.JobException: Recovery is suppressed by FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts=3)", Cause::JobNotRunning),
        ("org.apache.flink.runtime.messages.FlinkJobNotFoundException: Could not find Flink job (a1b2)", Cause::JobNotRunning),
    ];
    let mut wrong = Vec::new();
    for (text, want) in cases {
        let got = explain(text);
        if got.cause != *want {
            wrong.push(format!(
                "{text:?}: want {want}, got {} ({})",
                got.cause, got.summary
            ));
        }
    }
    assert!(wrong.is_empty(), "misclassified:\n{}", wrong.join("\n"));
}

#[test]
fn every_explanation_has_a_summary_and_a_remediation() {
    for e in corpus() {
        let x = explain(&e.text);
        assert!(
            !x.summary.is_empty() && !x.remediation.is_empty(),
            "{}",
            e.id
        );
        assert!(
            x.summary.len() < 600,
            "{}: summary too long: {}",
            e.id,
            x.summary
        );
    }
}

#[test]
fn a_text_full_of_codes_yields_a_bounded_answer() {
    // Thousands of distinct codes (a concatenated log, or random bytes that happen to read as
    // codes): the first 32 are kept, so the answer stays a few lines.
    let text: String = (1..5000).map(|n| format!("ORA-{n:05} ")).collect();
    let x = logminer_doctor::diagnose::explain::explain(&text);
    assert_eq!(x.codes.len(), 32);
    assert_eq!(x.codes[0], "ORA-00001");
}

#[test]
fn non_ascii_and_random_bytes_are_classified_without_a_panic() {
    // A Chinese driver message repeated, and bytes that are not UTF-8 (read lossily, as the
    // CLI does): the ASCII word boundaries keep the regexes on their fast path.
    let zh = "无法从套接字读取更多的数据 ORA-03113 通信通道的文件结尾\n".repeat(2000);
    let x = logminer_doctor::diagnose::explain::explain(&zh);
    assert_eq!(x.codes, vec!["ORA-03113".to_string()]);
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let bytes: Vec<u8> = (0..200_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    let x = logminer_doctor::diagnose::explain::explain(&String::from_utf8_lossy(&bytes));
    assert!(x.codes.len() <= 32);
}

mod any_text {
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(crate::support::property_cases())]

        /// Any text, including fragments of the codes and phrases the rules look for, is
        /// classified without a panic and with a bounded list of codes.
        #[test]
        fn any_text_is_classified_with_a_bounded_answer(
            parts in proptest::collection::vec(
                prop_oneof![
                    ".{0,30}",
                    Just("ORA-0".to_string()),
                    Just("ORA-01291".to_string()),
                    Just("Caused by: ".to_string()),
                    Just("无法从套接字读取更多的数据".to_string()),
                    Just("\n\tat oracle.jdbc.driver.T4CConnection".to_string()),
                    "ORA-[0-9]{1,6}",
                    "TNS-[0-9]{1,6}",
                ],
                0..60,
            )
        ) {
            let text = parts.concat();
            let x = logminer_doctor::diagnose::explain::explain(&text);
            prop_assert!(x.codes.len() <= 32);
            prop_assert!(!x.summary.is_empty());
        }
    }
}
