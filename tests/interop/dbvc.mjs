#!/usr/bin/env node
// dbvc.mjs: a small command-line front end to Digital Bazaar's Verifiable
// Credential and Data Integrity libraries, used by vic's interop tests as an
// independent implementation (an oracle). It speaks JSON on stdin/stdout:
//
//   node dbvc.mjs keygen --type <Ed25519|P-256|P-384>
//       stdout: a Multikey JSON with id/controller (did:key) and
//       secretKeyMultibase.
//   node dbvc.mjs sign --suite <eddsa-rdfc-2022|eddsa-jcs-2022|
//                               ecdsa-rdfc-2019|ecdsa-jcs-2019>
//       stdin:  {"credential": {...}, "key": {Multikey with
//               secretKeyMultibase, id, controller},
//               "now"?: ISO date-time for the credential checks,
//               "created"?: ISO date-time for proof.created}
//       stdout: the signed credential (@digitalbazaar/vc issue()).
//   node dbvc.mjs verify
//       stdin:  {"credential": {...}, "now"?: ISO date-time}
//       stdout: {"verified": bool, "errors": [messages],
//                "statusChecked": false}
//       The exit code is 0 whenever the script itself worked, whatever the
//       verdict, so the caller always gets the JSON.
//   node dbvc.mjs selftest   (also `npm test`)
//       keygen -> sign -> verify, and a tampered copy must fail, for every
//       suite and key type on a vehicle inspection credential; node only.
//       stdout: one result per case; exit code 1 if any case failed.
//
// Exit codes: 0 success, 2 usage or input error, 1 anything else (a message
// is printed on stderr).
//
// Credential status: @digitalbazaar/vc refuses to verify a credential that
// has a credentialStatus unless it is given a checkStatus function. This
// oracle checks proofs and the data model only; its checkStatus returns
// {verified: true} without fetching anything (status lists are tested
// elsewhere), and the output says so with "statusChecked": false.
//
// Document loader: only the JSON-LD contexts bundled with vic (listed in
// ../../contexts/manifest.json, each file checked against its sha256) and
// did:key documents resolved locally by @digitalbazaar/did-method-key
// (Ed25519, P-256 and P-384 Multikeys). Any other URL throws: no network.

import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {driver as didKeyDriver} from '@digitalbazaar/did-method-key';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {cryptosuite as ecdsaRdfc2019} from
  '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import {cryptosuite as eddsaRdfc2022} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as ecdsaJcs2019 from '@digitalbazaar/ecdsa-jcs-2019-cryptosuite';
import * as eddsaJcs2022 from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';

const HERE = dirname(fileURLToPath(import.meta.url));
const CONTEXTS_DIR = join(HERE, '..', '..', 'contexts');

class UsageError extends Error {}

// --- document loader -------------------------------------------------------

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

const didKey = didKeyDriver();
didKey.use({
  multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from
});
didKey.use({
  multibaseMultikeyHeader: 'zDna', fromMultibase: EcdsaMultikey.from
});
didKey.use({
  multibaseMultikeyHeader: 'z82L', fromMultibase: EcdsaMultikey.from
});

async function documentLoader(url) {
  if(CONTEXTS.has(url)) {
    // a fresh copy every time: the libraries must not share mutable state
    return {
      contextUrl: null,
      documentUrl: url,
      document: structuredClone(CONTEXTS.get(url))
    };
  }
  if(typeof url === 'string' && url.startsWith('did:key:')) {
    const document = await didKey.get({url});
    return {contextUrl: null, documentUrl: url, document};
  }
  throw new Error(
    `dbvc document loader: ${url} is neither a bundled context nor a did:key`);
}

// --- keys and suites --------------------------------------------------------

const SIGN_SUITES = {
  'eddsa-rdfc-2022': {keyFamily: 'Ed25519', cryptosuite: () => eddsaRdfc2022},
  'eddsa-jcs-2022': {
    keyFamily: 'Ed25519', cryptosuite: () => eddsaJcs2022.createSignCryptosuite()
  },
  'ecdsa-rdfc-2019': {keyFamily: 'ECDSA', cryptosuite: () => ecdsaRdfc2019},
  'ecdsa-jcs-2019': {
    keyFamily: 'ECDSA', cryptosuite: () => ecdsaJcs2019.createSignCryptosuite()
  }
};

