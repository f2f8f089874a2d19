-- Question: the PGA_AGGREGATE_LIMIT in bytes (a LogMiner session killed by ORA-04036 hits it).
-- Privileges: SELECT ON SYS.V_$PARAMETER.
-- Versions: the parameter exists from 12.1; on 11g the query returns no row (no limit).
SELECT value
FROM v$parameter
WHERE name = 'pga_aggregate_limit'
