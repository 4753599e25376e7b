#!/usr/bin/env node
// Adapter: runs Portkey's open-source AI gateway (@portkey-ai/gateway) behind
// the failover conformance contract.
//
//   node adapter.mjs --config <conformance/v1 JSON> --port <port>
//
// It starts Portkey on a private port and serves the contract on --port:
//   GET  /healthz                  200 once Portkey answers
//   POST /api/v1/chat/completions  → Portkey /v1/chat/completions
//   POST /api/v1/embeddings        → Portkey /v1/embeddings
// Each request gets an `x-portkey-config` header translated from the model's
// provider chain: a fallback strategy over the chain's providers (each an
// OpenAI-compatible `custom_host`), with the retry and timeout knobs mapped as
// closely as Portkey's config allows. The adapter adds no resilience of its own:
// what the suite measures is Portkey's behaviour. It does answer what Portkey
// leaves to the caller and the contract requires of the gateway: an unknown
// model (404), a body that is not JSON (400), a body over the limit (413).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';

function argument(name) {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? process.argv[i + 1] : undefined;
  if (!value) {
    console.error(`portkey adapter: missing --${name}; usage: node adapter.mjs --config <file> --port <port>`);
    process.exit(2);
  }
  return value;
}

// The checks a gateway must make of its config before it starts; Portkey has no
// config of its own to check, so the adapter makes them and names the field.
function validate(config) {
  const fail = (path, message) => {
    console.error(`portkey adapter: invalid config at \`${path}\`: ${message}`);
    process.exit(2);
  };
  if (config.schema !== 'conformance/v1') fail('schema', `expected "conformance/v1", found ${JSON.stringify(config.schema)}`);
  if (!Array.isArray(config.providers) || config.providers.length === 0) fail('providers', 'at least one provider is required');
  config.providers.forEach((p, i) => {
    for (const field of ['id', 'base_url', 'api_key']) {
      if (typeof p[field] !== 'string' || p[field] === '') fail(`providers[${i}].${field}`, 'must be a non-empty string');
    }
  });
  const known = config.providers.map((p) => p.id);
  if (!Array.isArray(config.models) || config.models.length === 0) fail('models', 'at least one model is required');
  config.models.forEach((m, i) => {
    if (!Array.isArray(m.backend_map) || m.backend_map.length === 0) {
      fail(`models[${i}].backend_map`, 'the provider chain must name at least one provider');
    }
    m.backend_map.forEach((entry, j) => {
      if (!known.includes(entry.provider)) {
        fail(`models[${i}].backend_map[${j}].provider`, `unknown provider "${entry.provider}"; known providers: ${known.join(', ')}`);
      }
    });
  });
  return config;
}

const config = validate(JSON.parse(readFileSync(argument('config'), 'utf8')));
const port = Number(argument('port'));
const policy = config.policy ?? {};
const retry = policy.retry ?? {};
const maxBody = config.limits?.max_body_bytes ?? 4 * 1024 * 1024;
const providers = new Map(config.providers.map((p) => [p.id, p]));
const models = new Map(config.models.map((m) => [m.name, m]));

// Statuses that move a request to the next provider: everything the contract
// fails over on that a status code can express. Portkey cannot tell a 400
// context overflow from another 400, so 400 is not among them.
const FAIL_OVER_ON = [401, 403, 408, 429, 500, 502, 503, 504];
const RETRY_ON = [408, 429, 500, 502, 503, 504];

// The x-portkey-config for one model.
function portkeyConfig(model) {
  const targets = model.backend_map.map((entry) => {
    const provider = providers.get(entry.provider);
    return {
      provider: 'openai',
      api_key: provider.api_key,
      custom_host: `${provider.base_url.replace(/\/$/, '')}/v1`,
      override_params: { model: entry.model ?? model.name },
      retry: {
        attempts: Math.max(0, (retry.max_attempts ?? 2) - 1),
        on_status_codes: RETRY_ON,
        use_retry_after_header: true,
      },
      request_timeout: policy.attempt_timeout_ms ?? 10000,
    };
  });
  return { strategy: { mode: 'fallback', on_status_codes: FAIL_OVER_ON }, targets };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function openaiError(res, status, code, message) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code } }));
}

