#!/usr/bin/env node
// josejwt.mjs: vc+jwt with the npm package `jose` (panva), an independent
// JOSE implementation used by vic's interop tests as an oracle. JSON on
// stdin/stdout:
//
//   node josejwt.mjs keygen --alg <ES256|ES384|EdDSA>
//       stdout: {"privateJwk": {...}, "publicJwk": {...}}
//   node josejwt.mjs sign
//       stdin:  {"payload": {...}, "privateJwk": {...}, "alg": "...",
//                "kid": "did:...#..."}
//       stdout: {"token": "<compact JWS>"} with the protected header
//               {alg, kid, typ: "vc+jwt", cty: "vc"}
//   node josejwt.mjs verify
//       stdin:  {"token": "...", "publicJwk": {...}}
//       stdout: {"verified": bool, "header": {...}?, "payload": {...}?,
//                "error": "..."?}
//       Only ES256, ES384 and EdDSA are accepted, and typ must be vc+jwt.
//       The exit code is 0 whenever the script itself worked, whatever the
//       verdict.
//
// Exit codes: 0 success, 2 usage or input error, 1 anything else.

import {readFileSync} from 'node:fs';

import * as jose from 'jose';

const ALGORITHMS = ['ES256', 'ES384', 'EdDSA'];
const CURVES = {ES256: 'P-256', ES384: 'P-384', EdDSA: 'Ed25519'};

function usage(message) {
  process.stderr.write(`josejwt.mjs: ${message}\n`);
  process.exit(2);
}

function stdinJson() {
  try {
    return JSON.parse(readFileSync(0, 'utf8'));
  } catch(e) {
    usage(`stdin is not JSON: ${e.message}`);
  }
}

async function keygen(alg) {
  if(!ALGORITHMS.includes(alg)) {
    usage(`--alg must be one of ${ALGORITHMS.join(', ')}`);
  }
  const {privateKey, publicKey} = await jose.generateKeyPair(alg, {
    crv: CURVES[alg], extractable: true
  });
  return {
    privateJwk: await jose.exportJWK(privateKey),
    publicJwk: await jose.exportJWK(publicKey)
  };
}

async function sign({payload, privateJwk, alg, kid}) {
  const key = await jose.importJWK(privateJwk, alg);
  const token = await new jose.CompactSign(
    new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({alg, kid, typ: 'vc+jwt', cty: 'vc'})
    .sign(key);
  return {token};
}

async function verify({token, publicJwk}) {
  try {
    const header = jose.decodeProtectedHeader(token);
    const key = await jose.importJWK(publicJwk, header.alg);
    const {payload, protectedHeader} = await jose.compactVerify(
      token, key, {algorithms: ALGORITHMS});
    if(protectedHeader.typ !== 'vc+jwt') {
      throw new Error(`typ ${protectedHeader.typ} is not vc+jwt`);
    }
    return {
      verified: true,
      header: protectedHeader,
      payload: JSON.parse(new TextDecoder().decode(payload))
    };
  } catch(e) {
    return {verified: false, error: `${e.code || e.name}: ${e.message}`};
  }
}

async function main() {
  const [command, ...args] = process.argv.slice(2);
  let result;
  if(command === 'keygen') {
    const at = args.indexOf('--alg');
    result = await keygen(at >= 0 ? args[at + 1] : 'ES256');
  } else if(command === 'sign') {
    result = await sign(stdinJson());
  } else if(command === 'verify') {
    result = await verify(stdinJson());
  } else {
    usage('command is keygen, sign or verify');
  }
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch(e => {
  process.stderr.write(`josejwt.mjs: ${e.stack || e}\n`);
  process.exit(1);
});
