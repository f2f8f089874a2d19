//! The FileSink output collector against real temporary directories.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use logminer_doctor::collectors::output::csv_tail::{last_scn_in_memory, MAX_TAIL_BYTES};
use logminer_doctor::collectors::output::{FileSinkCollector, OutputError, TAIL_BYTES};
use logminer_doctor::collectors::OutputSource;
use logminer_doctor::config::{OutputConfig, OutputFormat, ScnColumn};
use logminer_doctor::observation::{Signal, Timestamp};

const HOUR: Duration = Duration::from_secs(3600);

fn csv_index(i: usize) -> OutputFormat {
    OutputFormat::Csv {
        scn_column: ScnColumn::Index(i),
        delimiter: b',',
    }
}

fn csv_name(name: &str) -> OutputFormat {
    OutputFormat::Csv {
        scn_column: ScnColumn::Name(name.to_string()),
        delimiter: b',',
    }
}

fn json(pointer: &str) -> OutputFormat {
    OutputFormat::Json {
        scn_pointer: pointer.to_string(),
    }
}

fn collector(dir: &Path, format: OutputFormat) -> FileSinkCollector {
    FileSinkCollector::new(OutputConfig {
        dir: dir.to_path_buf(),
        format,
        rolling_interval: Duration::ZERO,
    })
}

/// A time `ago` before now.
fn ago(ago: Duration) -> SystemTime {
    SystemTime::now() - ago
}

/// Writes `content` to `dir/rel` (creating buckets) and sets its mtime.
fn put(dir: &Path, rel: &str, content: &[u8], mtime: SystemTime) -> PathBuf {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    let mut file = File::create(&path).unwrap();
    file.write_all(content).unwrap();
    file.set_modified(mtime).unwrap();
    path
}

/// Moves a directory's mtime into the past, as for a bucket the sink left an hour ago (the
/// collector distrusts listings of directories changed within the last few seconds).
fn age_dir(dir: &Path, mtime: SystemTime) {
    File::open(dir).unwrap().set_modified(mtime).unwrap();
}

/// Ages the base directory and every bucket below it.
fn age_tree(dir: &Path, mtime: SystemTime) {
    for entry in fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            age_tree(&entry.path(), mtime);
        }
    }
    age_dir(dir, mtime);
}

fn ms(t: SystemTime) -> Timestamp {
    Timestamp::from_system_time(t)
}

/// Times computed from two calls of `ago` differ by the time between them.
fn assert_close(got: Timestamp, expected: Timestamp) {
    assert!(
        got.since(expected) < Duration::from_secs(1)
            && expected.since(got) < Duration::from_secs(1),
        "got {got}, expected about {expected}"
    );
}

fn last_scn(c: &FileSinkCollector) -> Signal<Option<u64>> {
    c.scan().unwrap().last_scn
}

fn missing_error(signal: Signal<Option<u64>>) -> String {
    match signal {
        Signal::Missing { error } => error,
        other => panic!("expected a missing SCN, got {other:?}"),
    }
}

#[test]
fn counts_committed_and_in_progress_files_across_buckets_and_ignores_others() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let old = ago(3 * HOUR);
    put(d, "part-u-0.csv", b"1\n", old);
    put(d, "2026-11-23--20/part-u-1.csv", b"1,a\n2,b\n", old);
    put(d, "2026-11-23--20/part-u-2", b"3\n", old);
    put(
        d,
        "2026-11-23--20/.part-u-3.csv.inprogress.0f1e",
        b"4\n",
        ago(2 * HOUR),
    );
    put(d, "2026-11-23--20/_SUCCESS", b"", old);
    put(d, "2026-11-23--20/.part-u-1.csv.crc", b"crc", old);
    put(d, "2026-11-23--21/part-u-4.csv", b"5\n", ago(HOUR));
    put(
        d,
        "2026-11-23--21/.part-u-5.csv.inprogress.9a8b",
        b"",
        ago(HOUR),
    );
    put(d, "2026-11-23--21/notes.txt", b"not a part file", ago(HOUR));

    let snap = collector(d, csv_index(0)).scan().unwrap();
    assert_eq!(snap.committed_files, 4);
    assert_eq!(snap.committed_bytes, 2 + 8 + 2 + 2);
    assert_eq!(snap.in_progress_files, 2);
    assert_close(snap.oldest_in_progress_at.unwrap(), ms(ago(2 * HOUR)));
    let newest = snap.newest_committed.unwrap();
    assert_eq!(newest.path, "2026-11-23--21/part-u-4.csv");
    assert_eq!(newest.bytes, 2);
    assert_eq!(snap.last_scn, Signal::observed(Some(5)));
}

#[test]
fn newest_committed_file_is_chosen_by_mtime_not_by_name_or_bucket() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let newest_at = ago(HOUR / 6);
    // The later bucket name and higher part counter are older on disk.
    put(d, "2026-11-23--22/part-u-9.csv", b"100\n", ago(HOUR));
    put(d, "2026-11-23--21/part-u-1.csv", b"200\n", newest_at);
    put(d, "2026-11-23--21/part-u-2.csv", b"150\n", ago(2 * HOUR));

    let snap = collector(d, csv_index(0)).scan().unwrap();
    let newest = snap.newest_committed.unwrap();
    assert_eq!(newest.path, "2026-11-23--21/part-u-1.csv");
    assert_eq!(newest.modified_at, ms(newest_at));
    assert_eq!(snap.last_scn, Signal::observed(Some(200)));
}

