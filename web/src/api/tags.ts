import { request } from './client';
import type { Tag, TagInput, TagList, TagPatch } from './types';

export const listTags = () => request<TagList>('/api/v1/tags');

export const createTag = (input: TagInput) => request<Tag>('/api/v1/tags', { method: 'POST', body: input });

export const updateTag = (id: string, patch: TagPatch) =>
  request<Tag>(`/api/v1/tags/${encodeURIComponent(id)}`, { method: 'PATCH', body: patch });

export const deleteTag = (id: string) => request<void>(`/api/v1/tags/${encodeURIComponent(id)}`, { method: 'DELETE' });
