"""Run moto's server on 127.0.0.1 until whoever started us goes away.

Usage: python moto_watchdog.py [PORT]        (PORT defaults to 0: any free port)

Prints one line, `RDSLINK_MOTO_PORT=<port>`, once the socket is bound and the server accepts requests,
then serves until its standard input reaches end-of-file, or until SIGTERM/SIGINT.

Why stdin: the parent keeps the write end of a pipe to our stdin and never writes to it. However the
parent ends (normal exit, panic, Ctrl-C, SIGKILL), the kernel closes that pipe, we read EOF and exit.
So no emulator outlives the test run that started it, without any platform-specific parent-death
signal.

Binding inside this process (port 0 by default) avoids the race of picking a free port in the parent
and hoping it is still free when the server starts.
"""

import logging
import os
import signal
import sys
import threading

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

# AWS behaviour moto lacks or gets wrong (see its docstrings); importing applies the patches.
import moto_faithful  # noqa: F401  (next to this file, so on sys.path)


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    # One access-log line per request would bury real errors; tracebacks are still logged.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    app = DomainDispatcherApplication(create_backend_app)
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    print(f"RDSLINK_MOTO_PORT={server.server_address[1]}", flush=True)
    # The parent reads only that line. Anything printed later goes to stderr, so that an unread
    # stdout pipe can never fill up and block the server.
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())

    def stop(_signum, _frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        # Block until the parent closes the pipe (or dies). Nothing is ever written to it.
        while sys.stdin.buffer.read(4096):
            pass
    finally:
        # Exit at once: a graceful shutdown would wait for request threads, which a client that
        # keeps a connection open could stall forever. The emulator has no state worth flushing.
        sys.stderr.flush()
        os._exit(0)


if __name__ == "__main__":
    main()
