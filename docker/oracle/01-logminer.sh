#!/bin/bash
# Runs once, when the gvenzl/oracle-free container creates its database: archive-log mode,
# supplemental logging, the connector's user, the captured table, the flush table, and the
# monitoring user from sql/grants.sql PART B (mounted at /opt/lmd-sql). Untested here.
set -euo pipefail

sqlplus -s / as sysdba <<'SQL'
WHENEVER SQLERROR EXIT SQL.SQLCODE
ALTER SYSTEM SET db_recovery_file_dest_size = 10G;
SHUTDOWN IMMEDIATE
STARTUP MOUNT
ALTER DATABASE ARCHIVELOG;
ALTER DATABASE OPEN;
ALTER PLUGGABLE DATABASE ALL OPEN;
ALTER PLUGGABLE DATABASE ALL SAVE STATE;
ALTER DATABASE ADD SUPPLEMENTAL LOG DATA;

-- The connector's common user (Flink CDC / Debezium Oracle setup for a CDB).
CREATE USER c##dbzuser IDENTIFIED BY dbz CONTAINER = ALL;
GRANT CREATE SESSION, SET CONTAINER, SELECT ANY TABLE, FLASHBACK ANY TABLE, SELECT ANY TRANSACTION,
  LOGMINING, CREATE TABLE, LOCK ANY TABLE, CREATE SEQUENCE, SELECT_CATALOG_ROLE,
  EXECUTE_CATALOG_ROLE TO c##dbzuser CONTAINER = ALL;
GRANT EXECUTE ON dbms_logmnr TO c##dbzuser CONTAINER = ALL;
GRANT EXECUTE ON dbms_logmnr_d TO c##dbzuser CONTAINER = ALL;
GRANT SELECT ON v_$database TO c##dbzuser CONTAINER = ALL;
GRANT SELECT ON v_$log TO c##dbzuser CONTAINER = ALL;
GRANT SELECT ON v_$log_history TO c##dbzuser CONTAINER = ALL;
GRANT SELECT ON v_$logmnr_logs TO c##dbzuser CONTAINER = ALL;
GRANT SELECT ON v_$logmnr_contents TO c##dbzuser CONTAINER = ALL;
GRANT SELECT ON v_$logmnr_parameters TO c##dbzuser CONTAINER = ALL;
GRANT SELECT ON v_$logfile TO c##dbzuser CONTAINER = ALL;
GRANT SELECT ON v_$archived_log TO c##dbzuser CONTAINER = ALL;
GRANT SELECT ON v_$archive_dest_status TO c##dbzuser CONTAINER = ALL;
GRANT SELECT ON v_$transaction TO c##dbzuser CONTAINER = ALL;
ALTER USER c##dbzuser QUOTA UNLIMITED ON users CONTAINER = ALL;
ALTER USER c##dbzuser DEFAULT TABLESPACE users CONTAINER = ALL;
-- The flush table Debezium would create at its first start; created now so that the
-- monitoring user's grant on it succeeds.
CREATE TABLE c##dbzuser.log_mining_flush (last_scn NUMBER(19, 0)) TABLESPACE users;
INSERT INTO c##dbzuser.log_mining_flush VALUES (0);
COMMIT;

-- The captured table, in the PDB. SCN holds V$DATABASE.CURRENT_SCN at insert (a lower bound of
-- the commit SCN), so that the output rows carry an SCN the doctor can read.
ALTER SESSION SET CONTAINER = FREEPDB1;
CREATE USER inventory IDENTIFIED BY inventory QUOTA UNLIMITED ON users;
GRANT CREATE SESSION TO inventory;
GRANT SELECT ON v_$database TO inventory;
CREATE TABLE inventory.customers (id NUMBER PRIMARY KEY, name VARCHAR2(100), scn NUMBER) TABLESPACE users;
ALTER TABLE inventory.customers ADD SUPPLEMENTAL LOG DATA (ALL) COLUMNS;
ALTER SESSION SET CONTAINER = CDB$ROOT;
EXIT
SQL

# The monitoring user: PART B of sql/grants.sql as shipped, with the demo's password and the
# connector's flush table.
sed -n '/PART B: 12c+ CDB/,/OPTIONAL: kill/p' /opt/lmd-sql/grants.sql \
  | sed "s/change_me_now/${LMD_MONITOR_PASSWORD}/" > /tmp/lmd-grants.sql
{ echo 'WHENEVER SQLERROR EXIT SQL.SQLCODE'; cat /tmp/lmd-grants.sql; echo 'EXIT'; } \
  | sqlplus -s / as sysdba