#[test]
fn empty_directory_has_no_newest_file_and_no_scn() {
    let tmp = tempfile::tempdir().unwrap();
    let snap = collector(tmp.path(), csv_index(0)).scan().unwrap();
    assert_eq!(snap.newest_committed, None);
    assert_eq!(snap.committed_files, 0);
    assert_eq!(snap.in_progress_files, 0);
    assert_eq!(snap.oldest_in_progress_at, None);
    assert_eq!(snap.last_scn, Signal::observed(None));
}

#[test]
fn last_scn_from_csv_by_index() {
    let tmp = tempfile::tempdir().unwrap();
    put(
        tmp.path(),
        "b/part-u-0.csv",
        b"I,1001,ORDERS,\"a, quoted\"\nU,1002,ORDERS,x\nD,1003,ORDERS,y\n",
        ago(HOUR),
    );
    assert_eq!(
        last_scn(&collector(tmp.path(), csv_index(1))),
        Signal::observed(Some(1003))
    );
}

#[test]
fn last_scn_from_csv_by_header_name_with_quotes_and_other_delimiter() {
    let tmp = tempfile::tempdir().unwrap();
    put(
        tmp.path(),
        "b/part-u-0.csv",
        b"\xef\xbb\xbfop;\"note\";SCN\r\nI;\"x;y\";\"2001\"\r\nU;\"he said \"\"hi\"\"\";2002\r\n",
        ago(HOUR),
    );
    let c = collector(
        tmp.path(),
        OutputFormat::Csv {
            scn_column: ScnColumn::Name("SCN".into()),
            delimiter: b';',
        },
    );
    assert_eq!(last_scn(&c), Signal::observed(Some(2002)));
}

#[test]
fn last_scn_from_json_pointer_as_number_and_as_string() {
    let tmp = tempfile::tempdir().unwrap();
    put(
        tmp.path(),
        "b/part-u-0.json",
        br#"{"op":"c","source":{"scn":41}}
{"op":"u","source":{"scn":42}}
"#,
        ago(2 * HOUR),
    );
    let c = collector(tmp.path(), json("/source/scn"));
    assert_eq!(last_scn(&c), Signal::observed(Some(42)));

    // Debezium writes the SCN as a string; SCNs use the whole u64 range.
    put(
        tmp.path(),
        "b/part-u-1.json",
        br#"{"op":"c","source":{"scn":"18446744073709551614","commit_scn":"1"}}"#,
        ago(HOUR),
    );
    assert_eq!(
        last_scn(&c),
        Signal::observed(Some(18_446_744_073_709_551_614))
    );
}

#[test]
fn a_last_line_cut_mid_record_falls_back_to_the_previous_row() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    put(
        d,
        "csv/part-u-0.csv",
        b"I,1001,ORDERS,a\nU,1002,ORD",
        ago(HOUR),
    );
    // The cut row still shows 1002, but it has fewer fields than a whole row, and the SCN
    // reported must be one that was fully written.
    assert_eq!(
        last_scn(&collector(&d.join("csv"), csv_index(1))),
        Signal::observed(Some(1001))
    );

    put(
        d,
        "quoted/part-u-0.csv",
        b"1001,\"a\"\n1002,\"unfinished, no closing",
        ago(HOUR),
    );
    assert_eq!(
        last_scn(&collector(&d.join("quoted"), csv_index(0))),
        Signal::observed(Some(1001))
    );

    put(
        d,
        "json/part-u-0.json",
        br#"{"source":{"scn":"7"}}
{"source":{"scn":"8"}}
{"source":{"sc"#,
        ago(HOUR),
    );
    assert_eq!(
        last_scn(&collector(&d.join("json"), json("/source/scn"))),
        Signal::observed(Some(8))
    );
}

#[test]
fn a_last_line_without_a_line_break_is_a_whole_row() {
    let tmp = tempfile::tempdir().unwrap();
    put(tmp.path(), "part-u-0.csv", b"I,11\nU,12", ago(HOUR));
    assert_eq!(
        last_scn(&collector(tmp.path(), csv_index(1))),
        Signal::observed(Some(12))
    );
}

#[test]
fn empty_and_header_only_files_fall_back_to_an_older_file() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    put(
        d,
        "b1/part-u-0.csv",
        b"op,scn\nI,500\nU,501\n",
        ago(4 * HOUR),
    );
    put(d, "b2/part-u-1.csv", b"op,scn\n", ago(3 * HOUR));
    put(d, "b2/part-u-2.csv", b"", ago(2 * HOUR));
    put(d, "b3/part-u-3.csv", b"op,scn\n\n", ago(HOUR));

    let snap = collector(d, csv_name("scn")).scan().unwrap();
    assert_eq!(snap.newest_committed.unwrap().path, "b3/part-u-3.csv");
    assert_eq!(snap.last_scn, Signal::observed(Some(501)));
}

#[test]
fn lookback_gives_up_after_three_older_files() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    put(d, "part-u-0.csv", b"op,scn\nI,500\n", ago(5 * HOUR));
    for i in 1..=4u32 {
        put(
            d,
            &format!("part-u-{i}.csv"),
            b"op,scn\n",
            ago(5 * HOUR - Duration::from_secs(60 * u64::from(i))),
        );
    }
    assert_eq!(
        last_scn(&collector(d, csv_name("scn"))),
        Signal::observed(None)
    );
}

