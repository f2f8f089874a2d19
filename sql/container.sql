-- Question: which container does the monitoring session run in (0 = non-CDB, 1 = CDB$ROOT,
--   n = a PDB)? It picks the table_*_cdb.sql variants in CDB$ROOT, where DBA_ views show only
--   root's own objects.
-- Privileges: none (SYS_CONTEXT).
-- Versions: 12.1 and later (the CON_ID / CON_NAME parameters do not exist on 11g, where the
--   collector does not run this file and treats the database as a non-CDB).
SELECT SYS_CONTEXT('USERENV', 'CON_ID') AS con_id,
       SYS_CONTEXT('USERENV', 'CON_NAME') AS con_name
FROM dual
