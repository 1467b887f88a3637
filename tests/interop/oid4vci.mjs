#!/usr/bin/env node
// oid4vci.mjs: an independent OpenID4VCI 1.0 wallet for vic's interop tests —
// the OpenWallet Foundation's client @openid4vc/openid4vci (the library Credo
// uses), with a fresh P-256 holder key made by `jose`. JSON on stdin/stdout:
//
//   node oid4vci.mjs receive
//       stdin:  {"offer": "openid-credential-offer://...", "txCode": "123456"?}
//       stdout: {"credentialIssuer": "...", "configurationId": "...",
//                "format": "...", "draftVersion": "...",
//                "credentials": [...], "holderJwk": {...}}
//
// It runs the pre-authorized code flow as the library does it: resolve the
// offer (by value or by reference), the issuer and authorization server
// metadata, the token request (with the tx_code), the nonce endpoint, a `jwt`
// key proof (typ openid4vci-proof+jwt) and the credential request. Plain http
// is allowed for loopback tests only (setGlobalConfig).
//
// Exit codes: 0 success, 2 usage or input error, 1 anything else (the
// library's error on stderr).

import {createHash, randomBytes} from 'node:crypto';
import {readFileSync} from 'node:fs';

import {
  clientAuthenticationAnonymous,
  preAuthorizedCodeGrantIdentifier,
  setGlobalConfig,
} from '@openid4vc/oauth2';
import {Openid4vciClient} from '@openid4vc/openid4vci';
import * as jose from 'jose';

function usage(message) {
  process.stderr.write(`oid4vci.mjs: ${message}\n`);
  process.exit(2);
}

function stdinJson() {
  try {
    return JSON.parse(readFileSync(0, 'utf8'));
  } catch(e) {
    usage(`stdin is not JSON: ${e.message}`);
  }
}

async function receive({offer, txCode}) {
  if(typeof offer !== 'string') {
    usage('stdin needs "offer", an openid-credential-offer:// URI');
  }
  setGlobalConfig({allowInsecureUrls: true});
  const {privateKey, publicKey} = await jose.generateKeyPair('ES256', {extractable: true});
  const holderJwk = await jose.exportJWK(publicKey);
  const callbacks = {
    fetch,
    generateRandom: bytes => new Uint8Array(randomBytes(bytes)),
    hash: (data, alg) => new Uint8Array(
      createHash(alg.replace('-', '').toLowerCase()).update(data).digest()),
    clientAuthentication: clientAuthenticationAnonymous(),
    signJwt: async (signer, {header, payload}) => {
      const jwt = await new jose.CompactSign(
        new TextEncoder().encode(JSON.stringify(payload)))
        .setProtectedHeader(header)
        .sign(privateKey);
      return {jwt, signerJwk: holderJwk};
    },
  };
  const client = new Openid4vciClient({callbacks});
  const credentialOffer = await client.resolveCredentialOffer(offer);
  const issuerMetadata = await client.resolveIssuerMetadata(
    credentialOffer.credential_issuer);
  const grant = credentialOffer.grants?.[preAuthorizedCodeGrantIdentifier];
  if(!grant) {
    throw new Error('the offer has no pre-authorized code grant');
  }
  const {accessTokenResponse} =
    await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
      credentialOffer,
      issuerMetadata,
      txCode: grant.tx_code ? txCode : undefined,
    });
  const [configurationId] = credentialOffer.credential_configuration_ids;
  const {c_nonce: nonce} = await client.requestNonce({issuerMetadata});
  const {jwt} = await client.createCredentialRequestJwtProof({
    issuerMetadata,
    credentialConfigurationId: configurationId,
    signer: {method: 'jwk', alg: 'ES256', publicJwk: holderJwk},
    nonce,
  });
  const response = await client.retrieveCredentials({
    issuerMetadata,
    accessToken: accessTokenResponse.access_token,
    credentialConfigurationId: configurationId,
    proofs: {jwt: [jwt]},
  });
  const body = response.credentialResponse;
  return {
    credentialIssuer: credentialOffer.credential_issuer,
    configurationId,
    format: issuerMetadata.credentialIssuer
      .credential_configurations_supported[configurationId].format,
    draftVersion: issuerMetadata.originalDraftVersion,
    credentials: (body.credentials ?? []).map(entry => entry.credential),
    holderJwk,
  };
}

const [command] = process.argv.slice(2);
if(command !== 'receive') {
  usage('usage: node oid4vci.mjs receive < {"offer": ..., "txCode": ...}');
}
try {
  const result = await receive(stdinJson());
  process.stdout.write(JSON.stringify(result) + '\n');
} catch(e) {
  const detail = e.errorResponse ?? e.response?.credentialResponseResult ?? '';
  process.stderr.write(
    `oid4vci.mjs: ${e.name}: ${e.message} ${JSON.stringify(detail)}\n`);
  process.exit(1);
}
