#!/usr/bin/env node
// cborld.mjs: a small front end to @digitalbazaar/cborld (the exact version
// pinned in package.json), used by vic's interop tests as an independent
// CBOR-LD implementation. It reads one JSON request, or an array of them, on
// stdin and writes the matching result(s) on stdout:
//
//   {"op": "encode", "document": {...}, "registryEntryId": N,
//    "typeTables"?: [{"type": ..., "table": {...}}],
//    "format"?: "cbor-ld-1.0" | "legacy-range" | "legacy-singleton",
//    "compressionMode"?: 0 | 1 (legacy-singleton only),
//    "contexts"?: {"<url>": <context document>}}
//       -> {"hex": "..."}
//   {"op": "decode", "hex": "...",
//    "typeTables"?: [{"type": ..., "table": {...}}],
//    "contexts"?: {"<url>": <context document>}}
//       -> {"document": {...}}
//
// `typeTables` is a registry entry's type tables in the CBOR-LD registry's
// format; it is handed to cborld as the `typeTableLoader` of 8.x (a Map of
// type -> Map of value -> integer) for whatever registryEntryId is asked for.
// A request cborld rejects gives {"error": {"code", "message"}} in its place.
//
//   node cborld.mjs selftest
//       decodes the VC Barcodes MRZ example (registry entry 100) and
//       re-encodes it to the same bytes; exit code 1 if it does not.
//
// Document loader: only the JSON-LD contexts bundled with vic (listed in
// ../../contexts/manifest.json, each file checked against its sha256), plus
// any test contexts a request carries in "contexts". Any other URL throws: no
// network.

import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

import {decode, encode} from '@digitalbazaar/cborld';

const HERE = dirname(fileURLToPath(import.meta.url));
const CONTEXTS_DIR = join(HERE, '..', '..', 'contexts');

function loadBundledContexts() {
  const manifest = JSON.parse(
    readFileSync(join(CONTEXTS_DIR, 'manifest.json'), 'utf8'));
  const contexts = new Map();
  for(const {url, file, sha256} of manifest) {
    const bytes = readFileSync(join(CONTEXTS_DIR, 'documents', file));
    const digest = createHash('sha256').update(bytes).digest('hex');
    if(digest !== sha256) {
      throw new Error(
        `bundled context ${file} does not match its sha256 in manifest.json`);
    }
    contexts.set(url, JSON.parse(bytes.toString('utf8')));
  }
  return contexts;
}

const CONTEXTS = loadBundledContexts();

function documentLoaderFor(extra) {
  return async url => {
    const document = extra?.[url] ?? CONTEXTS.get(url);
    if(document === undefined) {
      throw new Error(`refusing to load ${url}: not a bundled context`);
    }
    // a fresh copy per load, as a network loader would give
    return {contextUrl: null, documentUrl: url,
      document: JSON.parse(JSON.stringify(document))};
  };
}

function typeTableLoaderFor(typeTables) {
  if(typeTables === undefined || typeTables === null) {
    return undefined;
  }
  const typeTable = new Map();
  for(const {type, table} of typeTables) {
    typeTable.set(type, new Map(Object.entries(table)));
  }
  return async () => typeTable;
}

function toHex(bytes) {
  return Buffer.from(bytes).toString('hex');
}

function fromHex(hex) {
  if(typeof hex !== 'string' || !/^([0-9a-f]{2})*$/.test(hex)) {
    throw new TypeError('"hex" must be lower-case hexadecimal');
  }
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

async function handle(request) {
  const typeTableLoader = typeTableLoaderFor(request.typeTables);
  const documentLoader = documentLoaderFor(request.contexts);
  if(request.op === 'encode') {
    const options = {
      jsonldDocument: request.document,
      documentLoader,
      format: request.format ?? 'cbor-ld-1.0'
    };
    if(options.format === 'legacy-singleton') {
      options.compressionMode = request.compressionMode;
    } else {
      options.registryEntryId = request.registryEntryId;
      options.typeTableLoader = typeTableLoader;
    }
    return {hex: toHex(await encode(options))};
  }
  if(request.op === 'decode') {
    const document = await decode({
      cborldBytes: fromHex(request.hex),
      documentLoader,
      typeTableLoader
    });
    return {document};
  }
  throw new TypeError(`unknown op ${JSON.stringify(request.op)}`);
}

async function answer(request) {
  try {
    return await handle(request);
  } catch(e) {
    return {error: {code: e.code ?? e.name, message: String(e.message)}};
  }
}

const MRZ_HEX_HEAD = 'd9cb1d82186';

async function selftest() {
  const qr = readFileSync(
    join(HERE, '..', 'vectors', 'vc-barcodes', 'ead-mrz.qr.txt'), 'utf8').trim();
  const expected = JSON.parse(readFileSync(
    join(HERE, '..', 'vectors', 'vc-barcodes', 'ead-mrz.decoded.json'),
    'utf8'));
  const bytes = base45Decode(qr.slice('VC1-R'.length));
  const typeTables = [
    {type: 'context', table: {
      'https://www.w3.org/ns/credentials/v2': 32768,
      'https://w3id.org/vc-barcodes/v1': 32769,
      'https://w3id.org/utopia/v2': 32770
    }},
    {type: 'https://w3id.org/security#cryptosuiteString', table: {
      'ecdsa-rdfc-2019': 1,
      'ecdsa-sd-2023': 2,
      'eddsa-rdfc-2022': 3,
      'ecdsa-xi-2023': 4
    }}
  ];
  const decoded = await answer({op: 'decode', hex: toHex(bytes), typeTables});
  const encoded = await answer({
    op: 'encode', document: expected, registryEntryId: 100, typeTables
  });
  const ok = JSON.stringify(sortKeys(decoded.document)) ===
    JSON.stringify(sortKeys(expected)) &&
    encoded.hex === toHex(bytes) && encoded.hex.startsWith(MRZ_HEX_HEAD);
  console.log(JSON.stringify({decodes: !!decoded.document, reencodes: ok}));
  process.exitCode = ok ? 0 : 1;
}

function sortKeys(value) {
  if(Array.isArray(value)) {
    return value.map(sortKeys);
  }
  if(value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value).sort().map(k => [k, sortKeys(value[k])]));
  }
  return value;
}

const B45 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';

function base45Decode(text) {
  const out = [];
  for(let i = 0; i < text.length; i += 3) {
    const chunk = text.slice(i, i + 3);
    let n = 0;
    for(let j = chunk.length - 1; j >= 0; --j) {
      n = n * 45 + B45.indexOf(chunk[j]);
    }
    if(chunk.length === 3) {
      out.push(n >> 8, n & 0xff);
    } else {
      out.push(n);
    }
  }
  return Uint8Array.from(out);
}

async function main() {
  if(process.argv[2] === 'selftest') {
    return selftest();
  }
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  const input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const output = Array.isArray(input) ?
    await Promise.all(input.map(answer)) : await answer(input);
  process.stdout.write(JSON.stringify(output));
}

main().catch(e => {
  console.error(e);
  process.exitCode = 1;
});
