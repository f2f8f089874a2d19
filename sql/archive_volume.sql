-- Question: how many bytes of archived redo the last 24 hours produced, each log counted once
--   whatever its number of destinations (audit: the recovery area must hold more than a day).
-- Privileges: SELECT ON SYS.V_$ARCHIVED_LOG.
-- Versions: 11.2 and later (control-file view). Rows bounded by a day of logs, summed in SQL.
SELECT TO_CHAR(NVL(SUM(log_bytes), 0)) AS bytes_last_day,
       COUNT(*) AS logs_last_day
FROM (SELECT thread#, sequence#, MAX(blocks * block_size) AS log_bytes
      FROM v$archived_log
      WHERE first_time > SYSDATE - 1
        AND standby_dest = 'NO'
      GROUP BY thread#, sequence#)
