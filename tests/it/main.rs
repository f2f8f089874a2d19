//! The integration tests: one binary, one module per area.

// explain: error texts (the public corpus and invented ones) -> cause and codes.
mod explain;
