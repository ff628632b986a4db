// A reference OAuth client, independent of tokfetch, that proves tests/oidc/server.mjs and the
// simulated users of tests/oidc/user.mjs before tokfetch is tested against them. Plain node.
// Each command prints one JSON object on stdout and exits 0 (the Rust test asserts on it).
//
//   node reference.mjs authcode ISSUER CLIENT_ID [--deny]
//     RFC 6749 §4.1 with PKCE S256 (RFC 7636) and a loopback listener on an ephemeral port
//     (RFC 8252 §7.3): opens the URL with `node user.mjs browser`, as a client would with
//     $BROWSER, checks `state` and `iss` (RFC 9207), and redeems the code.
//     → {redirect_uri, callback: {iss, state_ok, error}, status, body}
//   node reference.mjs device ISSUER CLIENT_ID [--deny]
//     RFC 8628: device authorization, `node user.mjs device URI CODE`, polling at `interval`
//     (5 s when the server sends none; +5 s on slow_down).
//     → {authorization: {…without device_code}, polls, status, body}
//   node reference.mjs refresh ISSUER CLIENT_ID REFRESH_TOKEN → {status, body}
//   node reference.mjs revoke ISSUER CLIENT_ID TOKEN HINT    → {status, body}
// A confidential client's secret comes from $REFERENCE_CLIENT_SECRET (client_secret_basic).
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

const [command, issuer, clientId, ...rest] = process.argv.slice(2);
const userScript = fileURLToPath(new URL('./user.mjs', import.meta.url));
const secret = process.env.REFERENCE_CLIENT_SECRET;
const b64url = (buf) => buf.toString('base64url');

const discovery = async () => (await fetch(`${issuer}/.well-known/openid-configuration`)).json();

/** A form POST with the client's authentication; the answer's status and JSON body. */
const post = async (url, form) => {
  const headers = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (secret) {
    const enc = (s) => encodeURIComponent(s).replace(/%20/g, '+');
    headers.authorization = `Basic ${Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString('base64')}`;
  } else {
    form = { ...form, client_id: clientId };
  }
  const response = await fetch(url, { method: 'POST', headers, body: new URLSearchParams(form).toString() });
  const text = await response.text();
  let body;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = { text };
  }
  return { status: response.status, body };
};

/** Run the simulated user; resolves with its exit code. */
const user = (args) =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [userScript, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('exit', (code) => resolve(code));
  });

const authcode = async (deny) => {
  const meta = await discovery();
  const verifier = b64url(randomBytes(32));
  const challenge = b64url(createHash('sha256').update(verifier).digest());
  const state = b64url(randomBytes(16));
  let resolveCallback;
  const arrived = new Promise((resolve) => {
    resolveCallback = resolve;
  });
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname !== '/callback') {
      res.writeHead(404).end();
      return;
    }
    if (url.searchParams.get('state') !== state) {
      // A stray request: refused, and the login goes on.
      res.writeHead(400).end('wrong state');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' }).end('<p>logged in, you can close this tab</p>');
    resolveCallback(url.searchParams);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const redirectUri = `http://127.0.0.1:${server.address().port}/callback`;
  const url = new URL(meta.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: 'openid offline_access',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  const browser = user(['browser', ...(deny ? ['--deny'] : []), url.href]);
  const params = await Promise.race([
    arrived,
    browser.then((code) => (code === 0 ? arrived : Promise.reject(new Error(`user.mjs exited ${code}`)))),
  ]);
  server.close();
  const callback = {
    iss: params.get('iss'),
    iss_ok: params.get('iss') === meta.issuer,
    state_ok: params.get('state') === state,
    error: params.get('error'),
  };
  if (callback.error || !callback.iss_ok) return { redirect_uri: redirectUri, callback };
  const answer = await post(meta.token_endpoint, {
    grant_type: 'authorization_code',
    code: params.get('code'),
    redirect_uri: redirectUri,
    code_verifier: verifier,
  });
  return { redirect_uri: redirectUri, callback, ...answer };
};

const device = async (deny) => {
  const meta = await discovery();
  const start = await post(meta.device_authorization_endpoint, { scope: 'openid offline_access' });
  if (start.status !== 200) return { authorization: start };
  const { device_code: deviceCode, ...shown } = start.body;
  const userDone = user(['device', ...(deny ? ['--deny'] : []), shown.verification_uri, shown.user_code]);
  let interval = Number(shown.interval ?? 5);
  let polls = 0;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, interval * 1000));
    polls += 1;
    const answer = await post(meta.token_endpoint, {
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      device_code: deviceCode,
    });
    if (answer.body.error === 'authorization_pending') continue;
    if (answer.body.error === 'slow_down') {
      interval += 5;
      continue;
    }
    return { authorization: shown, polls, user_exit: await userDone, ...answer };
  }
};

const main = async () => {
  const deny = rest.includes('--deny');
  switch (command) {
    case 'authcode':
      return authcode(deny);
    case 'device':
      return device(deny);
    case 'refresh':
      return post((await discovery()).token_endpoint, { grant_type: 'refresh_token', refresh_token: rest[0] });
    case 'revoke':
      return post((await discovery()).revocation_endpoint, { token: rest[0], token_type_hint: rest[1] });
    default:
      throw new Error(`unknown command ${command}`);
  }
};

process.stdout.write(`${JSON.stringify(await main())}\n`);