#[test]
fn garbage_bytes_make_the_scn_missing_with_the_file_named() {
    let tmp = tempfile::tempdir().unwrap();
    let mut garbage = Vec::new();
    for i in 0..2000u32 {
        garbage.extend_from_slice(&[0xff, 0xfe, 0x00, (i % 251) as u8, b',', 0x80]);
        if i % 7 == 0 {
            garbage.push(b'\n');
        }
    }
    put(
        tmp.path(),
        "2026-11-23--21/part-0-7.csv",
        &garbage,
        ago(HOUR),
    );
    let error = missing_error(last_scn(&collector(tmp.path(), csv_index(1))));
    assert!(
        error.starts_with("no row with an SCN in the last "),
        "{error}"
    );
    assert!(error.contains("2026-11-23--21/part-0-7.csv"), "{error}");
    assert!(error.contains("not an SCN"), "{error}");

    let error = missing_error(last_scn(&collector(tmp.path(), json("/source/scn"))));
    assert!(error.contains("row is not JSON"), "{error}");
}

#[test]
fn a_column_missing_from_the_header_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    put(
        tmp.path(),
        "2026-11-23--21/part-0-7.csv",
        b"op,change_no\nI,1\n",
        ago(HOUR),
    );
    let error = missing_error(last_scn(&collector(tmp.path(), csv_name("scn"))));
    assert_eq!(
        error,
        "no row with an SCN in the last 17 bytes of 2026-11-23--21/part-0-7.csv: \
         column `scn` not found in header"
    );
}

#[test]
fn a_json_pointer_that_is_absent_or_not_a_number_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    put(
        tmp.path(),
        "part-u-0.json",
        br#"{"source":{"scn":true}}"#,
        ago(HOUR),
    );
    let error = missing_error(last_scn(&collector(tmp.path(), json("/source/scn"))));
    assert!(
        error.ends_with("`/source/scn` is true, not an SCN"),
        "{error}"
    );
    let error = missing_error(last_scn(&collector(tmp.path(), json("/after/SCN"))));
    assert!(
        error.ends_with("`/after/SCN` not found in the row"),
        "{error}"
    );
}

#[test]
fn only_the_tail_of_a_ten_megabyte_file_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let mut content = b"op,table,scn,payload\n".to_vec();
    let mut scn = 1_000_000u64;
    while content.len() < 10 * 1024 * 1024 {
        scn += 1;
        content.extend_from_slice(format!("U,ORDERS,{scn},{}\n", "x".repeat(80)).as_bytes());
    }
    put(
        tmp.path(),
        "2026-11-23--21/part-u-0.csv",
        &content,
        ago(HOUR),
    );

    let c = collector(tmp.path(), csv_name("scn"));
    assert_eq!(last_scn(&c), Signal::observed(Some(scn)));
    let stats = c.last_scan_stats();
    assert_eq!(stats.files_read, 1);
    // The tail window plus one small read for the header line, never the file.
    assert!(
        stats.bytes_read <= TAIL_BYTES + 4096,
        "read {} bytes",
        stats.bytes_read
    );

    // Committed files do not change, so the next probe reads nothing.
    assert_eq!(last_scn(&c), Signal::observed(Some(scn)));
    assert_eq!(c.last_scan_stats().bytes_read, 0);
}

#[test]
fn a_line_longer_than_the_tail_window_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let mut content = b"I,1\n".to_vec();
    content.extend(std::iter::repeat_n(b'x', TAIL_BYTES as usize * 2));
    content.push(b'\n');
    put(tmp.path(), "part-u-0.csv", &content, ago(HOUR));
    let error = missing_error(last_scn(&collector(tmp.path(), csv_index(1))));
    assert!(error.contains("part-u-0.csv"), "{error}");
    assert!(error.contains("no complete line"), "{error}");
}

#[test]
fn a_missing_directory_is_an_error_naming_the_path() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("output/cdc");
    let err = collector(&dir, csv_index(0)).scan().unwrap_err();
    assert!(matches!(err, OutputError::Missing { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("output directory {} does not exist", dir.display())
    );
}

#[test]
fn a_file_in_place_of_the_directory_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let file = put(tmp.path(), "cdc", b"", ago(HOUR));
    let err = collector(&file, csv_index(0)).scan().unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("output path {} is not a directory", file.display())
    );
}

#[tokio::test]
async fn observe_reports_a_snapshot_and_a_missing_directory_as_missing() {
    let tmp = tempfile::tempdir().unwrap();
    put(tmp.path(), "b/part-u-0.csv", b"I,77\n", ago(HOUR));
    let signal = collector(tmp.path(), csv_index(1)).observe().await;
    let snap = signal.value().unwrap();
    assert_eq!(snap.last_scn, Signal::observed(Some(77)));

    let dir = tmp.path().join("nope");
    let signal = collector(&dir, csv_index(1)).observe().await;
    assert_eq!(
        signal.error(),
        Some(&*format!(
            "output directory {} does not exist",
            dir.display()
        ))
    );
}

#[test]
fn an_unchanged_tree_is_not_listed_again() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for b in 0..5 {
        for f in 0..3 {
            put(
                d,
                &format!("2026-11-23--{b:02}/part-u-{f}.csv"),
                b"I,1\n",
                ago(HOUR),
            );
        }
    }
    age_tree(d, ago(HOUR));
    let c = collector(d, csv_index(1));
    let first = c.scan().unwrap();
    assert_eq!(c.last_scan_stats().dirs_listed, 6);
    assert_eq!(c.last_scan_stats().files_stated, 15);

    let second = c.scan().unwrap();
    let stats = c.last_scan_stats();
    assert_eq!(stats.dirs_checked, 6);
    assert_eq!(stats.dirs_listed, 0);
    assert_eq!(stats.files_stated, 0);
    assert_eq!(first, second);
}

