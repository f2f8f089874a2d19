//! This host's identity as the doctor names itself: the host name, and the default name of a
//! `watch` fleet member (the lock holder's identity builds on it too, in `remediation::lock`).

/// This host's name (`/etc/hostname`, else `$HOSTNAME`).
pub fn name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown-host".into())
}

/// The default name of a fleet member (`[agent.fleet] member`): the host name and the process
/// id, unique on a host at a time (a `/`, which no ZooKeeper node name may hold, becomes `_`).
pub fn default_member() -> String {
    format!("{}-{}", name().replace('/', "_"), std::process::id())
}
