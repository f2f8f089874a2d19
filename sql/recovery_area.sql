-- Question: how full is the fast recovery area (when it fills, archiving stops with ORA-00257
--   and the database hangs)?
-- Privileges: SELECT ON SYS.V_$RECOVERY_FILE_DEST.
-- Versions: 11.2 and later. No row when no recovery area is configured.
SELECT TO_CHAR(space_limit) AS space_limit,
       TO_CHAR(space_used) AS space_used,
       TO_CHAR(space_reclaimable) AS space_reclaimable
FROM v$recovery_file_dest
