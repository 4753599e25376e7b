#!/usr/bin/env python3
"""Adapter: runs the LiteLLM proxy (the `litellm[proxy]` package from PyPI)
behind the failover conformance contract.

    .venv/bin/python adapter.py --config <conformance/v1 JSON> --port <port> [--zygote <socket>]

It binds --port first, checks the config (exiting 2 with the field to fix),
then serves LiteLLM's proxy app on that port (front.py: the config becomes
LiteLLM model groups, fallbacks, retries, timeouts and cooldowns). Importing
LiteLLM's proxy takes about ten seconds of CPU; with --zygote the gateway is a
fork of a zygote.py that imported it once, and this process stays as its
handle: SIGTERM or SIGINT reach the fork, the fork's exit code is this
process's, and if this process dies the fork stops with it.
"""
import argparse
import json
import os
import signal
import socket
import sys

import front
from front import NAME, conformance


def bind(port):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.bind(("127.0.0.1", port))
    except OSError as e:
        print(f"{NAME}: could not bind port {port}: {e}", file=sys.stderr)
        sys.exit(1)
    listener.listen(1024)
    return listener


def through_zygote(path, config, listener):
    """Has the zygote fork a gateway on `listener`; returns its exit code."""
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(path)
    except OSError as e:
        print(f"{NAME}: cannot reach the zygote at {path} ({e}): start it with zygote.py --socket {path}", file=sys.stderr)
        return 1
    watch_read, watch_write = os.pipe()
    socket.send_fds(connection, [json.dumps(config).encode()], [listener.fileno(), sys.stderr.fileno(), watch_read])
    os.close(watch_read)
    # The listener stays open here too (the fork alone accepts on it): the
    # suite checks that its port is held by the process group it started.
    answers = connection.makefile("r")
    first = answers.readline().split()
    if len(first) != 2 or first[0] != "pid":
        print(f"{NAME}: the zygote refused to start the gateway", file=sys.stderr)
        return 1
    pid = int(first[1])
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda s, _frame: os.kill(pid, s))
    last = answers.readline().split()
    if len(last) == 2 and last[0] == "exit":
        return int(last[1])
    print(f"{NAME}: lost the zygote; stopping the gateway", file=sys.stderr)
    os.kill(pid, signal.SIGTERM)
    return 1


def main():
    parser = argparse.ArgumentParser(description="the LiteLLM proxy behind the failover conformance contract")
    parser.add_argument("--config", required=True)
    parser.add_argument("--port", required=True, type=int)
    parser.add_argument("--zygote", help="the Unix socket of a running zygote.py")
    args = parser.parse_args()
    # Bind the contract's port before anything slow: the suite's port is ours.
    listener = bind(args.port)
    config = conformance.read_config(NAME, args.config)
    if args.zygote:
        sys.exit(through_zygote(args.zygote, config, listener))
    sys.exit(front.serve(config, listener.fileno()))


if __name__ == "__main__":
    main()
