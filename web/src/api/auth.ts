// Sign-in, session and account endpoints. Everything here except `/me` comes
// with issue 4; the names follow product.md's public interface.
import { request } from './client';
import type { ApiKey, CreatedApiKey, Me, Page, Session } from './types';

export const getMe = () => request<Me>('/api/v1/me');

/** Where the "Sign in with Google" button goes; the gateway only accepts relative targets. */
export function loginUrl(redirectTo: string): string {
  return `/auth/google/login?redirect_to=${encodeURIComponent(redirectTo)}`;
}

export const logout = () => request<void>('/auth/logout', { method: 'POST' });

export function isAdmin(me: Me): boolean {
  const loose = me as Me & { admin?: boolean; role?: string; roles?: string[] };
  return loose.is_admin === true || loose.admin === true || loose.role === 'admin' || (loose.roles ?? []).includes('admin');
}

export const listApiKeys = () => request<Page<ApiKey>>('/api/v1/api-keys');

export interface ApiKeyInput {
  name: string;
  scopes: string[];
  expires_at?: string | null;
}

export async function createApiKey(input: ApiKeyInput): Promise<CreatedApiKey> {
  const created = await request<CreatedApiKey & { secret?: string; token?: string }>('/api/v1/api-keys', {
    method: 'POST',
    body: input,
  });
  return { ...created, key: created.key ?? created.secret ?? created.token ?? '' };
}

export const revokeApiKey = (id: string) =>
  request<void>(`/api/v1/api-keys/${encodeURIComponent(id)}`, { method: 'DELETE' });

export const listSessions = () => request<Page<Session>>('/api/v1/sessions');

export const revokeSession = (id: string) =>
  request<void>(`/api/v1/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' });
