//! The output collector: a Flink FileSink directory on a local path, read from its newest
//! buckets — committed and in-progress part files, and the last SCN, read from a bounded tail
//! of the newest committed file (JSON lines here, CSV with its quoting in `csv_tail`).
//!
//! Only the newest buckets are listed: the bucket directories of each level are stat'ed and
//! ranked by mtime (a directory's mtime moves when a part file is created, committed (renamed)
//! or removed in it), the bucket name breaking ties, so a bucket whose name sorts old but that
//! changed last is read first. The `NEWEST_BUCKETS` newest that hold anything are read and
//! counted; older ones are read only while one may still hold one of the newest committed
//! files (a committed file's mtime is its last write, before the rename that moved its
//! bucket's mtime), so the newest committed file and the files looked back on for the SCN are
//! those a walk of the whole tree would find. Files outside these buckets cost nothing but their bucket's stat.
//! For nested buckets (`dt=.../hour=...`) a parent's mtime moves only when a child bucket is
//! added, so there the ranking of parents is by the newest child bucket, not the newest file.
//!
//! Invariant: a directory's cached listing (for `watch`) is reused only while its mtime equals
//! the one stat'ed just before it was listed and that listing began `RACY_WINDOW` or more after
//! the mtime; every bucket directory is still stat'ed on every scan, in-progress files of the
//! counted buckets only as needed.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::error::Error as StdError;
use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, TryLockError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub mod csv_tail;

use super::OutputSource;
use crate::config::{OutputConfig, OutputFormat};
use crate::observation::{CommittedFile, OutputSnapshot, Signal, Timestamp};

/// This many bytes are read from the end of a committed file to find its last SCN (a CSV
/// tail whose quoting leaves the last record in doubt is read further, up to
/// `csv_tail::MAX_TAIL_BYTES`).
pub const TAIL_BYTES: u64 = 64 * 1024;

/// Older committed files consulted when the newest holds no row (empty, header only).
const LOOKBACK_FILES: usize = 3;

/// A change within the same mtime tick as the listing leaves the mtime unchanged (1 s on ext3
/// and many NFS servers, 2 s on FAT), so a listing taken that close to its directory's mtime
/// cannot be trusted later.
const RACY_WINDOW: Duration = Duration::from_secs(3);

/// The newest bucket directories of each level (by mtime, then name; empty ones skipped) that
/// are read and counted on every scan: the bucket being written, the one before it (committed at the next
/// checkpoint after the hour turns) and one more for late or event-time buckets.
pub const NEWEST_BUCKETS: usize = 3;

/// Bucket assigners may nest (`dt=.../hour=...`); the bound guards against pathological trees.
const MAX_DEPTH: usize = 8;

/// Why the output directory could not be observed.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The configured directory does not exist.
    #[error("output directory {path} does not exist")]
    Missing {
        /// The directory.
        path: PathBuf,
    },
    /// The configured path exists but is not a directory.
    #[error("output path {path} is not a directory")]
    NotADirectory {
        /// The configured output directory, as given.
        path: PathBuf,
    },
    /// A directory of the tree could not be stat'ed or listed.
    #[error("cannot read directory {path}")]
    Directory {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A part file could not be stat'ed.
    #[error("cannot stat part file {path}")]
    File {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// An earlier scan of the same directory still runs (e.g. a hung network filesystem).
    #[error("an earlier scan of output directory {path} is still running")]
    Busy {
        /// The directory.
        path: PathBuf,
    },
}

impl OutputError {
    /// A short, bounded label for metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            OutputError::Missing { .. } => "missing",
            OutputError::NotADirectory { .. } => "not_a_directory",
            OutputError::Directory { .. } => "directory",
            OutputError::File { .. } => "file",
            OutputError::Busy { .. } => "busy",
        }
    }
}

/// Why no SCN could be read from a committed file; becomes `last_scn: Missing`.
#[derive(Debug, thiserror::Error)]
enum ScnError {
    #[error("no row with an SCN in the last {window} bytes of {file}: {reason}")]
    NoRow {
        file: String,
        window: usize,
        reason: String,
    },
    #[error("cannot read committed file {file}")]
    Read { file: String, source: io::Error },
}

