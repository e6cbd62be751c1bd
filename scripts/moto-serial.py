#!/usr/bin/env python3
"""moto_server with requests applied one at a time.

moto_server serves each request on its own thread and its DynamoDB backend
takes no lock, so two conditional writes racing on one item can both pass
their condition (seen here: two lease holders given the same fencing
number). DynamoDB itself is linearizable per item. This wrapper keeps moto's
threaded HTTP server (Go clients keep many connections open) but applies
requests one at a time, which restores that guarantee.

Usage: moto-serial.py [-H HOST] [-p PORT]
"""
import argparse
import threading

from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app


def serialized(app):
    lock = threading.Lock()

    def wrapped(environ, start_response):
        with lock:
            # Consume the body inside the lock: moto reads it lazily.
            return list(app(environ, start_response))

    return wrapped


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    args = parser.parse_args()
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(args.host, args.port, serialized(app), threaded=True)


if __name__ == "__main__":
    main()
