//! The pipeline lock: the state database's row (two handles on one file, as two doctors sharing
//! a state directory) and ZooKeeper's ephemeral node (two doctors on two hosts), against the
//! real ZooKeeper of the test harness.

use std::time::Duration;

use logminer_doctor::config::ZooKeeperConfig;
use logminer_doctor::observation::Timestamp;
use logminer_doctor::remediation::lock::{acquire, node_path, LockError};
use logminer_doctor::store::History;

use crate::support::flink::ClusterTest;

fn at(s: i64) -> Timestamp {
    Timestamp::from_unix_millis(1_790_000_000_000 + s * 1000)
}

const TTL: Duration = Duration::from_secs(60);

#[tokio::test]
async fn the_state_database_lock_has_one_holder_and_expires() {
    let dir = tempfile::tempdir().unwrap();
    let a = History::open(dir.path()).unwrap();
    let b = History::open(dir.path()).unwrap();
    assert_eq!(
        a.try_lock("orders", "doctor-a", at(0), TTL).await.unwrap(),
        Ok(())
    );
    let held = b
        .try_lock("orders", "doctor-b", at(1), TTL)
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(
        (held.owner.as_str(), held.acquired, held.expires),
        ("doctor-a", at(0), at(60))
    );
    // Another pipeline is another lock.
    assert_eq!(
        b.try_lock("billing", "doctor-b", at(1), TTL).await.unwrap(),
        Ok(())
    );
    // Only the holder releases it.
    assert!(!b.unlock("orders", "doctor-b").await.unwrap());
    assert!(b
        .try_lock("orders", "doctor-b", at(2), TTL)
        .await
        .unwrap()
        .is_err());
    // Past its expiry (a doctor that died mid-restart) it is taken over.
    assert_eq!(
        b.try_lock("orders", "doctor-b", at(61), TTL).await.unwrap(),
        Ok(())
    );
    assert!(
        !a.unlock("orders", "doctor-a").await.unwrap(),
        "a no longer holds it"
    );
    assert!(b.unlock("orders", "doctor-b").await.unwrap());
    assert_eq!(
        a.try_lock("orders", "doctor-a", at(62), TTL).await.unwrap(),
        Ok(())
    );
}

#[tokio::test]
async fn two_doctors_sharing_a_state_directory_never_both_hold_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let a = History::open(dir.path()).unwrap();
    let b = History::open(dir.path()).unwrap();
    let first = acquire(Some(&a), None, "orders", "orders-cdc", TTL, at(0))
        .await
        .unwrap();
    assert!(
        first.describe().contains("state database"),
        "{}",
        first.describe()
    );
    match acquire(Some(&b), None, "orders", "orders-cdc", TTL, at(1)).await {
        Err(LockError::Held { by, holder, since }) => {
            assert!(by.starts_with("state database"), "{by}");
            assert!(
                holder.contains(&format!("pid {}", std::process::id())),
                "{holder}"
            );
            assert_eq!(since, Some(at(0)));
        }
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("two holders"),
    }
    first.release().await;
    let second = acquire(Some(&b), None, "orders", "orders-cdc", TTL, at(2))
        .await
        .unwrap();
    second.release().await;
}

fn zk(t: &ClusterTest) -> ZooKeeperConfig {
    ZooKeeperConfig {
        quorum: vec![t.ha.zk_address.clone()],
        root: "/flink".into(),
        cluster_id: t.ha.cluster_id.clone(),
        session_timeout: Duration::from_secs(2),
    }
}

#[tokio::test]
async fn doctors_on_two_hosts_meet_in_zookeeper() {
    let t = ClusterTest::begin("locks_zk").await;
    let zk = zk(&t);
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (ha, hb) = (
        History::open(da.path()).unwrap(),
        History::open(db.path()).unwrap(),
    );
    let job = "orders cdc/β";
    let node = node_path(&zk, job);
    assert!(
        node.starts_with("/logminer-doctor/locks/") && node.ends_with("/orders%20cdc%2F%CE%B2"),
        "{node}"
    );
    let a = acquire(Some(&ha), Some(&zk), "orders", job, TTL, at(0))
        .await
        .unwrap();
    assert!(a.describe().contains(&node), "{}", a.describe());
    match acquire(Some(&hb), Some(&zk), "orders", job, TTL, at(1)).await {
        Err(LockError::Held { by, holder, .. }) => {
            assert_eq!(by, format!("ZooKeeper {node}"));
            assert!(
                holder.contains("pid") && holder.contains("token"),
                "{holder}"
            );
        }
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("two holders"),
    }
    // B's state-database row was given back when ZooKeeper refused it.
    assert_eq!(
        hb.try_lock("orders", "probe", at(2), TTL).await.unwrap(),
        Ok(())
    );
    assert!(hb.unlock("orders", "probe").await.unwrap());
    a.release().await;
    let b = acquire(Some(&hb), Some(&zk), "orders", job, TTL, at(3))
        .await
        .unwrap();
    // A doctor that dies without releasing: its session ends, ZooKeeper drops the node.
    drop(b);
    let taken = crate::support::wait_for(
        "the dead holder's node to go",
        Duration::from_secs(30),
        Duration::from_millis(500),
        || async {
            acquire(None, Some(&zk), "orders", job, TTL, at(4))
                .await
                .ok()
        },
    )
    .await;
    taken.release().await;
}

#[tokio::test]
async fn ten_concurrent_doctors_get_exactly_one_lock() {
    let t = ClusterTest::begin("locks_zk_ten").await;
    let zk = zk(&t);
    let dirs: Vec<_> = (0..10).map(|_| tempfile::tempdir().unwrap()).collect();
    let tries = dirs.iter().map(|d| {
        let zk = zk.clone();
        let h = History::open(d.path()).unwrap();
        async move { acquire(Some(&h), Some(&zk), "orders", "orders-cdc-ten", TTL, at(0)).await }
    });
    let results = futures_util::future::join_all(tries).await;
    let won: Vec<_> = results.iter().filter(|r| r.is_ok()).collect();
    assert_eq!(
        won.len(),
        1,
        "{:?}",
        results
            .iter()
            .map(|r| r.as_ref().err().map(|e| e.to_string()))
            .collect::<Vec<_>>()
    );
    for r in &results {
        if let Err(e) = r {
            assert!(matches!(e, LockError::Held { .. }), "{e}");
        }
    }
    for r in results.into_iter().flatten() {
        r.release().await;
    }
}
