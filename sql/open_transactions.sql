-- Question: open transactions holding locks on the captured tables, how many, and the oldest
--   one's start SCN and age (it pins the connector's restart point).
-- Privileges: SELECT ON SYS.GV_$TRANSACTION, SYS.GV_$LOCKED_OBJECT, SYS.DBA_OBJECTS.
-- Versions: 11.2 and later, non-CDB or connected to the PDB (open_transactions_cdb.sql in
--   CDB$ROOT). START_SCNW * 2^32 + START_SCNB is the start SCN on every version.
SELECT COUNT(*) AS open_count,
       TO_CHAR(MIN(t.start_scnw * 4294967296 + t.start_scnb)) AS oldest_start_scn,
       GREATEST(0, ROUND((SYSDATE - MIN(t.start_date)) * 86400)) AS oldest_age_s,
       TO_CHAR(SYS_EXTRACT_UTC(SYSTIMESTAMP), 'YYYY-MM-DD"T"HH24:MI:SS.FF3"Z"') AS db_now_utc
FROM gv$transaction t
WHERE EXISTS (
  SELECT 1 FROM gv$locked_object lo
  WHERE lo.inst_id = t.inst_id
    AND lo.xidusn = t.xidusn AND lo.xidslot = t.xidslot AND lo.xidsqn = t.xidsqn
    AND lo.object_id IN (
      SELECT o.object_id FROM dba_objects o
      WHERE (o.owner, o.object_name) IN ((:owner_1, :table_1))
    )
)
