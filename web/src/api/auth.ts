// Sign-in, session and account endpoints.
import { request } from './client';
import type { ApiKeyInput, ApiKeyList, CreatedApiKey, Me, SessionList } from './types';

export const getMe = () => request<Me>('/api/v1/me');

/** Where the "Sign in with Google" button goes; the gateway only accepts relative targets. */
export function loginUrl(redirectTo: string): string {
  return `/auth/google/login?redirect_to=${encodeURIComponent(redirectTo)}`;
}

export const logout = () => request<void>('/auth/logout', { method: 'POST' });

export const isAdmin = (me: Me): boolean => me.is_admin;

export const listApiKeys = () => request<ApiKeyList>('/api/v1/api-keys');

export const createApiKey = (input: ApiKeyInput) =>
  request<CreatedApiKey>('/api/v1/api-keys', { method: 'POST', body: input });

export const revokeApiKey = (id: string) =>
  request<void>(`/api/v1/api-keys/${encodeURIComponent(id)}`, { method: 'DELETE' });

export const listSessions = () => request<SessionList>('/api/v1/sessions');

export const revokeSession = (id: string) =>
  request<void>(`/api/v1/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' });
