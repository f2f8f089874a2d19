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
        println!("oracle_live SKIPPED: LMD_TEST_ORACLE is not set (set it to a connect string, with LMD_TEST_ORACLE_USER, LMD_TEST_ORACLE_PASSWORD, LMD_TEST_ORACLE_CONNECTOR_USER and LMD_TEST_ORACLE_TABLES=OWNER.TABLE,...; needs Oracle Instant Client 19)");
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
    };
    let c = OracleCollector::new(cfg.clone());
    println!("{}", c.test_connection().await.expect("login"));
    let snap = c.observe().await;
    let snap = snap.value().unwrap_or_else(|| panic!("{snap:?}"));
    println!("{}", serde_json::to_string_pretty(snap).unwrap());
    assert!(snap.database.value().is_some(), "{:?}", snap.database);
    assert!(snap.redo.value().is_some(), "{:?}", snap.redo);
    let capture = std::env::var("LMD_CAPTURE_DIR").ok();
    let cfg2 = cfg.clone();
    tokio::task::spawn_blocking(move || {
        let driver = OracleDriver::new(&cfg2.user, cfg2.password.expose(), &with_connect_timeout(&cfg2.connect_string, cfg2.call_timeout));
        let mut conn = driver.connect().expect("login");
        let version = logminer_doctor::collectors::oracle::pool::DbConnection::server_version(&mut conn).expect("version").2;
        for (file, rows) in run_all(&mut conn, &cfg2) {
            match (rows, &capture) {
                (Ok(rows), Some(dir)) => {
                    std::fs::create_dir_all(dir).unwrap();
                    let v = serde_json::json!({"source": format!("captured from {}", cfg2.connect_string), "version": version, "file": file, "rows": rows});
                    std::fs::write(format!("{dir}/{}", file.replace(".sql", ".json")), serde_json::to_string_pretty(&v).unwrap()).unwrap();
                }
                (Ok(rows), None) => println!("{file}: {} rows", rows.len()),
                (Err(e), _) => println!("{file}: {e}"),
            }
        }
    })
    .await
    .unwrap();
}
