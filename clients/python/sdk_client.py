#!/usr/bin/env python3
"""Drives a gateway with the official OpenAI Python SDK, as an application
would, and prints what the SDK gave back as one JSON object; tests/sdk_clients.rs
sets up the gateway and its providers and judges the output (the same
judgement as for the Node SDK's sdk_client.mjs).

    .venv/bin/python sdk_client.py <gateway base URL>
"""
import json
import sys

import openai

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
ASK = [{"role": "user", "content": "Say hello."}]


def client(key="sk-client"):
    # No retries by the SDK: what the gateway answers is what is judged.
    return openai.OpenAI(base_url=sys.argv[1] + "/api/v1", api_key=key, max_retries=0, timeout=10)


def failure(call):
    """The SDK's exception for a call that must fail, as data."""
    try:
        call()
    except openai.APIStatusError as e:
        body = e.body if isinstance(e.body, dict) else {}
        body = body.get("error", body)
        return {"class": type(e).__name__, "status": e.status_code, "message": body.get("message"), "code": body.get("code")}
    except openai.OpenAIError as e:
        return {"class": type(e).__name__, "status": None, "message": str(e), "code": None}
    return {"class": None, "status": None, "message": "the call succeeded", "code": None}


def reuse_key(sdk):
    """The same Idempotency-Key with another body: the second call must fail."""
    key = {"Idempotency-Key": "sdk-key-1"}
    sdk.chat.completions.create(model="gpt-4o", messages=ASK, extra_headers=key)
    sdk.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Another."}], extra_headers=key)


def main():
    sdk = client()
    out = {"sdk": "python", "version": openai.__version__}

    raw = sdk.chat.completions.with_raw_response.create(model="gpt-4o", messages=ASK)
    chat = raw.parse()
    out["chat"] = {
        "content": chat.choices[0].message.content,
        "fingerprint": chat.system_fingerprint,
        "served_by": raw.headers.get("x-failover-served-by"),
        "attempts": raw.headers.get("x-failover-attempts"),
    }

    pieces = []
    for chunk in sdk.chat.completions.create(model="gpt-4o", messages=ASK, stream=True):
        if chunk.choices and chunk.choices[0].delta.content:
            pieces.append(chunk.choices[0].delta.content)
    out["stream"] = {"chunks": len(pieces), "text": "".join(pieces)}

    embedding = sdk.embeddings.create(model="gpt-4o", input="hello")
    out["embeddings"] = {"count": len(embedding.data), "dimensions": len(embedding.data[0].embedding)}

    answer = sdk.chat.completions.create(model="tools", messages=ASK, tools=[WEATHER_TOOL])
    call = answer.choices[0].message.tool_calls[0]
    out["tools"] = {
        "finish_reason": answer.choices[0].finish_reason,
        "name": call.function.name,
        "arguments": json.loads(call.function.arguments),
    }

    out["errors"] = {
        "unknown_model": failure(lambda: sdk.chat.completions.create(model="nope", messages=ASK)),
        "no_provider": failure(lambda: sdk.chat.completions.create(model="solo", messages=ASK)),
        "budget": failure(lambda: client("sk-spent").chat.completions.create(model="gpt-4o", messages=ASK)),
        "too_large": failure(
            lambda: sdk.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x" * 70000}])
        ),
        "bad_request": failure(
            lambda: sdk.chat.completions.create(model="gpt-4o", messages=ASK, extra_headers={"x-session-id": "s1"})
        ),
        "unknown_outcome": failure(lambda: sdk.chat.completions.create(model="hang", messages=ASK, store=True)),
        "key_reused": failure(lambda: reuse_key(sdk)),
        "no_provider_stream": failure(
            lambda: list(sdk.chat.completions.create(model="solo", messages=ASK, stream=True))
        ),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