#[test]
fn a_file_added_to_one_bucket_is_seen_and_only_that_bucket_is_listed() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for b in 0..5 {
        put(
            d,
            &format!("2026-11-23--{b:02}/part-u-0.csv"),
            b"I,1\n",
            ago(2 * HOUR),
        );
    }
    age_tree(d, ago(2 * HOUR));
    let c = collector(d, csv_index(1));
    // Counted: the three newest buckets (equal mtimes: the last names).
    assert_eq!(c.scan().unwrap().committed_files, 3);

    put(d, "2026-11-23--03/part-u-1.csv", b"I,99\n", ago(HOUR));
    let snap = c.scan().unwrap();
    assert_eq!(c.last_scan_stats().dirs_listed, 1);
    // Now 03 (2 files, changed last), then 04 and 02.
    assert_eq!(snap.committed_files, 4);
    assert_eq!(
        snap.newest_committed.unwrap().path,
        "2026-11-23--03/part-u-1.csv"
    );
    assert_eq!(snap.last_scn, Signal::observed(Some(99)));
}

#[test]
fn a_new_bucket_and_a_removed_bucket_are_seen() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    put(d, "2026-11-23--20/part-u-0.csv", b"I,1\n", ago(3 * HOUR));
    put(d, "2026-11-23--21/part-u-1.csv", b"I,2\n", ago(2 * HOUR));
    age_tree(d, ago(2 * HOUR));
    let c = collector(d, csv_index(1));
    assert_eq!(c.scan().unwrap().committed_files, 2);

    put(d, "2026-11-23--22/part-u-2.csv", b"I,3\n", ago(HOUR));
    let snap = c.scan().unwrap();
    // The base directory (a new entry) and the new bucket.
    assert_eq!(c.last_scan_stats().dirs_listed, 2);
    assert_eq!(snap.committed_files, 3);
    assert_eq!(snap.last_scn, Signal::observed(Some(3)));

    fs::remove_dir_all(d.join("2026-11-23--20")).unwrap();
    let snap = c.scan().unwrap();
    assert_eq!(snap.committed_files, 2);
    assert_eq!(c.last_scan_stats().dirs_checked, 3);
}

#[test]
fn a_directory_changed_within_the_last_seconds_is_listed_again() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    put(d, "b/part-u-0.csv", b"I,1\n", ago(HOUR));
    age_dir(d, ago(HOUR));
    // `b` keeps its fresh mtime: a change in the same mtime tick would not move it.
    let c = collector(d, csv_index(1));
    c.scan().unwrap();
    c.scan().unwrap();
    assert_eq!(c.last_scan_stats().dirs_listed, 1);
}

#[test]
fn the_oldest_in_progress_file_is_checked_again_when_written_to() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let first = put(d, "b/.part-u-0.csv.inprogress.aa", b"I,1\n", ago(3 * HOUR));
    put(d, "b/.part-u-1.csv.inprogress.bb", b"I,2\n", ago(2 * HOUR));
    age_tree(d, ago(HOUR));
    let c = collector(d, csv_index(1));
    let snap = c.scan().unwrap();
    assert_eq!(snap.in_progress_files, 2);
    let before = snap.oldest_in_progress_at.unwrap();
    assert!(before <= ms(ago(3 * HOUR)));

    // An append moves the file's mtime but not its directory's.
    let written_at = ago(HOUR / 2);
    let mut f = fs::OpenOptions::new().append(true).open(&first).unwrap();
    f.write_all(b"I,3\n").unwrap();
    f.set_modified(written_at).unwrap();
    drop(f);

    let snap = c.scan().unwrap();
    let stats = c.last_scan_stats();
    assert_eq!(stats.dirs_listed, 0);
    // Every in-progress file is stat'ed on every scan (their sizes prove that records reach
    // the sink), and nothing else.
    assert_eq!(stats.files_stated, 2);
    assert_close(snap.oldest_in_progress_at.unwrap(), ms(ago(2 * HOUR)));
    assert_close(snap.newest_in_progress_at.unwrap(), ms(written_at));
    assert_eq!(snap.in_progress_bytes, 12);

    // Nothing changed: the same two stats, the same answer.
    let again = c.scan().unwrap();
    assert_eq!(c.last_scan_stats().files_stated, 2);
    assert_eq!(again.in_progress_bytes, 12);
}

#[test]
fn nested_buckets_and_hidden_directories() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    put(
        d,
        "dt=2026-11-23/hour=21/part-u-0.json",
        br#"{"scn":5}"#,
        ago(HOUR),
    );
    put(
        d,
        "_temporary/0/part-u-9.json",
        br#"{"scn":9}"#,
        ago(Duration::from_secs(60)),
    );
    put(
        d,
        ".staging/part-u-8.json",
        br#"{"scn":8}"#,
        ago(Duration::from_secs(60)),
    );
    let snap = collector(d, json("/scn")).scan().unwrap();
    assert_eq!(snap.committed_files, 1);
    assert_eq!(
        snap.newest_committed.unwrap().path,
        "dt=2026-11-23/hour=21/part-u-0.json"
    );
    assert_eq!(snap.last_scn, Signal::observed(Some(5)));
}

// -- CSV quoting in the tail (issue 13) --------------------------------------------------------

