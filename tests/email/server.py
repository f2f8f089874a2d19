"""A real SMTP server (aiosmtpd) for tests/it/email.rs: listens on 127.0.0.1:PORT, accepts
AUTH LOGIN/PLAIN for USER/PASSWORD only (without TLS, on loopback), and writes each message as
JSON (envelope and raw data) into OUT_DIR. Usage: server.py PORT USER PASSWORD OUT_DIR"""
import json, os, sys, time, uuid
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

port, user, password, out = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]

def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user \
        and auth_data.password.decode() == password
    return AuthResult(success=ok)

class Handler:
    async def handle_DATA(self, server, session, envelope):
        rec = {"from": envelope.mail_from, "to": envelope.rcpt_tos,
               "authenticated": bool(session.authenticated),
               "data": envelope.content.decode("utf-8", "replace")}
        tmp = os.path.join(out, uuid.uuid4().hex + ".tmp")
        with open(tmp, "w") as f:
            json.dump(rec, f)
        os.rename(tmp, tmp[:-4] + ".json")
        return "250 OK"

c = Controller(Handler(), hostname="127.0.0.1", port=port, authenticator=authenticator,
               auth_required=True, auth_require_tls=False)
c.start()
print("ready", flush=True)
while True:
    time.sleep(3600)
