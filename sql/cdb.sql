-- Question: is the database a container database (audit: on a CDB the connector needs
--   database.pdb.name to capture a PDB's tables)?
-- Privileges: SELECT ON SYS.V_$DATABASE.
-- Versions: 12.1 and later; on 11.2 the column does not exist (ORA-00904: not a CDB).
SELECT cdb
FROM v$database
