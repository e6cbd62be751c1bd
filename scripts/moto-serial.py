#!/usr/bin/env python3
"""moto_server with requests applied one at a time.

moto_server serves each request on its own thread and its DynamoDB backend
takes no lock, so two conditional writes racing on one item can both pass
their condition (seen here: two lease holders given the same fencing
number). DynamoDB itself is linearizable per item. This wrapper keeps moto's
threaded HTTP server (Go clients keep many connections open) but applies
requests one at a time, in the order they arrive, which restores that
guarantee.

Usage: moto-serial.py [-H HOST] [-p PORT]
"""
import argparse
import threading

from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app


class FifoLock:
    """A lock granted in the order it was asked for.

    threading.Lock is not fair: under load one waiting request (a lease
    renewal) can be passed over again and again until its lease expires,
    which DynamoDB, whose latency does not grow with other items' traffic,
    never does. In arrival order a request waits at most for the ones
    already queued.
    """

    def __init__(self):
        self._cond = threading.Condition()
        self._next = 0  # the next ticket to hand out
        self._serving = 0  # the ticket that holds the lock

    def __enter__(self):
        with self._cond:
            ticket = self._next
            self._next += 1
            while ticket != self._serving:
                self._cond.wait()

    def __exit__(self, *exc):
        with self._cond:
            self._serving += 1
            self._cond.notify_all()


def serialized(app):
    lock = FifoLock()

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
