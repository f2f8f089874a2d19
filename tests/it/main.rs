//! The integration tests: one binary, one module per area.

// The FileSink output collector on real temporary directories.
mod output;
