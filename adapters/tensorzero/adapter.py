#!/usr/bin/env python3
"""Adapter: runs TensorZero's gateway (the `tensorzero` package from PyPI, whose
wheel embeds the Rust gateway) behind the failover conformance contract.

    .venv/bin/python adapter.py --config <conformance/v1 JSON> --port <port>

It binds --port first and answers GET /healthz with 503 until TensorZero is up,
then 200. It translates the config into a tensorzero.toml (each model becomes
a chat function whose one variant uses a model routed over the chain's
providers, and an embedding model routed the same way), starts TensorZero's
embedded HTTP gateway through the package's public `patch_openai_client`, and
serves the contract:

    POST /api/v1/chat/completions -> TensorZero /openai/v1/chat/completions
    POST /api/v1/embeddings       -> TensorZero /openai/v1/embeddings

The front adds no resilience: no retry, no timeout, no fallback of its own.
It renames the model to TensorZero's target name, and restores the provider's
`system_fingerprint` (which the suite reads to see who served) from the
original response TensorZero hands back, event by event for a stream. It answers itself what TensorZero
leaves to the caller (see the manifest's adapter_decides).
"""
import argparse
import asyncio
import json
import os
import signal
import socket
import sys
import tempfile
import warnings

import tomli_w
from aiohttp import ClientSession, ClientTimeout, TCPConnector, web

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import conformance  # noqa: E402  (the checks shared by the Python adapters)

NAME = "tensorzero adapter"


def key_variable(index):
    return f"CONFORMANCE_PROVIDER_KEY_{index}"


def tensorzero_config(config):
    """The tensorzero.toml for a conformance/v1 config (see the manifest's notes)."""
    policy = config.get("policy", {})
    retry = policy.get("retry", {})
    attempt_ms = policy.get("attempt_timeout_ms", 10000)
    first_event_ms = policy.get("streaming", {}).get("first_byte_timeout_ms", attempt_ms)
    request_ms = policy.get("request_timeout_ms", 30000)
    index = {p["id"]: i for i, p in enumerate(config["providers"])}
    by_id = {p["id"]: p for p in config["providers"]}

    def providers_of(model):
        out = {}
        for entry in model["backend_map"]:
            provider = by_id[entry["provider"]]
            out[entry["provider"]] = {
                "type": "openai",
                "model_name": entry.get("model") or model["name"],
                "api_base": provider["base_url"].rstrip("/") + "/v1/",
                "api_key_location": f"env::{key_variable(index[entry['provider']])}",
            }
        return out

    models, embedding_models, functions = {}, {}, {}
    for model in config["models"]:
        name = model["name"]
        routing = [entry["provider"] for entry in model["backend_map"]]
        chat_providers = providers_of(model)
        for provider in chat_providers.values():
            provider["timeouts"] = {
                "non_streaming": {"total_ms": attempt_ms},
                "streaming": {"ttft_ms": first_event_ms},
            }
        models[name] = {"routing": routing, "providers": chat_providers}
        embedding_models[name] = {"routing": routing, "providers": providers_of(model)}
        functions[name] = {
            "type": "chat",
            "variants": {
                "chain": {
                    "type": "chat_completion",
                    "model": name,
                    "retries": {
                        "num_retries": max(0, retry.get("max_attempts", 2) - 1),
                        "max_delay_s": retry.get("backoff_cap_ms", 2000) / 1000,
                    },
                    "timeouts": {
                        "non_streaming": {"total_ms": request_ms},
                        "streaming": {"ttft_ms": request_ms},
                    },
                }
            },
        }
    return {
        "gateway": {"observability": {"enabled": False}},
        "models": models,
        "embedding_models": embedding_models,
        "functions": functions,
    }


def openai_error(status, code, message):
    return web.json_response(conformance.error_body(code, message), status=status)


