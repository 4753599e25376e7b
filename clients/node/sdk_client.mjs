// Drives a gateway with the official OpenAI Node SDK, as an application
// would, and prints what the SDK gave back as one JSON object;
// tests/sdk_clients.rs sets up the gateway and its providers and judges the
// output (the same judgement as for the Python SDK's sdk_client.py).
//
//     node sdk_client.mjs <gateway base URL>
import OpenAI from 'openai';
import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('./node_modules/openai/package.json', import.meta.url)));
const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};
const ASK = [{ role: 'user', content: 'Say hello.' }];

// No retries by the SDK: what the gateway answers is what is judged.
const client = (apiKey = 'sk-client') =>
  new OpenAI({ baseURL: `${process.argv[2]}/api/v1`, apiKey, maxRetries: 0, timeout: 10_000 });

// The SDK's error for a call that must fail, as data.
async function failure(call) {
  try {
    await call();
  } catch (e) {
    if (e instanceof OpenAI.APIError) {
      const error = e.error ?? {};
      return { class: e.constructor.name, status: e.status ?? null, message: error.message ?? null, code: error.code ?? null };
    }
    return { class: e.constructor.name, status: null, message: String(e), code: null };
  }
  return { class: null, status: null, message: 'the call succeeded', code: null };
}

const sdk = client();
const out = { sdk: 'node', version };

const { data: chat, response } = await sdk.chat.completions.create({ model: 'gpt-4o', messages: ASK }).withResponse();
out.chat = {
  content: chat.choices[0].message.content,
  fingerprint: chat.system_fingerprint,
  served_by: response.headers.get('x-failover-served-by'),
  attempts: response.headers.get('x-failover-attempts'),
};

const pieces = [];
for await (const chunk of await sdk.chat.completions.create({ model: 'gpt-4o', messages: ASK, stream: true })) {
  const piece = chunk.choices[0]?.delta?.content;
  if (piece) pieces.push(piece);
}
out.stream = { chunks: pieces.length, text: pieces.join('') };

const embedding = await sdk.embeddings.create({ model: 'gpt-4o', input: 'hello' });
out.embeddings = { count: embedding.data.length, dimensions: embedding.data[0].embedding.length };

const answer = await sdk.chat.completions.create({ model: 'tools', messages: ASK, tools: [WEATHER_TOOL] });
const call = answer.choices[0].message.tool_calls[0];
out.tools = {
  finish_reason: answer.choices[0].finish_reason,
  name: call.function.name,
  arguments: JSON.parse(call.function.arguments),
};

out.errors = {
  unknown_model: await failure(() => sdk.chat.completions.create({ model: 'nope', messages: ASK })),
  no_provider: await failure(() => sdk.chat.completions.create({ model: 'solo', messages: ASK })),
  budget: await failure(() => client('sk-spent').chat.completions.create({ model: 'gpt-4o', messages: ASK })),
  too_large: await failure(() =>
    sdk.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x'.repeat(70000) }] }),
  ),
  bad_request: await failure(() =>
    sdk.chat.completions.create({ model: 'gpt-4o', messages: ASK }, { headers: { 'x-session-id': 's1' } }),
  ),
  unknown_outcome: await failure(() => sdk.chat.completions.create({ model: 'hang', messages: ASK, store: true })),
  // The same Idempotency-Key with another body: the second call must fail.
  key_reused: await failure(async () => {
    const headers = { 'Idempotency-Key': 'sdk-key-1' };
    await sdk.chat.completions.create({ model: 'gpt-4o', messages: ASK }, { headers });
    await sdk.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Another.' }] }, { headers });
  }),
  no_provider_stream: await failure(async () => {
    for await (const _ of await sdk.chat.completions.create({ model: 'solo', messages: ASK, stream: true }));
  }),
};
console.log(JSON.stringify(out));
