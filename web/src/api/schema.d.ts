/**
 * The gateway's API types, generated from its OpenAPI document by openapi-typescript.
 * Do not edit: run `npm run gen:api` in web/ after changing the API.
 */


export interface paths {
  "/api/v1/admin/audit": {
    /** The audit trail, newest first. */
    get: operations["audit_log"];
  };
  "/api/v1/admin/system-health": {
    /** Health and latency of the database, Redis and each internal service. */
    get: operations["system_health"];
  };
  "/api/v1/admin/usage": {
    /** Counts and sizes across the whole system. */
    get: operations["usage"];
  };
  "/api/v1/api-keys": {
    /** The caller's keys (never the secrets). */
    get: operations["list"];
    /** Creates a key. Only a signed-in person may (not another key). */
    post: operations["create"];
  };
  "/api/v1/api-keys/{id}": {
    /** Revokes a key; it stops working on the next request. */
    delete: operations["revoke"];
  };
  "/api/v1/channels": {
    get: operations["list"];
    /** Creates a channel; a webhook's signing secret is in this answer only. */
    post: operations["create"];
  };
  "/api/v1/channels/{id}": {
    delete: operations["remove"];
  };
  "/api/v1/channels/{id}/test": {
    /** Sends a test message through notify, now, and reports whether it went out. */
    post: operations["test"];
  };
  "/api/v1/hooks/monitors/{id}/check": {
    /** Runs a check of the monitor now, on a signed request. */
    post: operations["trigger"];
  };
  "/api/v1/me": {
    /** The caller's identity and teams. */
    get: operations["me"];
  };
  "/api/v1/monitors": {
    /** The monitors of the caller's teams, newest first. */
    get: operations["list"];
    /** Creates a monitor in the caller's personal team or in `team_id`. */
    post: operations["create"];
  };
  "/api/v1/monitors/{id}": {
    get: operations["show"];
    delete: operations["remove"];
    /** Changes the fields sent; absent fields stay as they are. */
    patch: operations["update"];
  };
  "/api/v1/monitors/{id}/check": {
    /**
     * Asks the scheduler to check the monitor now; the check shows up in the
     * monitor's history when it has run.
     */
    post: operations["run_now"];
  };
  "/api/v1/monitors/{id}/checks": {
    /** A monitor's checks, newest first. */
    get: operations["list"];
  };
  "/api/v1/monitors/{id}/checks/{check_id}": {
    /** One check of a monitor. */
    get: operations["show"];
  };
  "/api/v1/monitors/{id}/trigger-secret": {
    /** Creates or replaces the monitor's trigger secret. */
    post: operations["rotate_secret"];
  };
  "/api/v1/preview": {
    post: operations["preview"];
  };
  "/api/v1/sessions": {
    /** The caller's live sessions, newest first. */
    get: operations["list"];
  };
  "/api/v1/sessions/{id}": {
    /**
     * Revokes one of the caller's sessions: its refresh token stops working
     * and its access token is denylisted.
     */
    delete: operations["revoke"];
  };
  "/api/v1/teams": {
    /** The teams the caller belongs to. */
    get: operations["list"];
    /** Creates a team owned by the caller. */
    post: operations["create"];
  };
  "/api/v1/teams/{id}/members": {
    /** The team's members. */
    get: operations["list"];
    /** Adds someone who has signed in before. Owners only. */
    post: operations["add"];
  };
  "/api/v1/teams/{id}/members/{user_id}": {
    /**
     * Removes a member (owners), or leaves the team (anyone, for themselves).
     * The last owner cannot leave.
     */
    delete: operations["remove"];
    /** Changes a member's role. Owners only; the last owner cannot step down. */
    patch: operations["change_role"];
  };
  "/auth/google/callback": {
    /**
     * Finishes sign-in: checks the state, redeems the code, verifies the ID
     * token and starts a session.
     */
    get: operations["callback"];
  };
  "/auth/google/login": {
    /** Starts sign-in: redirects to the identity provider. */
    get: operations["login"];
  };
  "/auth/logout": {
    /**
     * Signs out: revokes the session (refresh family) and denylists the
     * access token until it expires. Always clears the cookies.
     */
    post: operations["logout"];
  };
  "/auth/refresh": {
    /**
     * Rotates the refresh token (cookie `lookout_refresh`) and renews the
     * session cookie. A token used twice revokes its session.
     */
    post: operations["refresh"];
  };
  "/health": {
    /**
     * The process is up and serving HTTP; says nothing about dependencies, so
     * an orchestrator does not restart the gateway when the database blips.
     */
    get: operations["health"];
  };
  "/ready": {
    /**
     * Whether this replica can serve: database, Redis, internal services and
     * the rate limiter. 503 with the same body when something is down.
     */
    get: operations["ready"];
  };
}

