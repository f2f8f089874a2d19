-- Question: the monitoring account of logminer-doctor, with the least privileges its queries
--   need (each grant names the sql/*.sql file that needs it), and the optional DBA-owned
--   procedure that kills only the connector user's sessions.
-- Privileges: run as SYS (owner of the V_$ views; a grant on the V$ synonym fails with
--   ORA-02030). Grants go on SYS.V_$ / SYS.GV_$ views, never on the V$ public synonyms.
-- Versions: PART A for 11.2 and for a non-CDB 12c+ database (or a PDB-local account: run it in
--   the PDB); PART B for a 12c+ CDB (12.1 to 23ai), run in CDB$ROOT. Run ONE part.
--   Replace CDCMON / C##CDCMON, the password, and DEBEZIUM.LOG_MINING_FLUSH (the connector's
--   flush table, `flush_table` in the config) before running.

-- ============================== PART A: 11g / non-CDB ==============================
CREATE USER cdcmon IDENTIFIED BY "change_me_now";
GRANT CREATE SESSION TO cdcmon;
GRANT SELECT ON sys.v_$database TO cdcmon;              -- database.sql, archive_chain.sql
GRANT SELECT ON sys.v_$archive_dest TO cdcmon;          -- archive_dest_errors.sql
GRANT SELECT ON sys.v_$archive_dest_status TO cdcmon;   -- archive_chain.sql
GRANT SELECT ON sys.v_$parameter TO cdcmon;             -- pga_limit.sql
GRANT SELECT ON sys.v_$recovery_file_dest TO cdcmon;    -- recovery_area.sql
GRANT SELECT ON sys.dba_log_groups TO cdcmon;           -- table_logging.sql
GRANT SELECT ON sys.gv_$session TO cdcmon;              -- sessions.sql
GRANT SELECT ON sys.gv_$process TO cdcmon;              -- sessions.sql
GRANT SELECT ON sys.gv_$sql TO cdcmon;                  -- sessions.sql
GRANT SELECT ON sys.v_$thread TO cdcmon;                -- redo_threads.sql
GRANT SELECT ON sys.v_$log TO cdcmon;                   -- online_logs.sql
GRANT SELECT ON sys.v_$archived_log TO cdcmon;          -- archive_chain.sql
GRANT SELECT ON sys.v_$log_history TO cdcmon;           -- log_switches.sql
GRANT SELECT ON sys.gv_$segstat TO cdcmon;              -- table_activity.sql
GRANT SELECT ON sys.dba_objects TO cdcmon;              -- table_activity.sql, open_transactions.sql
GRANT SELECT ON sys.gv_$transaction TO cdcmon;          -- open_transactions.sql
GRANT SELECT ON sys.gv_$locked_object TO cdcmon;        -- open_transactions.sql
GRANT SELECT ON debezium.log_mining_flush TO cdcmon;    -- flush_scn.sql
GRANT SELECT ON sys.dba_users TO cdcmon;                -- connector_profile.sql (audit)
GRANT SELECT ON sys.dba_profiles TO cdcmon;             -- connector_profile.sql (audit)

-- ============================== PART B: 12c+ CDB, in CDB$ROOT ==============================
CREATE USER c##cdcmon IDENTIFIED BY "change_me_now" CONTAINER = ALL;
GRANT CREATE SESSION TO c##cdcmon CONTAINER = ALL;
GRANT SELECT ON sys.v_$database TO c##cdcmon CONTAINER = ALL;
GRANT SELECT ON sys.v_$archive_dest TO c##cdcmon CONTAINER = ALL;
GRANT SELECT ON sys.v_$archive_dest_status TO c##cdcmon CONTAINER = ALL;
GRANT SELECT ON sys.v_$parameter TO c##cdcmon CONTAINER = ALL;
GRANT SELECT ON sys.v_$recovery_file_dest TO c##cdcmon CONTAINER = ALL;
GRANT SELECT ON sys.dba_log_groups TO c##cdcmon CONTAINER = ALL;
GRANT SELECT ON sys.cdb_log_groups TO c##cdcmon CONTAINER = ALL;   -- table_logging_cdb.sql
GRANT SELECT ON sys.gv_$session TO c##cdcmon CONTAINER = ALL;
GRANT SELECT ON sys.gv_$process TO c##cdcmon CONTAINER = ALL;
GRANT SELECT ON sys.gv_$sql TO c##cdcmon CONTAINER = ALL;
GRANT SELECT ON sys.v_$thread TO c##cdcmon CONTAINER = ALL;
GRANT SELECT ON sys.v_$log TO c##cdcmon CONTAINER = ALL;
GRANT SELECT ON sys.v_$archived_log TO c##cdcmon CONTAINER = ALL;
GRANT SELECT ON sys.v_$log_history TO c##cdcmon CONTAINER = ALL;
GRANT SELECT ON sys.gv_$segstat TO c##cdcmon CONTAINER = ALL;
GRANT SELECT ON sys.dba_objects TO c##cdcmon CONTAINER = ALL;
GRANT SELECT ON sys.cdb_objects TO c##cdcmon CONTAINER = ALL;      -- *_cdb.sql
GRANT SELECT ON sys.gv_$transaction TO c##cdcmon CONTAINER = ALL;
GRANT SELECT ON sys.gv_$locked_object TO c##cdcmon CONTAINER = ALL;
GRANT SELECT ON sys.dba_users TO c##cdcmon CONTAINER = ALL;        -- connector_profile.sql (audit)
GRANT SELECT ON sys.dba_profiles TO c##cdcmon CONTAINER = ALL;     -- connector_profile.sql (audit)
-- Without this a common user in CDB$ROOT sees only root's rows in the V$ and CDB_ views.
ALTER USER c##cdcmon SET CONTAINER_DATA = ALL CONTAINER = CURRENT;
-- The connector's common user owns its flush table in the root (Debezium's CDB setup).
GRANT SELECT ON c##dbzuser.log_mining_flush TO c##cdcmon;

-- ============================== OPTIONAL: kill only the connector's sessions ==============
-- A DBA-owned definer's-rights procedure, so that the monitor never holds ALTER SYSTEM. It
-- refuses any session that is not the connector user's. Create it as a DBA account (here
-- SYSTEM; the owner needs ALTER SYSTEM and SELECT on GV_$SESSION granted directly, not via a
-- role), then grant EXECUTE to the monitor. In a CDB create it in CDB$ROOT and grant it to
-- C##CDCMON. Replace 'DEBEZIUM' with the connector's user (upper case, as stored).
-- (PL/SQL: the SQL-parser test of tests/it/oracle.rs skips the block between the markers.)
-- BEGIN PLSQL
CREATE OR REPLACE PROCEDURE system.lmd_kill_connector_session (
  p_sid IN NUMBER, p_serial IN NUMBER, p_inst_id IN NUMBER
) AUTHID DEFINER AS
  v_user VARCHAR2(128);
BEGIN
  SELECT username INTO v_user FROM sys.gv_$session
  WHERE sid = p_sid AND serial# = p_serial AND inst_id = p_inst_id;
  IF v_user IS NULL OR v_user <> 'DEBEZIUM' THEN
    RAISE_APPLICATION_ERROR(-20001, 'lmd_kill_connector_session: not a connector session');
  END IF;
  EXECUTE IMMEDIATE 'ALTER SYSTEM KILL SESSION '''
    || TO_CHAR(p_sid) || ',' || TO_CHAR(p_serial) || ',@' || TO_CHAR(p_inst_id)
    || ''' IMMEDIATE';
EXCEPTION
  WHEN NO_DATA_FOUND THEN
    RAISE_APPLICATION_ERROR(-20002, 'lmd_kill_connector_session: no such session');
END;
/
-- END PLSQL
GRANT EXECUTE ON system.lmd_kill_connector_session TO cdcmon;  -- C##CDCMON in a CDB
