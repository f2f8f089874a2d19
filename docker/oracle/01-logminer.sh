#!/bin/bash
# Runs once, when the gvenzl/oracle-xe 21c container creates its database (the image runs an
# executable *.sh in /container-entrypoint-initdb.d after the database is open): archive-log
# mode, supplemental logging, the connector's user, the captured table, the flush table, and the
# monitoring user from sql/grants.sql PART B (mounted at /opt/lmd-sql); last, the marker the
# compose healthcheck waits for. A failure exits non-zero, which stops the container (the image's
# documented behaviour) instead of leaving a half-set-up database that looks healthy.
# Untested here (no Docker engine).
set -euo pipefail

# The recovery area holds the archived logs; Oracle wants its directory to exist.
mkdir -p /opt/oracle/oradata/fra

# WHENEVER SQLERROR EXIT FAILURE, not SQL.SQLCODE: the shell sees only the low 8 bits of the exit
# code, so an ORA- error whose number is a multiple of 256 (ORA-01536, ORA-01024) would exit 0.
sqlplus -s / as sysdba <<'SQL'
WHENEVER SQLERROR EXIT FAILURE
WHENEVER OSERROR EXIT FAILURE
ALTER SYSTEM SET db_recovery_file_dest_size = 10G;
ALTER SYSTEM SET db_recovery_file_dest = '/opt/oracle/oradata/fra';
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
ALTER SESSION SET CONTAINER = XEPDB1;
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
{ echo 'WHENEVER SQLERROR EXIT FAILURE'; cat /tmp/lmd-grants.sql; echo 'EXIT'; } \
  | sqlplus -s / as sysdba

# Setup done: the compose healthcheck passes only from now on (the image's own healthcheck.sh
# passes as soon as XEPDB1 is open, which is before this script runs).
touch /opt/oracle/oradata/lmd-setup.done