export type webhooks = Record<string, never>;

export interface components {
  schemas: {
    AddMember: {
      email: string;
      /** @description `owner` or `member` (default). */
      role?: string | null;
    };
    ApiKeyList: {
      items: components["schemas"]["ApiKeyResponse"][];
    };
    ApiKeyResponse: {
      /** Format: date-time */
      created_at: string;
      /** Format: date-time */
      expires_at?: string | null;
      /** Format: uuid */
      id: string;
      /** Format: date-time */
      last_used_at?: string | null;
      name: string;
      /** @description The `lk_<prefix>` part, to recognise the key. */
      prefix: string;
      /** @description `read` and/or `write`. */
      scopes: string[];
    };
    AuditEventResponse: {
      action: string;
      /** Format: uuid */
      actor?: string | null;
      actor_email?: string | null;
      /** Format: date-time */
      at: string;
      detail: Record<string, unknown>;
      /** Format: uuid */
      id: string;
      ip?: string | null;
      request_id?: string | null;
      target?: string | null;
      user_agent?: string | null;
    };
    AuditPage: {
      items: components["schemas"]["AuditEventResponse"][];
      next_cursor?: string | null;
    };
    ChangeRole: {
      role: string;
    };
    ChannelList: {
      items: components["schemas"]["ChannelResponse"][];
    };
    /** @description A channel as listed. The webhook signing secret is never part of it. */
    ChannelResponse: {
      /** Format: date-time */
      created_at: string;
      enabled: boolean;
      /** Format: uuid */
      id: string;
      /** @description `email` or `webhook`. */
      kind: string;
      name: string;
      /** @description Email address or webhook URL. */
      target: string;
      /** Format: uuid */
      team_id: string;
    };
    CheckList: {
      items: components["schemas"]["CheckResponse"][];
      next_cursor?: string | null;
    };
    CheckResponse: {
      baseline: boolean;
      changed: boolean;
      /** Format: float */
      confidence?: number | null;
      content_sha256?: string | null;
      diff?: string | null;
      /** Format: int32 */
      duration_ms?: number | null;
      error?: string | null;
      extracted_value?: string | null;
      /** Format: int32 */
      fetch_ms?: number | null;
      /** Format: date-time */
      finished_at: string;
      /** Format: int32 */
      http_status?: number | null;
      /** Format: uuid */
      id: string;
      judge?: string | null;
      /** Format: int32 */
      judge_ms?: number | null;
      /** @description Why the judge decided as it did. */
      judge_reason?: string | null;
      /** Format: uuid */
      monitor_id: string;
      /** @description What started the check: `schedule`, `manual` or `hook`. */
      reason: string;
      /** Format: date-time */
      started_at: string;
      /** @description `ok` or the kind of failure. */
      status: string;
      summary?: string | null;
      triggered: boolean;
    };
    ComponentHealth: {
      /** @description Why it is down; admins may see internal detail. */
      error?: string | null;
      /** Format: double */
      latency_ms: number;
      /** @description `up` or `down`. */
      status: string;
      version?: string | null;
    };
    CreateApiKey: {
      /** Format: date-time */
      expires_at?: string | null;
      name: string;
      /** @description `["read"]` or `["read", "write"]` (`write` implies reading). */
      scopes: string[];
    };
    CreateChannel: {
      /** @description Required for `email`. */
      address?: string | null;
      kind: components["schemas"]["KindBody"];
      name: string;
      /**
       * Format: uuid
       * @description Defaults to the caller's personal team.
       */
      team_id?: string | null;
      /** @description Required for `webhook`. */
      url?: string | null;
    };
    CreateMonitor: {
      channel_ids?: string[];
      condition?: string;
      css_selector?: string | null;
      headers?: components["schemas"]["HeaderBody"][];
      /** Format: int64 */
      interval_seconds?: number | null;
      json_pointer?: string | null;
      name: string;
      paused?: boolean;
      render?: boolean;
      /**
       * Format: uuid
       * @description Defaults to the caller's personal team.
       */
      team_id?: string | null;
      url: string;
    };
    CreateTeam: {
      name: string;
    };
    CreatedApiKey: components["schemas"]["ApiKeyResponse"] & {
      /** @description The full key. Shown this once; store it now. */
      key: string;
    };
    /** @description The answer to a creation: the only time the signing secret is shown. */
    CreatedChannel: components["schemas"]["ChannelResponse"] & {
      /** @description Webhooks only: the Standard Webhooks secret, shown once. */
      signing_secret?: string;
    };
    DependencyStatus: {
      error?: string | null;
      /** @description `up`, `down` or `degraded`. */
      status: string;
    };
    ErrorContent: {
      /** @description Stable machine-readable code, e.g. `not_found`, `rate_limited`. */
      code: string;
      /** @description Present on 422 `validation_failed`: one entry per invalid field. */
      fields?: components["schemas"]["FieldError"][];
      /** @description A sentence for humans; never internal details. */
      message: string;
      /** @description The `X-Request-ID` of the response, to quote in a bug report. */
      request_id?: string | null;
    };
    /** @description The error body every failure shares. */
    ErrorResponse: {
      error: components["schemas"]["ErrorContent"];
    };
    /** @description One invalid field of a request body or query. */
    FieldError: {
      field: string;
      message: string;
    };
    HeaderBody: {
      name: string;
      value: string;
    };
    /** @enum {string} */
    KindBody: "email" | "webhook";
    Liveness: {
      /** @description Always `ok`. */
      status: string;
    };
    MeResponse: {
      email: string;
      /** Format: uuid */
      id: string;
      /** @description In `ADMIN_EMAILS`: may use `/api/v1/admin/…`. */
      is_admin: boolean;
      teams: components["schemas"]["TeamResponse"][];
    };
    MemberList: {
      items: components["schemas"]["MemberResponse"][];
    };
    MemberResponse: {
      display_name: string;
      email: string;
      /** Format: date-time */
      joined_at: string;
      /** @description `owner` or `member`. */
      role: string;
      /** Format: uuid */
      user_id: string;
    };
    MonitorList: {
      items: components["schemas"]["MonitorResponse"][];
      next_cursor?: string | null;
    };
    MonitorResponse: {
      channel_ids: string[];
      condition: string;
      /** Format: int32 */
      consecutive_failures: number;
      /** Format: date-time */
      created_at: string;
      css_selector?: string | null;
      headers: components["schemas"]["HeaderBody"][];
      /** Format: uuid */
      id: string;
      /** Format: int32 */
      interval_seconds: number;
      json_pointer?: string | null;
      /** Format: date-time */
      last_checked_at?: string | null;
      last_status?: string | null;
      /** Format: date-time */
      last_triggered_at?: string | null;
      name: string;
      /** Format: date-time */
      next_check_at: string;
      paused: boolean;
      render: boolean;
      /** @description True while a "run now" request waits for the scheduler. */
      run_requested: boolean;
      /** Format: uuid */
      team_id: string;
      /** Format: date-time */
      updated_at: string;
      url: string;
    };
    PreviewBody: {
      css_selector?: string | null;
      headers?: components["schemas"]["HeaderBody"][];
      json_pointer?: string | null;
      render?: boolean;
      url: string;
    };
    PreviewResponse: {
      content_type: string;
      /** @description Plain explanation when `outcome` is not `ok`. */
      detail?: string | null;
      /** Format: int32 */
      fetch_ms: number;
      final_url: string;
      /** Format: int32 */
      http_status?: number | null;
      /**
       * @description `ok`, or why no text could be extracted: `http_error`, `blocked`,
       * `page_gone`, `selector_not_found`, `timeout`, `network_error`,
       * `forbidden_destination`, `too_large`, `unsupported_content`.
       */
      outcome: string;
      /** @description The extracted text, cut to 20,000 characters. */
      text: string;
      /** @description SHA-256 of the whole extracted text, as checks record it. */
      text_sha256: string;
      title: string;
      /** @description True when `text` was cut. */
      truncated: boolean;
    };
    Queued: {
      /** @description Always `queued`. */
      status: string;
    };
    ReadinessReport: {
      dependencies: {
        [key: string]: components["schemas"]["DependencyStatus"];
      };
      /** @description `ready`, `degraded` (serving with per-replica rate limits) or `not_ready`. */
      status: string;
    };
    Refreshed200: {
      /**
       * Format: int64
       * @description Seconds until the new access token (in the session cookie) expires.
       */
      expires_in: number;
    };
    SessionList: {
      items: components["schemas"]["SessionResponse"][];
    };
    SessionResponse: {
      /** Format: date-time */
      created_at: string;
      /** @description The session this request was made with. */
      current: boolean;
      /** Format: date-time */
      expires_at: string;
      /** Format: uuid */
      id: string;
      ip?: string | null;
      /** Format: date-time */
      last_used_at: string;
      user_agent: string;
    };
    SystemHealth: {
      dependencies: {
        [key: string]: components["schemas"]["ComponentHealth"];
      };
      gateway_version: string;
      /** @description `ok` when every component is up, else `degraded`. */
      status: string;
    };
    TeamList: {
      items: components["schemas"]["TeamResponse"][];
    };
    TeamResponse: {
      /** Format: date-time */
      created_at: string;
      /** Format: uuid */
      id: string;
      name: string;
      personal: boolean;
      /** @description `owner` or `member`. */
      role: string;
    };
    TestSent: {
      message_id: string;
      /** @description Always `sent`. */
      status: string;
    };
    TriggerSecret: {
      /** @description The HMAC key. Shown this once. */
      secret: string;
      /** @description Where to POST signed requests. */
      url: string;
    };
    /**
     * @description Absent fields stay as they are; `css_selector` and `json_pointer` can be
     * cleared with `null` or an empty string.
     */
    UpdateMonitor: {
      channel_ids?: string[] | null;
      condition?: string | null;
      /** @description `null` or `""` clears it. */
      css_selector?: string | null;
      headers?: components["schemas"]["HeaderBody"][] | null;
      /** Format: int64 */
      interval_seconds?: number | null;
      /** @description `null` or `""` clears it. */
      json_pointer?: string | null;
      name?: string | null;
      paused?: boolean | null;
      render?: boolean | null;
      url?: string | null;
    };
    Usage: {
      /** Format: int64 */
      checks: number;
      /** Format: int64 */
      database_size_bytes: number;
      /** Format: int64 */
      deliveries: number;
      /** Format: int64 */
      monitors: number;
      /** Format: int64 */
      snapshot_storage_bytes: number;
      /** Format: int64 */
      snapshot_text_bytes: number;
      /** Format: int64 */
      teams: number;
      /** Format: int64 */
      users: number;
    };
  };
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}

