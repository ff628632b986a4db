// A certified OAuth 2.0 server (oidc-provider) on 127.0.0.1, for tokfetch's conformance test.
// Usage: node server.mjs CLIENT_SECRET
// Prints one JSON line {"port": N} once it listens; serves until killed (or stdin closes).
import http from 'node:http';
import Provider from 'oidc-provider';

const secret = process.argv[2];
if (!secret) {
  console.error('usage: node server.mjs CLIENT_SECRET');
  process.exit(2);
}

const client = (id, method) => ({
  client_id: id,
  client_secret: secret,
  grant_types: ['client_credentials'],
  redirect_uris: [],
  response_types: [],
  token_endpoint_auth_method: method,
});

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const provider = new Provider(`http://127.0.0.1:${port}`, {
    clients: [client('basic-client', 'client_secret_basic'), client('post-client', 'client_secret_post')],
    features: {
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      devInteractions: { enabled: false },
    },
  });
  server.on('request', provider.callback());
  process.stdout.write(JSON.stringify({ port }) + '\n');
});

// Stop when the test that started us goes away.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
