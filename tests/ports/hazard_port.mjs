// A tokfuzz-cmd/1 port that misbehaves on purpose (tests/backends/test_cmd.py):
// "7" kills it with SIGSEGV, "8" makes it hang, "9" is a per-item TypeError,
// "exit" ends it with status 3; everything else is one id per code unit.
import { createInterface } from "node:readline";

const encode = (text) => {
  if (text.includes("7")) process.kill(process.pid, "SIGSEGV");
  if (text.includes("8")) for (;;) {}
  if (text.includes("9")) throw new TypeError("nines are not supported");
  if (text === "exit") process.exit(3);
  return Array.from({ length: text.length }, (_, i) => text.charCodeAt(i));
};
const send = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
const each = (items, fn) => items.map((item) => {
  try { return fn(item); } catch (e) { return { error: `${e.constructor.name}: ${e.message}` }; }
});
send({ protocol: "tokfuzz-cmd/1", name: "hazard-js", library: "test", version: "0", members: ["encode", "decode"] });
for await (const line of createInterface({ input: process.stdin })) {
  const request = JSON.parse(line);
  const response = request.op === "encode" ? { results: each(request.texts, encode) }
    : { results: each(request.ids, (ids) => String.fromCharCode(...ids)) };
  send(response);
}
