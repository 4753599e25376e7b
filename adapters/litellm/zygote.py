#!/usr/bin/env python3
"""A fork server for the LiteLLM adapter: imports LiteLLM's proxy once (about
ten seconds of CPU) and forks a ready copy for each gateway the suite starts,
so that a vendor run pays the import once instead of once per scenario.

    .venv/bin/python zygote.py --socket <path>

Each client (adapter.py --zygote <path>) sends its validated config and three
file descriptors over the Unix socket: the contract port's bound listener, its
stderr, and the read end of a pipe it holds open. The zygote forks; the child
serves LiteLLM on the listener (front.serve) until SIGTERM or the pipe closes.
The zygote answers `pid <n>` and, when the child exits, `exit <code>`.
Single-threaded (selectors), so that forking never copies a held lock.
"""
import argparse
import json
import os
import selectors
import signal
import socket
import sys

import front

MAX_MESSAGE = 1 << 20


def child(config, fds):
    listener, stderr, watch = fds
    os.dup2(stderr, 1)
    os.dup2(stderr, 2)
    os.close(stderr)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.set_wakeup_fd(-1)
    try:
        code = front.serve(config, listener, watch)
    except BaseException as e:  # whatever it was, the child must not return into the zygote's loop
        print(f"{front.NAME}: LiteLLM stopped: {e!r}", file=sys.stderr)
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main():
    parser = argparse.ArgumentParser(description="fork server for the LiteLLM adapter")
    parser.add_argument("--socket", required=True)
    args = parser.parse_args()
    # The slow part, once: every child starts with LiteLLM's proxy imported.
    import litellm.proxy.proxy_server  # noqa: F401
    import uvicorn  # noqa: F401

    if os.path.exists(args.socket):
        os.unlink(args.socket)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(args.socket)
    server.listen(64)
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    signal.signal(signal.SIGINT, lambda *_: stop.append(True))
    selector = selectors.DefaultSelector()
    selector.register(server, selectors.EVENT_READ, "accept")
    selector.register(wake_read, selectors.EVENT_READ, "signal")
    children = {}  # pid -> the client's connection
    print(f"{front.NAME}: zygote ready on {args.socket}", flush=True)
    while not stop:
        for key, _ in selector.select():
            if key.data == "signal":
                os.read(wake_read, 512)
                reap(children)
            elif key.data == "accept":
                connection, _ = server.accept()
                spawn(connection, server, children)
    for pid in children:
        os.kill(pid, signal.SIGTERM)
    os.unlink(args.socket)


def spawn(connection, server, children):
    try:
        message, fds, _, _ = socket.recv_fds(connection, MAX_MESSAGE, 3)
        config = json.loads(message)
        if len(fds) != 3:
            raise ValueError(f"expected 3 file descriptors, got {len(fds)}")
    except (OSError, ValueError) as e:
        print(f"{front.NAME}: zygote: a bad request: {e}", file=sys.stderr, flush=True)
        connection.close()
        return
    pid = os.fork()
    if pid == 0:
        server.close()
        for other in children.values():
            other.close()
        connection.close()
        child(config, fds)
    for fd in fds:
        os.close(fd)
    children[pid] = connection
    connection.sendall(f"pid {pid}\n".encode())


def reap(children):
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        connection = children.pop(pid, None)
        if connection is not None:
            try:
                connection.sendall(f"exit {os.waitstatus_to_exitcode(status)}\n".encode())
            except OSError:
                pass  # the adapter is gone already
            connection.close()


if __name__ == "__main__":
    main()
