-- Question: UNDO_RETENTION in seconds (audit: a snapshot's flashback query that runs longer
--   than the undo kept fails with ORA-01555, snapshot too old).
-- Privileges: SELECT ON SYS.V_$PARAMETER.
-- Versions: 11.2 and later.
SELECT value
FROM v$parameter
WHERE name = 'undo_retention'