const require = createRequire(import.meta.url);
const portkeyEntry = path.join(path.dirname(require.resolve('@portkey-ai/gateway/package.json')), 'build/start-server.js');
const upstream = new http.Agent({ keepAlive: true });
let privatePort = 0;
let portkey = null;

function portkeyAlive() {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port: privatePort, path: '/', agent: upstream }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
  });
}

// Starts Portkey on a free private port. The port is free when chosen but may
// be taken before Portkey binds it (other gateways start beside this one): if
// Portkey dies while starting, start it again on another port.
async function startPortkey() {
  for (let attempt = 1; attempt <= 5; attempt += 1) {
    privatePort = await freePort();
    const child = spawn(process.execPath, [portkeyEntry, `--port=${privatePort}`, '--headless'], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, NODE_ENV: 'production' },
    });
    let exited = false;
    child.on('exit', () => {
      exited = true;
    });
    for (let waited = 0; waited < 15000 && !exited; waited += 50) {
      if (await portkeyAlive()) {
        child.on('exit', (code, signal) => {
          console.error(`portkey adapter: Portkey exited (code ${code}, signal ${signal})`);
          process.exit(1);
        });
        return child;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    console.error(`portkey adapter: Portkey did not start on port ${privatePort} (attempt ${attempt}), trying another port`);
  }
  console.error('portkey adapter: Portkey did not start after 5 attempts');
  process.exit(1);
}

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    portkey?.kill('SIGKILL');
    process.exit(0);
  });
}
portkey = await startPortkey();

const ROUTES = { '/api/v1/chat/completions': '/v1/chat/completions', '/api/v1/embeddings': '/v1/embeddings' };

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://adapter');
  if (url.pathname === '/healthz') {
    const alive = await portkeyAlive();
    res.writeHead(alive ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: alive ? 'ok' : 'starting' }));
    return;
  }
  const target = ROUTES[url.pathname];
  if (!target) return openaiError(res, 404, 'unknown_endpoint', `no endpoint at ${url.pathname}`);
  if (req.method !== 'POST') return openaiError(res, 405, 'method_not_allowed', `${req.method} is not allowed on ${url.pathname}`);
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > maxBody) {
      return openaiError(res, 413, 'request_too_large', `request body exceeds the limit of ${maxBody} bytes`);
    }
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks);
  let parsed;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (e) {
    return openaiError(res, 400, 'invalid_request', `the request body is not a valid JSON object: ${e.message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return openaiError(res, 400, 'invalid_request', 'the request body is not a valid JSON object');
  }
  if (typeof parsed.model !== 'string') {
    return openaiError(res, 400, 'invalid_request', 'the request body has no "model" field (it must be a string)');
  }
  const model = models.get(parsed.model);
  if (!model) return openaiError(res, 404, 'model_not_found', `model "${parsed.model}" is not configured on this gateway`);
  const forward = http.request(
    {
      host: '127.0.0.1',
      port: privatePort,
      path: target,
      method: 'POST',
      agent: upstream,
      headers: {
        'content-type': 'application/json',
        'content-length': body.length,
        'x-portkey-config': JSON.stringify(portkeyConfig(model)),
      },
    },
    (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    },
  );
  forward.on('error', (e) => {
    if (res.headersSent) return res.destroy();
    openaiError(res, 502, 'adapter_upstream_error', `the adapter could not reach Portkey: ${e.message}`);
  });
  forward.end(body);
});

server.listen(port, '127.0.0.1', () => {
  console.error(`portkey adapter: contract on http://127.0.0.1:${port}, Portkey on ${privatePort}`);
});
