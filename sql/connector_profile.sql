-- Question: the IDLE_TIME limit of the connector user's profile, the DEFAULT profile's (which a
--   limit of DEFAULT means) and RESOURCE_LIMIT (IDLE_TIME is enforced only when it is TRUE);
--   an idle connector session past IDLE_TIME is sniped (ORA-02396).
-- Privileges: SELECT ON SYS.DBA_USERS, SYS.DBA_PROFILES, SYS.V_$PARAMETER.
-- Versions: 11.2 and later. No row when the connector user does not exist.
SELECT u.profile AS profile,
       p.limit AS idle_time,
       d.limit AS default_idle_time,
       (SELECT value FROM v$parameter WHERE name = 'resource_limit') AS resource_limit
FROM dba_users u
JOIN dba_profiles p ON p.profile = u.profile AND p.resource_name = 'IDLE_TIME'
LEFT JOIN dba_profiles d ON d.profile = 'DEFAULT' AND d.resource_name = 'IDLE_TIME'
WHERE u.username = :connector_user
