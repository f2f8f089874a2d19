-- Question: cumulative "db block changes" of the captured tables' segments, summed over every
--   instance; a rise between probes proves writes (a flat count is weak evidence of idleness:
--   the statistic is sampled).
-- Privileges: SELECT ON SYS.GV_$SEGSTAT, SYS.DBA_OBJECTS.
-- Versions: 11.2 and later, non-CDB or connected to the PDB (table_activity_cdb.sql in
--   CDB$ROOT). Needs STATISTICS_LEVEL TYPICAL or ALL. No Diagnostics Pack view.
SELECT TO_CHAR(NVL(SUM(ss.value), 0)) AS db_block_changes
FROM gv$segstat ss
WHERE ss.statistic_name = 'db block changes'
  AND ss.dataobj# IN (
    SELECT o.data_object_id FROM dba_objects o
    WHERE o.object_type IN ('TABLE', 'TABLE PARTITION', 'TABLE SUBPARTITION')
      AND (o.owner, o.object_name) IN ((:owner_1, :table_1))
  )