// See: #13
#[test]
fn a_quoted_field_spanning_lines_is_one_field_not_rows() {
    let tmp = tempfile::tempdir().unwrap();
    put(
        tmp.path(),
        "part-u-0.csv",
        b"101,a\n102,\"first line\n999,looks like a row\n\"\n",
        ago(HOUR),
    );
    assert_eq!(
        last_scn(&collector(tmp.path(), csv_index(0))),
        Signal::observed(Some(102))
    );
    // With a header and CRLF line breaks, the SCN after the spanning field.
    put(
        tmp.path(),
        "part-u-1.csv",
        b"note,scn\r\n\"a\r\n7,b\",101\r\n\"first line\r\n999,looks like a row\r\n\",102\r\n",
        ago(HOUR / 2),
    );
    assert_eq!(
        last_scn(&collector(tmp.path(), csv_name("scn"))),
        Signal::observed(Some(102))
    );
}

// See: #13
#[test]
fn a_quoted_field_holding_the_delimiter_quotes_and_line_breaks_is_one_field() {
    let tmp = tempfile::tempdir().unwrap();
    put(
        tmp.path(),
        "part-u-0.csv",
        b"\"a, b\nc\",1001,x\n\"d,\"\"e\"\"\n,f\",1002,\"y,\nz\"\n",
        ago(HOUR),
    );
    assert_eq!(
        last_scn(&collector(tmp.path(), csv_index(1))),
        Signal::observed(Some(1002))
    );
    let c = collector(
        tmp.path(),
        OutputFormat::Csv {
            scn_column: ScnColumn::Name("SCN".into()),
            delimiter: b';',
        },
    );
    put(
        tmp.path(),
        "part-u-1.csv",
        b"note;SCN\n\"x;\n1;2\";3001\n\"9;\n\";3002\n",
        ago(HOUR / 2),
    );
    assert_eq!(last_scn(&c), Signal::observed(Some(3002)));
}

/// A file of `op,scn,payload` rows ending with row 5001, whose payload (about 100 KB, longer
/// than the tail window) holds lines that look like rows with SCN 999999999. `close` ends it.
fn spanning_payload_file(close: &str) -> Vec<u8> {
    let mut content = b"op,scn,payload\n".to_vec();
    for scn in 4001..4100u64 {
        content.extend_from_slice(format!("I,{scn},plain\n").as_bytes());
    }
    content.extend_from_slice(b"U,5001,\"start of a long text\n");
    while content.len() < 100 * 1024 {
        content.extend_from_slice(b"U,999999999,looks like a row\n");
    }
    content.extend_from_slice(close.as_bytes());
    content
}

// See: #13
#[test]
fn a_tail_window_starting_inside_a_quoted_field_never_reads_its_lines_as_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // The closing quote ends a line that looks like a row: read from inside the field it is
    // text, from outside a row. The two readings disagree, so the tail is read further back.
    put(
        d,
        "glued/part-u-0.csv",
        &spanning_payload_file("U,999999999,last\"\n"),
        ago(HOUR),
    );
    for format in [csv_name("scn"), csv_index(1)] {
        let c = collector(&d.join("glued"), format);
        assert_eq!(last_scn(&c), Signal::observed(Some(5001)));
        let read = c.last_scan_stats().bytes_read;
        assert!(read > TAIL_BYTES && read <= MAX_TAIL_BYTES + 4096, "{read}");
    }

    // The closing quote on a line of its own: read from outside the field it would open a
    // quoted field that the file never closes, so only the reading from inside remains, and
    // it holds no whole record in the window: missing, never 999999999.
    put(
        d,
        "alone/part-u-0.csv",
        &spanning_payload_file("\"\n"),
        ago(HOUR),
    );
    for format in [csv_name("scn"), csv_index(1)] {
        match last_scn(&collector(&d.join("alone"), format)) {
            Signal::Observed { value: Some(5001) } => {}
            Signal::Missing { error } => {
                assert!(error.contains("no complete line"), "{error}")
            }
            other => panic!("expected 5001 or missing, got {other:?}"),
        }
    }
}

// See: #13
#[test]
fn quoted_line_breaks_in_every_row_still_read_only_the_tail() {
    let tmp = tempfile::tempdir().unwrap();
    let mut content = b"op,scn,note\n".to_vec();
    let mut scn = 7_000_000u64;
    while content.len() < 1024 * 1024 {
        scn += 1;
        content.extend_from_slice(
            format!("U,{scn},\"line one\nline two, with a comma and \"\"quotes\"\"\"\n").as_bytes(),
        );
    }
    put(tmp.path(), "part-u-0.csv", &content, ago(HOUR));
    let c = collector(tmp.path(), csv_name("scn"));
    assert_eq!(last_scn(&c), Signal::observed(Some(scn)));
    // The two readings of the window agree within it: no need to read further back.
    let read = c.last_scan_stats().bytes_read;
    assert!(read <= TAIL_BYTES + 4096, "read {read} bytes");
}

#[test]
fn empty_and_header_only_csv_files_have_no_rows() {
    for (content, format) in [
        (&b""[..], csv_index(0)),
        (b"\n\n", csv_index(0)),
        (b"op,scn\n", csv_name("scn")),
        (b"op,scn", csv_name("scn")),
        (b"\xef\xbb\xbf\"op\",\"s\ncn\"\r\n", csv_name("s\ncn")),
        (b"op,change_no\n", csv_name("scn")),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        put(tmp.path(), "part-u-0.csv", content, ago(HOUR));
        assert_eq!(
            last_scn(&collector(tmp.path(), format)),
            Signal::observed(None),
            "{content:?}"
        );
    }
}

// -- the tail reader against a full parse (property) -------------------------------------------

mod tail_property {
    use proptest::prelude::*;

    use super::{last_scn_in_memory, ScnColumn};

