//! PLACEHOLDER: the serde mirror of the TOML file, being written on its own branch.
