//! The network part of `audit`: the server's `sqlnet.ora` (dead connection detection,
//! `SQLNET.EXPIRE_TIME`; `SQLNET.RECV_TIMEOUT`) and, when the doctor runs beside a TaskManager,
//! the host's `net.ipv4.tcp_keepalive_time`. Parsing and checks are pure; `load` and
//! `read_keepalive` read the one file each is given.

use std::collections::BTreeMap;
use std::path::Path;

use super::{finding, Finding, Severity, System, NOT_SET};
use crate::lang::Bilingual;

/// Where Linux exposes `net.ipv4.tcp_keepalive_time`.
pub const KEEPALIVE_PATH: &str = "/proc/sys/net/ipv4/tcp_keepalive_time";

/// `sqlnet.ora` as parameters (upper-case name → value; later lines win, as Oracle reads it).
pub type SqlnetOra = BTreeMap<String, String>;

/// Why `sqlnet.ora` cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SqlnetError {
    /// It cannot be read.
    #[error("cannot read {path}: {error}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        error: String,
    },
    /// A line is not `NAME = value`.
    #[error("{path}, line {line}: expected NAME = value")]
    Syntax {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
    },
}

/// Reads and parses `path`.
pub fn load(path: &Path) -> Result<SqlnetOra, SqlnetError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| SqlnetError::Read {
        path: shown.clone(),
        error: e.to_string(),
    })?;
    parse(&text, &shown)
}

/// Parses `sqlnet.ora`: `#` comments, `NAME = value`, a value in parentheses may span lines.
pub fn parse(text: &str, origin: &str) -> Result<SqlnetOra, SqlnetError> {
    let mut out = SqlnetOra::new();
    let mut pending: Option<(String, String, i32)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if let Some((name, mut value, mut depth)) = pending.take() {
            value.push_str(line);
            depth += paren_balance(line);
            if depth > 0 {
                pending = Some((name, value, depth));
            } else {
                out.insert(name, value);
            }
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            return Err(SqlnetError::Syntax {
                path: origin.into(),
                line: i + 1,
            });
        };
        let name = name.trim().to_ascii_uppercase();
        if name.is_empty() {
            return Err(SqlnetError::Syntax {
                path: origin.into(),
                line: i + 1,
            });
        }
        let value = value.trim().to_string();
        let depth = paren_balance(&value);
        if depth > 0 {
            pending = Some((name, value, depth));
        } else {
            out.insert(name, value);
        }
    }
    if let Some((name, value, _)) = pending {
        out.insert(name, value);
    }
    Ok(out)
}

fn paren_balance(s: &str) -> i32 {
    s.chars().fold(0, |d, c| match c {
        '(' => d + 1,
        ')' => d - 1,
        _ => d,
    })
}

/// Reads the host's `tcp_keepalive_time` (seconds) from `path` (normally [`KEEPALIVE_PATH`]).
pub fn read_keepalive(path: &Path) -> Result<u64, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.trim()
        .parse()
        .map_err(|_| format!("{}: not a number: {:?}", path.display(), text.trim()))
}

const SRC_EXPIRE: &str = "shared/notes/oracle-probe.md §2 Q7: with SQLNET.EXPIRE_TIME = n the server probes idle sessions (a TCP keepalive since 12c) and frees those of dead clients; without it such sessions can stay forever; shared/notes/debezium-logminer.md §f (it protects the server side only)";
const SRC_RECV: &str = "Inference (not in the shared notes): SQLNET.RECV_TIMEOUT bounds how long the server waits for a client's data; a value below the connector's idle gaps would cut healthy sessions";
const SRC_KEEPALIVE: &str = "shared/notes/debezium-logminer.md §f: Debezium FAQ (AWS load balancer 350 s idle timeout; fix sysctl -w net.ipv4.tcp_keepalive_time=60, https://debezium.io/documentation/reference/stable/connectors/oracle.html); ruby-oci8#159 (ENABLE=BROKEN only sets SO_KEEPALIVE, the OS default is 2 hours)";

