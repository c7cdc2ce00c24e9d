import { describe, expect, it } from 'vitest';
import { checkEmail, validateMonitor } from '../src/lib/validation';
import { validateApiKey } from '../src/pages/ApiKeys';
import { validateChannel } from '../src/pages/Channels';

const valid = {
  name: 'Widget',
  url: 'https://example.com/widget',
  css_selector: '',
  json_pointer: '',
  condition: '',
  interval_seconds: 3600,
};

describe('monitor validation', () => {
  it('accepts a complete monitor', () => {
    expect(validateMonitor(valid)).toEqual({});
  });

  it('follows the gateway rules for each field', () => {
    const errors = validateMonitor({
      name: ' ',
      url: 'ftp://example.com',
      css_selector: '',
      json_pointer: 'data/price',
      condition: 'x'.repeat(2001),
      interval_seconds: 59,
    });
    expect(Object.keys(errors).sort()).toEqual(['condition', 'interval_seconds', 'json_pointer', 'name', 'url']);
  });

  it('counts a 200-character name as valid and 201 as too long', () => {
    expect(validateMonitor({ ...valid, name: 'n'.repeat(200) }).name).toBeUndefined();
    expect(validateMonitor({ ...valid, name: 'n'.repeat(201) }).name).toMatch(/200/);
  });

  it('wants a full http(s) address', () => {
    expect(validateMonitor({ ...valid, url: 'example.com' }).url).toMatch(/http/);
    expect(validateMonitor({ ...valid, url: 'http://127.0.0.1:8000/page' }).url).toBeUndefined();
    expect(validateMonitor({ ...valid, url: 'https://user:pw@example.com' }).url).toMatch(/passwords/);
  });
});

describe('other forms', () => {
  it('check email addresses and webhook URLs by channel kind', () => {
    expect(validateChannel('email', 'Inbox', 'me@example.com')).toEqual({});
    expect(validateChannel('email', 'Inbox', 'me@localhost').target).toBeDefined();
    expect(validateChannel('webhook', '', 'https://hooks.example.com')).toEqual({ name: 'Give it a name.' });
    expect(checkEmail('a b@example.com')).toBeDefined();
  });

  it('need a scope and a future expiry for API keys', () => {
    expect(validateApiKey('CI', ['read'], '', '2026-01-01')).toEqual({});
    expect(validateApiKey('CI', [], '2025-12-31', '2026-01-01')).toEqual({
      scopes: 'Choose at least one scope.',
      expires: 'Choose a date after today.',
    });
  });
});
