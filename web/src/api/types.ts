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
  // Verdicts.
  first_check: FirstCheck;
  /** Whether the state condition held at the last judged check; null when unknown or an event. */
  condition_holds: boolean | null;
  fail_policy: FailPolicy;
  /** Changes in a row the model could not judge. */
  unjudged_streak: number;
}

/** What a monitor's first check may do (see the README's "Verdicts" section). */
export type FirstCheck = 'auto' | 'alert' | 'baseline';
/** What a check does when the model cannot judge a change. */
export type FailPolicy = 'hold' | 'alert_anyway' | 'notify_unjudged';

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
  /** Values equal to the mask (`••••••••`) keep the stored value. */
  headers?: HeaderPair[];
  // Verdicts.
  first_check?: FirstCheck;
  fail_policy?: FailPolicy;
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
  // Verdicts.
  condition_kind: 'state' | 'event' | null;
  condition_holds: boolean | null;
  /** The first check alerted because the state condition already held. */
  first_alert: boolean;
  evidence_excerpt: string | null;
  verification: 'verified' | 'unverified' | 'not_needed' | null;
  verification_problem: string | null;
  judge_cached: boolean;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  /** Why the change could not be judged; also set on an alert sent without a verdict. */
  unjudged_reason: 'model_unavailable' | 'timeout' | 'rate_limited' | 'invalid_answer' | null;
  /** This check told the owner that judging fails. */
  unjudged_notice: boolean;
}

export type ChannelKind = 'email' | 'webhook' | 'slack' | 'discord' | 'telegram' | 'teams' | 'ntfy';

export interface Channel {
  id: Uuid;
  team_id: Uuid;
  kind: ChannelKind;
  name: string;
  /** What may be shown: chat webhook URLs come back masked. */
  target: string;
  /** ntfy: priority and tags. */
  settings?: { priority?: number | null; tags?: string[] };
  enabled: boolean;
  /** Why Lookout disabled it (the receiver answered 410 Gone). */
  disabled_reason?: string;
  created_at: Timestamp;
}

export interface CreatedChannel extends Channel {
  signing_secret?: string;
}

export interface ChannelInput {
  team_id?: Uuid;
  /** Omitted when `apprise_url` is given. */
  kind?: ChannelKind;
  name: string;
  apprise_url?: string;
  address?: string;
  url?: string;
  bot_token?: string;
  chat_id?: string;
  access_token?: string;
  priority?: number;
  tags?: string[];
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
