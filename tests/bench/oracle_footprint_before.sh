#!/bin/sh
# Runs the Oracle footprint benchmark (tests/bench/oracle_footprint.rs) against the collector of
# an older commit (default: the last one before slow facts were cached, 5128353), for the
# numbers before. The commit's tree is exported to a temporary directory (no worktree), the
# simulated database and the benchmark are copied in, and the two calls that do not exist there
# (the shared-database registry, slow_facts_interval) are taken out: the old collector shares
# nothing and has no slow cadence. Uses $CARGO_TARGET_DIR when set (its dependencies are reused).
# Usage: LMD_BENCH_PIPELINES="1 10" tests/bench/oracle_footprint_before.sh [COMMIT]
# (the old collector fetches 20,000 rows per probe: 100 pipelines take it many minutes).
set -eu
commit=${1:-5128353}
here=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
git -C "$here" archive "$commit" | tar -x -C "$dir"
cp "$here/src/simulator/oracle_db.rs" "$dir/src/simulator/oracle_db.rs"
grep -q 'pub mod oracle_db;' "$dir/src/simulator/mod.rs" ||
  sed -i 's/^pub mod rest;/pub mod oracle_db;\npub mod rest;/' "$dir/src/simulator/mod.rs"
sed -e 's/use logminer_doctor::collectors::oracle::{cache::Databases, OracleCollector, Settings};/use logminer_doctor::collectors::oracle::{OracleCollector, Settings};/' \
    -e '/let dbs = Databases::new();/d' -e '/slow_facts_interval:/d' -e '/clock_share:/d' -e 's/^const SLOW: Duration/#[allow(dead_code)]\nconst SLOW: Duration/' \
    -e 's/OracleCollector::with_driver_in(config(i), db.clone(), settings.clone(), &dbs)/OracleCollector::with_driver(config(i), db.clone(), settings.clone())/' \
    "$here/tests/bench/oracle_footprint.rs" > "$dir/tests/bench/oracle_footprint.rs"
grep -q 'name = "oracle_footprint"' "$dir/Cargo.toml" ||
  printf '\n[[bench]]\nname = "oracle_footprint"\npath = "tests/bench/oracle_footprint.rs"\nharness = false\n' >> "$dir/Cargo.toml"
cd "$dir" && cargo bench --bench oracle_footprint