/// What the last scan cost, for tests and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanStats {
    /// Directories stat'ed (the base and every bucket directory of the levels read, every scan,
    /// to rank them by mtime).
    pub dirs_checked: u64,
    /// Directories whose entries were read because their cached listing could not be trusted.
    pub dirs_listed: u64,
    /// Part files stat'ed (while listing, and in-progress files re-checked).
    pub files_stated: u64,
    /// Committed files whose tail (or header) was read for the SCN.
    pub files_read: u64,
    /// Bytes read from committed files for the SCN.
    pub bytes_read: u64,
}

/// Reads a FileSink directory incrementally.
///
/// Cheap to share: the cache lives behind an `Arc`, so `observe` can hand it to a blocking
/// thread.
pub struct FileSinkCollector {
    inner: Arc<Inner>,
}

struct Inner {
    config: OutputConfig,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Scan counter; a cache entry not reached in the current scan is gone from disk.
    generation: u64,
    /// Keyed by the path relative to the base directory (`""` is the base itself).
    dirs: HashMap<String, DirListing>,
    /// Outcomes of tail reads, keyed by file; committed files are immutable, so these hold
    /// while path, size and mtime match.
    scns: HashMap<String, CachedScn>,
    last_stats: ScanStats,
}

struct DirListing {
    /// The mtime stat'ed before the listing (`None`: the platform has none, never trust).
    mtime: Option<SystemTime>,
    listed_at: SystemTime,
    /// A race was seen while listing (an entry vanished); list again next time.
    dirty: bool,
    seen_in: u64,
    /// Among the newest buckets in the current scan: its files are counted and its in-progress
    /// files stat'ed (an older bucket read only for the newest committed files is not).
    counted: bool,
    subdirs: Vec<(String, PathBuf)>,
    committed_files: u64,
    committed_bytes: u64,
    /// The newest committed files, newest first, at most `1 + LOOKBACK_FILES`.
    newest: Vec<FileRef>,
    in_progress: Vec<InProgress>,
}

#[derive(Clone)]
struct FileRef {
    rel: String,
    path: PathBuf,
    mtime: SystemTime,
    bytes: u64,
}

struct InProgress {
    path: PathBuf,
    mtime: SystemTime,
}

struct CachedScn {
    bytes: u64,
    mtime: SystemTime,
    outcome: TailOutcome,
}

#[derive(Clone)]
enum TailOutcome {
    Found(u64),
    NoRows,
    Unparseable { window: usize, reason: String },
}

impl FileSinkCollector {
    /// A collector for the directory in `config`.
    pub fn new(config: OutputConfig) -> Self {
        FileSinkCollector {
            inner: Arc::new(Inner {
                config,
                state: Mutex::new(State::default()),
            }),
        }
    }

    /// One synchronous scan (blocking file I/O); `observe` runs it on a blocking thread.
    pub fn scan(&self) -> Result<OutputSnapshot, OutputError> {
        self.inner.scan()
    }

    /// What the most recent scan did (directories listed, bytes read).
    pub fn last_scan_stats(&self) -> ScanStats {
        match self.inner.state.lock() {
            Ok(state) => state.last_stats,
            Err(poisoned) => poisoned.into_inner().last_stats,
        }
    }
}

impl OutputSource for FileSinkCollector {
    async fn observe(&self) -> Signal<OutputSnapshot> {
        let inner = Arc::clone(&self.inner);
        match tokio::task::spawn_blocking(move || inner.scan()).await {
            Ok(Ok(snapshot)) => Signal::observed(snapshot),
            Ok(Err(e)) => Signal::missing(error_chain(&e)),
            Err(e) => Signal::missing(format!(
                "the scan of output directory {} did not finish: {e}",
                self.inner.config.dir.display()
            )),
        }
    }
}

impl Inner {
    fn scan(&self) -> Result<OutputSnapshot, OutputError> {
        let base = &self.config.dir;
        let mut state = match self.state.try_lock() {
            Ok(guard) => guard,
            Err(TryLockError::WouldBlock) => return Err(OutputError::Busy { path: base.clone() }),
            Err(TryLockError::Poisoned(poisoned)) => {
                // A scan panicked half-way; its cache may be inconsistent, so start over.
                let mut guard = poisoned.into_inner();
                *guard = State::default();
                self.state.clear_poison();
                guard
            }
        };
        let mut stats = ScanStats::default();
        let result = scan_tree(&mut state, base, &self.config.format, &mut stats);
        state.last_stats = stats;
        result
    }
}

