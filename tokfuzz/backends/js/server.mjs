// tokfuzz cmd: protocol server for JavaScript tokenizer ports (protocol tokfuzz-cmd/1).
//
//   node server.mjs PORT [ARG]        e.g.  node server.mjs js-tiktoken cl100k_base
//
// Speaks JSON lines on stdin/stdout, as README.md ("The cmd: protocol") documents:
// a handshake line first, then one response line per request line. Ports are the
// entries of ports.mjs; each is called the way its README tells users to.
// Packages are resolved from TOKFUZZ_NODE_MODULES (default: the node_modules found
// walking up from this file, as Node itself does).

import { PORTS } from "./ports.mjs";

const PROTOCOL = "tokfuzz-cmd/1";

function fail(message) {
  process.stdout.write(JSON.stringify({ protocol: PROTOCOL, error: message }) + "\n");
  process.exit(2);
}

function errorOf(e) {
  const type = (e && e.constructor && e.constructor.name) || "Error";
  const message = String((e && e.message) || e).split("\n")[0].slice(0, 300);
  return { error: `${type}: ${message}` };
}

// One stream through a fresh detokenizer { step(id) -> string|null, flush?() -> string|null }:
// one string per id ("" for null/undefined), then the flush: ids.length + 1 strings.
function streamed(decoder, ids) {
  const out = ids.map((id) => decoder.step(id) ?? "");
  out.push((decoder.flush && decoder.flush()) ?? "");
  return out.map(String);
}

function b64(bytes) {
  return Buffer.from(bytes).toString("base64");
}

async function main() {
  const [portName, arg] = process.argv.slice(2);
  const make = PORTS[portName];
  if (!make) fail(`unknown port ${JSON.stringify(portName)}; ports: ${Object.keys(PORTS).join(", ")}`);
  let port;
  try {
    port = await make(arg);
  } catch (e) {
    fail(`${portName} ${arg ?? ""} does not load: ${errorOf(e).error}`);
  }
  const members = ["encode", "decode"];
  if (port.tokenBytes) members.push("token_bytes");
  if (port.specialTokens) members.push("special_tokens");
  if (port.decodeStream) members.push("decode_stream");
  const hello = { protocol: PROTOCOL, name: port.name, library: port.library, version: port.version, members,
    unicode: process.versions.unicode };
  if (port.normalize) hello.normalize = port.normalize;
  if (port.vocabSize) hello.vocab_size = port.vocabSize;
  process.stdout.write(JSON.stringify(hello) + "\n");

  const each = (items, fn) => items.map((item) => {
    try { return fn(item); } catch (e) { return errorOf(e); }
  });
  const handlers = {
    encode: (r) => ({ results: each(r.texts, (t) => Array.from(port.encode(t))) }),
    decode: (r) => ({ results: each(r.ids, (ids) => port.decode(ids)) }),
    token_bytes: (r) => ({ results: each(r.ids, (id) => b64(port.tokenBytes(id))) }),
    special_tokens: () => ({ result: port.specialTokens() }),
    decode_stream: (r) => ({ results: each(r.ids, (ids) => streamed(port.decodeStream(), ids)) }),
  };
  const handle = (line) => {
    if (!line.trim()) return;
    let request, response;
    try {
      request = JSON.parse(line);
      const handler = handlers[request.op];
      if (!handler || !members.includes(request.op)) throw new Error(`unsupported op ${JSON.stringify(request.op)}`);
      response = handler(request);
    } catch (e) {
      response = errorOf(e);
    }
    if (request && request.id !== undefined) response.id = request.id;
    process.stdout.write(JSON.stringify(response) + "\n");  // synchronous for pipes on Linux
  };
  // Lines by hand: readline's async iterator costs more than most encodes.
  let pending = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk) => {
    pending += chunk;
    let end;
    while ((end = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, end);
      pending = pending.slice(end + 1);
      handle(line);
    }
  });
}

main();
