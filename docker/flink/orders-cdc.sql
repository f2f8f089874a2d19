-- The Flink CDC Oracle job of docker-compose.yml: INVENTORY.CUSTOMERS (PDB FREEPDB1, mined from
-- the CDB root as C##DBZUSER) to debezium-json files in /cdc-output. Untested here.
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
  'database-name' = 'FREE',
  'schema-name' = 'INVENTORY',
  'table-name' = 'CUSTOMERS',
  'debezium.database.pdb.name' = 'FREEPDB1',
  'debezium.log.mining.strategy' = 'online_catalog',
  'scan.startup.mode' = 'initial'
);

CREATE TABLE customers_out (
  ID INT,
  NAME STRING,
  SCN DECIMAL(20, 0)
) WITH (
  'connector' = 'filesystem',
  'path' = 'file:///cdc-output',
  'format' = 'debezium-json'
);

INSERT INTO customers_out SELECT ID, NAME, SCN FROM customers_src;
