#!/bin/bash
# Inserts one row into INVENTORY.CUSTOMERS (PDB XEPDB1) every 5 s, with the current SCN, until
# stopped. Its own compose service, started once the database is set up: never a first-boot script.
while true; do
  sqlplus -s inventory/inventory@//oracle:1521/XEPDB1 <<'SQL'
INSERT INTO customers (id, name, scn)
  SELECT NVL(MAX(id), 0) + 1, 'customer', (SELECT current_scn FROM v$database) FROM customers;
COMMIT;
EXIT
SQL
  sleep 5
done
