import { request } from './client';
import type { Precision, RatingInput, RatingResult } from './types';

export const rateCheck = (monitorId: string, checkId: string, rating: RatingInput['rating']) =>
  request<RatingResult>(`/api/v1/monitors/${encodeURIComponent(monitorId)}/checks/${encodeURIComponent(checkId)}/rating`, {
    method: 'POST',
    body: { rating } satisfies RatingInput,
  });

export const monitorPrecision = (monitorId: string) => request<Precision>(`/api/v1/monitors/${encodeURIComponent(monitorId)}/precision`);
