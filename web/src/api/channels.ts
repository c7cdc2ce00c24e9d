import { request } from './client';
import type { ChannelInput, ChannelList, CreatedChannel, TestSent } from './types';

export const listChannels = () => request<ChannelList>('/api/v1/channels');

export const createChannel = (input: ChannelInput) =>
  request<CreatedChannel>('/api/v1/channels', { method: 'POST', body: input });

export const deleteChannel = (id: string) =>
  request<void>(`/api/v1/channels/${encodeURIComponent(id)}`, { method: 'DELETE' });

export const testChannel = (id: string) =>
  request<TestSent>(`/api/v1/channels/${encodeURIComponent(id)}/test`, { method: 'POST' });
