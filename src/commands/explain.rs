//! `explain [FILE]`: classifies an error text (a file or standard input) into the verdict
//! vocabulary.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use super::CommandError;
use crate::diagnose::explain::explain;
use crate::exit::Exit;
use crate::lang::Lang;
use crate::report::{self, Format};

/// `explain [FILE]`.
pub fn explain_cmd(file: Option<&Path>, format: Format, lang: Lang) -> Result<Exit, CommandError> {
    let (bytes, what) = match file {
        Some(p) if p != Path::new("-") => (
            crate::limits::read_capped(p, crate::limits::EXPLAIN_BYTES).map_err(|source| {
                CommandError::File {
                    action: "read",
                    path: p.to_path_buf(),
                    source,
                }
            })?,
            p.display().to_string(),
        ),
        _ => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                return Err(CommandError::Usage(
                    "explain needs an error text: give a FILE, or pipe the text on standard input"
                        .into(),
                ));
            }
            let limit = crate::limits::EXPLAIN_BYTES;
            let buf = match crate::limits::read_all_capped(stdin.lock(), limit) {
                Ok(buf) => buf,
                Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                    return Err(CommandError::Usage(format!(
                        "the error text on standard input is larger than {limit} bytes: give the exception and its \"Caused by\" lines, not the whole log"
                    )))
                }
                Err(source) => {
                    return Err(CommandError::File {
                        action: "read",
                        path: PathBuf::from("<stdin>"),
                        source,
                    })
                }
            };
            (buf, "standard input".to_string())
        }
    };
    let text = String::from_utf8_lossy(&bytes);
    if text.trim().is_empty() {
        return Err(CommandError::Usage(format!(
            "the error text from {what} is empty: paste the exception or the TaskManager log lines"
        )));
    }
    let x = explain(&text);
    match format {
        Format::Text => print!("{}", report::explanation_text(&x, lang)),
        Format::Json => println!("{}", report::explanation_json(&x)),
    }
    Ok(Exit::Ok)
}