fn scan_tree(
    state: &mut State,
    base: &Path,
    format: &OutputFormat,
    stats: &mut ScanStats,
) -> Result<OutputSnapshot, OutputError> {
    state.generation += 1;
    let generation = state.generation;
    // Taken before any stat, so that a listing's `listed_at` never postdates a change it missed.
    let scan_started = SystemTime::now();

    let base_mtime = match fs::metadata(base) {
        Ok(meta) if !meta.is_dir() => {
            return Err(OutputError::NotADirectory {
                path: base.to_path_buf(),
            })
        }
        Ok(meta) => meta.modified().ok(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(OutputError::Missing {
                path: base.to_path_buf(),
            })
        }
        Err(source) => {
            return Err(OutputError::Directory {
                path: base.to_path_buf(),
                source,
            })
        }
    };
    stats.dirs_checked += 1;
    let mut walk = Walk {
        state,
        generation,
        scan_started,
        stats,
        newest: Vec::new(),
    };
    walk.visit(String::new(), base.to_path_buf(), base_mtime, 0, true)?;
    let Walk {
        state,
        stats,
        newest,
        ..
    } = walk;
    state
        .dirs
        .retain(|_, listing| listing.seen_in == generation);

    let mut committed_files = 0u64;
    let mut committed_bytes = 0u64;
    let mut in_progress_files = 0u64;
    for listing in state.dirs.values().filter(|l| l.counted) {
        committed_files += listing.committed_files;
        committed_bytes += listing.committed_bytes;
        in_progress_files += listing.in_progress.len() as u64;
    }

    let (oldest_in_progress, newest_in_progress, in_progress_bytes) =
        in_progress_now(&mut state.dirs, stats);
    let last_scn = last_scn(&mut state.scns, &newest, format, stats);

    Ok(OutputSnapshot {
        newest_committed: newest.first().map(|f| CommittedFile {
            path: f.rel.clone(),
            modified_at: Timestamp::from_system_time(f.mtime),
            bytes: f.bytes,
        }),
        committed_files,
        committed_bytes,
        in_progress_files,
        oldest_in_progress_at: oldest_in_progress.map(Timestamp::from_system_time),
        in_progress_bytes,
        newest_in_progress_at: newest_in_progress.map(Timestamp::from_system_time),
        last_scn,
    })
}

/// One scan's descent from the base directory into the newest buckets.
struct Walk<'a> {
    state: &'a mut State,
    generation: u64,
    scan_started: SystemTime,
    stats: &'a mut ScanStats,
    /// The newest committed files of the directories read, newest first, at most
    /// `1 + LOOKBACK_FILES`.
    newest: Vec<FileRef>,
}

