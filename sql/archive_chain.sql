-- Question: per redo thread, the runs of consecutive sequences among the archived logs
--   LogMiner can still read (with a name, not deleted, status A, on a local valid destination,
--   of the current incarnation: Debezium's filters plus RESETLOGS_CHANGE#), the newest
--   :max_islands runs of each thread: a run's lowest and highest sequence, how many logs it
--   holds, and its first SCN and age. Between two runs is a gap. The collector joins the newest
--   run to the online logs (src/collectors/oracle/redo.rs): where that chain starts is the
--   oldest SCN a restart can use. Summarised here, so that a week of archived logs is a few
--   rows, not one row per log.
-- Privileges: SELECT ON SYS.V_$ARCHIVED_LOG, SYS.V_$ARCHIVE_DEST_STATUS, SYS.V_$DATABASE.
-- Versions: 11.2 and later (control-file views: all threads; analytic functions since 8i).
--   The records read are bounded by CONTROL_FILE_RECORD_KEEP_TIME. Copies of one sequence on
--   several destinations count once. A run is found as the rows whose SEQUENCE# minus their
--   rank in the thread is equal. Runs on the slow cadence (slow_facts_interval).
SELECT i.thread#,
       i.low_seq,
       i.high_seq,
       i.logs,
       TO_CHAR(i.first_change) AS first_change,
       GREATEST(0, ROUND((SYSDATE - i.first_time) * 86400)) AS first_age_s,
       TO_CHAR(SYS_EXTRACT_UTC(SYSTIMESTAMP), 'YYYY-MM-DD"T"HH24:MI:SS.FF3"Z"') AS db_now_utc
FROM (
  SELECT r.thread#,
         MIN(r.sequence#) AS low_seq,
         MAX(r.sequence#) AS high_seq,
         COUNT(*) AS logs,
         MIN(r.first_change) AS first_change,
         MIN(r.first_time) AS first_time,
         ROW_NUMBER() OVER (PARTITION BY r.thread# ORDER BY MAX(r.sequence#) DESC) AS newest
  FROM (
    SELECT l.thread#,
           l.sequence#,
           l.first_change,
           l.first_time,
           l.sequence# - ROW_NUMBER() OVER (PARTITION BY l.thread# ORDER BY l.sequence#) AS run
    FROM (
      SELECT a.thread#,
             a.sequence#,
             MIN(a.first_change#) AS first_change,
             MIN(a.first_time) AS first_time
      FROM v$archived_log a
      WHERE a.name IS NOT NULL
        AND a.deleted = 'NO'
        AND a.status = 'A'
        AND a.resetlogs_change# = (SELECT d.resetlogs_change# FROM v$database d)
        AND a.dest_id IN (
          SELECT ds.dest_id FROM v$archive_dest_status ds
          WHERE ds.status = 'VALID' AND ds.type = 'LOCAL'
        )
      GROUP BY a.thread#, a.sequence#
    ) l
  ) r
  GROUP BY r.thread#, r.run
) i
WHERE i.newest <= :max_islands
ORDER BY i.thread#, i.low_seq
