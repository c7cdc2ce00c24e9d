import { request } from './client';
import type { Budget, TeamBudgetList, TeamUsage } from './types';

export const teamUsage = (teamId: string) => request<TeamUsage>(`/api/v1/teams/${encodeURIComponent(teamId)}/usage`);

export const listBudgets = () => request<TeamBudgetList>('/api/v1/admin/budgets');

export const setBudget = (teamId: string, budget: Budget) =>
  request<Budget>(`/api/v1/admin/teams/${encodeURIComponent(teamId)}/budget`, { method: 'PUT', body: budget });