    /// A generated CSV file and what a writer put in it.
    #[derive(Debug, Clone)]
    pub struct Generated {
        pub content: Vec<u8>,
        pub delimiter: u8,
        pub column: ScnColumn,
        pub scn_index: usize,
        pub header: bool,
        /// The longest record, terminator included.
        pub longest: usize,
        /// Where the last record starts.
        pub last_start: usize,
    }

    /// The delimiter in generated text, replaced by the file's own.
    const DELIMITER: char = '§';

    /// Field text from pieces that matter to CSV: the delimiters, quotes, line breaks, digits
    /// (so that a misread line can look like a row with an SCN), letters, and whole lines that
    /// look like rows (`\n12§345§6§78\n`, `\n12\n`), the trap a tail read line by line falls into.
    fn text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            4 => Just("7".to_string()),
            2 => Just("3".to_string()),
            3 => Just(DELIMITER.to_string()),
            1 => Just(",".to_string()),
            3 => Just("\"".to_string()),
            3 => Just("\n".to_string()),
            1 => Just("\r\n".to_string()),
            1 => Just("\r".to_string()),
            2 => Just("a".to_string()),
            1 => Just(" ".to_string()),
            3 => proptest::collection::vec(0u64..1_000_000_000_000, 1..6).prop_map(|n| {
                let fields: Vec<String> = n.iter().map(u64::to_string).collect();
                format!("\n{}\n", fields.join(&DELIMITER.to_string()))
            }),
        ];
        proptest::collection::vec(piece, 0..10).prop_map(|pieces| pieces.concat())
    }

    /// How a writer puts a field: quoted when it must be, and sometimes when it need not.
    fn put_field(out: &mut String, field: &str, delimiter: char, quote_anyway: bool) {
        let must = field.contains([delimiter, '"', '\n', '\r']);
        if must || quote_anyway {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(field);
        }
    }

    prop_compose! {
        pub fn csv_file()(
            fields in 2usize..5,
            delimiter in prop::sample::select(vec![b',', b';', b'\t', b'|']),
            header in any::<bool>(),
            crlf in any::<bool>(),
            last_terminated in any::<bool>(),
            seed_rows in proptest::collection::vec(
                (
                    proptest::collection::vec((text(), any::<bool>()), 4),
                    0u64..1_000_000_000_000,
                    any::<bool>(),
                ),
                1..40,
            ),
            scn_pick in any::<prop::sample::Index>(),
        ) -> Generated {
            let scn_index = scn_pick.index(fields);
            let d = delimiter as char;
            let terminator = if crlf { "\r\n" } else { "\n" };
            let mut content = String::new();
            let mut longest = 0;
            if header {
                let names: Vec<String> = (0..fields)
                    .map(|i| if i == scn_index { "scn".to_string() } else { format!("c{i}") })
                    .collect();
                content.push_str(&names.join(&d.to_string()));
                content.push_str(terminator);
                longest = content.len();
            }
            let rows = seed_rows.len();
            let mut last_start = 0;
            for (r, (texts, scn, quote_scn)) in seed_rows.into_iter().enumerate() {
                last_start = content.len();
                let mut row = String::new();
                for i in 0..fields {
                    if i > 0 {
                        row.push(d);
                    }
                    if i == scn_index {
                        put_field(&mut row, &scn.to_string(), d, quote_scn);
                    } else {
                        let (t, q) = &texts[i % texts.len()];
                        put_field(&mut row, &t.replace(DELIMITER, &d.to_string()), d, *q);
                    }
                }
                if r + 1 < rows || last_terminated {
                    row.push_str(terminator);
                }
                longest = longest.max(row.len());
                content.push_str(&row);
            }
            let column = if header {
                ScnColumn::Name("scn".into())
            } else {
                ScnColumn::Index(scn_index)
            };
            Generated {
                content: content.into_bytes(),
                delimiter,
                column,
                scn_index,
                header,
                longest,
                last_start,
            }
        }
    }

    /// The last SCN by a full parse with the `csv` crate.
    pub fn full_parse(g: &Generated) -> u64 {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(g.delimiter)
            .from_reader(&g.content[..]);
        let records: Vec<csv::ByteRecord> = rdr.byte_records().map(Result::unwrap).collect();
        let rows = if g.header {
            &records[1..]
        } else {
            &records[..]
        };
        let last = rows.last().expect("at least one row");
        std::str::from_utf8(&last[g.scn_index])
            .unwrap()
            .parse()
            .unwrap()
    }

    proptest! {
        // No regression files: tests/ holds only it/, fixtures/ and flink-job/; a failure
        // prints its minimal input.
        #![proptest_config(crate::support::property_cases())]

        // See: #13
        #[test]
        fn the_tail_scn_is_the_full_parse_s_or_missing_never_another(
            g in csv_file(),
            in_last in any::<bool>(),
            per_mille in 0u64..1000,
            growth in prop::sample::select(vec![1u64, 4, 64]),
        ) {
            let expected = full_parse(&g);
            // The first window starts anywhere in the file, or (half the time) in its last
            // record, where a misread quoted field does the most harm.
            let len = g.content.len() as u64;
            let span = if in_last { len - g.last_start as u64 } else { len };
            let first = 1 + span * per_mille / 1000;
            let got = last_scn_in_memory(&g.content, &g.column, g.delimiter, first, first * growth);
            match got {
                Ok(Some(scn)) => prop_assert_eq!(scn, expected, "{:?}", String::from_utf8_lossy(&g.content)),
                Ok(None) => prop_assert!(false, "no rows reported in {:?}", String::from_utf8_lossy(&g.content)),
                Err(_) => {}
            }
        }

        // See: #13
        #[test]
        fn the_tail_scn_is_exact_when_the_window_holds_three_records_and_may_reach_the_start(
            g in csv_file(),
            extra in 0u64..64,
        ) {
            let expected = full_parse(&g);
            let first = 3 * g.longest as u64 + 1 + extra;
            let got = last_scn_in_memory(&g.content, &g.column, g.delimiter, first, g.content.len() as u64);
            prop_assert_eq!(got, Ok(Some(expected)), "{:?}", String::from_utf8_lossy(&g.content));
        }
    }
}

