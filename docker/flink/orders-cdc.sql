-- The Flink CDC Oracle job of docker-compose.yml: INVENTORY.CUSTOMERS (PDB XEPDB1 of Oracle XE 21c,
-- mined from the CDB root XE as C##DBZUSER) to debezium-json files in /cdc-output. Untested here.
SET 'pipeline.name' = 'orders-cdc';
SET 'execution.checkpointing.interval' = '10s';

CREATE TABLE customers_src (
  ID INT,
  NAME STRING,
  SCN DECIMAL(20, 0),
  PRIMARY KEY (ID) NOT ENFORCED
) WITH (
  'connector' = 'oracle-cdc',
  'hostname' = 'oracle',
  'port' = '1521',
  'username' = 'c##dbzuser',
  'password' = 'dbz',
  'database-name' = 'XE',
  'schema-name' = 'INVENTORY',
  'table-name' = 'CUSTOMERS',
  'debezium.database.pdb.name' = 'XEPDB1',
  -- The incremental source (the default) lists the captured tables in the CDB root without
  -- switching into the PDB, finds none and fails with "The db history topic or its content is
  -- fully or partially missing" (flink-cdc issue #1737; the fix, PR #1836, was never merged).
  -- The Debezium-based source switches into debezium.database.pdb.name itself.
  'scan.incremental.snapshot.enabled' = 'false',
  'debezium.log.mining.strategy' = 'online_catalog',
  'scan.startup.mode' = 'initial'
);

-- A row format rolls a part file by size or time only (defaults 128 MB, 30 min open, 30 min
-- inactive, checked every minute), and a rolled file is committed at the next checkpoint. The
-- doctor's config (docker/doctor/logminer-doctor.toml) says rolling_interval = "70s": a part
-- file stays open at most rollover-interval + check-interval = 1 min + 10 s.
CREATE TABLE customers_out (
  ID INT,
  NAME STRING,
  SCN DECIMAL(20, 0)
) WITH (
  'connector' = 'filesystem',
  'path' = 'file:///cdc-output',
  'format' = 'debezium-json',
  'sink.rolling-policy.rollover-interval' = '1 min',
  'sink.rolling-policy.inactivity-interval' = '1 min',
  'sink.rolling-policy.check-interval' = '10 s'
);

INSERT INTO customers_out SELECT ID, NAME, SCN FROM customers_src;
