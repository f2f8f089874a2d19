-- Question: current SCN and the database's clock, with LogMiner's prerequisites: archive-log
--   mode, minimal and all-column supplemental logging, open mode, role, and the incarnation
--   (RESETLOGS_CHANGE#).
-- Privileges: SELECT ON SYS.V_$DATABASE.
-- Versions: 11.2 and later (every column exists since 10g; no CON_ID used). SCNs are read as
--   text (TO_CHAR) so that no 64-bit SCN passes through a float.
SELECT TO_CHAR(current_scn) AS current_scn,
       TO_CHAR(SYS_EXTRACT_UTC(SYSTIMESTAMP), 'YYYY-MM-DD"T"HH24:MI:SS.FF3"Z"') AS db_now_utc,
       log_mode,
       open_mode,
       database_role,
       supplemental_log_data_min,
       supplemental_log_data_all,
       TO_CHAR(resetlogs_change#) AS resetlogs_change
FROM v$database
