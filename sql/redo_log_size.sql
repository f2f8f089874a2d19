-- Question: how large are the online redo logs (audit: small logs switch often under load, and
--   every switch is a new LogMiner session and a new archived log).
-- Privileges: SELECT ON SYS.V_$LOG.
-- Versions: 11.2 and later (control-file view: all threads).
SELECT TO_CHAR(MIN(bytes)) AS min_bytes,
       TO_CHAR(MAX(bytes)) AS max_bytes,
       COUNT(*) AS log_groups
FROM v$log