export type $defs = Record<string, never>;

export type external = Record<string, never>;

export interface operations {

  /** The audit trail, newest first. */
  audit_log: {
    parameters: {
      query?: {
        /** @description Only this action, e.g. `sign_in.refused`. */
        action?: string;
        /** @description Only events by this user id. */
        actor?: string;
        /** @description Page size, 1 to 100 (default 50). */
        limit?: number;
        /** @description `next_cursor` of the previous page. */
        cursor?: string;
      };
    };
    responses: {
      200: {
        content: {
          "application/json": components["schemas"]["AuditPage"];
        };
      };
      /** @description Not an administrator */
      403: {
        content: never;
      };
      /** @description An error, in the API's one error format */
      default: {
        content: {
          "application/json": components["schemas"]["ErrorResponse"];
        };
      };
    };
  };
  /** Health and latency of the database, Redis and each internal service. */
  system_health: {
    responses: {
      200: {
        content: {
          "application/json": components["schemas"]["SystemHealth"];
        };
      };
      /** @description Not an administrator */
      403: {
        content: never;
      };
      /** @description An error, in the API's one error format */
      default: {
        content: {
          "application/json": components["schemas"]["ErrorResponse"];
        };
      };
    };
  };
  /** Counts and sizes across the whole system. */
  usage: {
    responses: {
      200: {
        content: {
          "application/json": components["schemas"]["Usage"];
        };
      };
      /** @description Not an administrator */
      403: {
        content: never;
      };
      /** @description An error, in the API's one error format */
      default: {
        content: {
          "application/json": components["schemas"]["ErrorResponse"];
        };
      };
    };
  };
  /** The team's members. */
  list: {
    parameters: {
      path: {
        /** @description Team id */
        id: string;
      };
    };
    responses: {
      200: {
        content: {
          "application/json": components["schemas"]["MemberList"];
        };
      };
      /** @description Not a team of yours */
      404: {
        content: never;
      };
      /** @description An error, in the API's one error format */
      default: {
        content: {
          "application/json": components["schemas"]["ErrorResponse"];
        };
      };
    };
  };
  /** Creates a team owned by the caller. */
  create: {
    requestBody: {
      content: {
        "application/json": components["schemas"]["CreateTeam"];
      };
    };
    responses: {
      201: {
        content: {
          "application/json": components["schemas"]["TeamResponse"];
        };
      };
      /** @description An error, in the API's one error format */
      default: {
        content: {
          "application/json": components["schemas"]["ErrorResponse"];
        };
      };
    };
  };
  /**
   * Revokes one of the caller's sessions: its refresh token stops working
   * and its access token is denylisted.
   */
  revoke: {
    parameters: {
      path: {
        /** @description Session id */
        id: string;
      };
    };
    responses: {
      /** @description Revoked */
      204: {
        content: never;
      };
      /** @description Not one of your live sessions */
      404: {
        content: never;
      };
      /** @description An error, in the API's one error format */
      default: {
        content: {
          "application/json": components["schemas"]["ErrorResponse"];
        };
      };
    };
  };
  /**
   * Removes a member (owners), or leaves the team (anyone, for themselves).
   * The last owner cannot leave.
   */
  remove: {
    parameters: {
      path: {
        /** @description Team id */
        id: string;
        /** @description Member's user id */
        user_id: string;
      };
    };
    responses: {
      /** @description Removed */
      204: {
        content: never;
      };
      /** @description Not an owner */
      403: {
        content: never;
      };
      /** @description Not a team of yours or not a member */
      404: {
        content: never;
      };
      /** @description Last owner */
      409: {
        content: never;
      };
      /** @description An error, in the API's one error format */
      default: {
        content: {
          "application/json": components["schemas"]["ErrorResponse"];
        };
      };
    };
  };
  /** Sends a test message through notify, now, and reports whether it went out. */
  test: {
    parameters: {
      path: {
        /** @description Channel id */
        id: string;
      };
    };
    responses: {
      200: {
        content: {
          "application/json": components["schemas"]["TestSent"];
        };
      };
      /** @description An error, in the API's one error format */
      default: {
        content: {
          "application/json": components["schemas"]["ErrorResponse"];
        };
      };
    };
  };
  /** Runs a check of the monitor now, on a signed request. */
  trigger: {
    parameters: {
      header: {
        /** @description Unix seconds */
        "X-Lookout-Timestamp": string;
        /** @description `sha256=` + hex HMAC-SHA256(secret, timestamp + "." + body) */
        "X-Lookout-Signature": string;
      };
      path: {
        /** @description Monitor id */
        id: string;
      };
    };
    /** @description Any body; it is covered by the signature */
    requestBody: {
      content: {
        "text/plain": string;
      };
    };
    responses: {
      202: {
        content: {
          "application/json": components["schemas"]["Queued"];
        };
      };
      /** @description Missing, stale, wrong or replayed signature, or unknown monitor */
      401: {
        content: never;
      };
      /** @description An error, in the API's one error format */
      default: {
        content: {
          "application/json": components["schemas"]["ErrorResponse"];
        };
      };
    };
  };
  /** The caller's identity and teams. */
  me: {
    responses: {
      200: {
        content: {
          "application/json": components["schemas"]["MeResponse"];
        };
      };
      /** @description An error, in the API's one error format */
      default: {
        content: {
          "application/json": components["schemas"]["ErrorResponse"];
        };
      };
    };
  };
  /** One check of a monitor. */
  show: {
    parameters: {
      path: {
        /** @description Monitor id */
        id: string;
        /** @description Check id */
        check_id: string;
      };
    };
    responses: {
      200: {
        content: {
          "application/json": components["schemas"]["CheckResponse"];
        };
      };
      /** @description An error, in the API's one error format */
      default: {
        content: {
          "application/json": components["schemas"]["ErrorResponse"];
        };
      };
    };
  };
  /** Changes the fields sent; absent fields stay as they are. */
  update: {
    parameters: {
      path: {
        /** @description Monitor id */
        id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["UpdateMonitor"];
      };
    };
    responses: {
      200: {
        content: {
          "application/json": components["schemas"]["MonitorResponse"];
        };
      };
      /** @description An error, in the API's one error format */
      default: {
        content: {
          "application/json": components["schemas"]["ErrorResponse"];
        };
      };
    };
  };
  /**
   * Asks the scheduler to check the monitor now; the check shows up in the
   * monitor's history when it has run.
   */
  run_now: {
    parameters: {
      path: {
        /** @description Monitor id */
        id: string;
      };
    };
    responses: {
      202: {
        content: {
          "application/json": components["schemas"]["Queued"];
        };
      };
      /** @description An error, in the API's one error format */
      default: {
        content: {
          "application/json": components["schemas"]["ErrorResponse"];
        };
      };
    };
  };
  /** Creates or replaces the monitor's trigger secret. */
  rotate_secret: {
    parameters: {
      path: {
        /** @description Monitor id */
        id: string;
      };
    };
    responses: {
      201: {
        content: {
          "application/json": components["schemas"]["TriggerSecret"];
        };
      };
      /** @description Not a monitor of yours */
      404: {
        content: never;
      };
      /** @description An error, in the API's one error format */
      default: {
        content: {
          "application/json": components["schemas"]["ErrorResponse"];
        };
      };
    };
  };
  preview: {
    requestBody: {
      content: {
        "application/json": components["schemas"]["PreviewBody"];
      };
    };
    responses: {
      200: {
        content: {
          "application/json": components["schemas"]["PreviewResponse"];
        };
      };
      /** @description An error, in the API's one error format */
      default: {
        content: {
          "application/json": components["schemas"]["ErrorResponse"];
        };
      };
    };
  };
  /** Adds someone who has signed in before. Owners only. */
  add: {
    parameters: {
      path: {
        /** @description Team id */
        id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["AddMember"];
      };
    };
    responses: {
      201: {
        content: {
          "application/json": components["schemas"]["MemberResponse"];
        };
      };
      /** @description Not an owner */
      403: {
        content: never;
      };
      /** @description Not a team of yours */
      404: {
        content: never;
      };
      /** @description Already a member, or a personal team */
      409: {
        content: never;
      };
      /** @description An error, in the API's one error format */
      default: {
        content: {
          "application/json": components["schemas"]["ErrorResponse"];
        };
      };
    };
  };
  /** Changes a member's role. Owners only; the last owner cannot step down. */
  change_role: {
    parameters: {
      path: {
        /** @description Team id */
        id: string;
        /** @description Member's user id */
        user_id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["ChangeRole"];
      };
    };
    responses: {
      200: {
        content: {
          "application/json": components["schemas"]["MemberResponse"];
        };
      };
      /** @description Not an owner */
      403: {
        content: never;
      };
      /** @description Not a team of yours or not a member */
      404: {
        content: never;
      };
      /** @description Last owner */
      409: {
        content: never;
      };
      /** @description An error, in the API's one error format */
      default: {
        content: {
          "application/json": components["schemas"]["ErrorResponse"];
        };
      };
    };
  };
  /**
   * Finishes sign-in: checks the state, redeems the code, verifies the ID
   * token and starts a session.
   */
  callback: {
    parameters: {
      query?: {
        code?: string;
        state?: string;
        /** @description Set by the provider when the person cancelled or was refused. */
        error?: string;
      };
    };
    responses: {
      /** @description Signed in: session cookies set, redirect to `redirect_to` */
      303: {
        content: never;
      };
      /** @description State missing, mismatched, expired or reused */
      400: {
        content: never;
      };
      /** @description The provider's answer did not verify */
      401: {
        content: never;
      };
      /** @description Unverified email or a domain that may not sign in */
      403: {
        content: never;
      };
      /** @description An error, in the API's one error format */
      default: {
        content: {
          "application/json": components["schemas"]["ErrorResponse"];
        };
      };
    };
  };
  /** Starts sign-in: redirects to the identity provider. */
  login: {
    parameters: {
      query?: {
        /** @description Where to go after signing in: a path on this site (e.g. `/#/monitors`). */
        redirect_to?: string;
      };
    };
    responses: {
      /** @description Redirect to the identity provider */
      302: {
        content: never;
      };
      /** @description `redirect_to` is not a path on this site */
      400: {
        content: never;
      };
      /** @description An error, in the API's one error format */
      default: {
        content: {
          "application/json": components["schemas"]["ErrorResponse"];
        };
      };
    };
  };
  /**
   * Signs out: revokes the session (refresh family) and denylists the
   * access token until it expires. Always clears the cookies.
   */
  logout: {
    responses: {
      /** @description Signed out */
      204: {
        content: never;
      };
      /** @description Cross-site request */
      403: {
        content: never;
      };
      /** @description An error, in the API's one error format */
      default: {
        content: {
          "application/json": components["schemas"]["ErrorResponse"];
        };
      };
    };
  };
  /**
   * Rotates the refresh token (cookie `lookout_refresh`) and renews the
   * session cookie. A token used twice revokes its session.
   */
  refresh: {
    responses: {
      /** @description New session cookies set */
      200: {
        content: {
          "application/json": components["schemas"]["Refreshed200"];
        };
      };
      /** @description No, unknown, revoked or reused refresh token */
      401: {
        content: never;
      };
      /** @description Cross-site request */
      403: {
        content: never;
      };
      /** @description An error, in the API's one error format */
      default: {
        content: {
          "application/json": components["schemas"]["ErrorResponse"];
        };
      };
    };
  };
  /**
   * The process is up and serving HTTP; says nothing about dependencies, so
   * an orchestrator does not restart the gateway when the database blips.
   */
  health: {
    responses: {
      200: {
        content: {
          "application/json": components["schemas"]["Liveness"];
        };
      };
      /** @description An error, in the API's one error format */
      default: {
        content: {
          "application/json": components["schemas"]["ErrorResponse"];
        };
      };
    };
  };
  /**
   * Whether this replica can serve: database, Redis, internal services and
   * the rate limiter. 503 with the same body when something is down.
   */
  ready: {
    responses: {
      200: {
        content: {
          "application/json": components["schemas"]["ReadinessReport"];
        };
      };
      503: {
        content: {
          "application/json": components["schemas"]["ReadinessReport"];
        };
      };
      /** @description An error, in the API's one error format */
      default: {
        content: {
          "application/json": components["schemas"]["ErrorResponse"];
        };
      };
    };
  };
}
