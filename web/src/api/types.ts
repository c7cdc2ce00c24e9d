// Shapes as the gateway sends them (crates/gateway/src/routes/*.rs). Fields
// from routes that do not exist yet (issue 4) are marked "assumed".

export type Uuid = string;
export type Timestamp = string;

export interface Team {
  id: Uuid;
  name: string;
  personal: boolean;
  role: 'owner' | 'member' | string;
  created_at: Timestamp;
}

export interface Me {
  id: Uuid;
  email: string;
  teams: Team[];
  /** Assumed (issue 4): true for users in ADMIN_EMAILS. */
  is_admin?: boolean;
}

export interface HeaderPair {
  name: string;
  value: string;
}

export interface Monitor {
  id: Uuid;
  team_id: Uuid;
  name: string;
  url: string;
  css_selector: string | null;
  json_pointer: string | null;
  xpath?: string | null;
  json_path?: string | null;
  jq_filter?: string | null;
  condition: string;
  interval_seconds: number;
  render: boolean;
  headers: HeaderPair[];
  paused: boolean;
  channel_ids: Uuid[];
  run_requested: boolean;
  next_check_at: Timestamp;
  last_checked_at: Timestamp | null;
  last_status: string | null;
  last_triggered_at: Timestamp | null;
  consecutive_failures: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface MonitorInput {
  team_id?: Uuid;
  name: string;
  url: string;
  css_selector?: string | null;
  json_pointer?: string | null;
  xpath?: string | null;
  json_path?: string | null;
  jq_filter?: string | null;
  condition: string;
  interval_seconds: number;
  render?: boolean;
  paused?: boolean;
  channel_ids: Uuid[];
}

export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

export interface Check {
  id: Uuid;
  monitor_id: Uuid;
  reason: string;
  status: string;
  http_status: number | null;
  content_sha256: string | null;
  baseline: boolean;
  changed: boolean;
  triggered: boolean;
  summary: string | null;
  judge_reason: string | null;
  extracted_value: string | null;
  confidence: number | null;
  judge: string | null;
  diff: string | null;
  error: string | null;
  fetch_ms: number | null;
  judge_ms: number | null;
  duration_ms: number | null;
  started_at: Timestamp;
  finished_at: Timestamp;
  /** Assumed: a URL (same origin) of the check's screenshot, when one was taken. */
  screenshot_url?: string | null;
}

export interface Channel {
  id: Uuid;
  team_id: Uuid;
  kind: 'email' | 'webhook';
  name: string;
  target: string;
  enabled: boolean;
  created_at: Timestamp;
}

export interface CreatedChannel extends Channel {
  signing_secret?: string;
}

export interface ChannelInput {
  team_id?: Uuid;
  kind: 'email' | 'webhook';
  name: string;
  address?: string;
  url?: string;
}

/** Assumed (issue 4). */
export interface ApiKey {
  id: Uuid;
  name: string;
  prefix: string;
  scopes: string[];
  expires_at: Timestamp | null;
  last_used_at: Timestamp | null;
  created_at: Timestamp;
}

/** Assumed (issue 4): the creation answer adds the secret, shown once. */
export interface CreatedApiKey extends ApiKey {
  key: string;
}

/** Assumed (issue 4). */
export interface Session {
  id: Uuid;
  created_at: Timestamp;
  last_used_at: Timestamp | null;
  expires_at?: Timestamp | null;
  user_agent: string | null;
  ip: string | null;
  current: boolean;
}

/** Assumed (issue 4). */
export interface Member {
  user_id: Uuid;
  email: string;
  role: 'owner' | 'member' | string;
  joined_at?: Timestamp;
}

/** Assumed (issue 4/5): what a one-off fetch + extract returns. */
export interface Preview {
  /** `ok`, or why there is no text to compare (see lib/outcomes.ts). */
  outcome?: string;
  /** Plain explanation when `outcome` is not `ok`. */
  detail?: string | null;
  text: string;
  http_status: number | null;
  final_url?: string | null;
  truncated?: boolean;
}

export interface DependencyStatus {
  status: string;
  error?: string | null;
  latency_ms?: number | null;
}

/** Assumed (issue 4), modelled on `/ready`'s report. */
export interface SystemHealth {
  status: string;
  dependencies?: Record<string, DependencyStatus>;
  services?: Record<string, DependencyStatus>;
}

/** Assumed (issue 4): numbers keyed by what they count. */
export type Usage = Record<string, number | string | null>;

/** Assumed (issue 4). */
export interface AuditEntry {
  id: Uuid;
  at?: Timestamp;
  created_at?: Timestamp;
  actor_email?: string | null;
  actor?: string | null;
  action: string;
  target?: string | null;
  ip?: string | null;
  user_agent?: string | null;
  request_id?: string | null;
}