class Front:
    def __init__(self, config):
        self.models = {m["name"] for m in config["models"]}
        self.max_body = conformance.max_body(config)
        self.upstream = None  # TensorZero's base URL, once it is up
        self.session = None

    async def healthz(self, _request):
        if self.upstream is None:
            return web.json_response({"status": "starting"}, status=503)
        return web.json_response({"status": "ok"})

    async def read_request(self, request):
        """The request's JSON object, or the contract's error for bad input."""
        if request.method != "POST":
            return None, openai_error(405, "method_not_allowed", f"{request.method} is not allowed on {request.path}")
        body = bytearray()
        async for chunk in request.content.iter_any():
            body += chunk
            if len(body) > self.max_body:
                return None, openai_error(*conformance.too_large(self.max_body))
        parsed, error = conformance.check_request(body, self.models)
        return parsed, error and openai_error(*error)

    async def chat(self, request):
        return await self.relay(request, "/chat/completions", "function_name", "include_original_response")

    async def embeddings(self, request):
        return await self.relay(request, "/embeddings", "embedding_model_name", "include_raw_response")

    async def relay(self, request, path, target, include):
        """Checks the request, names TensorZero's target for its model, asks for
        the provider's own response (to restore its fingerprint) and forwards it."""
        parsed, error = await self.read_request(request)
        if error:
            return error
        parsed["model"] = f"tensorzero::{target}::{parsed['model']}"
        parsed[f"tensorzero::{include}"] = True
        return await self.forward(request, path, parsed)

    async def unknown(self, request):
        return openai_error(404, "unknown_endpoint", f"no endpoint at {request.path}")

    async def forward(self, request, path, body):
        if self.upstream is None:
            return openai_error(503, "starting", "TensorZero is still starting")
        async with self.session.post(self.upstream + path, json=body) as answer:
            content_type = answer.headers.get("content-type", "application/json")
            if content_type.startswith("text/event-stream"):
                out = web.StreamResponse(status=answer.status, headers={"content-type": content_type})
                await out.prepare(request)
                pending = b""
                async for chunk in answer.content.iter_any():
                    # Whole events only, each relayed as soon as it is complete.
                    pending += chunk
                    *events, pending = pending.split(b"\n\n")
                    for event in events:
                        await out.write(restore_fingerprint_in_event(event) + b"\n\n")
                if pending:
                    await out.write(pending)
                await out.write_eof()
                return out
            data = await answer.read()
            return web.Response(status=answer.status, body=restore_fingerprint(data), content_type="application/json")


def provider_fingerprint(answer):
    """The provider's own system_fingerprint, from the original response
    TensorZero was asked to include (a completion, a chunk, or the raw
    responses of an embeddings call, the last being the one that served);
    the extra field is removed from `answer`."""
    original = answer.pop("tensorzero_original_response", None) or answer.pop("tensorzero_original_chunk", None)
    raw = answer.pop("tensorzero::raw_response", None) or answer.pop("tensorzero_raw_response", None)
    if original is None and isinstance(raw, list) and raw:
        original = raw[-1].get("data")
    if not isinstance(original, str):
        return None
    try:
        return json.loads(original).get("system_fingerprint")
    except (ValueError, AttributeError):
        return None


def restore_fingerprint(data):
    """TensorZero answers with an empty system_fingerprint; puts the provider's
    back, so the client sees who served, as the provider said it."""
    try:
        answer = json.loads(data)
    except ValueError:
        return data
    if not isinstance(answer, dict):
        return data
    fingerprint = provider_fingerprint(answer)
    if fingerprint is not None:
        answer["system_fingerprint"] = fingerprint
    return json.dumps(answer).encode()


def restore_fingerprint_in_event(event):
    """The same for one server-sent event (`data: {...}`)."""
    if not event.startswith(b"data: ") or event == b"data: [DONE]":
        return event
    return b"data: " + restore_fingerprint(event[len(b"data: "):])


class Holder:
    """What `patch_openai_client` patches: it only sets `base_url`."""

    base_url = None


async def main():
    parser = argparse.ArgumentParser(description="TensorZero behind the failover conformance contract")
    parser.add_argument("--config", required=True)
    parser.add_argument("--port", required=True, type=int)
    args = parser.parse_args()
    # Bind the contract's port before anything slow: the suite's port is ours.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.bind(("127.0.0.1", args.port))
    except OSError as e:
        print(f"{NAME}: could not bind port {args.port}: {e}", file=sys.stderr)
        sys.exit(1)
    listener.listen(1024)
    config = conformance.read_config(NAME, args.config)

    front = Front(config)
    app = web.Application(client_max_size=front.max_body + 1)
    app.router.add_get("/healthz", front.healthz)
    app.router.add_route("*", "/api/v1/chat/completions", front.chat)
    app.router.add_route("*", "/api/v1/embeddings", front.embeddings)
    app.router.add_route("*", "/{path:.*}", front.unknown)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.SockSite(runner, listener).start()

    for i, provider in enumerate(config["providers"]):
        os.environ[key_variable(i)] = provider["api_key"]
    toml = tempfile.NamedTemporaryFile("wb", suffix=".toml", prefix="tensorzero-", delete=False)
    with toml:
        tomli_w.dump(tensorzero_config(config), toml)
    import tensorzero

    with warnings.catch_warnings():
        # Deprecated for a standalone gateway, but the package's public way to
        # start the embedded one.
        warnings.simplefilter("ignore", DeprecationWarning)
        patched = await tensorzero.patch_openai_client(Holder(), config_file=toml.name, async_setup=True)
    front.session = ClientSession(
        connector=TCPConnector(limit=0), timeout=ClientTimeout(total=None), auto_decompress=False
    )
    front.upstream = str(patched.base_url).rstrip("/")
    print(f"{NAME}: contract on http://127.0.0.1:{args.port}, TensorZero at {front.upstream}", file=sys.stderr)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    await stop.wait()
    os.unlink(toml.name)
    os._exit(0)


if __name__ == "__main__":
    asyncio.run(main())