function verifySuites() {
  return [
    new DataIntegrityProof({cryptosuite: eddsaRdfc2022}),
    new DataIntegrityProof({
      cryptosuite: eddsaJcs2022.createVerifyCryptosuite()
    }),
    new DataIntegrityProof({cryptosuite: ecdsaRdfc2019}),
    new DataIntegrityProof({
      cryptosuite: ecdsaJcs2019.createVerifyCryptosuite()
    })
  ];
}

function keyFamilyOf(publicKeyMultibase) {
  if(typeof publicKeyMultibase !== 'string') {
    throw new UsageError('key.publicKeyMultibase must be a string');
  }
  if(publicKeyMultibase.startsWith('z6Mk')) {
    return 'Ed25519';
  }
  if(publicKeyMultibase.startsWith('zDna') ||
    publicKeyMultibase.startsWith('z82L')) {
    return 'ECDSA';
  }
  throw new UsageError(
    `unsupported publicKeyMultibase ${publicKeyMultibase.slice(0, 4)}...: ` +
    'expected an Ed25519 (z6Mk), P-256 (zDna) or P-384 (z82L) Multikey');
}

async function importKeyPair(key) {
  if(!key || typeof key !== 'object') {
    throw new UsageError('"key" must be a Multikey JSON object');
  }
  for(const prop of ['id', 'controller', 'secretKeyMultibase']) {
    if(typeof key[prop] !== 'string') {
      throw new UsageError(`key.${prop} must be a string`);
    }
  }
  const family = keyFamilyOf(key.publicKeyMultibase);
  const multikey = {
    '@context': 'https://w3id.org/security/multikey/v1',
    type: 'Multikey',
    id: key.id,
    controller: key.controller,
    publicKeyMultibase: key.publicKeyMultibase,
    secretKeyMultibase: key.secretKeyMultibase
  };
  const keyPair = family === 'Ed25519' ?
    await Ed25519Multikey.from(multikey) : await EcdsaMultikey.from(multikey);
  return {family, keyPair};
}

// --- commands ---------------------------------------------------------------

async function keygen(args) {
  const type = args.type;
  let keyPair;
  if(type === 'Ed25519') {
    keyPair = await Ed25519Multikey.generate();
  } else if(type === 'P-256' || type === 'P-384') {
    keyPair = await EcdsaMultikey.generate({curve: type});
  } else {
    throw new UsageError('keygen needs --type Ed25519, P-256 or P-384');
  }
  const did = `did:key:${keyPair.publicKeyMultibase}`;
  keyPair.controller = did;
  keyPair.id = `${did}#${keyPair.publicKeyMultibase}`;
  return keyPair.export({publicKey: true, secretKey: true, includeContext: true});
}

async function sign(args, input) {
  const suiteName = args.suite;
  const spec = SIGN_SUITES[suiteName];
  if(!spec) {
    throw new UsageError(
      `sign needs --suite ${Object.keys(SIGN_SUITES).join('|')}`);
  }
  const {credential, key, now, created} = input;
  if(!credential || typeof credential !== 'object') {
    throw new UsageError('"credential" must be a JSON object');
  }
  const {family, keyPair} = await importKeyPair(key);
  if(family !== spec.keyFamily) {
    throw new UsageError(
      `${suiteName} needs an ${spec.keyFamily} key, got an ${family} key`);
  }
  const suite = new DataIntegrityProof({
    signer: keyPair.signer(),
    cryptosuite: spec.cryptosuite(),
    ...(created === undefined ? {} : {date: created})
  });
  return vc.issue({
    credential: structuredClone(credential),
    suite,
    documentLoader,
    ...(now === undefined ? {} : {now})
  });
}

function errorMessages(result) {
  const messages = [];
  const seen = new Set();
  const visit = error => {
    if(!error || seen.has(error)) {
      return;
    }
    seen.add(error);
    if(Array.isArray(error)) {
      error.forEach(visit);
      return;
    }
    const text = error.message ?? String(error);
    if(text) {
      messages.push(error.name && error.name !== 'Error' ?
        `${error.name}: ${text}` : text);
    }
    // jsigs wraps several errors in one (VerificationError.errors)
    if(Array.isArray(error.errors)) {
      error.errors.forEach(visit);
    }
  };
  visit(result.error);
  for(const r of result.results ?? []) {
    visit(r.error);
    if(r.purposeResult && r.purposeResult.error) {
      visit(r.purposeResult.error);
    }
  }
  if(result.statusResult && result.statusResult.error) {
    visit(result.statusResult.error);
  }
  return [...new Set(messages)];
}

