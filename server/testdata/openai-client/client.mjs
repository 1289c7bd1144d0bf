// Drives a vkllm server with the official openai client: models, completion
// and chat, streaming and not, and an invalid request. Prints one JSON
// object per line on stdout for server/openai_client_test.go to check.
// Usage: BASE_URL=http://127.0.0.1:PORT/v1 MODEL=name node client.mjs
import OpenAI from 'openai';

const client = new OpenAI({ baseURL: process.env.BASE_URL, apiKey: 'unused', maxRetries: 0, timeout: 60_000 });
const model = process.env.MODEL;
const out = (obj) => console.log(JSON.stringify(obj));

const models = await client.models.list();
out({ case: 'models', ids: models.data.map((m) => m.id) });

const completionReq = { model, prompt: 'Once upon a time', max_tokens: 16, temperature: 0 };
const c = await client.completions.create(completionReq);
out({ case: 'completion', id: c.id, object: c.object, text: c.choices[0].text, finish_reason: c.choices[0].finish_reason, usage: c.usage });

let text = '';
let finish = null;
let usage = null;
const cs = await client.completions.create({ ...completionReq, stream: true, stream_options: { include_usage: true } });
for await (const chunk of cs) {
  if (chunk.usage) usage = chunk.usage;
  for (const ch of chunk.choices) {
    text += ch.text;
    if (ch.finish_reason) finish = ch.finish_reason;
  }
}
out({ case: 'completion-stream', text, finish_reason: finish, usage });

const messages = [
  { role: 'system', content: 'You tell short stories.' },
  { role: 'user', content: 'Tell me about a cat.' },
];
const chatReq = { model, messages, max_tokens: 12, temperature: 0 };
const r = await client.chat.completions.create(chatReq);
out({ case: 'chat', id: r.id, object: r.object, role: r.choices[0].message.role, text: r.choices[0].message.content, finish_reason: r.choices[0].finish_reason, usage: r.usage });

text = '';
finish = null;
let role = null;
const stream = await client.chat.completions.create({ ...chatReq, stream: true });
for await (const chunk of stream) {
  for (const ch of chunk.choices) {
    if (ch.delta.role) role = ch.delta.role;
    if (ch.delta.content) text += ch.delta.content;
    if (ch.finish_reason) finish = ch.finish_reason;
  }
}
out({ case: 'chat-stream', role, text, finish_reason: finish });

const stopped = await client.completions.create({ ...completionReq, stop: [' girl'] });
out({ case: 'stop', text: stopped.choices[0].text, finish_reason: stopped.choices[0].finish_reason });

try {
  await client.completions.create({ ...completionReq, max_tokens: -1 });
  out({ case: 'error', status: 0 });
} catch (e) {
  if (!(e instanceof OpenAI.APIError)) throw e;
  out({ case: 'error', status: e.status, param: e.param, type: e.type, message: e.message });
}
