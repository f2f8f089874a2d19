-- Question: LAST_SCN of the connector's flush table: Debezium writes the current SCN there on
--   every mining iteration, so a rising value proves the mining loop turns.
-- Privileges: SELECT ON <connector owner>.LOG_MINING_FLUSH (the table is configurable).
-- Versions: every version the connector supports. The collector replaces
--   flush_owner.flush_table with the quoted, validated "OWNER"."TABLE" of the config. The
--   table holds one row.
SELECT TO_CHAR(MAX(last_scn)) AS last_scn
FROM flush_owner.flush_table
