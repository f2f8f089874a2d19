-- Question: the online redo logs of every thread, with their SCN range. The CURRENT log's
--   NEXT_CHANGE# is the highest SCN (18446744073709551615 on 12.2 and later), read as text.
-- Privileges: SELECT ON SYS.V_$LOG.
-- Versions: 11.2 and later (control-file view: all threads, no GV$ needed).
SELECT thread#,
       sequence#,
       TO_CHAR(first_change#) AS first_change,
       TO_CHAR(next_change#) AS next_change,
       GREATEST(0, ROUND((SYSDATE - first_time) * 86400)) AS first_age_s,
       TO_CHAR(SYS_EXTRACT_UTC(SYSTIMESTAMP), 'YYYY-MM-DD"T"HH24:MI:SS.FF3"Z"') AS db_now_utc,
       status,
       archived
FROM v$log
ORDER BY thread#, sequence#