/// The `sqlnet.ora` findings (pure).
pub fn check_sqlnet(ora: &SqlnetOra) -> Vec<Finding> {
    let mut out = Vec::new();
    let expire = ora.get("SQLNET.EXPIRE_TIME");
    let minutes: u64 = expire.and_then(|v| v.trim().parse().ok()).unwrap_or(0);
    if minutes == 0 {
        out.push(finding(
            System::Network,
            Severity::Warning,
            "network.no_dead_connection_detection",
            "SQLNET.EXPIRE_TIME",
            expire.cloned().unwrap_or_else(|| NOT_SET.into()),
            Bilingual::new(
                "Without dead connection detection the server keeps the session of a connector whose host or network died; a firewall also drops the idle connection sooner when nothing probes it.",
                "没有死连接检测时，连接器主机或网络已失效，服务器仍保留其会话；无探测时防火墙也会更早丢弃空闲连接。",
            ),
            Bilingual::new("SQLNET.EXPIRE_TIME = 5 (in the server's sqlnet.ora)", "SQLNET.EXPIRE_TIME = 5（服务器端 sqlnet.ora）"),
            SRC_EXPIRE,
        ));
    } else if minutes > 10 {
        out.push(finding(
            System::Network,
            Severity::Info,
            "network.dead_connection_detection_slow",
            "SQLNET.EXPIRE_TIME",
            format!("{minutes}"),
            Bilingual::new(
                format!("Dead connections are probed only after {minutes} min idle, longer than many firewalls keep an idle connection."),
                format!("空闲 {minutes} 分钟后才探测死连接，长于许多防火墙保留空闲连接的时间。"),
            ),
            Bilingual::new("SQLNET.EXPIRE_TIME = 5", "SQLNET.EXPIRE_TIME = 5"),
            SRC_EXPIRE,
        ));
    }
    if let Some(v) = ora.get("SQLNET.RECV_TIMEOUT") {
        out.push(finding(
            System::Network,
            Severity::Info,
            "network.recv_timeout_set",
            "SQLNET.RECV_TIMEOUT",
            v,
            Bilingual::new(
                "The server may end a session whose client sends nothing for this long (how it applies between calls is not verified here); keep it longer than the connector's quiet gaps between calls, or healthy sessions could be cut.",
                "客户端在这段时间内未发送任何数据时服务器可能结束会话（调用间隙是否适用此处未经验证）；应长于连接器两次调用之间的空闲间隔，否则健康会话可能被切断。",
            ),
            Bilingual::new(
                "keep it well above the connector's sleep between mining calls (3 s at most), e.g. SQLNET.RECV_TIMEOUT = 600, or remove it",
                "设得远高于连接器两次挖掘调用的间隔（最多 3 秒），例如 SQLNET.RECV_TIMEOUT = 600，或删除它",
            ),
            SRC_RECV,
        ));
    }
    out
}

/// The host keepalive finding (pure): keepalive probes that start after more than 300 s come
/// after typical firewall and load-balancer idle timeouts (AWS's 350 s).
pub fn check_keepalive(seconds: u64) -> Vec<Finding> {
    if seconds <= 300 {
        return Vec::new();
    }
    vec![finding(
        System::Network,
        Severity::Warning,
        "network.tcp_keepalive_time_long",
        "net.ipv4.tcp_keepalive_time",
        format!("{seconds}"),
        Bilingual::new(
            format!("TCP keepalive starts probing an idle connection only after {seconds} s, later than firewalls and load balancers drop it (AWS: 350 s): (ENABLE=broken) then protects nothing and a mining call can hang forever."),
            format!("TCP keepalive 要空闲 {seconds} 秒后才开始探测，晚于防火墙和负载均衡器丢弃连接的时间（AWS 为 350 秒）：此时 (ENABLE=broken) 形同虚设，挖掘调用可能永远挂起。"),
        ),
        Bilingual::new(
            "sysctl -w net.ipv4.tcp_keepalive_time=60 (and persist it in /etc/sysctl.conf) on every TaskManager host",
            "在每台 TaskManager 主机上执行 sysctl -w net.ipv4.tcp_keepalive_time=60（并写入 /etc/sysctl.conf 持久化）",
        ),
        SRC_KEEPALIVE,
    )]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlnet_ora_parses_comments_case_and_parentheses() {
        let ora = parse(
            "# server\nsqlnet.expire_time = 10 # minutes\nNAMES.DIRECTORY_PATH = (TNSNAMES,\n  EZCONNECT)\nSQLNET.RECV_TIMEOUT=30\n",
            "s",
        )
        .unwrap();
        assert_eq!(ora["SQLNET.EXPIRE_TIME"], "10");
        assert_eq!(ora["NAMES.DIRECTORY_PATH"], "(TNSNAMES,EZCONNECT)");
        assert!(matches!(
            parse("SQLNET.EXPIRE_TIME\n", "s"),
            Err(SqlnetError::Syntax { line: 1, .. })
        ));
    }

    #[test]
    fn expire_time_and_keepalive_findings() {
        let ids = |v: Vec<Finding>| v.iter().map(|f| f.check).collect::<Vec<_>>();
        assert_eq!(
            ids(check_sqlnet(&SqlnetOra::new())),
            vec!["network.no_dead_connection_detection"]
        );
        let good = parse("SQLNET.EXPIRE_TIME = 5", "s").unwrap();
        assert!(check_sqlnet(&good).is_empty());
        assert_eq!(
            ids(check_keepalive(7200)),
            vec!["network.tcp_keepalive_time_long"]
        );
        assert!(check_keepalive(60).is_empty());
    }
}
