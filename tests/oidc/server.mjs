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
//
// With "user": {"access_ttl": SECONDS, "device_ttl": SECONDS} (README "User tokens"; RFC 8628, RFC 6749 §4.1, RFC 7636,
// RFC 8252, RFC 9207, RFC 7009): user logins. A native public client `user-native` (no secret,
// loopback redirect http://127.0.0.1/callback on any port, PKCE S256 required) and a native
// confidential one `user-confidential` (client_secret_basic, the same secret), both allowed
// authorization_code, refresh_token and the device_code grant; the device flow, revocation,
// refresh-token rotation on every use, `iss` in every authorization response, and the
// development login and consent pages (any login name and password is accepted) that
// tests/oidc/user.mjs fills in. A refresh token is issued when the request asked for
// `offline_access` (oidc-provider itself drops it from an authorization request without
// `prompt=consent`; here it is kept, as most IdPs do). Test-only endpoints, under /test/:
//   GET  /test/stats   counts: authorization requests (`auth`, and their `redirect_uris` and
//                      `pkce` {method, challenge_length}), device authorization requests
//                      (`device_auth`), token requests by grant type (`token` {grant: {ok,
//                      error}}, and the `verifier_lengths` of the code verifiers, -1 for one that
//                      is not base64url), revocation requests (`revocations`, `revocation_hints`)
//   GET  /test/issued  every value issued or received that no output may show (`secrets`:
//                      codes, state, code verifiers, device codes, refresh and ID tokens), and
//                      the token responses in order (`tokens`: [{grant, access_token,
//                      refresh_token}])
//   POST /test/access_ttl?seconds=N   the lifetime of access tokens issued from now on
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
const user = config.user;
const USER_GRANTS = ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'];
if (user) {
  const native = {
    application_type: 'native',
    grant_types: USER_GRANTS,
    response_types: ['code'],
    // RFC 8252 §7.3: a loopback redirect matches on any port; oidc-provider implements it for
    // native clients (host and path must match exactly).
    redirect_uris: ['http://127.0.0.1/callback'],
  };
  clients.push(
    { ...native, client_id: 'user-native', token_endpoint_auth_method: 'none' },
    { ...native, client_id: 'user-confidential', client_secret: secret, token_endpoint_auth_method: 'client_secret_basic' },
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

// User logins (config.user): what the server saw and issued, for the tests to ask.
let accessTtl = user?.access_ttl ?? 600;
const stats = {
  auth: 0, redirect_uris: [], pkce: [], device_auth: 0, revocations: 0, revocation_hints: [], token: {}, verifier_lengths: [],
};
const secrets = new Set();
const tokens = [];
const remember = (value) => {
  if (typeof value === 'string' && value) secrets.add(value);
};

const provider = new Provider(issuer, {
  clients,
  clientAuthMethods: [
    'client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt',
    ...(tls ? ['tls_client_auth'] : []),
    ...(user ? ['none'] : []),
  ],
  discovery: mtls ? { mtls_endpoint_aliases: { token_endpoint: `https://127.0.0.1:${mtlsPort}/token` } } : {},
  ...(config.dpop ? { enabledJWA: { dPoPSigningAlgValues: ['ES256', 'EdDSA', 'PS256'] } } : {}),
  ...(user
    ? {
        scopes: ['openid', 'offline_access', 'api:read'],
        // Every use of a refresh token rotates it (RFC 9700 §4.14.2); reusing a rotated one
        // ends the grant.
        rotateRefreshToken: () => true,
        pkce: { required: () => true },
        ttl: {
          AccessToken: () => accessTtl,
          DeviceCode: user.device_ttl ?? 600,
          RefreshToken: 24 * 3600,
          Grant: 24 * 3600,
        },
        // Any login, no account store.
        findAccount: (ctx, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
      }
    : {}),
  features: {
    ...(user
      ? {
          deviceFlow: { enabled: true },
          revocation: { enabled: true },
          devInteractions: { enabled: true },
        }
      : { devInteractions: { enabled: false } }),
    ...(config.dpop
      ? { dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true } }
      : {}),
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
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
if (user) {
  provider.use(async (ctx, next) => {
    if (ctx.path === '/auth' && ctx.method === 'GET') {
      stats.auth += 1;
      stats.redirect_uris.push(ctx.query.redirect_uri ?? null);
      stats.pkce.push({ method: ctx.query.code_challenge_method ?? null, challenge_length: ctx.query.code_challenge?.length ?? 0 });
      const scope = ctx.query.scope;
      if (typeof ctx.query.state === 'string') remember(ctx.query.state);
      // Keep a requested offline_access (see above): as if the user had been asked.
      if (typeof scope === 'string' && scope.split(' ').includes('offline_access') && !ctx.query.prompt) {
        ctx.querystring = `${ctx.querystring}&prompt=consent`;
      }
    }
    await next();
    const location = ctx.response.get('location');
    if (location && location.startsWith('http://127.0.0.1:') && location.includes('/callback?')) {
      const params = new URL(location).searchParams;
      for (const key of ['code', 'state']) if (params.get(key)) remember(params.get(key));
    }
    if (ctx.path === '/device/auth' && ctx.method === 'POST') {
      stats.device_auth += 1;
      if (ctx.body && ctx.body.device_code) remember(ctx.body.device_code);
    }
    if (ctx.path === '/token/revocation' && ctx.method === 'POST') {
      stats.revocations += 1;
      stats.revocation_hints.push(ctx.oidc?.params?.token_type_hint ?? null);
    }
    if (ctx.path === '/token' && ctx.method === 'POST') {
      const grant = ctx.oidc?.params?.grant_type ?? 'unknown';
      const verifier = ctx.oidc?.params?.code_verifier;
      if (verifier) {
        remember(verifier);
        stats.verifier_lengths.push(/^[A-Za-z0-9_-]+$/.test(verifier) ? verifier.length : -1);
      }
      const sent = ctx.oidc?.params?.refresh_token;
      if (sent) remember(sent);
      const count = (stats.token[grant] ??= { ok: 0, error: 0 });
      const ok = ctx.status === 200 && ctx.body && ctx.body.access_token;
      count[ok ? 'ok' : 'error'] += 1;
      if (ok) {
        for (const key of ['refresh_token', 'id_token']) if (ctx.body[key]) remember(ctx.body[key]);
        tokens.push({ grant, access_token: ctx.body.access_token, refresh_token: ctx.body.refresh_token ?? null });
      }
    }
  });
}

/** Test-only endpoints (see the top of this file), answered before oidc-provider sees them. */
const testEndpoints = (req, res) => {
  const url = new URL(req.url, issuer);
  const json = (value) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(value));
  };
  if (req.method === 'GET' && url.pathname === '/test/stats') return json(stats), true;
  if (req.method === 'GET' && url.pathname === '/test/issued') return json({ secrets: [...secrets], tokens }), true;
  if (req.method === 'POST' && url.pathname === '/test/access_ttl') {
    const seconds = Number(url.searchParams.get('seconds'));
    if (!Number.isInteger(seconds) || seconds < 1) {
      res.writeHead(400).end('seconds must be a positive integer');
      return true;
    }
    accessTtl = seconds;
    return json({ access_ttl: accessTtl }), true;
  }
  return false;
};

const callback = provider.callback();
main.on('request', (req, res) => {
  if (user && req.url.startsWith('/test/') && testEndpoints(req, res)) return;
  callback(req, res);
});
if (mtls) mtls.on('request', callback);
process.stdout.write(JSON.stringify({ port, mtls_port: mtlsPort }) + '\n');

// Stop when the test that started us goes away.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
