"""A real SMTP server (aiosmtpd) for tests/it/email.rs: listens on 127.0.0.1:PORT, accepts
AUTH LOGIN/PLAIN for USER/PASSWORD only, and writes each message as JSON (envelope, raw data,
whether the session was authenticated and how it was encrypted) into OUT_DIR.

Usage: server.py PORT USER PASSWORD OUT_DIR [MODE CERT KEY]
MODE: none (plain, loopback only; the default), starttls (STARTTLS required before AUTH) or
implicit (TLS from the first byte), with the PEM certificate and key CERT and KEY."""
import json, os, ssl, sys, time, uuid
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

port, user, password, out = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
mode = sys.argv[5] if len(sys.argv) > 5 else "none"

def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user \
        and auth_data.password.decode() == password
    # handled=False: aiosmtpd itself answers a failure with "535 5.7.8 Authentication
    # credentials invalid" (the default, handled=True, answers nothing and the client hangs).
    return AuthResult(success=ok, handled=False)

class Handler:
    async def handle_DATA(self, server, session, envelope):
        if server._tls_protocol is not None:
            tls = "starttls"
        elif server.transport is not None and server.transport.get_extra_info("ssl_object"):
            tls = "implicit"
        else:
            tls = "none"
        rec = {"from": envelope.mail_from, "to": envelope.rcpt_tos,
               "authenticated": bool(session.authenticated), "tls": tls,
               "data": envelope.content.decode("utf-8", "replace")}
        tmp = os.path.join(out, uuid.uuid4().hex + ".tmp")
        with open(tmp, "w") as f:
            json.dump(rec, f)
        os.rename(tmp, tmp[:-4] + ".json")
        return "250 OK"

kwargs = dict(hostname="127.0.0.1", port=port, authenticator=authenticator, auth_required=True)
if mode == "none":
    kwargs.update(auth_require_tls=False)
else:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[6], sys.argv[7])
    if mode == "starttls":
        kwargs.update(tls_context=ctx, require_starttls=True, auth_require_tls=True)
    else:
        kwargs.update(ssl_context=ctx, auth_require_tls=False)
c = Controller(Handler(), **kwargs)
c.start()
print("ready", flush=True)
while True:
    time.sleep(3600)
