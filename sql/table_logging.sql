-- Question: which supplemental log groups do the captured tables have (Debezium needs an
--   ALL COLUMN group on each, unless the database logs all columns)?
-- Privileges: SELECT ON SYS.DBA_LOG_GROUPS.
-- Versions: 11.2 and later, non-CDB or connected to the PDB. In CDB$ROOT use
--   table_logging_cdb.sql. The collector replaces the list ((:owner_1, :table_1)) with one
--   pair of binds per captured table.
SELECT owner, table_name, log_group_type
FROM dba_log_groups
WHERE (owner, table_name) IN ((:owner_1, :table_1))
