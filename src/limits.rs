//! How much the doctor reads of anything it is given, and a file read that stops there.
//!
//! A config, a secret file, a support bundle, a pasted log or a JobManager's answer is bounded:
//! `password_file = "/dev/zero"` or a 100 MB HTTP body must end in a clear error naming what was
//! too large, never in a process that grows until the machine swaps.

use std::io::{self, Read};
use std::path::Path;

/// A config file (the largest real one is a few KiB per pipeline).
pub const CONFIG_BYTES: u64 = 4 << 20;
/// A secret file (a password or a token).
pub const SECRET_BYTES: u64 = 64 << 10;
/// A support bundle for `--replay`.
pub const BUNDLE_BYTES: u64 = 256 << 20;
/// An error text for `explain` (a stack trace is KiBs; a whole TaskManager log, MiBs).
pub const EXPLAIN_BYTES: u64 = 16 << 20;
/// One answer of a JobManager (a thread dump of a busy TaskManager is the largest, a few MiB).
pub const HTTP_BODY_BYTES: u64 = 32 << 20;

/// Reads at most `limit` bytes of `path`; a larger file is an `InvalidData` error that says
/// so (a FIFO or a device such as /dev/zero is read only up to the limit).
pub fn read_capped(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    read_all_capped(std::fs::File::open(path)?, limit)
}

/// Reads `reader` to its end, or fails with `InvalidData` once it holds more than `limit`
/// bytes (standard input, a file, a device).
pub fn read_all_capped(reader: impl Read, limit: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(limit));
    }
    Ok(bytes)
}

/// `read_capped` as UTF-8 text.
pub fn read_text_capped(path: &Path, limit: u64) -> io::Result<String> {
    String::from_utf8(read_capped(path, limit)?).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
        let column = at
            - bytes[..at]
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |i| i + 1)
            + 1;
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("not UTF-8 text: invalid byte at line {line}, column {column} (offset {at})"),
        )
    })
}

fn too_large(limit: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("larger than the {} bytes this tool reads", limit),
    )
}