impl Walk<'_> {
    /// Reads one directory (from the cache when its listing can be trusted), then its newest
    /// bucket directories; whether it holds part files or buckets.
    fn visit(
        &mut self,
        rel: String,
        path: PathBuf,
        mtime: Option<SystemTime>,
        depth: usize,
        counted: bool,
    ) -> Result<bool, OutputError> {
        let trusted = self.state.dirs.get(&rel).is_some_and(|cached| {
            !cached.dirty
                && cached.mtime.is_some()
                && cached.mtime == mtime
                && mtime.is_some_and(|m| cached.listed_at >= m + RACY_WINDOW)
        });
        if !trusted {
            let listing = list_dir(
                &rel,
                &path,
                mtime,
                self.scan_started,
                self.generation,
                self.stats,
            )?;
            self.stats.dirs_listed += 1;
            self.state.dirs.insert(rel.clone(), listing);
        }
        let Some(listing) = self.state.dirs.get_mut(&rel) else {
            return Ok(false);
        };
        listing.seen_in = self.generation;
        listing.counted = counted;
        for file in &listing.newest {
            keep_newest(&mut self.newest, file.clone());
        }
        let holds = listing.committed_files > 0
            || !listing.in_progress.is_empty()
            || !listing.subdirs.is_empty();
        if depth >= MAX_DEPTH || listing.subdirs.is_empty() {
            return Ok(holds);
        }
        let subdirs = listing.subdirs.clone();

        let mut buckets = Vec::with_capacity(subdirs.len());
        for (sub_rel, sub_path) in subdirs {
            let meta = match fs::metadata(&sub_path) {
                Ok(meta) => meta,
                // A bucket removed by retention since its parent was listed.
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(source) => {
                    return Err(OutputError::Directory {
                        path: sub_path,
                        source,
                    })
                }
            };
            if !meta.is_dir() {
                // Replaced by a file since its parent was listed; the parent's mtime moved too.
                continue;
            }
            self.stats.dirs_checked += 1;
            buckets.push((sub_rel, sub_path, meta.modified().ok()));
        }
        // Newest first: by mtime (unknown last), then by name.
        buckets.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| b.0.cmp(&a.0)));
        // Empty buckets (left by a cleanup that deleted their files, which moved their mtime)
        // take no place among the newest.
        let mut taken = 0;
        for (sub_rel, sub_path, sub_mtime) in buckets {
            let newest_bucket = taken < NEWEST_BUCKETS;
            if !newest_bucket && !self.may_hold_newest(sub_mtime) {
                // Sorted by mtime: no later bucket may either.
                break;
            }
            let held = self.visit(
                sub_rel,
                sub_path,
                sub_mtime,
                depth + 1,
                counted && newest_bucket,
            )?;
            if held {
                taken += 1;
            }
        }
        Ok(holds)
    }

    /// Whether a bucket last changed at `mtime` may hold one of the newest committed files:
    /// fewer than those were found, or it changed no earlier than the oldest of them was
    /// written (no committed file in it is newer than its last change).
    fn may_hold_newest(&self, mtime: Option<SystemTime>) -> bool {
        match (self.newest.get(LOOKBACK_FILES), mtime) {
            (Some(oldest_kept), Some(mtime)) => mtime >= oldest_kept.mtime,
            _ => true,
        }
    }
}

/// What a directory entry is to the FileSink.
enum Kind {
    Committed,
    InProgress,
    Other,
}

fn classify(name: &str) -> Kind {
    if name.starts_with('.') {
        // Pending files of the newer FileSink are in-progress files awaiting commit; other
        // dot-files (`.crc` checksums) are not part files.
        if name.contains(".inprogress.") {
            Kind::InProgress
        } else {
            Kind::Other
        }
    } else if name.starts_with("part-") {
        Kind::Committed
    } else {
        Kind::Other
    }
}

fn list_dir(
    rel: &str,
    path: &Path,
    mtime: Option<SystemTime>,
    listed_at: SystemTime,
    generation: u64,
    stats: &mut ScanStats,
) -> Result<DirListing, OutputError> {
    let dir_error = |source| OutputError::Directory {
        path: path.to_path_buf(),
        source,
    };
    let mut listing = DirListing {
        mtime,
        listed_at,
        dirty: false,
        seen_in: generation,
        counted: false,
        subdirs: Vec::new(),
        committed_files: 0,
        committed_bytes: 0,
        newest: Vec::new(),
        in_progress: Vec::new(),
    };
    for entry in fs::read_dir(path).map_err(dir_error)? {
        let entry = entry.map_err(dir_error)?;
        let file_type = match entry.file_type() {
            Ok(t) => t,
            Err(_) => {
                listing.dirty = true;
                continue;
            }
        };
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let child_rel = if rel.is_empty() {
            name.to_string()
        } else {
            format!("{rel}/{name}")
        };
        if file_type.is_dir() {
            // Hidden directories (`.staging`, `_temporary`) hold no committed output.
            if !name.starts_with('.') && !name.starts_with('_') {
                listing.subdirs.push((child_rel, entry.path()));
            }
            continue;
        }
        if !file_type.is_file() {
            continue;
        }
        let kind = classify(&name);
        if matches!(kind, Kind::Other) {
            continue;
        }
        let meta = match entry.metadata() {
            Ok(meta) => meta,
            // Committed or cleaned up between readdir and stat: the directory's mtime moved,
            // but mark it anyway in case that happened within one mtime tick.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                listing.dirty = true;
                continue;
            }
            Err(source) => {
                return Err(OutputError::File {
                    path: entry.path(),
                    source,
                })
            }
        };
        stats.files_stated += 1;
        let file_mtime = meta.modified().unwrap_or(UNIX_EPOCH);
        match kind {
            Kind::Committed => {
                listing.committed_files += 1;
                listing.committed_bytes += meta.len();
                keep_newest(
                    &mut listing.newest,
                    FileRef {
                        rel: child_rel,
                        path: entry.path(),
                        mtime: file_mtime,
                        bytes: meta.len(),
                    },
                );
            }
            Kind::InProgress => listing.in_progress.push(InProgress {
                path: entry.path(),
                mtime: file_mtime,
            }),
            Kind::Other => {}
        }
    }
    Ok(listing)
}

