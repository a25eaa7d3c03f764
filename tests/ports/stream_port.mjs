// A tokfuzz-cmd/1 port with a streaming detokenizer (tests/backends/test_detokenizers.py):
// a byte-level "tokenizer" (one id per UTF-8 byte; a lone surrogate is U+FFFD's bytes)
// whose decode_stream is chosen by the argument:
//   naive    decodes each id on its own (planted fault: a split character becomes U+FFFD)
//   correct  TextDecoder with {stream: true}, flushed at the end (holds partial UTF-8)
//   raises   throws a RangeError on any byte >= 0x80
import { createInterface } from "node:readline";

const mode = process.argv[2] ?? "correct";
const utf8 = () => new TextDecoder("utf-8");  // replacement, not fatal
const encode = (text) => Array.from(Buffer.from(text, "utf8"));
const decode = (ids) => utf8().decode(Uint8Array.from(ids));
const decoders = {
  naive: () => ({ step: (id) => decode([id]), flush: () => "" }),
  correct: () => {
    const d = utf8();
    return { step: (id) => d.decode(Uint8Array.of(id), { stream: true }), flush: () => d.decode() };
  },
  raises: () => ({
    step: (id) => { if (id >= 0x80) throw new RangeError(`byte ${id} is not ASCII`); return String.fromCharCode(id); },
    flush: () => "",
  }),
};
const streamed = (ids) => {
  const d = decoders[mode]();
  return [...ids.map((id) => d.step(id)), d.flush()];
};

const send = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
const each = (items, fn) => items.map((item) => {
  try { return fn(item); } catch (e) { return { error: `${e.constructor.name}: ${e.message}` }; }
});
send({ protocol: "tokfuzz-cmd/1", name: `stream-${mode}`, library: "test", version: "0",
       members: ["encode", "decode", "token_bytes", "decode_stream"], vocab_size: 256 });
for await (const line of createInterface({ input: process.stdin })) {
  const request = JSON.parse(line);
  const ops = {
    encode: () => ({ results: each(request.texts, encode) }),
    decode: () => ({ results: each(request.ids, decode) }),
    token_bytes: () => ({ results: each(request.ids, (id) => Buffer.from([id]).toString("base64")) }),
    decode_stream: () => ({ results: each(request.ids, streamed) }),
  };
  send(ops[request.op] ? ops[request.op]() : { error: `Error: unsupported op ${request.op}` });
}
