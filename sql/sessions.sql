-- Question: the connector user's sessions on every instance: status, seconds since the last
--   call, wait event, current and previous SQL text (to classify: the LogMiner query,
--   START_LOGMNR, the flush UPDATE, a snapshot SELECT), that SQL's CPU time, buffer gets and
--   elapsed time, the session's PGA, logon age, machine and client port.
-- Privileges: SELECT ON SYS.GV_$SESSION, SYS.GV_$PROCESS, SYS.GV_$SQL.
-- Versions: 11.2 and later (GV$ works on a single instance too; no CON_ID used, so the same
--   text runs on 11g and in a CDB, where root sees every PDB's sessions). V$SQL is joined on
--   SQL_ID and CHILD_NUMBER (an indexed fixed-table lookup), never searched with LIKE.
SELECT s.inst_id,
       s.sid,
       s.serial#,
       s.status,
       s.last_call_et,
       s.event,
       s.machine,
       s.port,
       GREATEST(0, ROUND((SYSDATE - s.logon_time) * 86400)) AS logon_age_s,
       TO_CHAR(SYS_EXTRACT_UTC(SYSTIMESTAMP), 'YYYY-MM-DD"T"HH24:MI:SS.FF3"Z"') AS db_now_utc,
       TO_CHAR(p.pga_alloc_mem) AS pga_alloc_mem,
       cur.sql_text AS sql_text,
       TO_CHAR(cur.cpu_time) AS sql_cpu_time,
       TO_CHAR(cur.buffer_gets) AS sql_buffer_gets,
       TO_CHAR(cur.elapsed_time) AS sql_elapsed_time,
       prv.sql_text AS prev_sql_text,
       TO_CHAR(prv.cpu_time) AS prev_cpu_time,
       TO_CHAR(prv.buffer_gets) AS prev_buffer_gets,
       TO_CHAR(prv.elapsed_time) AS prev_elapsed_time
FROM gv$session s
LEFT JOIN gv$process p
  ON p.inst_id = s.inst_id AND p.addr = s.paddr
LEFT JOIN gv$sql cur
  ON cur.inst_id = s.inst_id AND cur.sql_id = s.sql_id AND cur.child_number = s.sql_child_number
LEFT JOIN gv$sql prv
  ON prv.inst_id = s.inst_id AND prv.sql_id = s.prev_sql_id
  AND prv.child_number = s.prev_child_number
WHERE s.username = :connector_user AND s.type = 'USER'
ORDER BY s.inst_id, s.sid