async function verify(args, input) {
  const {credential, now} = input;
  if(!credential || typeof credential !== 'object') {
    throw new UsageError('"credential" must be a JSON object');
  }
  const result = await vc.verifyCredential({
    credential,
    suite: verifySuites(),
    documentLoader,
    // see the note on credential status at the top of this file
    checkStatus: async () => ({verified: true}),
    ...(now === undefined ? {} : {now})
  });
  const verified = result.verified === true;
  const errors = errorMessages(result);
  if(!verified && errors.length === 0) {
    errors.push('not verified (no error reported by @digitalbazaar/vc)');
  }
  return {verified, errors, statusChecked: false};
}

async function selftest() {
  const cases = [
    ['Ed25519', 'eddsa-rdfc-2022'], ['Ed25519', 'eddsa-jcs-2022'],
    ['P-256', 'ecdsa-rdfc-2019'], ['P-384', 'ecdsa-rdfc-2019'],
    ['P-256', 'ecdsa-jcs-2019'], ['P-384', 'ecdsa-jcs-2019']
  ];
  const now = '2027-06-01T00:00:00Z';
  const results = [];
  for(const [type, suite] of cases) {
    const key = await keygen({type});
    const credential = {
      '@context': [
        'https://www.w3.org/ns/credentials/v2',
        'https://w3id.org/vehicle-inspection/v1'
      ],
      type: ['VerifiableCredential', 'VehicleInspectionCredential'],
      id: 'urn:uuid:2f9c6b1e-8a43-4c55-9d0e-3b8f1f2a7c10',
      issuer: key.controller,
      validFrom: '2026-11-25T00:00:00Z',
      validUntil: '2028-11-30T15:59:59Z',
      credentialSubject: {
        type: 'Vehicle',
        registrationNumber: '\u9102L12345',
        plateTypeCode: '02',
        vehicleTypeCode: 'K33',
        vehicleIdentificationNumber: 'LSVAU2A36N2183457',
        inspectionBasis: 'OnSite'
      }
    };
    const signed = await sign({suite}, {credential, key});
    const good = await verify({}, {credential: signed, now});
    const bad = structuredClone(signed);
    bad.credentialSubject.vehicleTypeCode = 'K31';
    const tampered = await verify({}, {credential: bad, now});
    const ok = good.verified && !tampered.verified &&
      signed.proof.cryptosuite === suite;
    results.push({
      suite, keyType: type, ok,
      verified: good.verified, tamperedVerified: tampered.verified,
      errors: good.errors, tamperedErrors: tampered.errors
    });
  }
  if(!results.every(r => r.ok)) {
    process.exitCode = 1;
  }
  return results;
}

// --- main -------------------------------------------------------------------

function parseArgs(argv) {
  const [command, ...rest] = argv;
  const args = {};
  for(let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    if(!flag.startsWith('--') || i + 1 >= rest.length) {
      throw new UsageError(`unexpected argument ${flag}`);
    }
    args[flag.slice(2)] = rest[++i];
  }
  return {command, args};
}

async function readStdinJson() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    const value = JSON.parse(text);
    if(!value || typeof value !== 'object' || Array.isArray(value)) {
      throw new Error('not an object');
    }
    return value;
  } catch(e) {
    throw new UsageError(`stdin must be a JSON object (${e.message})`);
  }
}

async function main(argv) {
  const {command, args} = parseArgs(argv);
  switch(command) {
    case 'keygen':
      return keygen(args);
    case 'sign':
      return sign(args, await readStdinJson());
    case 'verify':
      return verify(args, await readStdinJson());
    case 'selftest':
      return selftest();
    default:
      throw new UsageError(
        'usage: node dbvc.mjs keygen --type <Ed25519|P-256|P-384> | ' +
        'sign --suite <suite> | verify  (JSON on stdin) | selftest');
  }
}

try {
  const output = await main(process.argv.slice(2));
  process.stdout.write(JSON.stringify(output, null,
    process.argv[2] === 'selftest' ? 2 : undefined) + '\n');
} catch(e) {
  process.stderr.write(
    `dbvc: ${e instanceof UsageError ? e.message : (e.stack ?? e)}\n`);
  process.exitCode = e instanceof UsageError ? 2 : 1;
}
