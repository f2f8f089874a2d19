-- Question: how many log switches happened in the last hour, all threads (a very high rate
--   means small logs and fast archiving; zero on an idle database means redo ages slowly).
-- Privileges: SELECT ON SYS.V_$LOG_HISTORY.
-- Versions: 11.2 and later (control-file view).
SELECT COUNT(*) AS switches
FROM v$log_history
WHERE first_time > SYSDATE - 1 / 24
