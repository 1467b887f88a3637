// dbvc_verify.mjs: Digital Bazaar's verifier timed on one mark, for bench/verify_path.py.
//
// Run by verify_path.py as `node --input-type=module -e <this text> <repo>` with its working
// directory in tests/interop (so the packages resolve from tests/interop/node_modules). The
// first stdin line is {"credential": {...}, "qr": "VC1-R...", "typeTables": [...], "now": ...};
// then each line "json N" or "qr N" verifies N times and answers {"seconds": s}:
//   json: @digitalbazaar/vc verifyCredential on the JSON mark;
//   qr:   base45 decode, @digitalbazaar/cborld decode, then verifyCredential.
// Status: checkStatus answers {verified: true} without work (the libraries have no in-memory
// status list source); the bench prints that beside the figure. Nothing touches the network.

import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {createInterface} from 'node:readline';

import * as vc from '@digitalbazaar/vc';
import {decode} from '@digitalbazaar/cborld';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {driver as didKeyDriver} from '@digitalbazaar/did-method-key';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {cryptosuite as ecdsaRdfc2019} from
  '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';

const REPO = process.argv[process.argv.length - 1];
const CONTEXTS_DIR = join(REPO, 'contexts');
const CONTEXTS = new Map();
for(const {url, file, sha256} of JSON.parse(
  readFileSync(join(CONTEXTS_DIR, 'manifest.json'), 'utf8'))) {
  const bytes = readFileSync(join(CONTEXTS_DIR, 'documents', file));
  if(createHash('sha256').update(bytes).digest('hex') !== sha256) {
    throw new Error(`bundled context ${file} does not match its sha256`);
  }
  CONTEXTS.set(url, JSON.parse(bytes.toString('utf8')));
}

const didKey = didKeyDriver();
didKey.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});
didKey.use({multibaseMultikeyHeader: 'zDna', fromMultibase: EcdsaMultikey.from});
didKey.use({multibaseMultikeyHeader: 'z82L', fromMultibase: EcdsaMultikey.from});

async function documentLoader(url) {
  if(CONTEXTS.has(url)) {
    return {contextUrl: null, documentUrl: url, document: CONTEXTS.get(url)};
  }
  if(url.startsWith('did:key:')) {
    return {contextUrl: null, documentUrl: url, document: await didKey.get({url})};
  }
  throw new Error(`refusing to load ${url}`);
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

const lines = createInterface({input: process.stdin});
const it = lines[Symbol.asyncIterator]();
const config = JSON.parse((await it.next()).value);
const typeTable = new Map();
for(const {type, table} of config.typeTables) {
  typeTable.set(type, new Map(Object.entries(table)));
}
const typeTableLoader = async () => typeTable;
const suite = [new DataIntegrityProof({cryptosuite: ecdsaRdfc2019})];
const now = new Date(config.now);

async function verify(credential) {
  const result = await vc.verifyCredential({
    credential, suite, documentLoader, now,
    checkStatus: async () => ({verified: true})
  });
  if(result.verified !== true) {
    throw new Error(`not verified: ${JSON.stringify(result.error ?? result)}`);
  }
}
async function verifyQr(text) {
  const cborldBytes = base45Decode(text.slice('VC1-R'.length));
  await verify(await decode({cborldBytes, documentLoader, typeTableLoader}));
}

await verify(config.credential);
await verifyQr(config.qr);
console.log(JSON.stringify({ready: true}));
for(;;) {
  const next = await it.next();
  if(next.done) {
    break;
  }
  const [kind, count] = next.value.split(' ');
  const start = process.hrtime.bigint();
  for(let i = 0; i < Number(count); ++i) {
    await (kind === 'qr' ? verifyQr(config.qr) : verify(config.credential));
  }
  console.log(JSON.stringify({seconds: Number(process.hrtime.bigint() - start) / 1e9}));
}
process.exit(0);
