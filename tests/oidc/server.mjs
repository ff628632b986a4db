// A certified OAuth 2.0 server (oidc-provider) on 127.0.0.1, for tokfetch's conformance tests.
// Usage: node server.mjs CLIENT_SECRET [CONFIG.json]
// Prints one JSON line {"port": N, "mtls_port": M} once it listens; serves until killed (or stdin
// closes).
//
// Without CONFIG: plain http, two clients with the shared secret (client_secret_basic,
// client_secret_post). With CONFIG ({"keys": {KID: PEM, …}, "tls": {"cert", "key", "ca"},
// "mtls_subject": CN}): also client_secret_jwt, private_key_jwt clients (one per key type; the
// RSA one with two keys, told apart by kid) and, with "tls", an https issuer plus a second https
// listener that asks for client certificates (the mTLS alias of the token endpoint) for a
// tls_client_auth client. The certificate is checked against the test CA by node's TLS and
// handed to oidc-provider the way nginx would: only when verified. With "dpop": true, DPoP
// (RFC 9449) with a nonce required in every proof, for ES256, EdDSA and PS256 keys.
import { createPublicKey, randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import Provider from 'oidc-provider';

const secret = process.argv[2];
if (!secret) {
  console.error('usage: node server.mjs CLIENT_SECRET [CONFIG.json]');
  process.exit(2);
}
const config = process.argv[3] ? JSON.parse(readFileSync(process.argv[3], 'utf8')) : {};

const base = {
  grant_types: ['client_credentials'],
  redirect_uris: [],
  response_types: [],
};
const client = (id, method) => ({
  ...base,
  client_id: id,
  client_secret: secret,
  token_endpoint_auth_method: method,
});
const jwk = (kid) => ({ ...createPublicKey(config.keys[kid]).export({ format: 'jwk' }), kid, use: 'sig' });
const keyClient = (id, alg, kids) => ({
  ...base,
  client_id: id,
  token_endpoint_auth_method: 'private_key_jwt',
  token_endpoint_auth_signing_alg: alg,
  jwks: { keys: kids.map(jwk) },
});

const clients = [client('basic-client', 'client_secret_basic'), client('post-client', 'client_secret_post')];
if (config.keys) {
  clients.push(
    { ...client('jwt-secret-client', 'client_secret_jwt'), token_endpoint_auth_signing_alg: 'HS256' },
    keyClient('rsa-client', 'RS256', ['rsa-a', 'rsa-b']),
    keyClient('ps-client', 'PS256', ['rsa-a']),
    keyClient('ec-client', 'ES256', ['ec-1']),
    keyClient('ed-client', 'EdDSA', ['ed-1']),
  );
}
if (config.tls) {
  clients.push({
    ...base,
    client_id: 'mtls-client',
    token_endpoint_auth_method: 'tls_client_auth',
    tls_client_auth_subject_dn: `CN=${config.mtls_subject}`,
  });
}

/** The client certificate of the request, as PEM, when the handshake verified it. */
const verified = (ctx) => {
  const socket = ctx.socket;
  if (!socket || !socket.authorized || typeof socket.getPeerCertificate !== 'function') return undefined;
  const peer = socket.getPeerCertificate(true);
  return peer && peer.raw ? new X509Certificate(peer.raw) : undefined;
};

const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));

const tls = config.tls;
const main = tls ? https.createServer({ cert: tls.cert, key: tls.key }) : http.createServer();
const mtls = tls
  ? https.createServer({ cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: true, rejectUnauthorized: false })
  : undefined;
const port = await listen(main);
const mtlsPort = mtls ? await listen(mtls) : undefined;
const issuer = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients,
  clientAuthMethods: [
    'client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt',
    ...(tls ? ['tls_client_auth'] : []),
  ],
  discovery: mtls ? { mtls_endpoint_aliases: { token_endpoint: `https://127.0.0.1:${mtlsPort}/token` } } : {},
  ...(config.dpop ? { enabledJWA: { dPoPSigningAlgValues: ['ES256', 'EdDSA', 'PS256'] } } : {}),
  features: {
    ...(config.dpop
      ? { dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true } }
      : {}),
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    devInteractions: { enabled: false },
    mTLS: {
      enabled: Boolean(tls),
      tlsClientAuth: Boolean(tls),
      getCertificate: (ctx) => verified(ctx)?.toString(),
      certificateAuthorized: (ctx) => verified(ctx) !== undefined,
      certificateSubjectMatches: (ctx, property, expected) =>
        property === 'tls_client_auth_subject_dn' && verified(ctx)?.subject === expected,
    },
  },
});
main.on('request', provider.callback());
if (mtls) mtls.on('request', provider.callback());
process.stdout.write(JSON.stringify({ port, mtls_port: mtlsPort }) + '\n');

// Stop when the test that started us goes away.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