// -- Only the newest buckets are read (issue 14) -----------------------------------------------

/// `n` committed CSV files (SCNs from `scn`) in `bucket`, written up to `at`, then the bucket's
/// mtime set to `at` as the sink's last rename left it.
fn bucket(d: &Path, bucket: &str, n: usize, scn: u64, at: SystemTime) {
    for f in 0..n {
        let written = at - Duration::from_secs((n - f) as u64);
        put(
            d,
            &format!("{bucket}/part-u-{f}.csv"),
            format!("I,{}\n", scn + f as u64).as_bytes(),
            written,
        );
    }
    fs::create_dir_all(d.join(bucket)).unwrap();
    age_dir(&d.join(bucket), at);
}

// See: #14
#[test]
fn a_bucket_whose_name_sorts_old_but_changed_last_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for h in 0..6u32 {
        bucket(
            d,
            &format!("2026-11-23--{h:02}"),
            3,
            100 * u64::from(h),
            ago(HOUR * (8 - h)),
        );
    }
    // Late data in a bucket named a day earlier: the newest file of the tree.
    put(d, "2026-11-22--00/part-u-7.csv", b"I,999\n", ago(HOUR / 2));
    age_dir(&d.join("2026-11-22--00"), ago(HOUR / 2));
    age_dir(d, ago(HOUR));

    let snap = collector(d, csv_index(1)).scan().unwrap();
    let newest = snap.newest_committed.unwrap();
    assert_eq!(newest.path, "2026-11-22--00/part-u-7.csv");
    assert_eq!(snap.last_scn, Signal::observed(Some(999)));
    // Counted: that bucket and the two newest by mtime (1 + 3 + 3 files).
    assert_eq!(snap.committed_files, 7);
}

// See: #14
#[test]
fn files_outside_the_newest_buckets_are_neither_listed_nor_stated() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let buckets = 10u32;
    let bucket_at = |b: u32| ago(HOUR * (buckets + 1 - b));
    for b in 0..buckets {
        bucket(
            d,
            &format!("2026-11-23--{b:02}"),
            5,
            1000 * u64::from(b),
            bucket_at(b),
        );
    }
    age_dir(d, ago(HOUR));
    let c = collector(d, csv_index(1));
    let before = c.scan().unwrap();
    let before_stats = c.last_scan_stats();
    // The base and the three newest buckets, 5 files each.
    assert_eq!(before_stats.dirs_listed, 4);
    assert_eq!(before_stats.files_stated, 15);
    assert_eq!(before_stats.dirs_checked, 11);

    // 1,000 more files in the old buckets, whose mtimes stay where the sink left them.
    for b in 0..buckets - 3 {
        let name = format!("2026-11-23--{b:02}");
        for f in 0..1000 / (buckets - 3) + 1 {
            put(
                d,
                &format!("{name}/part-old-{f}.csv"),
                b"I,1\n",
                bucket_at(b) - HOUR,
            );
        }
        age_dir(&d.join(&name), bucket_at(b));
    }
    // A fresh collector each time: the one-shot path of `diagnose --samples 1`.
    let fresh = collector(d, csv_index(1));
    let after = fresh.scan().unwrap();
    assert_eq!(fresh.last_scan_stats(), before_stats);
    assert_eq!(after, before);
    assert_eq!(after.last_scn, Signal::observed(Some(9004)));
}

// See: #14
#[test]
fn newest_buckets_without_committed_files_look_further_back() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    bucket(d, "2026-11-23--00", 2, 10, ago(5 * HOUR));
    bucket(d, "2026-11-23--01", 2, 20, ago(4 * HOUR));
    for (b, h) in [
        ("2026-11-23--02", 3u32),
        ("2026-11-23--03", 2),
        ("2026-11-23--04", 1),
    ] {
        put(
            d,
            &format!("{b}/.part-u-0.csv.inprogress.aa"),
            b"I,5\n",
            ago(HOUR * h),
        );
        age_dir(&d.join(b), ago(HOUR * h));
    }
    age_dir(d, ago(HOUR));
    let snap = collector(d, csv_index(1)).scan().unwrap();
    assert_eq!(
        snap.newest_committed.unwrap().path,
        "2026-11-23--01/part-u-1.csv"
    );
    assert_eq!(snap.last_scn, Signal::observed(Some(21)));
    // Counted: the three newest buckets, which hold only in-progress files.
    assert_eq!(snap.committed_files, 0);
    assert_eq!(snap.in_progress_files, 3);
}

/// What a walk of every file finds: the newest committed file (by mtime, then path) and the
/// in-progress files (count, bytes, oldest and newest mtime).
type FullWalk = (
    Option<(String, SystemTime)>,
    u64,
    u64,
    Option<SystemTime>,
    Option<SystemTime>,
);

