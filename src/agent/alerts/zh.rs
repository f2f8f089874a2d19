//! Evidence lines in Chinese, for `language = "zh"` channels.
//!
//! The decision table writes its facts in English from a handful of sentence shapes; each shape
//! is matched here and rewritten in the words a Chinese DBA or Flink engineer uses (SCN, 归档日志,
//! 检查点, 会话, 心跳 …), keeping every number, id, path and Oracle/Flink identifier as it was.
//! A fact of an unknown shape stays English rather than being half translated.

use std::sync::OnceLock;

use regex::Regex;

/// (shape, Chinese template with `$1` … for the captured parts).
const SHAPES: &[(&str, &str)] = &[
    (
        r"^newest committed file (.+) is (.+) old$",
        "最新提交的输出文件 $1 已 $2 未更新",
    ),
    (
        r"^no committed output file yet$",
        "输出目录中还没有已提交的文件",
    ),
    (
        r"^flush-table heartbeat frozen at (\d+) over (.+)$",
        "刷新表（flush table）心跳 SCN 停在 $1，已持续 $2",
    ),
    (
        r"^flush-table heartbeat rising (\d+) -> (\d+) over (.+)$",
        "刷新表（flush table）心跳 SCN 在上升：$1 -> $2（$3 内）",
    ),
    (
        r"^flush-table heartbeat rising (\d+) -> (\d+)$",
        "刷新表（flush table）心跳 SCN 在上升：$1 -> $2",
    ),
    (
        r"^the captured tables changed over the last (.+) \(db block changes \+(\d+)\): changes are waiting$",
        "捕获表在最近 $1 内有变更（db block changes +$2）：有变更等待抽取",
    ),
    (
        r"^in-progress part files written \((\d+) -> (\d+) bytes in (\d+) file\(s\)\) (.+) ago: records reach the sink$",
        "进行中的 part 文件在 $4 前仍有写入（$1 -> $2 字节，共 $3 个文件）：数据正在到达 Sink",
    ),
    (
        r"^source records (\d+) -> (\d+) after the newest commit, first seen (.+) ago$",
        "最近一次提交之后源算子输出记录数 $1 -> $2，首次发现于 $3 前",
    ),
    (
        r"^source records (\d+) -> (\d+) between (.+) and (.+), after the newest commit; nothing committed or written to in-progress files since$",
        "最近一次提交之后（$3 至 $4 之间）源算子输出记录数 $1 -> $2；此后既没有提交，也没有写入进行中的文件",
    ),
    (
        r"^no checkpoint completed for (.+) \(checkpoint interval (.+)\); (\d+) failed and (\d+) in progress over (.+)$",
        "已 $1 没有检查点成功（检查点间隔 $2）；$5 内失败 $3 个，进行中 $4 个",
    ),
    (
        r"^a leader election was seen (.+) ago$",
        "$1 前出现过 JobManager 选主",
    ),
    (r"^which copy\? (.+)$", "该恢复哪一个作业副本？$1"),
    (
        r"^hypothesis idle_source: .+$",
        "假设一 idle_source：捕获表没有变更，连接器在等待变更",
    ),
    (
        r"^hypothesis dead_connection: .+$",
        "假设二 dead_connection：连接器的数据库连接已断开（关闭或半开），且没有重连",
    ),
    (
        r"^the connector's session and heartbeat: (.+)$",
        "连接器的会话与心跳：$1",
    ),
    (
        r"^restart SCN (\d+) = lowest of: (.+)$",
        "重启点 SCN $1（取以下最小值：$2）",
    ),
    (
        r"^restart SCN (\d+) ages out of redo in about (.+) \(redo kept about (.+); thread (\d+)\)$",
        "重启点 SCN $1 约 $2 后将超出可用的 redo/归档日志（约保留 $3；线程 $4）",
    ),
    (
        r"^redo thread (\d+): oldest available SCN (\d+) \(from (.+)\)$",
        "redo 线程 $1：最早可用 SCN $2（$3 起的归档日志）",
    ),
    (
        r"^job (\S+) (\S+) since (.+)$",
        "Flink 作业 $1 状态 $2，自 $3 起",
    ),
    (
        r"^job (\S+) started (.+) ago$",
        "Flink 作业 $1 于 $2 前启动",
    ),
    (
        r"^no job with the configured name on any JobManager$",
        "所有 JobManager 上都没有该名称的作业",
    ),
    (
        r"^latest (?:named )?exception at ([^:]+(?::\d\d)*[^:]*): (.+)$",
        "最近一次作业异常（$1）：$2",
    ),
    (r"^JobManager (\S+): (.+)$", "JobManager $1：$2"),
    (
        r"^leader election seen for (.+)$",
        "JobManager 选主已持续 $1",
    ),
    (
        r"^V\$DATABASE\.LOG_MODE = (.+)$",
        "数据库未开启归档日志模式：V$$DATABASE.LOG_MODE = $1",
    ),
    (
        r"^V\$DATABASE\.SUPPLEMENTAL_LOG_DATA_MIN = NO$",
        "最小补充日志未开启（V$$DATABASE.SUPPLEMENTAL_LOG_DATA_MIN = NO）",
    ),
    (
        r"^archive destination in error: (.+)$",
        "归档目的地出错：$1",
    ),
    (
        r"^(\S+): no ALL COLUMNS supplemental log group$",
        "表 $1 没有 ALL COLUMNS 补充日志组",
    ),
    (
        r"^recovery area (\d+) of (\d+) bytes used \((.+)%\)$",
        "快速恢复区已用 $1 / $2 字节（$3%）",
    ),
    (
        r"^output SCN (\d+), database SCN (\d+): lag (\d+) SCNs$",
        "输出 SCN $1，数据库当前 SCN $2：落后 $3",
    ),
    (r"^Oracle: (.+)$", "Oracle 无响应：$1"),
    (
        r"^no session of the connector user on any instance while job (\S+) is (\S+)$",
        "Flink 作业 $1 处于 $2，但所有实例上都没有连接器用户的会话",
    ),
    (
        r"^the source thread waits in a socket read while the server runs its call: a long fetch, not a dead socket$",
        "源线程在等待 socket 读取，而数据库端的调用仍在执行：这是一次耗时的取数，不是断开的连接",
    ),
    (
        r"^job (\S+) is (\S+) \(started (.+)\)$",
        "Flink 作业 $1 状态为 $2（启动于 $3）",
    ),
    (
        r"^job (\S+) is (\S+) since (.+) \(started (.+)\)$",
        "Flink 作业 $1 自 $3 起状态为 $2（启动于 $4）",
    ),
    (
        r"^source backPressuredTimeMsPerSecond (\d+)$",
        "源算子反压 backPressuredTimeMsPerSecond = $1",
    ),
    (
        r"^source records (\d+) -> (\d+) over (.+)$",
        "源算子输出记录数 $1 -> $2（$3 内）",
    ),
    (
        r"^sink records (\d+) -> (\d+) over (.+)$",
        "Sink 输入记录数 $1 -> $2（$3 内）",
    ),
    (
        r"^checkpoints: (\d+) failed, 0 completed over (.+)$",
        "检查点：$2 内失败 $1 个，成功 0 个",
    ),
    (r"^checkpoints completing: (.+)$", "检查点正常完成：$1"),
    (r"^last checkpoint failure: (.+)$", "最近一次检查点失败：$1"),
    (
        r"^(\d+) session\(s\) of the connector user, none mining, all idle longer than the gap$",
        "连接器用户有 $1 个会话，均未在执行 LogMiner，且空闲时间都超过挖掘间隔",
    ),
    (
        r"^session (\S+) ACTIVE on the LogMiner SQL for (.+)$",
        "会话 $1 在 LogMiner SQL 上持续 ACTIVE 已 $2",
    ),
    (
        r"^its CPU time and buffer gets did not move over (.+)$",
        "其 CPU 时间与逻辑读（buffer gets）在 $1 内没有变化",
    ),
    (
        r"^captured tables changed \(db block changes \+(\d+)\) yet nothing was committed while the connector mines$",
        "捕获表有变更（db block changes +$1），但连接器挖掘期间没有任何输出提交",
    ),
    (
        r"^captured tables changed \(db block changes \+(\d+)\)(.*)$",
        "捕获表有变更（db block changes +$1）$2",
    ),
    (
        r"^no session of the connector user on any instance$",
        "所有实例上都没有连接器用户的会话",
    ),
    (
        r"^session (\S+) (\S+) for (\d+) s, (.+)$",
        "会话 $1 状态 $2 已 $3 秒，$4",
    ),
    (
        r"^TaskManager thread dumps: (.+)$",
        "TaskManager 线程转储：$1",
    ),
    (
        r"^committed output (\d+) files / (\d+) bytes -> (\d+) files / (\d+) bytes over (.+)$",
        "已提交输出 $1 个文件 / $2 字节 -> $3 个文件 / $4 字节（$5 内）",
    ),
    (
        r"^last SCN in the output not read: (.+)$",
        "未能读取输出中的最后一个 SCN：$1",
    ),
];

fn compiled() -> &'static [(Regex, &'static str)] {
    static C: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
    C.get_or_init(|| {
        SHAPES
            .iter()
            // The shapes are constants checked by a test: a bad one is skipped, never a panic.
            .filter_map(|(re, to)| Regex::new(re).ok().map(|r| (r, *to)))
            .collect()
    })
}

/// `fact` in Chinese when its shape is known, else unchanged.
pub fn evidence(fact: &str) -> String {
    for (re, to) in compiled() {
        if re.is_match(fact) {
            return re.replace(fact, *to).into_owned();
        }
    }
    fact.to_string()
}

/// Every shape compiles (a test checks it, since `compiled` skips bad ones).
pub fn shapes_compile() -> bool {
    compiled().len() == SHAPES.len()
}
