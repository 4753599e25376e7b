"""What every Python adapter checks the same way: the conformance/v1 config a
gateway must refuse (naming the field to fix) and the contract's bad-input
answers, which both TensorZero and LiteLLM leave to their caller."""
import json
import sys


def fail_config(name, path, message):
    print(f"{name}: invalid config at `{path}`: {message}", file=sys.stderr)
    sys.exit(2)


def validate(name, config):
    """The checks a gateway makes of its config before it starts; exits 2 naming the field."""
    if not isinstance(config, dict):
        fail_config(name, "", "the config must be a JSON object")
    if config.get("schema") != "conformance/v1":
        fail_config(name, "schema", f'expected "conformance/v1", found {json.dumps(config.get("schema"))}')
    providers = config.get("providers")
    if not isinstance(providers, list) or not providers:
        fail_config(name, "providers", "at least one provider is required")
    for i, p in enumerate(providers):
        for field in ("id", "base_url", "api_key"):
            if not isinstance(p.get(field), str) or not p.get(field):
                fail_config(name, f"providers[{i}].{field}", "must be a non-empty string")
    known = [p["id"] for p in providers]
    models = config.get("models")
    if not isinstance(models, list) or not models:
        fail_config(name, "models", "at least one model is required")
    for i, m in enumerate(models):
        if not isinstance(m.get("name"), str) or not m.get("name"):
            fail_config(name, f"models[{i}].name", "must be a non-empty string")
        chain = m.get("backend_map")
        if not isinstance(chain, list) or not chain:
            fail_config(name, f"models[{i}].backend_map", "the provider chain must name at least one provider")
        for j, entry in enumerate(chain):
            if entry.get("provider") not in known:
                fail_config(
                    name,
                    f"models[{i}].backend_map[{j}].provider",
                    f'unknown provider "{entry.get("provider")}"; known providers: {", ".join(known)}',
                )
    return config


def read_config(name, path):
    """The validated config at `path`; exits 2 saying why it cannot be read."""
    try:
        with open(path, encoding="utf-8") as f:
            return validate(name, json.load(f))
    except (OSError, ValueError) as e:
        print(f"{name}: cannot read the config {path}: {e}", file=sys.stderr)
        sys.exit(2)


def max_body(config):
    return config.get("limits", {}).get("max_body_bytes", 4 * 1024 * 1024)


def error_body(code, message):
    """OpenAI's error shape."""
    return {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": code}}


def too_large(limit):
    return 413, "request_too_large", f"request body exceeds the limit of {limit} bytes"


def check_request(body, models):
    """The request's JSON object and None, or None and the contract's answer
    (status, code, message) for a body that is not a JSON object naming a
    configured model."""
    try:
        parsed = json.loads(body)
    except ValueError as e:
        return None, (400, "invalid_request", f"the request body is not a valid JSON object: {e}")
    if not isinstance(parsed, dict):
        return None, (400, "invalid_request", "the request body is not a valid JSON object")
    if "model" not in parsed:
        return None, (400, "invalid_request", 'the request body has no "model" field')
    if not isinstance(parsed["model"], str):
        return None, (400, "invalid_request", 'the "model" field must be a string')
    if parsed["model"] not in models:
        return None, (404, "model_not_found", f'model "{parsed["model"]}" is not configured on this gateway')
    return parsed, None
