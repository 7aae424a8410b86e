"""A real SMTP server for the mail tests (Debian's python3-aiosmtpd): listens on
HOST PORT and writes each message it accepts to DIR/<n>.json with the envelope
(HELO name, MAIL FROM, RCPT TOs) and the DATA block exactly as received.
Usage: smtp-sink.py HOST PORT DIR; prints "listening" once it accepts connections."""
import asyncio
import json
import os
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, out):
        self.out = out
        self.n = 0

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        raw = envelope.original_content or envelope.content
        record = {
            "helo": session.host_name,
            "mailFrom": envelope.mail_from,
            "rcptTos": envelope.rcpt_tos,
            "data": raw.decode("utf-8", "replace"),
        }
        path = os.path.join(self.out, "%04d.json" % self.n)
        with open(path + ".tmp", "w") as f:
            json.dump(record, f)
        os.rename(path + ".tmp", path)
        return "250 OK"


async def main(host, port, out):
    os.makedirs(out, exist_ok=True)
    sink = Sink(out)
    loop = asyncio.get_running_loop()
    # hostname given: aiosmtpd would otherwise ask the resolver (socket.getfqdn) inside a namespace with none.
    server = await loop.create_server(lambda: SMTP(sink, hostname="sink.test"), host, int(port))
    print("listening", flush=True)
    await server.serve_forever()


asyncio.run(main(*sys.argv[1:4]))
