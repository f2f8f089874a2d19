//! The integration tests: one binary, one module per area.

// The config file: parsing, every validation rule, secrets.
mod config;
// The FileSink output collector on real directories.
mod output;
