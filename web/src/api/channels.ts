import { request } from './client';
import type {
  Channel,
  ChannelInput,
  ChannelList,
  ChannelPatch,
  ConfirmationSent,
  Confirmed,
  CreatedChannel,
  Delivery,
  DeliveryList,
  Requeued,
  TestSent,
  Unsubscribed,
} from './types';

export const listChannels = () => request<ChannelList>('/api/v1/channels');

export const createChannel = (input: ChannelInput) =>
  request<CreatedChannel>('/api/v1/channels', { method: 'POST', body: input });

export const updateChannel = (id: string, patch: ChannelPatch) =>
  request<Channel>(`/api/v1/channels/${encodeURIComponent(id)}`, { method: 'PATCH', body: patch });

export const deleteChannel = (id: string) =>
  request<void>(`/api/v1/channels/${encodeURIComponent(id)}`, { method: 'DELETE' });

export const testChannel = (id: string) =>
  request<TestSent>(`/api/v1/channels/${encodeURIComponent(id)}/test`, { method: 'POST' });

/** Emails a pending email channel's recipient a new confirmation link (counted with test sends). */
export const resendConfirmation = (id: string) =>
  request<ConfirmationSent>(`/api/v1/channels/${encodeURIComponent(id)}/confirmation`, { method: 'POST' });

/** The recipient of an alert email turns its channel off with the token of its unsubscribe link; no session needed. */
export const unsubscribeChannel = (token: string) =>
  request<Unsubscribed>(`/api/v1/channels/unsubscribe/${encodeURIComponent(token)}`, { method: 'POST' });

/** A recipient confirms an email channel with the token of their link; no session needed. */
export const confirmChannel = (token: string) =>
  request<Confirmed>('/api/v1/channels/confirm', { method: 'POST', body: { token } });

/** The dead letters of the caller's teams, newest first. */
export const listDeadDeliveries = (cursor?: string) =>
  request<DeliveryList>('/api/v1/deliveries', { query: { status: 'dead', cursor, limit: 50 } });

export const requeueDelivery = (id: string) =>
  request<Delivery>(`/api/v1/deliveries/${encodeURIComponent(id)}/requeue`, { method: 'POST' });

export const requeueAllDeliveries = () => request<Requeued>('/api/v1/deliveries/requeue', { method: 'POST', body: {} });
