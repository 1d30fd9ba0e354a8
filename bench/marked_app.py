"""The app for `bench/instructions.py --server gunicorn`: the real app, plus a
`/__mark` path whose only work is a call to libc's `nice`, where callgrind
(`--dump-before=nice`) writes out the instructions counted so far. A
benchmark helper only: the app itself has no such path."""

from __future__ import annotations

import os

from voting import create_app as create_voting_app


def create_app():
    app = create_voting_app()
    inner = app.wsgi_app

    def wsgi(environ, start_response):
        if environ.get("PATH_INFO") == "/__mark":
            os.nice(0)
            start_response("204 No Content", [])
            return [b""]
        return inner(environ, start_response)

    app.wsgi_app = wsgi
    return app
