import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { expect } from 'vitest';
import type { Me } from '../src/api/types';
import { MonitorForm } from '../src/pages/MonitorForm';
import { SessionContext } from '../src/session';
import { type Call, json, mockFetch } from './fetch-mock';

/** A signed-in owner of one personal team. */
export const me: Me = {
  id: 'u1',
  email: 'ada@example.com',
  is_admin: false,
  teams: [{ id: 't1', name: 'ada', personal: true, role: 'owner', created_at: '2026-01-01T00:00:00Z' }],
};

/** `children` rendered for `who`, signed in. */
export function signedIn(children: preact.ComponentChildren, who: Me = me) {
  return (
    <SessionContext.Provider value={{ me: who, admin: false, refreshMe: async () => {} }}>{children}</SessionContext.Provider>
  );
}

/**
 * The new-monitor form with its name and address filled in, over an API
 * that answers `routes` (and lists no channels); the calls it made.
 */
export async function newMonitorForm(name: string, url: string, routes: Parameters<typeof mockFetch>[0]) {
  const { calls } = mockFetch({ 'GET /api/v1/channels': json(200, { items: [] }), ...routes });
  render(signedIn(<MonitorForm />));
  fireEvent.input(await screen.findByLabelText('Name'), { target: { value: name } });
  fireEvent.input(screen.getByLabelText('Page address'), { target: { value: url } });
  return calls;
}

/** A preview that read `text` from the page. */
export function previewOf(text: string): Response {
  return json(200, { outcome: 'ok', text, http_status: 200 });
}

/** The gateway's answer to a created monitor. */
export function createdMonitor(): Response {
  return json(201, { id: 'm9' });
}

/** Presses "Create monitor" and returns the body the form sent. */
export async function createMonitor(calls: Call[]): Promise<unknown> {
  fireEvent.click(screen.getByRole('button', { name: 'Create monitor' }));
  const isCreate = (call: Call) => call.method === 'POST' && call.url === '/api/v1/monitors';
  await waitFor(() => expect(calls.filter(isCreate)).toHaveLength(1));
  return calls.find(isCreate)?.body;
}