fn full_walk(base: &Path) -> FullWalk {
    let mut out: FullWalk = (None, 0, 0, None, None);
    let mut pending = vec![base.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let meta = entry.metadata().unwrap();
            let name = entry.file_name().to_string_lossy().to_string();
            if meta.is_dir() {
                pending.push(entry.path());
                continue;
            }
            let mtime = meta.modified().unwrap();
            let rel = entry
                .path()
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .to_string();
            if name.starts_with("part-") {
                if out.0.as_ref().is_none_or(|(p, m)| (mtime, &rel) > (*m, p)) {
                    out.0 = Some((rel, mtime));
                }
            } else if name.contains(".inprogress.") {
                out.1 += 1;
                out.2 += meta.len();
                out.3 = Some(out.3.map_or(mtime, |o: SystemTime| o.min(mtime)));
                out.4 = Some(out.4.map_or(mtime, |n: SystemTime| n.max(mtime)));
            }
        }
    }
    out
}

// See: #14
#[test]
fn the_newest_file_and_in_progress_files_are_those_of_a_full_walk() {
    // Pseudo-random trees: bucket names unrelated to their times, committed files written
    // before their bucket's last change, in-progress files in the buckets being written.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    for _ in 0..20 {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        let buckets = 1 + next(12) as u32;
        let mut times: Vec<(String, SystemTime)> = Vec::new();
        for b in 0..buckets {
            let name = format!("2026-11-{:02}--{:02}", 1 + next(28), b);
            let at = ago(Duration::from_secs(60 + next(48 * 3600)));
            let files = next(4) as usize;
            for f in 0..files {
                put(
                    d,
                    &format!("{name}/part-u-{f}.csv"),
                    format!("I,{}\n", next(1_000_000)).as_bytes(),
                    at - Duration::from_secs(next(3600)),
                );
            }
            fs::create_dir_all(d.join(&name)).unwrap();
            times.push((name, at));
        }
        // In-progress files in the (up to) two buckets that changed last.
        times.sort_by_key(|t| std::cmp::Reverse(t.1));
        for (name, at) in times.iter().take(2) {
            if next(3) > 0 {
                put(
                    d,
                    &format!("{name}/.part-u-9.csv.inprogress.{}", next(1000)),
                    &vec![b'x'; next(100) as usize],
                    *at + Duration::from_secs(next(50)),
                );
            }
        }
        if next(4) == 0 {
            put(d, "part-u-base.csv", b"I,7\n", ago(HOUR * next(60) as u32));
        }
        for (name, at) in &times {
            age_dir(&d.join(name), *at);
        }
        age_dir(d, ago(Duration::from_secs(30)));

        let expected = full_walk(d);
        let snap = collector(d, csv_index(1)).scan().unwrap();
        assert_eq!(
            snap.newest_committed
                .as_ref()
                .map(|c| (c.path.clone(), c.modified_at)),
            expected.0.as_ref().map(|(p, m)| (p.clone(), ms(*m)))
        );
        if let Some((path, _)) = &expected.0 {
            let text = fs::read_to_string(d.join(path)).unwrap();
            let scn: u64 = text.trim().trim_start_matches("I,").parse().unwrap();
            assert_eq!(snap.last_scn, Signal::observed(Some(scn)));
        }
        assert_eq!(snap.in_progress_files, expected.1);
        assert_eq!(snap.in_progress_bytes, expected.2);
        assert_eq!(snap.oldest_in_progress_at, expected.3.map(ms));
        assert_eq!(snap.newest_in_progress_at, expected.4.map(ms));
    }
}

// See: #14
#[test]
fn an_unreadable_output_directory_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("out");
    // A symbolic link to itself cannot be stat'ed (ELOOP), whoever runs the test.
    std::os::unix::fs::symlink(&d, &d).unwrap();
    match collector(&d, csv_index(1)).scan() {
        Err(e @ OutputError::Directory { .. }) => {
            assert!(e.to_string().contains("out"), "{e}")
        }
        other => panic!("expected a directory error, got {other:?}"),
    }
}

// See: #14
#[test]
fn an_unlistable_newest_bucket_is_an_error_naming_it() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    bucket(d, "2026-11-23--00", 1, 1, ago(2 * HOUR));
    bucket(d, "2026-11-23--01", 1, 2, ago(HOUR));
    let locked = d.join("2026-11-23--01");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read_dir(&locked).is_ok() {
        // Running as root: permissions do not apply.
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
        return;
    }
    let result = collector(d, csv_index(1)).scan();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
    match result {
        Err(e @ OutputError::Directory { .. }) => {
            assert!(e.to_string().contains("2026-11-23--01"), "{e}")
        }
        other => panic!("expected a directory error, got {other:?}"),
    }
}

// See: #14
#[test]
fn empty_buckets_left_by_a_cleanup_do_not_push_the_live_bucket_out() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    bucket(d, "2026-11-23--10", 2, 10, ago(2 * HOUR));
    bucket(d, "2026-11-23--11", 2, 20, ago(HOUR));
    put(
        d,
        "2026-11-23--11/.part-u-9.csv.inprogress.aa",
        b"I,30\n",
        ago(Duration::from_secs(10)),
    );
    age_dir(&d.join("2026-11-23--11"), ago(HOUR));
    // A cleanup deleted the files of the oldest buckets a minute ago: their mtimes are newer.
    for h in 0..5 {
        let b = d.join(format!("2026-11-22--{h:02}"));
        fs::create_dir_all(&b).unwrap();
        age_dir(&b, ago(Duration::from_secs(60)));
    }
    age_dir(d, ago(HOUR));
    let snap = collector(d, csv_index(1)).scan().unwrap();
    assert_eq!(snap.committed_files, 4);
    assert_eq!(snap.in_progress_files, 1);
    assert_eq!(snap.in_progress_bytes, 5);
    assert_eq!(
        snap.newest_committed.unwrap().path,
        "2026-11-23--11/part-u-1.csv"
    );
}
