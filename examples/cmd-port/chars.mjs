// A complete tokfuzz-cmd/1 port in plain Node.js, no packages: a character-level
// "tokenizer" (one id per UTF-16 code unit). Copy it, replace encode/decode with your
// library's calls, and run:  tokfuzz fuzz --backend "cmd:node path/to/your-port.mjs" ...
// The same fifty lines in Go, Rust, C++ or Java: read a line, parse JSON, answer a line.
import { createInterface } from "node:readline";

const encode = (text) => Array.from({ length: text.length }, (_, i) => text.charCodeAt(i));
const decode = (ids) => String.fromCharCode(...ids);

const send = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
const each = (items, fn) => items.map((item) => {
  try { return fn(item); } catch (e) { return { error: `${e.constructor.name}: ${e.message}` }; }
});

send({ protocol: "tokfuzz-cmd/1", name: "chars-js", library: "example", version: "1.0",
       members: ["encode", "decode"], unicode: process.versions.unicode });

for await (const line of createInterface({ input: process.stdin })) {
  const request = JSON.parse(line);
  let response;
  if (request.op === "encode") response = { results: each(request.texts, encode) };
  else if (request.op === "decode") response = { results: each(request.ids, decode) };
  else response = { error: `Error: unsupported op ${request.op}` };
  if (request.id !== undefined) response.id = request.id;
  send(response);
}
