//! `explain` on real error texts (the public corpus) and on invented ones: codes, phrases,
//! precedence, and the JSON shape.

use logminer_doctor::diagnose::explain::explain;
use logminer_doctor::diagnose::Cause;

fn cause(text: &str) -> Cause {
    explain(text).cause
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
