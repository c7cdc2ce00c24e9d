// A stand-in for the gateway until the mesh runs in tests: serves web/dist
// and speaks the same JSON as crates/gateway (and issue 4's planned routes),
// with a sign-in page shaped like the development identity provider's.
// Run alone: `node e2e/mock-api.mjs` (prints its URL); PORT picks the port.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractText, unifiedDiff } from './page-text.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const DIST = path.resolve(here, '..', 'dist');
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };
/** How long a mock check takes, so the UI's pending state is visible. */
const CHECK_DELAY_MS = 400;

const now = () => new Date().toISOString();
const token = (bytes = 18) => randomBytes(bytes).toString('base64url');

function createState() {
  return { users: new Map(), sessions: new Map(), teams: [], members: [], monitors: [], checks: [], channels: [], keys: [], audit: [], snapshots: new Map() };
}

class HttpError extends Error {
  constructor(status, code, message, fields) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

const notFound = () => new HttpError(404, 'not_found', 'not found');
const invalid = (fields) =>
  new HttpError(422, 'validation_failed', fields.map((f) => `${f.field}: ${f.message}`).join('; '), fields);

function cookies(request) {
  const out = {};
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key) out[key] = decodeURIComponent(rest.join('='));
  }
  return out;
}

async function readBody(request) {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function send(response, status, body, headers = {}) {
  const text = body === undefined ? '' : JSON.stringify(body);
  response.writeHead(status, { ...(text ? { 'Content-Type': 'application/json' } : {}), ...headers });
  response.end(text);
}

function signInPage(redirectTo, error = '') {
  const escape = (value) => value.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Development sign-in</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}label{display:block;margin-top:1rem}input[type=email]{width:100%;padding:.5rem;font-size:1rem}button{margin-top:1rem;padding:.5rem 1rem;font-size:1rem}</style></head>
<body><main><p><strong>Development sign-in — mock.</strong></p><h1>Sign in to lookout</h1>${error}
<form method="post" action="/mock-idp/authorize"><input type="hidden" name="redirect_to" value="${escape(redirectTo)}">
<label for="email">Email address</label><input id="email" name="email" type="email" required autofocus>
<button type="submit" name="decision" value="allow">Sign in</button> <button type="submit" name="decision" value="deny">Cancel</button></form></main></body></html>`;
}

function safeRedirect(target) {
  return typeof target === 'string' && target.startsWith('/') && !target.startsWith('//') && !target.startsWith('/\\') ? target : '/';
}

export function createMockApi(options = {}) {
  const state = createState();
  const adminEmails = options.adminEmails ?? null; // null: everyone is an admin, so the page can be seen

  const audit = (actor, action, target, request) =>
    state.audit.unshift({ id: randomUUID(), at: now(), actor_email: actor?.email ?? null, action, target, ip: request.socket.remoteAddress, user_agent: request.headers['user-agent'] ?? null, request_id: randomUUID() });

  function currentUser(request) {
    const session = state.sessions.get(cookies(request).lookout_session);
    if (session) {
      session.last_used_at = now();
      return { user: state.users.get(session.user_id), session, viaCookie: true };
    }
    const auth = request.headers.authorization ?? '';
    if (auth.startsWith('Bearer lk_')) {
      const key = state.keys.find((k) => k.secret === auth.slice(7) && !k.revoked);
      if (key) {
        key.last_used_at = now();
        return { user: state.users.get(key.user_id), key, viaCookie: false };
      }
    }
    throw new HttpError(401, 'unauthorized', 'authentication required');
  }

  const myTeamIds = (user) => state.members.filter((m) => m.user_id === user.id).map((m) => m.team_id);
  const teamView = (team, user) => ({ ...team, role: state.members.find((m) => m.team_id === team.id && m.user_id === user.id)?.role ?? 'member' });

  function userFor(email) {
    let user = [...state.users.values()].find((u) => u.email === email);
    if (!user) {
      user = { id: randomUUID(), email, created_at: now() };
      state.users.set(user.id, user);
      const team = { id: randomUUID(), name: email.split('@')[0], personal: true, created_at: now() };
      state.teams.push(team);
      state.members.push({ team_id: team.id, user_id: user.id, role: 'owner', joined_at: now() });
    }
    return user;
  }

  function validateMonitor(body, partial) {
    const fields = [];
    const has = (key) => !partial || body[key] !== undefined;
    if (has('name') && (typeof body.name !== 'string' || !body.name.trim() || body.name.trim().length > 200)) fields.push({ field: 'name', message: 'must be between 1 and 200 characters' });
    if (has('url')) {
      try {
        const url = new URL(body.url);
        if (!['http:', 'https:'].includes(url.protocol)) throw new Error();
      } catch {
        fields.push({ field: 'url', message: 'must be an http or https URL' });
      }
    }
    if (has('condition') && typeof body.condition === 'string' && body.condition.length > 2000) fields.push({ field: 'condition', message: 'must be at most 2000 characters' });
    if (body.interval_seconds !== undefined && (body.interval_seconds < 60 || body.interval_seconds > 2592000)) fields.push({ field: 'interval_seconds', message: 'must be between 60 and 2592000 seconds (30 days)' });
    if (fields.length) throw invalid(fields);
  }

  const monitorView = (monitor) => {
    const { requested, ...rest } = monitor;
    return { ...rest, run_requested: Boolean(requested) };
  };

  function findMonitor(user, id) {
    const monitor = state.monitors.find((m) => m.id === id && myTeamIds(user).includes(m.team_id));
    if (!monitor) throw notFound();
    return monitor;
  }

  async function fetchText(url) {
    const response = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(5000) });
    const body = await response.text();
    const type = response.headers.get('content-type') ?? '';
    return { status: response.status, text: type.includes('json') ? body : extractText(body) };
  }

  function judge(condition, text) {
    const below = /below\s+(\d+(?:\.\d+)?)/i.exec(condition ?? '');
    if (!below) return { triggered: true, summary: 'The page changed.', reason: 'Any change counts.' };
    const limit = Number(below[1]);
    const value = (text.match(/\d+(?:\.\d+)?/g) ?? []).map(Number).find((n) => n < limit);
    return value === undefined
      ? { triggered: false, summary: 'The page changed, but nothing is below the limit.', reason: `No number below ${limit}.`, value: null }
      : { triggered: true, summary: `A value dropped below ${limit}: now ${value}.`, reason: `Found ${value}, which is below ${limit}.`, value: String(value) };
  }

  async function runCheck(monitor, reason) {
    const started = now();
    const check = { id: randomUUID(), monitor_id: monitor.id, reason, status: 'ok', http_status: null, content_sha256: null, baseline: false, changed: false, triggered: false, summary: null, judge_reason: null, extracted_value: null, confidence: null, judge: null, diff: null, error: null, fetch_ms: 5, judge_ms: null, duration_ms: null, started_at: started, finished_at: started, screenshot_url: null };
    try {
      const { status, text } = await fetchText(monitor.url);
      check.http_status = status;
      const previous = state.snapshots.get(monitor.id);
      state.snapshots.set(monitor.id, text);
      if (previous === undefined) {
        check.baseline = true;
        check.summary = 'Recorded the page as the starting point.';
      } else if (previous !== text) {
        check.changed = true;
        check.diff = unifiedDiff(previous, text);
        const verdict = judge(monitor.condition, text);
        Object.assign(check, { triggered: verdict.triggered, summary: verdict.summary, judge_reason: verdict.reason, extracted_value: verdict.value ?? null, confidence: 0.9, judge: 'mock', judge_ms: 1 });
      } else {
        check.summary = 'Nothing changed.';
      }
    } catch (error) {
      check.status = 'fetch_failed';
      check.error = `The page could not be fetched: ${error.message}`;
    }
    check.finished_at = now();
    check.duration_ms = Date.parse(check.finished_at) - Date.parse(started) + CHECK_DELAY_MS;
    state.checks.unshift(check);
    monitor.last_checked_at = check.finished_at;
    monitor.last_status = check.status;
    if (check.triggered) monitor.last_triggered_at = check.finished_at;
    monitor.consecutive_failures = check.status === 'ok' ? 0 : monitor.consecutive_failures + 1;
    monitor.next_check_at = new Date(Date.now() + monitor.interval_seconds * 1000).toISOString();
    monitor.requested = false;
  }

  function checkCsrf(request, session) {
    if (!session) return;
    if (request.headers['x-csrf-token'] !== session.csrf) throw new HttpError(403, 'csrf_failed', 'the CSRF token is missing or wrong; reload the page');
  }

  async function api(request, response, url) {
    const method = request.method;
    const parts = url.pathname.split('/').filter(Boolean).slice(2); // after /api/v1
    const bodyText = ['POST', 'PATCH', 'PUT'].includes(method) ? await readBody(request) : '';
    let body = {};
    if (bodyText) {
      try {
        body = JSON.parse(bodyText);
      } catch {
        throw new HttpError(400, 'bad_request', 'the body is not valid JSON');
      }
    }
    const { user, session, key } = currentUser(request);
    if (method !== 'GET') checkCsrf(request, session);
    if (key && method !== 'GET' && !key.scopes.includes('write')) throw new HttpError(403, 'forbidden', 'this API key may only read');
    const route = `${method} /${parts.map((p, i) => (i % 2 === 1 && parts[0] !== 'admin' ? ':id' : p)).join('/')}`;
    const [, id, , sub] = parts;

    switch (route) {
      case 'GET /me':
        return send(response, 200, { id: user.id, email: user.email, teams: state.teams.filter((t) => myTeamIds(user).includes(t.id)).map((t) => teamView(t, user)), is_admin: adminEmails === null || adminEmails.includes(user.email) });
      case 'GET /teams':
        return send(response, 200, { items: state.teams.filter((t) => myTeamIds(user).includes(t.id)).map((t) => teamView(t, user)) });
      case 'POST /teams': {
        if (typeof body.name !== 'string' || !body.name.trim()) throw invalid([{ field: 'name', message: 'must not be empty' }]);
        const team = { id: randomUUID(), name: body.name.trim(), personal: false, created_at: now() };
        state.teams.push(team);
        state.members.push({ team_id: team.id, user_id: user.id, role: 'owner', joined_at: now() });
        audit(user, 'team.created', team.id, request);
        return send(response, 201, teamView(team, user));
      }
      case 'GET /teams/:id/members':
      case 'POST /teams/:id/members':
      case 'PATCH /teams/:id/members/:id':
      case 'DELETE /teams/:id/members/:id': {
        if (!myTeamIds(user).includes(id)) throw notFound();
        const members = () => state.members.filter((m) => m.team_id === id).map((m) => ({ user_id: m.user_id, email: state.users.get(m.user_id).email, role: m.role, joined_at: m.joined_at }));
        if (method === 'GET') return send(response, 200, { items: members() });
        if (state.members.find((m) => m.team_id === id && m.user_id === user.id)?.role !== 'owner') throw new HttpError(403, 'forbidden', 'only owners manage members');
        if (method === 'POST') {
          if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(body.email ?? '')) throw invalid([{ field: 'email', message: 'is not a valid email address' }]);
          const invited = userFor(body.email);
          if (!state.members.some((m) => m.team_id === id && m.user_id === invited.id)) state.members.push({ team_id: id, user_id: invited.id, role: body.role === 'owner' ? 'owner' : 'member', joined_at: now() });
          return send(response, 201, members().find((m) => m.user_id === invited.id));
        }
        const member = state.members.find((m) => m.team_id === id && m.user_id === sub);
        if (!member) throw notFound();
        if (method === 'PATCH') {
          member.role = body.role === 'owner' ? 'owner' : 'member';
          return send(response, 200, members().find((m) => m.user_id === sub));
        }
        state.members.splice(state.members.indexOf(member), 1);
        return send(response, 204);
      }
      case 'GET /monitors':
        return send(response, 200, { items: state.monitors.filter((m) => myTeamIds(user).includes(m.team_id)).map(monitorView), next_cursor: null });
      case 'POST /monitors': {
        validateMonitor(body, false);
        const team_id = body.team_id ?? state.teams.find((t) => t.personal && myTeamIds(user).includes(t.id)).id;
        if (!myTeamIds(user).includes(team_id)) throw invalid([{ field: 'team_id', message: 'is not the id of a team you are a member of' }]);
        const monitor = { id: randomUUID(), team_id, name: body.name.trim(), url: body.url.trim(), css_selector: body.css_selector || null, json_pointer: body.json_pointer || null, condition: body.condition ?? '', interval_seconds: body.interval_seconds ?? 3600, render: Boolean(body.render), headers: [], paused: Boolean(body.paused), channel_ids: body.channel_ids ?? [], requested: false, next_check_at: now(), last_checked_at: null, last_status: null, last_triggered_at: null, consecutive_failures: 0, created_at: now(), updated_at: now() };
        state.monitors.unshift(monitor);
        audit(user, 'monitor.created', monitor.id, request);
        return send(response, 201, monitorView(monitor));
      }
      case 'GET /monitors/:id':
        return send(response, 200, monitorView(findMonitor(user, id)));
      case 'PATCH /monitors/:id': {
        const monitor = findMonitor(user, id);
        validateMonitor(body, true);
        Object.assign(monitor, body, { updated_at: now() });
        return send(response, 200, monitorView(monitor));
      }
      case 'DELETE /monitors/:id': {
        const monitor = findMonitor(user, id);
        state.monitors.splice(state.monitors.indexOf(monitor), 1);
        audit(user, 'monitor.deleted', id, request);
        return send(response, 204);
      }
      case 'POST /monitors/:id/check': {
        const monitor = findMonitor(user, id);
        monitor.requested = true;
        setTimeout(() => void runCheck(monitor, 'manual'), CHECK_DELAY_MS);
        return send(response, 202, { status: 'queued' });
      }
      case 'GET /monitors/:id/checks':
        findMonitor(user, id);
        return send(response, 200, { items: state.checks.filter((c) => c.monitor_id === id), next_cursor: null });
      case 'GET /monitors/:id/checks/:id': {
        findMonitor(user, id);
        const check = state.checks.find((c) => c.monitor_id === id && c.id === sub);
        if (!check) throw notFound();
        return send(response, 200, check);
      }
      case 'POST /preview': {
        validateMonitor({ url: body.url }, true);
        try {
          const { status, text } = await fetchText(body.url);
          return send(response, 200, { text, http_status: status, final_url: body.url, truncated: false });
        } catch {
          throw new HttpError(502, 'bad_gateway', 'the page could not be fetched');
        }
      }
      case 'GET /channels':
        return send(response, 200, { items: state.channels.filter((c) => myTeamIds(user).includes(c.team_id)).map(({ secret, ...c }) => c) });
      case 'POST /channels': {
        const fields = [];
        if (!body.name?.trim()) fields.push({ field: 'name', message: 'must not be empty' });
        if (body.kind === 'email' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(body.address ?? '')) fields.push({ field: 'address', message: 'is not a valid email address' });
        if (body.kind === 'webhook' && !/^https?:\/\//.test(body.url ?? '')) fields.push({ field: 'url', message: 'must be an http or https URL' });
        if (fields.length) throw invalid(fields);
        const team_id = body.team_id ?? state.teams.find((t) => t.personal && myTeamIds(user).includes(t.id)).id;
        const channel = { id: randomUUID(), team_id, kind: body.kind, name: body.name.trim(), target: body.kind === 'email' ? body.address : body.url, enabled: true, created_at: now() };
        const secret = body.kind === 'webhook' ? `whsec_${randomBytes(32).toString('base64')}` : undefined;
        state.channels.unshift({ ...channel, secret });
        return send(response, 201, secret ? { ...channel, signing_secret: secret } : channel);
      }
      case 'DELETE /channels/:id':
      case 'POST /channels/:id/test': {
        const channel = state.channels.find((c) => c.id === id && myTeamIds(user).includes(c.team_id));
        if (!channel) throw notFound();
        if (method === 'DELETE') {
          state.channels.splice(state.channels.indexOf(channel), 1);
          return send(response, 204);
        }
        return send(response, 200, { status: 'sent', message_id: randomUUID() });
      }
      case 'GET /api-keys':
        return send(response, 200, { items: state.keys.filter((k) => k.user_id === user.id && !k.revoked).map(({ secret, user_id, revoked, ...k }) => k) });
      case 'POST /api-keys': {
        if (key) throw new HttpError(403, 'forbidden', 'API keys are created by a signed-in user');
        const fields = [];
        if (!body.name?.trim()) fields.push({ field: 'name', message: 'must not be empty' });
        if (!Array.isArray(body.scopes) || body.scopes.length === 0 || body.scopes.some((s) => !['read', 'write'].includes(s))) fields.push({ field: 'scopes', message: 'must be read and/or write' });
        if (fields.length) throw invalid(fields);
        const secret = `lk_${token(24)}`;
        const created = { id: randomUUID(), name: body.name.trim(), prefix: secret.slice(0, 10), scopes: body.scopes, expires_at: body.expires_at ?? null, last_used_at: null, created_at: now() };
        state.keys.unshift({ ...created, secret, user_id: user.id, revoked: false });
        audit(user, 'api_key.created', created.id, request);
        return send(response, 201, { ...created, key: secret });
      }
      case 'DELETE /api-keys/:id': {
        const found = state.keys.find((k) => k.id === id && k.user_id === user.id && !k.revoked);
        if (!found) throw notFound();
        found.revoked = true;
        audit(user, 'api_key.revoked', id, request);
        return send(response, 204);
      }
      case 'GET /sessions':
        return send(response, 200, { items: [...state.sessions.values()].filter((s) => s.user_id === user.id).map(({ csrf, user_id, ...s }) => ({ ...s, current: s.id === session?.id })) });
      case 'DELETE /sessions/:id': {
        const found = state.sessions.get(id);
        if (!found || found.user_id !== user.id) throw notFound();
        state.sessions.delete(id);
        return send(response, 204);
      }
      case 'GET /admin/system-health':
      case 'GET /admin/usage':
      case 'GET /admin/audit': {
        if (adminEmails !== null && !adminEmails.includes(user.email)) throw new HttpError(403, 'forbidden', 'administrators only');
        if (parts[1] === 'system-health') {
          return send(response, 200, { status: 'ready', dependencies: { database: { status: 'ok', latency_ms: 2 }, redis: { status: 'ok', latency_ms: 1 }, browser: { status: 'ok', latency_ms: 4 }, llm: { status: 'ok', latency_ms: 3 }, notify: { status: 'ok', latency_ms: 3 } } });
        }
        if (parts[1] === 'usage') {
          return send(response, 200, { users: state.users.size, teams: state.teams.length, monitors: state.monitors.length, checks: state.checks.length, database_bytes: 18_350_080, snapshot_bytes: 524_288 });
        }
        return send(response, 200, { items: state.audit.slice(0, 50), next_cursor: null });
      }
      default:
        throw notFound();
    }
  }

  async function auth(request, response, url) {
    if (request.method === 'GET' && url.pathname === '/auth/google/login') {
      response.writeHead(302, { Location: `/mock-idp/authorize?redirect_to=${encodeURIComponent(safeRedirect(url.searchParams.get('redirect_to')))}` });
      return response.end();
    }
    if (url.pathname === '/mock-idp/authorize') {
      if (request.method === 'GET') {
        response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        return response.end(signInPage(url.searchParams.get('redirect_to') ?? '/'));
      }
      const form = new URLSearchParams(await readBody(request));
      if (form.get('decision') !== 'allow') {
        response.writeHead(302, { Location: '/?error=access_denied' });
        return response.end();
      }
      const user = userFor(form.get('email'));
      const session = { id: randomUUID(), user_id: user.id, csrf: token(), created_at: now(), last_used_at: now(), user_agent: request.headers['user-agent'] ?? null, ip: request.socket.remoteAddress };
      state.sessions.set(session.id, session);
      audit(user, 'auth.sign_in', user.id, request);
      response.writeHead(302, {
        Location: safeRedirect(form.get('redirect_to')),
        'Set-Cookie': [`lookout_session=${session.id}; Path=/; HttpOnly; SameSite=Lax`, `lookout_csrf=${session.csrf}; Path=/; SameSite=Lax`],
      });
      return response.end();
    }
    if (request.method === 'POST' && url.pathname === '/auth/refresh') {
      // Sessions do not expire in the mock, so a refresh can only fail.
      throw new HttpError(401, 'unauthorized', 'authentication required');
    }
    if (request.method === 'POST' && url.pathname === '/auth/logout') {
      const session = state.sessions.get(cookies(request).lookout_session);
      if (session) {
        checkCsrf(request, session);
        state.sessions.delete(session.id);
      }
      return send(response, 204, undefined, { 'Set-Cookie': ['lookout_session=; Path=/; Max-Age=0', 'lookout_csrf=; Path=/; Max-Age=0'] });
    }
    throw notFound();
  }

  async function statics(response, url) {
    const relative = url.pathname === '/' ? 'index.html' : url.pathname.slice(1);
    const file = path.resolve(DIST, relative);
    if (!file.startsWith(DIST + path.sep)) throw notFound();
    try {
      const content = await readFile(file);
      response.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      response.end(content);
    } catch {
      throw notFound();
    }
  }

  const server = http.createServer(async (request, response) => {
    const url = new URL(request.url, 'http://mock');
    try {
      if (url.pathname.startsWith('/api/v1/')) await api(request, response, url);
      else if (url.pathname.startsWith('/auth/') || url.pathname.startsWith('/mock-idp/')) await auth(request, response, url);
      else if (url.pathname === '/health') send(response, 200, { status: 'ok' });
      else await statics(response, url);
    } catch (error) {
      const known = error instanceof HttpError;
      if (!known) console.error(error);
      send(response, known ? error.status : 500, { error: { code: known ? error.code : 'internal_error', message: known ? error.message : 'an internal error occurred', request_id: randomUUID(), ...(error.fields ? { fields: error.fields } : {}) } });
    }
  });

  return {
    state,
    async listen(port = 0) {
      await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
      return `http://127.0.0.1:${server.address().port}`;
    },
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const mock = createMockApi();
  const url = await mock.listen(Number(process.env.PORT ?? 0));
  console.log(`mock Lookout API and UI at ${url}`);
}
