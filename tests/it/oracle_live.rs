//! The live test: every sql/ query on a real database named by LMD_TEST_ORACLE, mapped; it
//! prints why it is skipped otherwise. With LMD_CAPTURE_DIR it saves the rows as fixtures.

use std::time::Duration;

use logminer_doctor::collectors::oracle::{pool::Driver as _, pool::OracleDriver, run_all};
use logminer_doctor::collectors::oracle::{with_connect_timeout, OracleCollector};
use logminer_doctor::collectors::OracleSource;
use logminer_doctor::config::{OracleConfig, Secret, SecretSource, TableName};

#[tokio::test]
async fn oracle_live() {
    let Ok(cs) = std::env::var("LMD_TEST_ORACLE") else {
        // Uncaptured: a skipped test says so in cargo test's output, also when it passes.
        crate::support::report(
            "oracle_live SKIPPED: LMD_TEST_ORACLE is not set. Set it to a connect string, with \
             LMD_TEST_ORACLE_USER, LMD_TEST_ORACLE_PASSWORD, LMD_TEST_ORACLE_CONNECTOR_USER and \
             LMD_TEST_ORACLE_TABLES=OWNER.TABLE,...; it needs Oracle Instant Client 19.",
        );
        return;
    };
    let var = |n: &str| {
        std::env::var(n).unwrap_or_else(|_| panic!("{n} must be set with LMD_TEST_ORACLE"))
    };
    let connector = var("LMD_TEST_ORACLE_CONNECTOR_USER").to_uppercase();
    let tables = var("LMD_TEST_ORACLE_TABLES")
        .split(',')
        .map(|t| {
            let (o, n) = t.trim().split_once('.').expect("OWNER.TABLE");
            TableName {
                owner: o.to_uppercase(),
                table: n.to_uppercase(),
            }
        })
        .collect();
    let cfg = OracleConfig {
        connect_string: cs.clone(),
        user: var("LMD_TEST_ORACLE_USER"),
        password: Secret::new(
            var("LMD_TEST_ORACLE_PASSWORD"),
            SecretSource::Env("LMD_TEST_ORACLE_PASSWORD".into()),
        ),
        flush_table: TableName {
            owner: connector.clone(),
            table: "LOG_MINING_FLUSH".into(),
        },
        connector_user: connector,
        captured_tables: tables,
        call_timeout: Duration::from_secs(10),
        slow_facts_interval: Duration::from_secs(300),
    };
    let c = OracleCollector::new(cfg.clone());
    println!("{:?}", c.test_connection().await.expect("login"));
    let snap = c.observe().await;
    let snap = snap.value().unwrap_or_else(|| panic!("{snap:?}"));
    println!("{}", serde_json::to_string_pretty(snap).unwrap());
    // With the grants of sql/grants.sql every part maps; the flush table exists only once the
    // connector has run, so it is printed, not required.
    let parts: [(&str, Option<&str>); 7] = [
        ("database", snap.database.error()),
        ("recovery_area", snap.recovery_area.error()),
        ("table_logging", snap.table_logging.error()),
        ("sessions", snap.sessions.error()),
        ("redo", snap.redo.error()),
        ("table_activity", snap.table_activity.error()),
        ("open_transactions", snap.open_transactions.error()),
    ];
    let failed: Vec<String> = parts
        .iter()
        .filter_map(|(n, e)| e.map(|e| format!("{n}: {e}")))
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
    println!("flush_table_scn: {:?}", snap.flush_table_scn);
    let capture = std::env::var("LMD_CAPTURE_DIR").ok();
    let cfg2 = cfg.clone();
    tokio::task::spawn_blocking(move || {
        let cs = with_connect_timeout(&cfg2.connect_string, cfg2.call_timeout);
        let driver = OracleDriver::new(&cfg2.user, cfg2.password.expose(), &cs, cfg2.call_timeout);
        let mut conn = driver.connect().expect("login");
        let version =
            logminer_doctor::collectors::oracle::pool::DbConnection::server_version(&mut conn)
                .expect("version")
                .2;
        for (file, rows) in run_all(&mut conn, &cfg2) {
            match (rows, &capture) {
                (Ok(rows), Some(dir)) => {
                    std::fs::create_dir_all(dir).unwrap();
                    let v = serde_json::json!({
                        "source": format!("captured from {}", cfg2.connect_string),
                        "version": version,
                        "file": file,
                        "rows": rows,
                    });
                    let path = format!("{dir}/{}", file.replace(".sql", ".json"));
                    std::fs::write(path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
                }
                (Ok(rows), None) => println!("{file}: {} rows", rows.len()),
                (Err(e), _) => println!("{file}: {e}"),
            }
        }
    })
    .await
    .unwrap();
}
