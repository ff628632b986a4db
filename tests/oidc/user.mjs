// A simulated user for the login tests (README "User tokens"): logs in and consents on the
// development pages of tests/oidc/server.mjs over plain HTTP, with its own cookie jar, the way
// a person in a browser would. Plain node (fetch with `redirect: 'manual'`), no dependencies.
//
//   node user.mjs browser [OPTIONS] AUTHORIZATION_URL
//     As `$BROWSER`: the URL is the last argument. Follows redirects, signs in, consents, until
//     the redirect to the loopback `http://127.0.0.1:PORT/callback?…`, then GETs it (which
//     hands the code, or the error, to the client waiting there).
//   node user.mjs device [OPTIONS] VERIFICATION_URI USER_CODE
//   node user.mjs device [OPTIONS] --stdin
//     The device-flow user: opens the verification URI, enters the code, signs in, consents.
//     With --stdin it reads a client's stderr on stdin, copies every line to its stdout, and
//     acts on the first line `… open <verification_uri> and enter the code <user_code>` (with
//     --complete: on the line `… or open <verification_uri_complete>` instead, no typing).
//
// Options (each also as an environment variable, for a `$BROWSER` that cannot take arguments):
//   --deny             refuse consent (the client gets error=access_denied)   OIDC_USER_DENY=1
//   --print-to FILE    browser: write the final redirect URL to FILE instead of opening it (the
//                      user who copies it from the address bar)                OIDC_USER_PRINT_TO
//   --log FILE         append what it did to FILE (written first thing: a marker that the
//                      browser was started at all)                             OIDC_USER_LOG
//   --login NAME       the login name (default `alice`)                       OIDC_USER_LOGIN
// And, for the browser, a person (or an attacker on the same machine) who interferes:
//   --stray            first deliver the redirect with another `state` (the client must refuse
//                      it with 400 and keep waiting), then the real one
//   --wrong-iss        deliver it with `iss` of another server (RFC 9207)
//   --no-iss           deliver it without `iss`
//   --linger SECONDS   stay running that long after the flow (a browser that keeps its window)
//   --hold FILE        before delivering the redirect, wait until FILE exists (a person slow to
//                      come back, for as long as the test needs)
// The log's second line names the environment variables it was started with whose names say
// they hold a secret (`secret env: A,B`, names only), for the tests that a client keeps its
// secrets from the browser it starts.
//
// Exit 0 when the flow ended as asked, 1 otherwise (the log says why). Nothing secret is
// logged: the code and state are never written to the log.
import { appendFileSync, existsSync, renameSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const argv = process.argv.slice(2);
const mode = argv.shift();
const opts = {
  deny: process.env.OIDC_USER_DENY === '1',
  printTo: process.env.OIDC_USER_PRINT_TO || undefined,
  log: process.env.OIDC_USER_LOG || undefined,
  login: process.env.OIDC_USER_LOGIN || 'alice',
  stdin: false,
  complete: false,
  stray: false,
  iss: undefined,
  linger: 0,
  hold: undefined,
};
const positional = [];
while (argv.length) {
  const arg = argv.shift();
  if (arg === '--deny') opts.deny = true;
  else if (arg === '--stdin') opts.stdin = true;
  else if (arg === '--complete') opts.complete = true;
  else if (arg === '--stray') opts.stray = true;
  else if (arg === '--wrong-iss') opts.iss = 'wrong';
  else if (arg === '--no-iss') opts.iss = 'none';
  else if (arg === '--linger') opts.linger = Number(argv.shift());
  else if (arg === '--hold') opts.hold = argv.shift();
  else if (arg === '--print-to') opts.printTo = argv.shift();
  else if (arg === '--log') opts.log = argv.shift();
  else if (arg === '--login') opts.login = argv.shift();
  else positional.push(arg);
}

const log = (line) => {
  if (opts.log) appendFileSync(opts.log, `${line}\n`);
};
const fail = (why) => {
  log(`FAILED: ${why}`);
  process.stderr.write(`user.mjs: ${why}\n`);
  process.exit(1);
};

/** Cookies by name and path, as a browser keeps them for one host. */
const jar = new Map();
const remember = (response) => {
  // Headers.getSetCookie is Node 19.7+; before, the joined header is split where a new
  // `name=` starts (an Expires date's comma is followed by a day number, not a name).
  const headers = typeof response.headers.getSetCookie === 'function'
    ? response.headers.getSetCookie()
    : (response.headers.get('set-cookie') ?? '').split(/,(?=\s*[^;,=\s]+=)/).filter(Boolean);
  for (const header of headers) {
    const [pair, ...attrs] = header.split(';').map((s) => s.trim());
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    let path = '/';
    let gone = value === '';
    for (const attr of attrs) {
      const [k, v = ''] = attr.split('=');
      if (k.toLowerCase() === 'path') path = v || '/';
      if (k.toLowerCase() === 'max-age' && Number(v) <= 0) gone = true;
      if (k.toLowerCase() === 'expires' && Date.parse(v) < Date.now()) gone = true;
    }
    const key = `${name}\u0000${path}`;
    if (gone) jar.delete(key);
    else jar.set(key, { name, value, path });
  }
};
const cookiesFor = (url) => {
  const path = new URL(url).pathname;
  return [...jar.values()]
    .filter((c) => path === c.path || path.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
    .sort((a, b) => b.path.length - a.path.length)
    .map((c) => `${c.name}=${c.value}`)
    .join('; ');
};

/** One request, no redirect followed, cookies sent and kept. */
const request = async (method, url, form) => {
  const headers = { accept: 'text/html' };
  const cookie = cookiesFor(url);
  if (cookie) headers.cookie = cookie;
  let body;
  if (form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(form).toString();
  }
  const response = await fetch(url, { method, headers, body, redirect: 'manual' });
  remember(response);
  return response;
};

const unescape = (s) =>
  s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&#x2F;/g, '/').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The first form of a page: its action, id and hidden fields. */
const formOf = (html, base) => {
  const open = html.match(/<form\b([^>]*)>/i);
  if (!open) return undefined;
  const attr = (tag, name) => {
    const m = tag.match(new RegExp(`\\b${name}="([^"]*)"`, 'i'));
    return m ? unescape(m[1]) : undefined;
  };
  const rest = html.slice(open.index);
  const inner = rest.slice(0, rest.search(/<\/form>/i) + 1 || rest.length);
  const fields = {};
  for (const m of inner.matchAll(/<input\b([^>]*)>/gi)) {
    const name = attr(m[1], 'name');
    if (name && (attr(m[1], 'type') ?? '').toLowerCase() === 'hidden') fields[name] = attr(m[1], 'value') ?? '';
  }
  return { action: new URL(attr(open[1], 'action') ?? base, base).href, id: attr(open[1], 'id'), fields };
};

/** A URL as the log may show it: without its query (which may hold state or a code). */
const shown = (url) => {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
};

const isCallback = (url) => {
  const u = new URL(url);
  return u.protocol === 'http:' && u.hostname === '127.0.0.1' && u.pathname === '/callback';
};

/**
 * Walk the pages from `start` until the flow is over: the loopback callback URL (browser), or
 * the device flow's success or "interrupted" page. Returns {callback} or {done}.
 */
const walk = async (start, userCode) => {
  let response = await request('GET', start);
  let url = start;
  for (let step = 0; step < 30; step += 1) {
    if (response.status >= 300 && response.status < 400) {
      const next = new URL(response.headers.get('location'), url).href;
      if (isCallback(next)) {
        const params = new URL(next).searchParams;
        log(`redirected to the callback${params.get('error') ? ` with error=${params.get('error')}` : ' with a code'}`);
        return { callback: next };
      }
      url = next;
      response = await request('GET', url);
      continue;
    }
    const html = await response.text();
    if (response.status !== 200) fail(`${shown(url)} answered ${response.status}: ${html.slice(0, 300)}`);
    if (/Sign-in Success/.test(html)) {
      log('device flow: signed in');
      return { done: 'success' };
    }
    if (/Sign-in request was interrupted/.test(html) && opts.deny) {
      log('device flow: refused');
      return { done: 'denied' };
    }
    const form = formOf(html, url);
    if (!form) fail(`no form on ${shown(url)}: ${html.slice(0, 300)}`);
    let fields;
    if (form.fields.prompt === 'login') {
      log(`login as ${opts.login}`);
      fields = { prompt: 'login', login: opts.login, password: 'any password' };
    } else if (form.fields.prompt === 'consent') {
      if (opts.deny) {
        log('consent: deny');
        url = new URL(`${new URL(form.action).pathname}/abort`, url).href;
        response = await request('GET', url);
        continue;
      }
      log('consent: allow');
      fields = { prompt: 'consent' };
    } else if (form.id === 'op.deviceInputForm') {
      if (!userCode) fail('the device page asks for a code and none was given');
      log('device flow: code entered');
      fields = { ...form.fields, user_code: userCode };
    } else if (form.id === 'op.deviceConfirmForm') {
      log('device flow: code confirmed');
      fields = { ...form.fields };
    } else if (Object.keys(form.fields).length) {
      // A page that posts itself with script (form_post, or the device page opened with the
      // code in its URL): what a browser would do.
      log('auto-submitted a form');
      fields = { ...form.fields };
    } else {
      fail(`an unknown page at ${shown(url)}: ${html.slice(0, 300)}`);
    }
    url = form.action;
    response = await request('POST', url, fields);
  }
  return fail('more than 30 steps: a redirect loop?');
};

const browser = async (authorizationUrl) => {
  log(`browser started for ${new URL(authorizationUrl).origin}${new URL(authorizationUrl).pathname}`);
  const { callback } = await walk(authorizationUrl);
  if (!callback) fail('the flow ended without a redirect to the client');
  if (opts.printTo) {
    // Written whole, then renamed: whoever polls for the file never reads half a URL.
    writeFileSync(`${opts.printTo}.tmp`, `${callback}\n`);
    renameSync(`${opts.printTo}.tmp`, opts.printTo);
    log('wrote the final URL instead of opening it');
    return;
  }
  if (opts.hold) {
    log('holding');
    while (!existsSync(opts.hold)) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const deliver = async (url, what) => {
    const response = await fetch(url, { redirect: 'manual' });
    const text = await response.text();
    log(`${what} answered ${response.status}: ${text.replace(/\s+/g, ' ').slice(0, 200)}`);
  };
  const changed = (edit) => {
    const u = new URL(callback);
    edit(u.searchParams);
    return u.href;
  };
  if (opts.stray) await deliver(changed((p) => p.set('state', 'stray-state-0000')), 'stray callback');
  if (opts.iss === 'wrong') {
    await deliver(changed((p) => p.set('iss', 'http://127.0.0.1:1')), 'callback with a wrong iss');
  } else if (opts.iss === 'none') {
    await deliver(changed((p) => p.delete('iss')), 'callback without iss');
  } else {
    await deliver(callback, 'callback');
  }
};

const device = async (uri, code) => {
  log(`device user at ${uri}`);
  const outcome = await walk(uri, code);
  if (opts.deny ? outcome.done !== 'denied' : outcome.done !== 'success') {
    fail(`the device flow ended as ${JSON.stringify(outcome)}`);
  }
};

/** Copy stdin to stdout; resolve with the verification URI (and code) once a line names it. */
const fromStdin = () =>
  new Promise((resolve) => {
    const lines = createInterface({ input: process.stdin });
    let found;
    lines.on('line', (line) => {
      process.stdout.write(`${line}\n`);
      if (found) return;
      const typed = line.match(/ open (\S+) and enter the code (\S+)$/);
      const complete = line.match(/ or open (\S+)$/);
      if (!opts.complete && typed) {
        found = true;
        resolve([typed[1], typed[2]]);
      } else if (opts.complete && complete) {
        found = true;
        resolve([complete[1], undefined]);
      }
    });
    lines.on('close', () => {
      if (!found) fail('stdin ended without a verification URI');
    });
  });

try {
  log(`started: ${mode}`);
  const secretNames = Object.keys(process.env).filter((k) => /SECRET|PASSWORD|PRIVATE_KEY|API_KEY|TOKEN/.test(k));
  log(`secret env: ${secretNames.sort().join(',')}`);
  if (mode === 'browser') {
    const url = positional.at(-1);
    if (!url) fail('usage: user.mjs browser [OPTIONS] URL');
    await browser(url);
  } else if (mode === 'device') {
    const [uri, code] = opts.stdin ? await fromStdin() : positional;
    if (!uri) fail('usage: user.mjs device [OPTIONS] (URI CODE | --stdin)');
    await device(uri, code);
  } else {
    fail('usage: user.mjs (browser | device) [OPTIONS] …');
  }
  log('done');
  if (opts.linger > 0) setTimeout(() => process.exit(0), opts.linger * 1000);
} catch (e) {
  fail(`${e && e.stack ? e.stack : e}`);
}
