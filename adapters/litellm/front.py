"""The LiteLLM proxy behind the failover conformance contract, in one process:
the config translation and the thin ASGI layer in front of LiteLLM's own
FastAPI app (`litellm.proxy.proxy_server:app`), served by uvicorn on a socket
the adapter already bound.

The layer adds no resilience (no retry, timeout or fallback of its own). It
answers GET /healthz (uvicorn serves only once LiteLLM's start-up, which loads
the config, is done), answers the contract's bad-input checks that LiteLLM
leaves to its caller (see the manifest's adapter_decides), and maps the
contract's paths onto LiteLLM's OpenAI-compatible ones:

    POST /api/v1/chat/completions -> /v1/chat/completions
    POST /api/v1/embeddings       -> /v1/embeddings
"""
import asyncio
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import conformance  # noqa: E402  (the checks shared by the Python adapters)

# LiteLLM fetches its model price list from GitHub when imported; the
# package's own copy serves here, and no run depends on the network.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

NAME = "litellm adapter"
ROUTES = {"/api/v1/chat/completions": "/v1/chat/completions", "/api/v1/embeddings": "/v1/embeddings"}


def key_variable(index):
    return f"CONFORMANCE_PROVIDER_KEY_{index}"


def group(model, position):
    """LiteLLM's model group for a chain entry: the model's own name for the
    first, a suffixed name (a fallback group) for each later one."""
    return model if position == 0 else f"{model}~fallback-{position}"


def litellm_config(config):
    """LiteLLM's proxy config for a conformance/v1 config (see the manifest's notes).
    Provider keys are referenced as environment variables, never written to disk."""
    policy = config.get("policy", {})
    retry = policy.get("retry", {})
    breaker = policy.get("breaker")
    attempt_s = policy.get("attempt_timeout_ms", 10000) / 1000
    first_event_s = policy.get("streaming", {}).get("first_byte_timeout_ms", attempt_s * 1000) / 1000
    index = {p["id"]: i for i, p in enumerate(config["providers"])}
    by_id = {p["id"]: p for p in config["providers"]}
    model_list, fallbacks = [], []
    for model in config["models"]:
        chain = model["backend_map"]
        for position, entry in enumerate(chain):
            provider = by_id[entry["provider"]]
            model_list.append(
                {
                    "model_name": group(model["name"], position),
                    "litellm_params": {
                        "model": "openai/" + (entry.get("model") or model["name"]),
                        "api_base": provider["base_url"].rstrip("/") + "/v1",
                        "api_key": f"os.environ/{key_variable(index[entry['provider']])}",
                        "timeout": attempt_s,
                        "stream_timeout": first_event_s,
                        "max_retries": 0,
                    },
                }
            )
        if len(chain) > 1:
            fallbacks.append({model["name"]: [group(model["name"], p) for p in range(1, len(chain))]})
    router = {
        "num_retries": max(0, retry.get("max_attempts", 2) - 1),
        "retry_after": retry.get("backoff_base_ms", 0) / 1000,
        "timeout": policy.get("request_timeout_ms", 30000) / 1000,
        "fallbacks": fallbacks,
        "context_window_fallbacks": fallbacks,
    }
    if breaker:
        # LiteLLM's cooldown: a deployment failing more than allowed_fails
        # times in a minute sits out cooldown_time seconds.
        router["allowed_fails"] = max(0, breaker.get("min_calls", 1) - 1)
        router["cooldown_time"] = breaker.get("open_ms", 30000) / 1000
    else:
        router["disable_cooldowns"] = True
    return {
        "model_list": model_list,
        "router_settings": router,
        "litellm_settings": {"request_timeout": policy.get("request_timeout_ms", 30000) / 1000},
    }


async def respond(send, status, body):
    data = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


async def refuse(send, status, code, message):
    await respond(send, status, conformance.error_body(code, message))


class Contract:
    """The ASGI app uvicorn serves: the contract's surface around LiteLLM's app."""

    def __init__(self, inner, config):
        self.inner = inner
        self.models = {m["name"] for m in config["models"]}
        self.max_body = conformance.max_body(config)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.inner(scope, receive, send)  # the lifespan: LiteLLM's start-up
        if scope["path"] == "/healthz":
            return await respond(send, 200, {"status": "ok"})
        target = ROUTES.get(scope["path"])
        if target is None:
            return await refuse(send, 404, "unknown_endpoint", f"no endpoint at {scope['path']}")
        if scope["method"] != "POST":
            return await refuse(send, 405, "method_not_allowed", f"{scope['method']} is not allowed on {scope['path']}")
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_body:
                return await refuse(send, *conformance.too_large(self.max_body))
        _, error = conformance.check_request(body, self.models)
        if error:
            return await refuse(send, *error)
        replayed = False

        async def replay():
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        inner_scope = dict(scope, path=target, raw_path=target.encode())
        return await self.inner(inner_scope, replay, send)


def serve(config, listener_fd, watch_fd=None):
    """Serves the contract on the bound socket until SIGTERM or SIGINT, or
    until `watch_fd` (the adapter's end of a pipe) closes; returns the exit code."""
    for i, provider in enumerate(config["providers"]):
        os.environ[key_variable(i)] = provider["api_key"]
    # LiteLLM's own config, as JSON (YAML's subset), in a file of its own.
    handle, path = tempfile.mkstemp(suffix=".yaml", prefix="litellm-")
    with os.fdopen(handle, "w") as f:
        json.dump(litellm_config(config), f)
    os.environ["CONFIG_FILE_PATH"] = path
    try:
        import uvicorn
        from litellm.proxy.proxy_server import app

        server = uvicorn.Server(
            uvicorn.Config(
                Contract(app, config),
                fd=listener_fd,
                log_level="warning",
                access_log=False,
                lifespan="on",
                timeout_graceful_shutdown=2,
            )
        )
        asyncio.run(run(server, watch_fd))
        return 0
    finally:
        os.unlink(path)


async def run(server, watch_fd):
    if watch_fd is not None:
        # The adapter holds the other end: if it dies, so does this server.
        asyncio.get_running_loop().add_reader(watch_fd, lambda: setattr(server, "should_exit", True))
    await server.serve()
