-- Question: which redo threads are enabled (one per RAC instance that ever opened the
--   database); every one of them needs its redo for LogMiner to restart.
-- Privileges: SELECT ON SYS.V_$THREAD.
-- Versions: 11.2 and later (a control-file view: the plain V$ view already shows every thread).
SELECT thread#, status, enabled
FROM v$thread
WHERE enabled <> 'DISABLED'
ORDER BY thread#
