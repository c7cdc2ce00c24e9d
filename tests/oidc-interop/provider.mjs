// A certified OpenID provider (the npm package `oidc-provider`, pinned in
// package.json) on a loopback port, for the gateway's interop test
// (crates/gateway/tests/auth_suite/interop.rs). Its settings are the
// package's defaults except where a case needs otherwise:
//
//   INTEROP_CLIENT_ID, INTEROP_CLIENT_SECRET, INTEROP_REDIRECT_URI  the one registered client
//   INTEROP_AUTH_METHOD  client_secret_basic (default) or client_secret_post: the only
//                        token endpoint authentication the provider offers and the client uses
//   INTEROP_CLAIMS       userinfo (default, the conformant placement: email and
//                        email_verified only from UserInfo) or id_token (also in the ID token)
//
// The development interactions (a login form taking any login, then a
// consent form) sign people in; the login is the subject and, as it must
// be an email here, the verified email.
//
// It prints one JSON line, {"issuer": "http://127.0.0.1:<port>"}, once it
// listens. POST /interop/rotate-keys makes it sign with a new key and
// publish only that one, as a provider does when it retires a key.

import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

// Standard output carries only the ready line: the test stops reading it
// after that, and oidc-provider's notices would then hit a closed pipe.
console.log = console.error;
console.info = console.error;

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is required`);
    process.exit(2);
  }
  return value;
}

const clientId = required('INTEROP_CLIENT_ID');
const clientSecret = required('INTEROP_CLIENT_SECRET');
const redirectUri = required('INTEROP_REDIRECT_URI');
const authMethod = process.env.INTEROP_AUTH_METHOD || 'client_secret_basic';
const claimsIn = process.env.INTEROP_CLAIMS || 'userinfo';
if (!['client_secret_basic', 'client_secret_post'].includes(authMethod)) {
  console.error(`INTEROP_AUTH_METHOD: unsupported ${authMethod}`);
  process.exit(2);
}
if (!['userinfo', 'id_token'].includes(claimsIn)) {
  console.error(`INTEROP_CLAIMS: unsupported ${claimsIn}`);
  process.exit(2);
}

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };
}

function buildProvider(issuer, key) {
  return new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: authMethod,
    }],
    // Discovery advertises only this method, as a provider that allows
    // nothing else does.
    clientAuthMethods: [authMethod],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
    },
    // true (the default) is the conformant placement: scope-requested
    // claims only from UserInfo when an access token is issued.
    conformIdTokenClaims: claimsIn === 'userinfo',
    cookies: { keys: ['lookout-interop-test-cookie-key'] },
    // Explicit lifetimes (an hour outlasts any test) keep its notices
    // about the defaults out of the test output.
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      Grant: 3600,
      IdToken: 3600,
      Interaction: 3600,
      Session: 3600,
    },
    jwks: { keys: [key] },
    async findAccount(_ctx, sub) {
      return {
        accountId: sub,
        async claims() {
          return { sub, email: sub, email_verified: true, name: sub.split('@')[0] };
        },
      };
    },
  });
}

// The port is known only once listening, and the issuer names it: the
// provider is built after the socket is bound.
let handler = null;
const server = createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/interop/rotate-keys') {
    const key = signingKey();
    handler = buildProvider(issuer, key).callback();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kid: key.kid }));
    return;
  }
  handler(req, res);
});
let issuer = '';
server.listen(0, '127.0.0.1', () => {
  issuer = `http://127.0.0.1:${server.address().port}`;
  handler = buildProvider(issuer, signingKey()).callback();
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

// The test holds this process's standard input: when the test process
// ends, however it ends, the pipe closes and the provider goes with it.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(0));
}
