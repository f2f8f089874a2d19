-- Question: as table_logging.sql, for a monitoring account connected to CDB$ROOT (every PDB).
-- Privileges: SELECT ON SYS.CDB_LOG_GROUPS, and the common user's CONTAINER_DATA=ALL
--   (sql/grants.sql), without which root sees only its own rows.
-- Versions: 12.1 and later, CDB$ROOT only.
SELECT owner, table_name, log_group_type, con_id
FROM cdb_log_groups
WHERE (owner, table_name) IN ((:owner_1, :table_1))