/// Newest first: by mtime, then by path, so that the order is total and stable.
fn newest_first(a: &FileRef, b: &FileRef) -> Ordering {
    b.mtime.cmp(&a.mtime).then_with(|| b.rel.cmp(&a.rel))
}

fn keep_newest(newest: &mut Vec<FileRef>, file: FileRef) {
    let limit = 1 + LOOKBACK_FILES;
    if newest.len() == limit {
        if let Some(last) = newest.last() {
            if newest_first(&file, last) != Ordering::Less {
                return;
            }
        }
        newest.pop();
    }
    let at = newest.partition_point(|f| newest_first(f, &file) == Ordering::Less);
    newest.insert(at, file);
}

/// What the in-progress part files of the counted buckets look like now: (oldest mtime,
/// newest mtime, total bytes).
///
/// Every in-progress file is stat'ed on every scan: writes move its size and mtime without
/// touching its directory's mtime, so the cached listing cannot tell whether records still
/// reach the sink. There are few of them (one per writer subtask and open bucket, plus orphans).
fn in_progress_now(
    dirs: &mut HashMap<String, DirListing>,
    stats: &mut ScanStats,
) -> (Option<SystemTime>, Option<SystemTime>, u64) {
    let (mut oldest, mut newest, mut bytes) = (None::<SystemTime>, None::<SystemTime>, 0u64);
    for listing in dirs.values_mut().filter(|l| l.counted) {
        let mut vanished = false;
        for file in listing.in_progress.iter_mut() {
            stats.files_stated += 1;
            match fs::metadata(&file.path) {
                Ok(meta) => {
                    file.mtime = meta.modified().unwrap_or(file.mtime);
                    bytes = bytes.saturating_add(meta.len());
                    oldest = Some(oldest.map_or(file.mtime, |o| o.min(file.mtime)));
                    newest = Some(newest.map_or(file.mtime, |n| n.max(file.mtime)));
                }
                // Committed or removed since the listing; its directory is listed again next scan.
                Err(_) => vanished = true,
            }
        }
        listing.dirty |= vanished;
    }
    (oldest, newest, bytes)
}

fn last_scn(
    cache: &mut HashMap<String, CachedScn>,
    newest: &[FileRef],
    format: &OutputFormat,
    stats: &mut ScanStats,
) -> Signal<Option<u64>> {
    // Only the files consulted now can matter next time.
    cache.retain(|rel, _| newest.iter().any(|f| &f.rel == rel));
    for file in newest {
        let outcome = match cache.get(&file.rel) {
            Some(c) if c.bytes == file.bytes && c.mtime == file.mtime => c.outcome.clone(),
            _ => match read_scn(&file.path, format, stats) {
                Ok(outcome) => {
                    cache.insert(
                        file.rel.clone(),
                        CachedScn {
                            bytes: file.bytes,
                            mtime: file.mtime,
                            outcome: outcome.clone(),
                        },
                    );
                    outcome
                }
                Err(source) => {
                    let e = ScnError::Read {
                        file: file.rel.clone(),
                        source,
                    };
                    return Signal::missing(error_chain(&e));
                }
            },
        };
        match outcome {
            TailOutcome::Found(scn) => return Signal::observed(Some(scn)),
            TailOutcome::NoRows => continue,
            TailOutcome::Unparseable { window, reason } => {
                let e = ScnError::NoRow {
                    file: file.rel.clone(),
                    window,
                    reason,
                };
                return Signal::missing(e.to_string());
            }
        }
    }
    Signal::observed(None)
}

