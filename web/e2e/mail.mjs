// Reading the messages the development mailbox (lookout-dev-mailbox) saved
// as `<n>.eml`: enough MIME to find an alert and the links in its parts.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** Headers of a MIME entity (folded lines joined), names in lower case. */
function parseHeaders(block) {
  const headers = {};
  for (const line of block.replace(/\r\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

function splitEntity(raw) {
  const end = raw.search(/\r?\n\r?\n/);
  if (end < 0) return { headers: parseHeaders(raw), body: '' };
  const gap = raw.slice(end).match(/^\r?\n\r?\n/)[0].length;
  return { headers: parseHeaders(raw.slice(0, end)), body: raw.slice(end + gap) };
}

function decodeBody(body, encoding = '7bit') {
  switch (encoding.toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    case 'quoted-printable': {
      const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
      return Buffer.from(bytes, 'latin1').toString('utf8');
    }
    default:
      return body;
  }
}

/** `{headers, text, html}` of one saved message. */
export function parseMessage(raw) {
  const { headers, body } = splitEntity(raw);
  const parts = { text: '', html: '' };
  const collect = (entityHeaders, entityBody) => {
    const type = entityHeaders['content-type'] ?? 'text/plain';
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
    if (type.toLowerCase().startsWith('multipart/') && boundary) {
      for (const piece of entityBody.split(`--${boundary}`).slice(1)) {
        if (piece.startsWith('--')) break;
        const part = splitEntity(piece.replace(/^\r?\n/, ''));
        collect(part.headers, part.body);
      }
      return;
    }
    const decoded = decodeBody(entityBody, entityHeaders['content-transfer-encoding']);
    if (type.toLowerCase().startsWith('text/html')) parts.html += decoded;
    else if (type.toLowerCase().startsWith('text/plain')) parts.text += decoded;
  };
  collect(headers, body);
  return { headers, ...parts };
}

/** Every message in `dir`, oldest first. */
export async function readMailbox(dir) {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.eml')).sort();
  return Promise.all(names.map(async (name) => parseMessage(await readFile(path.join(dir, name), 'utf8'))));
}

/** Waits until a message matching `predicate` is in `dir`. */
export async function waitForMessage(dir, predicate, { timeoutMs = 60_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await readMailbox(dir)).find(predicate);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no matching message arrived in ${dir}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The `href` of the HTML link whose text is `label`. */
export function linkNamed(html, label) {
  const pattern = /<a\s[^>]*href="([^"]+)"[^>]*>([\s\S]*?)<\/a>/gi;
  for (const [, target, text] of html.matchAll(pattern)) {
    if (text.replace(/<[^>]+>/g, '').trim() === label) return target.replaceAll('&amp;', '&').replaceAll('&#38;', '&');
  }
  return null;
}
