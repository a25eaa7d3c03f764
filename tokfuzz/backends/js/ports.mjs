// The JavaScript tokenizer ports tokfuzz drives (see server.mjs). Each entry is an async
// factory taking the port's argument (an encoding name or a file path) and returning
// { name, library, version, encode(text) -> ids, decode(ids) -> string, and optionally
// tokenBytes(id) -> Uint8Array, specialTokens() -> {string: id}, normalize: "NFKC",
// decodeStream() -> a fresh { step(id) -> string|null, flush() -> string|null } }.
//
// Each library is called the way its own README tells users to, with default options,
// except that no BOS/EOS is added (tokfuzz's backend protocol, DESIGN §2) where the
// library adds one by default; nothing is repaired.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

function packageJson(name) {
  // node_modules/<name>/package.json, found walking up from this file as Node resolves packages.
  for (const base of require.resolve.paths(name) ?? []) {
    try {
      return JSON.parse(readFileSync(join(base, name, "package.json"), "utf8"));
    } catch {}
  }
  throw new Error(`package ${name} is not installed (run make install)`);
}

const version = (name) => packageJson(name).version;
const utf8 = new TextDecoder("utf-8");  // replaces invalid bytes with U+FFFD, as the READMEs' examples do

export const PORTS = {
  // js-tiktoken: `getEncoding(name)` from the full package (ranks bundled).
  "js-tiktoken": async (encoding) => {
    const { getEncoding } = await import("js-tiktoken");
    const enc = getEncoding(encoding);
    return {
      name: "js-tiktoken", library: "js-tiktoken", version: version("js-tiktoken"),
      encode: (text) => enc.encode(text),
      decode: (ids) => enc.decode(ids),
    };
  },

  // gpt-tokenizer: `import { encode, decode } from "gpt-tokenizer/encoding/<name>"`.
  "gpt-tokenizer": async (encoding) => {
    const mod = await import(`gpt-tokenizer/encoding/${encoding}`);
    return {
      name: "gpt-tokenizer", library: "gpt-tokenizer", version: version("gpt-tokenizer"),
      encode: (text) => mod.encode(text),
      decode: (ids) => mod.decode(ids),
    };
  },

  // @dqbd/tiktoken (tiktoken compiled to WASM): `get_encoding(name)`; decode returns
  // bytes, turned into text with `new TextDecoder().decode(...)` as its README does.
  "tiktoken-wasm": async (encoding) => {
    const { get_encoding } = await import("@dqbd/tiktoken");
    const enc = get_encoding(encoding);
    return {
      name: "tiktoken-wasm", library: "@dqbd/tiktoken", version: version("@dqbd/tiktoken"),
      encode: (text) => enc.encode(text),
      decode: (ids) => utf8.decode(enc.decode(Uint32Array.from(ids))),
      tokenBytes: (id) => enc.decode_single_token_bytes(id),
    };
  },

  // @huggingface/tokenizers (transformers.js' tokenizer code): `new Tokenizer(json, config)`
  // on a tokenizer.json and its tokenizer_config.json; arg "TOKENIZER_JSON[::CONFIG_JSON]".
  "tokenizers-js": async (arg) => {
    const [jsonPath, configPath] = arg.split("::");
    const { Tokenizer } = await import("@huggingface/tokenizers");
    const json = JSON.parse(readFileSync(jsonPath, "utf8"));
    const config = configPath ? JSON.parse(readFileSync(configPath, "utf8")) : {};
    const tok = new Tokenizer(json, config);
    const specials = Object.fromEntries(tok.added_tokens.filter((t) => t.special).map((t) => [t.content, t.id]));
    return {
      name: "tokenizers-js", library: "@huggingface/tokenizers", version: version("@huggingface/tokenizers"),
      encode: (text) => tok.encode(text, { add_special_tokens: false }).ids,
      decode: (ids) => tok.decode(ids),
      specialTokens: () => specials,
    };
  },

  // mistral-tokenizer-js (Mistral 7B v0.1's SentencePiece vocabulary, baked in):
  // `encode(text, add_bos_token, add_preceding_space)`; BOS off, the preceding space on (its default).
  "mistral-tokenizer-js": async () => {
    const { default: tok } = await import("mistral-tokenizer-js");
    return {
      name: "mistral-tokenizer-js", library: "mistral-tokenizer-js", version: version("mistral-tokenizer-js"),
      encode: (text) => tok.encode(text, false, true),
      decode: (ids) => tok.decode(ids, false, true),
    };
  },

  // llama3-tokenizer-js: `encode(text, { bos: false, eos: false })`, `decode(ids)`.
  "llama3-tokenizer-js": async () => {
    const { default: tok } = await import("llama3-tokenizer-js");
    return {
      name: "llama3-tokenizer-js", library: "llama3-tokenizer-js", version: version("llama3-tokenizer-js"),
      encode: (text) => tok.encode(text, { bos: false, eos: false }),
      decode: (ids) => tok.decode(ids),
    };
  },

  // @anthropic-ai/tokenizer: what its `countTokens(text)` does, keeping the ids:
  // `getTokenizer().encode(text.normalize("NFKC"), "all")` (special tokens allowed).
  "anthropic-tokenizer-js": async () => {
    const { getTokenizer } = await import("@anthropic-ai/tokenizer");
    const tok = getTokenizer();
    return {
      name: "anthropic-tokenizer-js", library: "@anthropic-ai/tokenizer", version: version("@anthropic-ai/tokenizer"),
      normalize: "NFKC",
      encode: (text) => tok.encode(text.normalize("NFKC"), "all"),
      decode: (ids) => utf8.decode(tok.decode(Uint32Array.from(ids))),
      tokenBytes: (id) => tok.decode_single_token_bytes(id),
    };
  },
};