/// Finds the SCN of the last complete row of `path`: JSON lines from at most `TAIL_BYTES` at
/// its end, CSV by `csv_tail`'s rule.
fn read_scn(path: &Path, format: &OutputFormat, stats: &mut ScanStats) -> io::Result<TailOutcome> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    stats.files_read += 1;
    match format {
        OutputFormat::Json { scn_pointer } => json_tail(&mut file, len, scn_pointer, stats),
        OutputFormat::Csv {
            scn_column,
            delimiter,
        } => csv_tail::last_scn(
            &mut csv_tail::FileBytes::new(&mut file, len),
            scn_column,
            *delimiter,
            TAIL_BYTES,
            csv_tail::MAX_TAIL_BYTES,
            stats,
        ),
    }
}

/// JSON lines: a JSON text holds no raw line break (JSON escapes them in strings), so every
/// line is a whole record and the lines can be read backwards from the end.
fn json_tail(
    file: &mut File,
    len: u64,
    pointer: &str,
    stats: &mut ScanStats,
) -> io::Result<TailOutcome> {
    let start = len.saturating_sub(TAIL_BYTES);
    file.seek(SeekFrom::Start(start))?;
    let mut tail = Vec::new();
    file.take(TAIL_BYTES).read_to_end(&mut tail)?;
    stats.bytes_read += tail.len() as u64;
    let window = tail.len();
    let unparseable = |reason: String| TailOutcome::Unparseable { window, reason };

    let mut text: &[u8] = &tail;
    if start > 0 {
        // The window begins inside a line; drop that fragment.
        match text.iter().position(|&b| b == b'\n') {
            Some(p) => text = &text[p + 1..],
            None => text = &[],
        }
        // Not an empty file: its last line is longer than the window.
        if is_blank(text) {
            return Ok(unparseable(
                "no complete line (a line is longer than the window)".into(),
            ));
        }
    }
    let terminated = text.last() == Some(&b'\n');
    let mut lines: Vec<&[u8]> = text.split(|&b| b == b'\n').map(trim_cr).collect();
    if terminated {
        lines.pop();
    }
    Ok(
        scan_lines(&lines, terminated, |line, _| json_scn(line, pointer))
            .unwrap_or_else(unparseable),
    )
}

/// Tries rows from the newest back; `Err` carries the reason no row yielded an SCN.
///
/// `parse` gets each non-blank line and whether it is the unterminated last line. The reason
/// reported is the newest complete row's, since a cut last row is expected and says little.
fn scan_lines(
    lines: &[&[u8]],
    terminated: bool,
    parse: impl Fn(&[u8], bool) -> Result<u64, String>,
) -> Result<TailOutcome, String> {
    let last = lines.len().saturating_sub(1);
    let mut reason_complete = None;
    let mut reason_any = None;
    for (i, line) in lines.iter().enumerate().rev() {
        if is_blank(line) {
            continue;
        }
        let unterminated = !terminated && i == last;
        match parse(line, unterminated) {
            Ok(scn) => return Ok(TailOutcome::Found(scn)),
            Err(reason) => {
                if !unterminated && reason_complete.is_none() {
                    reason_complete = Some(reason.clone());
                }
                reason_any.get_or_insert(reason);
            }
        }
    }
    match reason_complete.or(reason_any) {
        Some(reason) => Err(reason),
        None => Ok(TailOutcome::NoRows),
    }
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

fn json_scn(line: &[u8], pointer: &str) -> Result<u64, String> {
    let text = String::from_utf8_lossy(line);
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("row is not JSON ({e})"))?;
    match value.pointer(pointer) {
        None => Err(format!("`{pointer}` not found in the row")),
        Some(serde_json::Value::Number(n)) => n
            .as_u64()
            .ok_or_else(|| format!("`{pointer}` is {n}, not an SCN")),
        // Debezium writes `source.scn` as a string.
        Some(serde_json::Value::String(s)) => s
            .trim()
            .parse::<u64>()
            .map_err(|_| format!("`{pointer}` is \"{}\", not an SCN", excerpt(s))),
        Some(other) => Err(format!(
            "`{pointer}` is {}, not an SCN",
            excerpt(&other.to_string())
        )),
    }
}

/// Keeps error messages short when a field holds garbage.
fn excerpt(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

/// `err: cause: cause`, since `Signal` keeps only a string.
fn error_chain(err: &dyn StdError) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
