-- Question: the archived logs LogMiner can still read: with a name, not deleted, status A, on
--   a local valid destination, of the current incarnation (Debezium's own filters plus the
--   RESETLOGS_CHANGE# one). The collector keeps, per thread, the unbroken chain up to the
--   current online log (src/collectors/oracle/redo.rs).
-- Privileges: SELECT ON SYS.V_$ARCHIVED_LOG, SYS.V_$ARCHIVE_DEST_STATUS, SYS.V_$DATABASE.
-- Versions: 11.2 and later (control-file views: all threads). The rows read are bounded by
--   CONTROL_FILE_RECORD_KEEP_TIME. The filter columns are selected too, so that redo.rs checks
--   them again on rows a DBA captured without the filters. One row per destination copy.
SELECT a.thread#,
       a.sequence#,
       TO_CHAR(a.first_change#) AS first_change,
       TO_CHAR(a.next_change#) AS next_change,
       GREATEST(0, ROUND((SYSDATE - a.first_time) * 86400)) AS first_age_s,
       TO_CHAR(SYS_EXTRACT_UTC(SYSTIMESTAMP), 'YYYY-MM-DD"T"HH24:MI:SS.FF3"Z"') AS db_now_utc,
       a.name,
       a.deleted,
       a.status,
       TO_CHAR(a.resetlogs_change#) AS resetlogs_change
FROM v$archived_log a
WHERE a.name IS NOT NULL
  AND a.deleted = 'NO'
  AND a.status = 'A'
  AND a.resetlogs_change# = (SELECT d.resetlogs_change# FROM v$database d)
  AND a.dest_id IN (
    SELECT ds.dest_id FROM v$archive_dest_status ds
    WHERE ds.status = 'VALID' AND ds.type = 'LOCAL'
  )
ORDER BY a.thread#, a.sequence#
