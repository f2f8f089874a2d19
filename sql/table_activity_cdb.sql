-- Question: as table_activity.sql, from CDB$ROOT: the segments are matched per container.
-- Privileges: SELECT ON SYS.GV_$SEGSTAT, SYS.CDB_OBJECTS, and CONTAINER_DATA=ALL.
-- Versions: 12.1 and later, CDB$ROOT only.
SELECT TO_CHAR(NVL(SUM(ss.value), 0)) AS db_block_changes
FROM gv$segstat ss
WHERE ss.statistic_name = 'db block changes'
  AND (ss.con_id, ss.dataobj#) IN (
    SELECT o.con_id, o.data_object_id FROM cdb_objects o
    WHERE o.object_type IN ('TABLE', 'TABLE PARTITION', 'TABLE SUBPARTITION')
      AND (o.owner, o.object_name) IN ((:owner_1, :table_1))
  )
