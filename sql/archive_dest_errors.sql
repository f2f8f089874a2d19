-- Question: which archive destinations are in error (the archiver is stuck there, so redo is
--   not archived and runs out)?
-- Privileges: SELECT ON SYS.V_$ARCHIVE_DEST.
-- Versions: 11.2 and later (V$ARCHIVE_DEST shows every destination of the instance; on RAC
--   each instance has its own, and the doctor reads the one it is connected to).
SELECT dest_id, dest_name, status, error
FROM v$archive_dest
WHERE status = 'ERROR'
ORDER BY dest_id
