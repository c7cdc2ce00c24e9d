/**
 * The gateway's API types, generated from its OpenAPI document by openapi-typescript.
 * Do not edit: run `npm run gen:api` in web/ after changing the API.
 */


/** OneOf type helpers */
type Without<T, U> = { [P in Exclude<keyof T, keyof U>]?: never };
type XOR<T, U> = (T | U) extends object ? (Without<T, U> & U) | (Without<U, T> & T) : T | U;
type OneOf<T extends any[]> = T extends [infer Only] ? Only : T extends [infer A, infer B, ...infer Rest] ? OneOf<[XOR<A, B>, ...Rest]> : never;

export interface paths {
  "/api/v1/admin/audit": {
    /** The audit trail, newest first. */
    get: operations["audit_log"];
  };
  "/api/v1/admin/budgets": {
    /** Every team's budget and this month's model use, largest use first. */
    get: operations["list_budgets"];
  };
  "/api/v1/admin/quotas": {
    /** Every team's quotas and use; teams with overrides first. */
    get: operations["list_quotas"];
  };
  "/api/v1/admin/system-health": {
    /** Health and latency of the database, Redis and each internal service. */
    get: operations["system_health"];
  };
  "/api/v1/admin/teams/{id}/budget": {
    /**
     * Sets a team's monthly budget; both limits `null` removes it. Takes effect at the team's
     * next check.
     */
    put: operations["set_budget"];
  };
  "/api/v1/admin/teams/{id}/quotas": {
    /**
     * Sets a team's quotas; all `null` returns it to the defaults. Existing monitors, channels
     * and keys above a lowered limit stay; only new ones are refused.
     */
    put: operations["set_quotas"];
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
    /**
     * Creates a channel; a webhook's signing secret is in this answer only.
     * Every URL is checked against the SSRF policy now and again at each send.
     * 403 `limit_reached` (quota `channels`) when the team has as many channels as its quota allows.
     */
    post: operations["create"];
  };
  "/api/v1/channels/confirm": {
    /**
     * The recipient of a new email channel confirms it with the signed link
     * Lookout emailed them; no account needed. The link works once: 410 when
     * it was used, expired, or the channel changed since.
     */
    post: operations["confirm"];
  };
  "/api/v1/channels/unsubscribe/{token}": {
    /**
     * Sends a person who follows the link to the UI's confirmation page
     * (`/unsubscribe/{token}`); nothing changes until they press its button.
     */
    get: operations["show"];
    /**
     * Turns the email channel off, no session needed: the signed token of the
     * link proves the request comes from its recipient. The body (RFC 8058's
     * `List-Unsubscribe=One-Click`) is not needed. Works again on an already
     * unsubscribed channel; 403 for a forged or expired link, 410 when the
     * channel was deleted or no longer goes to the address the link was
     * mailed to.
     */
    post: operations["unsubscribe"];
  };
  "/api/v1/channels/{id}": {
    delete: operations["remove"];
    /** Renames, re-points, turns off or turns on a channel. */
    patch: operations["update"];
  };
  "/api/v1/channels/{id}/confirmation": {
    /**
     * Sends the confirmation email of an email channel waiting for its
     * recipient again (a new link; earlier ones keep working until used or
     * expired). Counted with the test sends: 429 `cap_reached` with
     * `Retry-After` when the team's hourly sends are spent; 409 when the
     * channel is not waiting for a confirmation.
     */
    post: operations["resend_confirmation"];
  };
  "/api/v1/channels/{id}/test": {
    /**
     * Sends a test message through notify, now, and reports whether it went
     * out; when the receiver failed, 502 `receiver_failed` says what it did.
     * A team may send `CHANNEL_TEST_SENDS_PER_HOUR` tests and confirmations
     * an hour (429 `cap_reached` with `Retry-After`).
     */
    post: operations["test"];
  };
  "/api/v1/deliveries": {
    /**
     * The deliveries of the caller's teams, newest first; by default the dead
     * letters, each with the receiver's last error.
     */
    get: operations["list"];
  };
  "/api/v1/deliveries/requeue": {
    /**
     * Requeues every dead delivery of the caller's teams (or of one team or
     * channel) whose channel is on.
     */
    post: operations["requeue_all"];
  };
  "/api/v1/deliveries/{id}/requeue": {
    /**
     * Puts a dead delivery back in the outbox: it is sent again now, with a
     * fresh retry schedule. 409 when it is not dead or its channel is off.
     */
    post: operations["requeue_one"];
  };
  "/api/v1/hooks/monitors/{id}/check": {
    /** Runs a check of the monitor now, on a signed request. */
    post: operations["trigger"];
  };
  "/api/v1/invitations": {
    /** The open invitations addressed to the caller's email. */
    get: operations["list_received"];
  };
  "/api/v1/invitations/{id}/accept": {
    /**
     * Accepts an invitation addressed to the caller: joins the team with the
     * role it offers. A signed-in person only, never an API key.
     */
    post: operations["accept"];
  };
  "/api/v1/invitations/{id}/decline": {
    /**
     * Declines an invitation addressed to the caller. A signed-in person
     * only, never an API key.
     */
    post: operations["decline"];
  };
  "/api/v1/me": {
    /** The caller's identity and teams. */
    get: operations["me"];
  };
  "/api/v1/monitors": {
    /**
     * The monitors of the caller's teams, newest first, optionally filtered by
     * team, tag, status and text. Pages follow `(created_at, id)`, so paging
     * with `next_cursor` never skips or repeats a monitor. Each item carries
     * `recent`: its last 20 checks' outcomes and extracted numbers (see
     * `GET /api/v1/monitors/{id}/series`).
     */
    get: operations["list"];
    /** Creates a monitor in the caller's personal team or in `team_id`. */
    post: operations["create"];
  };
  "/api/v1/monitors/bulk": {
    /**
     * Applies one action to up to 500 monitors, named by `ids` or matched by
     * `filter` (the list's filter). Always 200 once the request is valid:
     * `results` says, per monitor, whether it changed or why not.
     */
    post: operations["bulk"];
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
  "/api/v1/monitors/{id}/checks/export": {
    /**
     * A monitor's whole check history as a file, oldest check first.
     * @description Streamed in batches, so there is no cap on its length. CSV (RFC 4180,
     * CRLF line ends, a header row) has the columns `id`, `started_at`,
     * `finished_at` (RFC 3339, UTC), `reason`, `status`, `http_status`,
     * `baseline`, `changed`, `triggered`, `summary`, `extracted_value`,
     * `judge_reason`, `error`, `content_sha256`, `repeats` (how many scheduled
     * checks in a row with the same outcome the entry stands for) and
     * `last_finished_at` (when the latest of them finished); an empty cell is a null, and a
     * text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is
     * prefixed with `'` so that a spreadsheet shows it instead of running it.
     * JSON is an array of the same fields, with `diff` besides.
     */
    get: operations["export"];
  };
  "/api/v1/monitors/{id}/checks/{check_id}": {
    /** One check of a monitor. */
    get: operations["show"];
  };
  "/api/v1/monitors/{id}/checks/{check_id}/rating": {
    /**
     * Rates an alert `useful` or `noise`; a later rating replaces the earlier one. The monitor's
     * last rated alerts guide the model's next verdicts.
     */
    post: operations["rate"];
  };
  "/api/v1/monitors/{id}/checks/{check_id}/screenshot": {
    /**
     * The screenshot a check kept (PNG). Screenshots are content-addressed, so
     * one never changes: the browser keeps it for good (privately: it is a
     * team's page) and revalidates by its hash.
     */
    get: operations["screenshot"];
  };
  "/api/v1/monitors/{id}/precision": {
    /** How many of the monitor's last 30 rated alerts were useful. */
    get: operations["precision"];
  };
  "/api/v1/monitors/{id}/series": {
    /**
     * The monitor's latest checks as a series, oldest first: each check's outcome and the value
     * its verdict extracted (a number with its unit when it is one), with the threshold of a
     * number condition. What the monitor page charts.
     */
    get: operations["series"];
  };
  "/api/v1/monitors/{id}/trigger-secret": {
    /** Creates or replaces the monitor's trigger secret. */
    post: operations["rotate_secret"];
  };
  "/api/v1/preview": {
    post: operations["preview"];
  };
  "/api/v1/ratings/{token}": {
    /**
     * The page behind an alert's rating link: what the link does, and the button that does it.
     * Nothing is recorded until the button is pressed (see the module's note on mail scanners).
     */
    get: operations["show_link"];
    /**
     * Records the rating a signed link carries, without signing in. Each link works once and
     * expires 30 days after the alert. Answers an HTML page to browsers (`Accept: text/html`),
     * JSON otherwise.
     */
    post: operations["use_link"];
  };
  "/api/v1/sessions": {
    /** The caller's live sessions, newest first. */
    get: operations["list"];
  };
  "/api/v1/sessions/{id}": {
    /**
     * Revokes one of the caller's sessions: its refresh token and every access
     * token it issued stop working.
     */
    delete: operations["revoke"];
  };
  "/api/v1/tags": {
    /** The tags of the caller's teams. */
    get: operations["list"];
    /** Creates a tag in the caller's personal team or in `team_id`. */
    post: operations["create"];
  };
  "/api/v1/tags/{id}": {
    /** Deletes a tag and detaches it from every monitor; the monitors stay. */
    delete: operations["remove"];
    /** Renames or recolours a tag. */
    patch: operations["update"];
  };
  "/api/v1/teams": {
    /** The teams the caller belongs to. */
    get: operations["list"];
    /** Creates a team owned by the caller. */
    post: operations["create"];
  };
  "/api/v1/teams/{id}/export": {
    /**
     * A team's monitors, tags and channel references as a versioned JSON file.
     * @description Every setting a user chose is there; no secret is: request headers and
     * cookies by name only, `fill` steps without their value, channels by id,
     * kind and name only. Tags with their colours; each monitor names its tags.
     */
    get: operations["export_team"];
  };
  "/api/v1/teams/{id}/import": {
    /**
     * Imports monitors into a team from a file: a list of URLs (one per
     * line, `#` comments), changedetection.io's `url-watches.json` or its
     * backup ZIP, urlwatch/webchanges `urls.yaml`, or Lookout's own export.
     * @description The body is the file itself: a text file of at most 16 MiB and 10,000
     * entries, or a changedetection.io backup ZIP of at most 64 MiB (its
     * `url-watches.json` read, at most 16 MiB inflated and 100,000 entries in
     * the archive; the rest named in `archive_ignored`). A dry run (the
     * default) reports, per entry, what would be created, skipped (a monitor
     * of the team, or an earlier entry, has the same URL and selectors) or
     * refused (an invalid URL, a blocked destination, a selector that does not
     * parse, over the team's `monitors` quota), with the fields of the file
     * that are not imported and the tags that would be created. An interval
     * below the deployment's minimum is raised to it (noted on the entry).
     * `dry_run=false` creates every entry reported `created`, its tags and
     * their links in one transaction, under the team lock monitor creation
     * takes, and answers the same report with the new ids.
     *
     * With `Accept: application/x-ndjson` the answer is 200 at once and a
     * stream of [`ImportProgressLine`]s, one JSON object per line, ending with
     * `done` (the report) or `failed` (the error; nothing was imported).
     * An import may take up to 10 minutes; a replica runs 4 at once.
     */
    post: operations["import_monitors"];
  };
  "/api/v1/teams/{id}/invitations": {
    /** The team's open invitations. Owners only. */
    get: operations["list_for_team"];
    /**
     * Invites an email address to the team, or renews its open invitation.
     * Owners only. The answer is the same whether or not the address has an
     * account; the person accepts after signing in.
     */
    post: operations["invite"];
  };
  "/api/v1/teams/{id}/invitations/{invitation_id}": {
    /** Withdraws an open invitation. Owners only. */
    delete: operations["revoke"];
  };
  "/api/v1/teams/{id}/members": {
    /** The team's members. */
    get: operations["list"];
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
  "/api/v1/teams/{id}/quotas": {
    /** The team's quotas and what it uses of each. */
    get: operations["team_quotas"];
  };
  "/api/v1/teams/{id}/retention": {
    /** The team's retention and what it keeps now. */
    get: operations["get_retention"];
    /**
     * Sets the team's retention (owners). The scheduler's next pruning run deletes what falls
     * outside it; alerts still on their way and each monitor's latest snapshot are kept.
     */
    put: operations["set_retention"];
  };
  "/api/v1/teams/{id}/usage": {
    /** The team's monthly model budget and this month's model use, in total and per monitor. */
    get: operations["team_usage"];
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
     * Signs out: revokes the session (refresh family) and every access token
     * it issued. Always clears the cookies.
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

export interface webhooks {
  "alert.digest": {
    /**
     * Every alert of an hour or a day, for a channel whose delivery is `hourly` or `daily`; not sent for a period without alerts.
     * @description A signed POST to the channel's URL (Standard Webhooks). Verify `webhook-signature` = `v1,` + base64(HMAC-SHA256(secret, `{webhook-id}.{webhook-timestamp}.{body}`)) with the channel's `whsec_` secret, refuse timestamps more than 5 minutes away, and drop repeats of a `webhook-id`. Answer 2xx quickly; 410 Gone disables the channel; 429/5xx are retried (after `Retry-After`) 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h later.
     */
    post: {
      parameters: {
        header: {
          /** @description The delivery's identity; the same on every retry of it. */
          "webhook-id": string;
          /** @description Unix seconds of this attempt, for replay protection. */
          "webhook-timestamp": string;
          /** @description Space-separated `v1,<base64>` signatures. */
          "webhook-signature": string;
        };
      };
      requestBody: {
        content: {
          "application/json": components["schemas"]["AlertDigestEvent"];
        };
      };
      responses: {
        /** @description Gone: Lookout disables the channel */
        410: {
          content: never;
        };
        /** @description Received; nothing is retried */
        "2XX": {
          content: never;
        };
      };
    };
  };
  "monitor.failing": {
    /**
     * The monitor's checks failed several times in a row.
     * @description A signed POST to the channel's URL (Standard Webhooks). Verify `webhook-signature` = `v1,` + base64(HMAC-SHA256(secret, `{webhook-id}.{webhook-timestamp}.{body}`)) with the channel's `whsec_` secret, refuse timestamps more than 5 minutes away, and drop repeats of a `webhook-id`. Answer 2xx quickly; 410 Gone disables the channel; 429/5xx are retried (after `Retry-After`) 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h later.
     */
    post: {
      parameters: {
        header: {
          /** @description The delivery's identity; the same on every retry of it. */
          "webhook-id": string;
          /** @description Unix seconds of this attempt, for replay protection. */
          "webhook-timestamp": string;
          /** @description Space-separated `v1,<base64>` signatures. */
          "webhook-signature": string;
        };
      };
      requestBody: {
        content: {
          "application/json": components["schemas"]["MonitorFailingEvent"];
        };
      };
      responses: {
        /** @description Gone: Lookout disables the channel */
        410: {
          content: never;
        };
        /** @description Received; nothing is retried */
        "2XX": {
          content: never;
        };
      };
    };
  };
  "monitor.recovered": {
    /**
     * A failing monitor's check succeeded again.
     * @description A signed POST to the channel's URL (Standard Webhooks). Verify `webhook-signature` = `v1,` + base64(HMAC-SHA256(secret, `{webhook-id}.{webhook-timestamp}.{body}`)) with the channel's `whsec_` secret, refuse timestamps more than 5 minutes away, and drop repeats of a `webhook-id`. Answer 2xx quickly; 410 Gone disables the channel; 429/5xx are retried (after `Retry-After`) 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h later.
     */
    post: {
      parameters: {
        header: {
          /** @description The delivery's identity; the same on every retry of it. */
          "webhook-id": string;
          /** @description Unix seconds of this attempt, for replay protection. */
          "webhook-timestamp": string;
          /** @description Space-separated `v1,<base64>` signatures. */
          "webhook-signature": string;
        };
      };
      requestBody: {
        content: {
          "application/json": components["schemas"]["MonitorRecoveredEvent"];
        };
      };
      responses: {
        /** @description Gone: Lookout disables the channel */
        410: {
          content: never;
        };
        /** @description Received; nothing is retried */
        "2XX": {
          content: never;
        };
      };
    };
  };
  "monitor.test": {
    /**
     * A test message sent from the channel page.
     * @description A signed POST to the channel's URL (Standard Webhooks). Verify `webhook-signature` = `v1,` + base64(HMAC-SHA256(secret, `{webhook-id}.{webhook-timestamp}.{body}`)) with the channel's `whsec_` secret, refuse timestamps more than 5 minutes away, and drop repeats of a `webhook-id`. Answer 2xx quickly; 410 Gone disables the channel; 429/5xx are retried (after `Retry-After`) 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h later.
     */
    post: {
      parameters: {
        header: {
          /** @description The delivery's identity; the same on every retry of it. */
          "webhook-id": string;
          /** @description Unix seconds of this attempt, for replay protection. */
          "webhook-timestamp": string;
          /** @description Space-separated `v1,<base64>` signatures. */
          "webhook-signature": string;
        };
      };
      requestBody: {
        content: {
          "application/json": components["schemas"]["MonitorTestEvent"];
        };
      };
      responses: {
        /** @description Gone: Lookout disables the channel */
        410: {
          content: never;
        };
        /** @description Received; nothing is retried */
        "2XX": {
          content: never;
        };
      };
    };
  };
  "monitor.triggered": {
    /**
     * A check found that the monitor's condition is met.
     * @description A signed POST to the channel's URL (Standard Webhooks). Verify `webhook-signature` = `v1,` + base64(HMAC-SHA256(secret, `{webhook-id}.{webhook-timestamp}.{body}`)) with the channel's `whsec_` secret, refuse timestamps more than 5 minutes away, and drop repeats of a `webhook-id`. Answer 2xx quickly; 410 Gone disables the channel; 429/5xx are retried (after `Retry-After`) 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h later.
     */
    post: {
      parameters: {
        header: {
          /** @description The delivery's identity; the same on every retry of it. */
          "webhook-id": string;
          /** @description Unix seconds of this attempt, for replay protection. */
          "webhook-timestamp": string;
          /** @description Space-separated `v1,<base64>` signatures. */
          "webhook-signature": string;
        };
      };
      requestBody: {
        content: {
          "application/json": components["schemas"]["MonitorTriggeredEvent"];
        };
      };
      responses: {
        /** @description Gone: Lookout disables the channel */
        410: {
          content: never;
        };
        /** @description Received; nothing is retried */
        "2XX": {
          content: never;
        };
      };
    };
  };
}

export interface components {
  schemas: {
    Accepted: {
      /** @description The role now held in the team. */
      role: string;
      /** Format: uuid */
      team_id: string;
    };
    /** @description What happened, as every event carries it under `data`. */
    AlertData: {
      check_id: string;
      /** @description When the check ran (RFC 3339), or null for a test message. */
      checked_at?: string | null;
      /** @description The condition in the user's words. */
      condition: string;
      /** @description A short unified diff of the change (at most 60 lines). */
      diff: string;
      /**
       * @description Link to the check's diff in the Lookout UI (`{link}#diff`); empty
       * when the alert carries no diff.
       */
      diff_link: string;
      extracted_value: string;
      /** @description `triggered`, `failing`, `recovered` or `test`. */
      kind: string;
      /** @description Link to the check in the Lookout UI. */
      link: string;
      monitor_id: string;
      monitor_name: string;
      /** @description Why the judge decided so. */
      reason: string;
      /** @description The judge's one-line verdict. */
      summary: string;
      /** @description The watched page. */
      url: string;
    };
    /** @description Every alert of an hour or a day, for a channel whose delivery is `hourly` or `daily`; not sent for a period without alerts. */
    AlertDigestEvent: {
      data: components["schemas"]["DigestData"];
      /**
       * Format: date-time
       * @description When the event happened (the check's time, or a digest's period end); the same on every retry.
       */
      timestamp: string;
      /** @enum {string} */
      type: "alert.digest";
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
    /**
     * Format: binary
     * @description A changedetection.io backup ZIP, as the request body of an import.
     */
    ArchiveFile: string;
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
    /** @description Monthly limits; `null` is no limit of that kind. */
    BudgetBody: {
      /**
       * Format: int64
       * @description Model calls per calendar month (UTC), or `null`.
       */
      monthly_calls?: number | null;
      /**
       * Format: int64
       * @description Prompt and completion tokens per calendar month (UTC), or `null`.
       */
      monthly_tokens?: number | null;
    };
    /**
     * @description What a bulk request does to each monitor.
     *
     * - `pause`, `resume`.
     * - `check_now`: as `POST /api/v1/monitors/{id}/check`, and charged like it:
     *   one request of the caller's expensive rate limit per monitor. Monitors
     *   past the budget answer `rate_limited`; a rendering monitor spends its
     *   team's renders when the check runs, as any check.
     * - `add_tag`, `remove_tag`: with `tag_id`, a tag of the monitor's team.
     * - `attach_channel`, `detach_channel`: with `channel_id`, a channel of the
     *   monitor's team.
     * - `delete`: the monitor with its history.
     * @enum {string}
     */
    BulkAction: "pause" | "resume" | "check_now" | "add_tag" | "remove_tag" | "attach_channel" | "detach_channel" | "delete";
    /** @description Why one monitor was not changed. */
    BulkError: {
      /**
       * @description `not_found` (absent or another team's), `other_team` (the tag or
       * channel belongs to another team than the monitor), `rate_limited`
       * (`check_now` past the expensive budget).
       */
      code: string;
      message: string;
    };
    /** @description The list's filter (`GET /api/v1/monitors`), as a body. */
    BulkFilter: {
      /** @description Text in the name or URL, in any case. */
      q?: string | null;
      /** @description `ok`, `failing`, `triggered`, `paused`, `judge_unavailable` or `pending`. */
      status?: string | null;
      /** @description A tag id, or a tag name in any case. */
      tag?: string | null;
      /** Format: uuid */
      team_id?: string | null;
    };
    /** @description Exactly one of `ids` and `filter`, at most 500 monitors. */
    BulkRequest: {
      action: components["schemas"]["BulkAction"];
      /**
       * Format: uuid
       * @description For `attach_channel` and `detach_channel`.
       */
      channel_id?: string | null;
      filter?: components["schemas"]["BulkFilter"] | null;
      /** @description These monitors (once each, in this order). */
      ids?: string[] | null;
      /**
       * Format: uuid
       * @description For `add_tag` and `remove_tag`.
       */
      tag_id?: string | null;
    };
    BulkResponse: {
      action: components["schemas"]["BulkAction"];
      failed: number;
      /** @description One per monitor, in the order of `ids` (by filter: newest first). */
      results: components["schemas"]["BulkResult"][];
      succeeded: number;
    };
    BulkResult: {
      error?: components["schemas"]["BulkError"] | null;
      /** Format: uuid */
      id: string;
      ok: boolean;
    };
    ChangeRole: {
      role: string;
    };
    ChannelList: {
      items: components["schemas"]["ChannelResponse"][];
    };
    /**
     * @description A channel as listed. Its credential (signing secret, chat webhook URL,
     * bot token, access token) is never part of it.
     */
    ChannelResponse: {
      /**
       * @description An email channel to someone else's address: off until its recipient
       * confirms through the link Lookout sent there.
       */
      awaiting_confirmation: boolean;
      /** Format: date-time */
      created_at: string;
      /** @description `instant`, or one digest per hour or per day. */
      delivery: components["schemas"]["DeliveryBody"];
      /** @description `daily` only: the local time of the digest (`HH:MM`). */
      digest_at?: string | null;
      /**
       * @description Set when Lookout disabled the channel: the receiver answered 410
       * Gone, or deliveries kept dying.
       */
      disabled_reason?: string;
      enabled: boolean;
      /**
       * @description `unknown` (nothing sent yet), `healthy` (the last attempt reached
       * the receiver), `failing` (the last attempt failed, retries under
       * way), `dead` (deliveries gave up since the last success) or
       * `disabled`.
       */
      health: components["schemas"]["HealthBody"];
      /** Format: uuid */
      id: string;
      kind: components["schemas"]["KindBody"];
      last_failure?: string | null;
      /**
       * Format: date-time
       * @description When a delivery attempt last failed, and what the receiver did.
       */
      last_failure_at?: string | null;
      /**
       * Format: date-time
       * @description When an alert last reached the receiver.
       */
      last_success_at?: string | null;
      name: string;
      /** @description ntfy only: `{"priority": 1-5 or null, "tags": [...]}`; `{}` otherwise. */
      settings: Record<string, unknown>;
      /**
       * @description What may be shown of the destination: the email address, the webhook
       * URL, a masked Slack/Discord/Teams webhook URL
       * (`https://hooks.slack.com/services/…i7FQ`), the Telegram chat id or
       * the ntfy topic URL.
       */
      target: string;
      /** Format: uuid */
      team_id: string;
      /** @description `daily` only: the IANA time zone of `digest_at`. */
      time_zone?: string | null;
    };
    CheckList: {
      items: components["schemas"]["CheckResponse"][];
      next_cursor?: string | null;
    };
    CheckResponse: {
      baseline: boolean;
      changed: boolean;
      /** Format: int32 */
      completion_tokens?: number | null;
      /** @description For a state condition: whether it held on this page. */
      condition_holds?: boolean | null;
      /** @description `state` or `event`, as the judge classified the condition. */
      condition_kind?: string | null;
      /** Format: float */
      confidence?: number | null;
      content_sha256?: string | null;
      diff?: string | null;
      /** Format: int32 */
      duration_ms?: number | null;
      error?: string | null;
      /** @description The excerpt of the page the verdict quotes as its evidence. */
      evidence_excerpt?: string | null;
      extracted_value?: string | null;
      /** Format: int32 */
      fetch_ms?: number | null;
      /** Format: date-time */
      finished_at: string;
      /**
       * @description The first check alerted because the state condition already held when monitoring
       * started.
       */
      first_alert: boolean;
      /** Format: int32 */
      http_status?: number | null;
      /** Format: uuid */
      id: string;
      judge?: string | null;
      /** @description The verdict came from the verdict cache, without a model call. */
      judge_cached: boolean;
      /** Format: int32 */
      judge_ms?: number | null;
      /** @description Why the judge decided as it did. */
      judge_reason?: string | null;
      /**
       * Format: date-time
       * @description When the latest of those checks finished (`finished_at` for a single check).
       */
      last_finished_at: string;
      /** Format: uuid */
      monitor_id: string;
      /**
       * @description The screenshot of the latest earlier check that kept one: the "before" of this check's
       * "after" when the page changed. `null` when there is none.
       */
      previous_screenshot_url?: string | null;
      /** Format: int32 */
      prompt_tokens?: number | null;
      /** @description `useful` or `noise` once someone rated this alert, else `null`. */
      rating?: string | null;
      /** @description What started the check: `schedule`, `manual` or `hook`. */
      reason: string;
      /**
       * Format: int32
       * @description How many scheduled checks in a row this entry stands for. A check whose outcome
       * repeats the monitor's latest entry (the same page, status, HTTP status and error;
       * nothing changed, judged, alerted or kept) is counted here instead of written again, so
       * a page that stays the same for a day is one entry: "unchanged 288 times". The other
       * fields are the first check's. 1 for a single check.
       */
      repeats: number;
      /** @description The screenshot this check kept (see the monitor's `screenshot`), else `null`. */
      screenshot_url?: string | null;
      /** Format: date-time */
      started_at: string;
      /**
       * @description `ok` or the kind of failure; `render_quota` when the check did not run because its
       * team spent its renders of the hour (not a failure of the page).
       */
      status: string;
      summary?: string | null;
      triggered: boolean;
      /** @description This check told the owner that judging fails. */
      unjudged_notice: boolean;
      /**
       * @description Why the change could not be judged: `model_unavailable`, `timeout`, `rate_limited`,
       * `invalid_answer` or `over_budget` (not sent to the model). Also set on an alert sent without a verdict (`alert_anyway`).
       */
      unjudged_reason?: string | null;
      /**
       * @description `verified`, `unverified` (the evidence did not hold, so the check did not trigger) or
       * `not_needed`.
       */
      verification?: string | null;
      /** @description Why the evidence did not hold. */
      verification_problem?: string | null;
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
    ConfirmChannel: {
      /** @description The `token` of the link in the confirmation email. */
      token: string;
    };
    ConfirmationSent: {
      /** @description Where the confirmation went. */
      address: string;
      /** @description Always `sent`. */
      status: string;
    };
    Confirmed: {
      address: string;
      /** @description The channel's name and the address that now receives its alerts. */
      name: string;
    };
    /**
     * @description A cookie set for the monitored page's host only (never sent to another
     * host). In responses `value` is the mask `••••••••`; sending the mask back
     * keeps the stored value.
     */
    CookieBody: {
      name: string;
      /** @example •••••••• */
      value: string;
    };
    CreateApiKey: {
      /** Format: date-time */
      expires_at?: string | null;
      name: string;
      /** @description `["read"]` or `["read", "write"]` (`write` implies reading). */
      scopes: string[];
    };
    /**
     * @description A new channel, either as structured fields for its `kind` or as one
     * Apprise-style `apprise_url` (`slack://TokenA/TokenB/TokenC`,
     * `discord://WebhookID/WebhookToken`, `tgram://BotToken/ChatID`,
     * `msteams://Team/TokenA/TokenB/TokenC`, `ntfy://topic?priority=high`,
     * `json://host/path`, `mailto://name@example.com`).
     */
    CreateChannel: {
      /** @description `ntfy`: an access token (`tk_…`) for a protected topic. */
      access_token?: string | null;
      /** @description `email`: the address. */
      address?: string | null;
      /** @description An Apprise-style URL instead of `kind` and its fields. */
      apprise_url?: string | null;
      /** @description `telegram`: the bot token from @BotFather. */
      bot_token?: string | null;
      /** @description `telegram`: the numeric chat id or `@channelname`. */
      chat_id?: string | null;
      delivery?: components["schemas"]["DeliveryBody"] | null;
      /** @description `daily` only, required: the local time of the digest, `HH:MM`. */
      digest_at?: string | null;
      kind?: components["schemas"]["KindBody"] | null;
      name: string;
      /**
       * Format: int32
       * @description `ntfy`: 1 (min) to 5 (max); the server's default (3) when absent.
       */
      priority?: number | null;
      /** @description `ntfy`: tags, shown as emojis where ntfy knows them. */
      tags?: string[] | null;
      /**
       * Format: uuid
       * @description Defaults to the caller's personal team.
       */
      team_id?: string | null;
      /** @description `daily` only, required: an IANA time zone such as `Europe/Berlin`. */
      time_zone?: string | null;
      /**
       * @description `webhook`, `slack`, `discord`, `teams`: the webhook URL; `ntfy`: the
       * topic URL (`https://ntfy.sh/my-alerts`).
       */
      url?: string | null;
    };
    CreateMonitor: {
      channel_ids?: string[];
      condition?: string;
      /** @description Cookies for the page's host only. */
      cookies?: components["schemas"]["CookieBody"][];
      /** @description CSS selector for HTML pages; set it or `xpath`, not both. */
      css_selector?: string | null;
      /** @description Defaults to `hold`. */
      fail_policy?: components["schemas"]["FailPolicyBody"];
      /**
       * Format: int64
       * @description Failed checks in a row before one "failing" alert: 1 to 100, 0 for never. Defaults to 3.
       */
      failure_alert_after?: number | null;
      /** @description Defaults to `auto`. */
      first_check?: components["schemas"]["FirstCheckBody"];
      headers?: components["schemas"]["HeaderBody"][];
      /** Format: int64 */
      interval_seconds?: number | null;
      /** @description jq filter for JSON responses, e.g. `[.items[] | .price] | min`. */
      jq_filter?: string | null;
      /** @description JSONPath query (RFC 9535) for JSON responses, e.g. `$.items[?@.stock > 0].name`. */
      json_path?: string | null;
      /** @description RFC 6901 pointer for JSON responses; set one of it, `json_path` and `jq_filter`. */
      json_pointer?: string | null;
      name: string;
      paused?: boolean;
      render?: boolean;
      /** @description Defaults to `never`. */
      screenshot?: components["schemas"]["ScreenshotBody"];
      /** @description Browser steps (rendered monitors), at most 20. */
      steps?: components["schemas"]["StepBody"][];
      /** @description Tags of the monitor's team. */
      tag_ids?: string[];
      /**
       * Format: uuid
       * @description Defaults to the caller's personal team.
       */
      team_id?: string | null;
      url: string;
      /**
       * @description What a render waits for: empty for network idle, milliseconds (up to
       * 10000) or a CSS selector.
       */
      wait_for?: string | null;
      /** @description XPath 1.0 expression for HTML pages, e.g. `//span[@class='price']`. */
      xpath?: string | null;
    };
    CreateTag: {
      /**
       * @description `#rrggbb` (any case; stored in lower case).
       * @example #2f6fde
       */
      colour: string;
      /** @description 1 to 40 characters, unique in the team whatever its case. */
      name: string;
      /**
       * Format: uuid
       * @description Defaults to the caller's personal team.
       */
      team_id?: string | null;
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
      confirmation_problem?: string;
      /**
       * @description Channels awaiting confirmation only: whether the confirmation email
       * went out (when not, `confirmation_problem` says why).
       */
      confirmation_sent?: boolean;
      /** @description Webhooks only: the Standard Webhooks secret, shown once. */
      signing_secret?: string;
    };
    /** @enum {string} */
    DeliveryBody: "instant" | "hourly" | "daily";
    /** @enum {string} */
    DeliveryKindBody: "triggered" | "failing" | "recovered" | "digest";
    DeliveryList: {
      items: components["schemas"]["DeliveryResponse"][];
      /** @description Pass as `cursor` for the next page; null on the last page. */
      next_cursor?: string | null;
    };
    /** @description One delivery of an alert (or of a digest of alerts) to a channel. */
    DeliveryResponse: {
      /**
       * Format: int32
       * @description Failed attempts so far.
       */
      attempts: number;
      /** Format: uuid */
      channel_id: string;
      channel_kind: string;
      channel_name: string;
      /**
       * Format: uuid
       * @description The alert's check and monitor; null for a digest.
       */
      check_id?: string | null;
      /** Format: date-time */
      created_at: string;
      /**
       * Format: int64
       * @description How many alerts a digest carries; 0 for a single alert.
       */
      digest_alerts: number;
      /** Format: uuid */
      id: string;
      /**
       * @description `triggered`, `failing`, `recovered`, or `digest`: one message with
       * every alert of an hour or a day.
       */
      kind: components["schemas"]["DeliveryKindBody"];
      /** @description The receiver's last refusal, in plain words. */
      last_error?: string | null;
      /** Format: uuid */
      monitor_id?: string | null;
      monitor_name?: string | null;
      /**
       * Format: date-time
       * @description When a pending delivery is tried next.
       */
      next_attempt_at: string;
      /** Format: date-time */
      sent_at?: string | null;
      /** @description `pending`, `sent` or `dead`. */
      status: string;
      /** Format: uuid */
      team_id: string;
    };
    DependencyStatus: {
      error?: string | null;
      /** @description `up`, `down` or `degraded`. */
      status: string;
    };
    /**
     * @description An `alert.digest` event's `data`: every alert of one period of a
     * channel that takes digests, sent as one event.
     */
    DigestData: {
      /** @description Oldest first, each as the `data` of its single event. */
      alerts: components["schemas"]["AlertData"][];
      /** @description Link to the monitors in the Lookout UI. */
      link: string;
      /** @description `hourly` or `daily`. */
      period: string;
      period_end: string;
      /** @description The period (RFC 3339); the end is exclusive and is also the event's `timestamp`. */
      period_start: string;
      /**
       * Format: int32
       * @description Every alert of the period; more than `alerts` holds when the list was cut.
       */
      total_alerts: number;
    };
    /**
     * @description Which side of the threshold alerts.
     * @enum {string}
     */
    DirectionBody: "below" | "above";
    ErrorContent: {
      /** @description Stable machine-readable code, e.g. `not_found`, `rate_limited`. */
      code: string;
      /** @description Present on 422 `validation_failed`: one entry per invalid field. */
      fields?: components["schemas"]["FieldError"][];
      /**
       * Format: int64
       * @description Present on 403 `limit_reached`: the team's limit of that quota.
       */
      limit?: number;
      /** @description A sentence for humans; never internal details. */
      message: string;
      /**
       * @description Present on 403 `limit_reached`: the quota used up (`monitors`, `channels`, `api_keys`,
       * `renders_per_hour`).
       */
      quota?: string;
      /** @description The `X-Request-ID` of the response, to quote in a bug report. */
      request_id?: string | null;
    };
    /** @description The error body every failure shares. */
    ErrorResponse: {
      error: components["schemas"]["ErrorContent"];
    };
    /** @description A channel, named only. */
    ExportedChannel: {
      /** Format: uuid */
      id: string;
      /** @description `email`, `webhook`, `slack`, `discord`, `telegram`, `teams` or `ntfy`. */
      kind: string;
      name: string;
    };
    ExportedChannelRef: {
      /**
       * Format: uuid
       * @default null
       */
      id?: string | null;
      /** @default null */
      name?: string | null;
    };
    /** @description One check of a JSON history export. */
    ExportedCheckResponse: {
      baseline: boolean;
      changed: boolean;
      content_sha256?: string | null;
      /** @description The text difference to the check before (JSON only). */
      diff?: string | null;
      error?: string | null;
      extracted_value?: string | null;
      /** Format: date-time */
      finished_at: string;
      /** Format: int32 */
      http_status?: number | null;
      /** Format: uuid */
      id: string;
      /** @description Why the judge decided as it did. */
      judge_reason?: string | null;
      /**
       * Format: date-time
       * @description When the latest of those checks finished (`finished_at` for a single check).
       */
      last_finished_at: string;
      /** @description What started the check: `schedule`, `manual` or `hook`. */
      reason: string;
      /**
       * Format: int32
       * @description How many scheduled checks in a row this entry stands for: a check whose outcome
       * repeats the monitor's latest entry (the same page, status, HTTP status and error;
       * nothing changed, judged, alerted or kept) is counted here instead of written again.
       * 1 for a single check.
       */
      repeats: number;
      /** Format: date-time */
      started_at: string;
      /** @description `ok` or the kind of failure. */
      status: string;
      summary?: string | null;
      triggered: boolean;
    };
    /** @description A monitor's settings; secrets left out. */
    ExportedMonitor: {
      /**
       * @description The channels it alerts.
       * @default []
       */
      channels?: components["schemas"]["ExportedChannelRef"][];
      /** @default */
      condition?: string;
      /**
       * @description Names only.
       * @default []
       */
      cookies?: components["schemas"]["NameOnly"][];
      /** @default */
      fail_policy?: string;
      /**
       * Format: int64
       * @default null
       */
      failure_alert_after?: number | null;
      /** @default */
      first_check?: string;
      /**
       * @description Names only: values may be tokens and are never exported.
       * @default []
       */
      headers?: components["schemas"]["NameOnly"][];
      /**
       * Format: uuid
       * @default 00000000-0000-0000-0000-000000000000
       */
      id?: string;
      /**
       * Format: int64
       * @default 0
       */
      interval_seconds?: number;
      /** @default */
      name?: string;
      /** @default false */
      paused?: boolean;
      /** @default false */
      render?: boolean;
      /** @default */
      screenshot?: string;
      /**
       * @description At most one per family (HTML: `css`, `xpath`; JSON: `json_pointer`,
       * `json_path`, `jq`).
       * @default []
       */
      selectors?: components["schemas"]["ExportedSelector"][];
      /**
       * @description Browser steps; a `fill` step's value is never exported.
       * @default []
       */
      steps?: components["schemas"]["ExportedStep"][];
      /**
       * @description Its tags' names (each in the export's `tags`).
       * @default []
       */
      tags?: string[];
      /** @default */
      url?: string;
      /** @default null */
      wait_for?: string | null;
    };
    ExportedSelector: {
      expression: string;
      /** @description `css`, `xpath`, `json_pointer`, `json_path` or `jq`. */
      kind: string;
    };
    ExportedStep: {
      action: string;
      /** Format: int64 */
      ms?: number | null;
      selector?: string | null;
      /** @description The URL of a `goto`, the key of a `press`; never a `fill` value. */
      value?: string | null;
    };
    /** @description A tag of the team. */
    ExportedTag: {
      /**
       * @description `#rrggbb`.
       * @example #2f6fde
       */
      colour: string;
      name: string;
    };
    ExportedTeam: {
      /** Format: uuid */
      id: string;
      name: string;
    };
    /**
     * @description What a check does when the model cannot judge a change (down, timing out, invalid answers).
     *
     * - `hold`: keep the change and judge it when the model answers again; the owner is told once
     *   after a few unjudged changes in a row (`SCHEDULER_UNJUDGED_NOTICE_AFTER`).
     * - `alert_anyway`: send the alert with the diff, marked "not judged".
     * - `notify_unjudged`: hold, and tell the owner at the first unjudged change.
     * @enum {string}
     */
    FailPolicyBody: "hold" | "alert_anyway" | "notify_unjudged";
    /** @description One invalid field of a request body or query. */
    FieldError: {
      field: string;
      message: string;
    };
    /**
     * @description What the first check of a monitor may do.
     *
     * - `auto`: a state condition ("price below 100") that already holds alerts once, worded
     *   "already true when monitoring started"; an event condition ("a new job posting") never
     *   alerts on the first check.
     * - `alert`: alert when the condition holds on the first check, whatever its kind.
     * - `baseline`: the first check only records where the page stands.
     * @enum {string}
     */
    FirstCheckBody: "auto" | "alert" | "baseline";
    /**
     * @description A request header of a monitor. In responses `value` is always the mask
     * `••••••••`: values may be cookies or tokens, stored encrypted and never
     * shown again. Sending the mask back keeps the stored value.
     */
    HeaderBody: {
      name: string;
      /** @example •••••••• */
      value: string;
    };
    /** @enum {string} */
    HealthBody: "unknown" | "healthy" | "failing" | "dead" | "disabled" | "awaiting_confirmation";
    /** @description One entry of an import file and its fate. */
    ImportEntry: {
      /** @description The entry's fields Lookout does not import, by the peer's names. */
      ignored_fields: string[];
      /** @description 0-based order of the entry in the file. */
      index: number;
      /** Format: int32 */
      interval_seconds?: number | null;
      /** @description 1-based line, for a list of URLs. */
      line?: number | null;
      /**
       * Format: uuid
       * @description The monitor created (a confirmed run), or the existing one it
       * duplicates.
       */
      monitor_id?: string | null;
      /** @description The monitor's name as it would be created. */
      name?: string | null;
      /** @description What the import changed to fit (an interval clamped to the minimum). */
      notes: string[];
      outcome: components["schemas"]["ImportOutcome"];
      /** @description Why it is skipped or refused. */
      reason?: string | null;
      selectors: components["schemas"]["ExportedSelector"][];
      /**
       * @description The peer's id of the entry (changedetection.io's watch uuid, an
       * exported monitor's id).
       */
      source_id?: string | null;
      /** @description The team's tags it gets, by name (created when the team lacks them). */
      tags: string[];
      url: string;
    };
    /**
     * @description The formats an import reads.
     * @enum {string}
     */
    ImportFormat: "urls" | "changedetection" | "urlwatch" | "lookout";
    /**
     * @description What became of an entry.
     * @enum {string}
     */
    ImportOutcome: "created" | "skipped" | "refused";
    /**
     * @description A step of a streamed import (`Accept: application/x-ndjson`), one JSON
     * object per line. Phases come in this order; a dry run has no
     * `creating`; the last line is `done` or `failed`.
     */
    ImportProgressLine: OneOf<[{
      done: number;
      /** @enum {string} */
      phase: "checking_destinations";
      total: number;
    }, {
      done: number;
      /** @enum {string} */
      phase: "validating";
      total: number;
    }, {
      done: number;
      /** @enum {string} */
      phase: "creating";
      total: number;
    }, {
      /** @enum {string} */
      phase: "done";
      report: components["schemas"]["ImportReport"];
    }, {
      error: components["schemas"]["StreamedError"];
      /** @enum {string} */
      phase: "failed";
    }]>;
    /** @description The fate of every entry of an import file. */
    ImportReport: {
      /** @description What a ZIP archive holds besides `url-watches.json`, not imported. */
      archive_ignored: string[];
      /** @description Entries created (in a dry run: that would be). */
      created: number;
      /** @description True when nothing was written. */
      dry_run: boolean;
      entries: components["schemas"]["ImportEntry"][];
      format: components["schemas"]["ImportFormat"];
      /** @description Every field of the file ignored by at least one entry. */
      ignored_fields: string[];
      refused: number;
      skipped: number;
      /**
       * @description Tags the team lacked, created (in a dry run: that would be) for
       * the entries created, as the file spells them.
       */
      tags_created: string[];
    };
    InvitationInput: {
      email: string;
      /** @description `owner` or `member` (default). */
      role?: string | null;
    };
    InvitationList: {
      items: components["schemas"]["InvitationResponse"][];
    };
    InvitationResponse: {
      /** Format: date-time */
      created_at: string;
      email: string;
      /** Format: date-time */
      expires_at: string;
      /** Format: uuid */
      id: string;
      /** @description `owner` or `member`. */
      role: string;
      /** Format: uuid */
      team_id: string;
    };
    /** @description What the team keeps now (maintained counters, not a scan). */
    KeptHistory: {
      /** Format: int64 */
      checks: number;
      /**
       * Format: int64
       * @description Uncompressed bytes of snapshot text.
       */
      snapshot_text_bytes: number;
      /**
       * Format: int64
       * @description One per distinct content and monitor.
       */
      snapshots: number;
    };
    /** @enum {string} */
    KindBody: "email" | "webhook" | "slack" | "discord" | "telegram" | "teams" | "ntfy";
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
    /** @description The monitor's checks failed several times in a row. */
    MonitorFailingEvent: {
      data: components["schemas"]["AlertData"];
      /**
       * Format: date-time
       * @description When the event happened (the check's time, or a digest's period end); the same on every retry.
       */
      timestamp: string;
      /** @enum {string} */
      type: "monitor.failing";
    };
    MonitorList: {
      items: components["schemas"]["MonitorListItem"][];
      /** @description Pass it as `cursor` (with the same filter) for the next page; `null` on the last. */
      next_cursor?: string | null;
      /**
       * Format: int64
       * @description How many monitors match the filter, over every page.
       */
      total: number;
    };
    /** @description A monitor as the list shows it: the monitor and its last checks. */
    MonitorListItem: components["schemas"]["MonitorResponse"] & {
      /** @description The last 20 checks' outcomes and extracted numbers, oldest first. */
      recent: components["schemas"]["RecentChecks"];
    };
    /** @description A failing monitor's check succeeded again. */
    MonitorRecoveredEvent: {
      data: components["schemas"]["AlertData"];
      /**
       * Format: date-time
       * @description When the event happened (the check's time, or a digest's period end); the same on every retry.
       */
      timestamp: string;
      /** @enum {string} */
      type: "monitor.recovered";
    };
    MonitorResponse: {
      channel_ids: string[];
      condition: string;
      /**
       * @description Whether the state condition held at the last judged check; `null` when unknown or the
       * condition is an event.
       */
      condition_holds?: boolean | null;
      /** Format: int32 */
      consecutive_failures: number;
      /** @description Cookies for the page's host; values masked. */
      cookies: components["schemas"]["CookieBody"][];
      /** Format: date-time */
      created_at: string;
      /** @description CSS selector applied to HTML; at most one of this and `xpath` is set. */
      css_selector?: string | null;
      /** @description What a check does when the model cannot judge a change. */
      fail_policy: components["schemas"]["FailPolicyBody"];
      /** @description The failing alert of the current run of failures went out. */
      failing: boolean;
      /**
       * Format: int32
       * @description Failed checks in a row (the page gone, blocked by a bot wall, the selector no longer
       * matching, a timeout, DNS or TLS trouble) after which one "failing" alert names the cause;
       * a "recovered" alert follows the next successful check. 0: no failing alerts.
       */
      failure_alert_after: number;
      /** @description What the first check may do. */
      first_check: components["schemas"]["FirstCheckBody"];
      headers: components["schemas"]["HeaderBody"][];
      /** Format: uuid */
      id: string;
      /** Format: int32 */
      interval_seconds: number;
      /** @description jq filter applied to JSON. */
      jq_filter?: string | null;
      /** @description JSONPath query (RFC 9535) applied to JSON. */
      json_path?: string | null;
      /** @description RFC 6901 pointer applied to JSON; at most one of this, `json_path` and `jq_filter` is set. */
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
      /** @description When a check keeps a screenshot of the rendered page. */
      screenshot: components["schemas"]["ScreenshotBody"];
      /** @description Browser steps; fill values masked. */
      steps: components["schemas"]["StepBody"][];
      /** @description The monitor's tags, by name. */
      tags: components["schemas"]["TagRefBody"][];
      /** Format: uuid */
      team_id: string;
      /**
       * Format: int32
       * @description Changes in a row the model could not judge.
       */
      unjudged_streak: number;
      /** Format: date-time */
      updated_at: string;
      url: string;
      /**
       * @description What a render waits for before reading the page: `null` for network
       * idle, milliseconds (up to 10000), or a CSS selector.
       */
      wait_for?: string | null;
      /** @description XPath 1.0 expression applied to HTML. */
      xpath?: string | null;
    };
    /** @description A test message sent from the channel page. */
    MonitorTestEvent: {
      data: components["schemas"]["AlertData"];
      /**
       * Format: date-time
       * @description When the event happened (the check's time, or a digest's period end); the same on every retry.
       */
      timestamp: string;
      /** @enum {string} */
      type: "monitor.test";
    };
    /** @description A check found that the monitor's condition is met. */
    MonitorTriggeredEvent: {
      data: components["schemas"]["AlertData"];
      /**
       * Format: date-time
       * @description When the event happened (the check's time, or a digest's period end); the same on every retry.
       */
      timestamp: string;
      /** @enum {string} */
      type: "monitor.triggered";
    };
    MonitorUsageResponse: {
      /** Format: int64 */
      calls: number;
      /** Format: uuid */
      monitor_id: string;
      /** @description `null` when the monitor was deleted this month; its use still counts. */
      monitor_name?: string | null;
      /** Format: int64 */
      tokens: number;
    };
    NameOnly: {
      name: string;
    };
    /**
     * @description What a check came to.
     *
     * - `ok`: the page was read and nothing changed.
     * - `changed`: the page changed and the change did not alert.
     * - `alerted`: the check sent an alert.
     * - `failed`: the page could not be read or the change could not be judged.
     * - `skipped`: not fetched, the team's renders of the hour were spent.
     * @enum {string}
     */
    OutcomeBody: "ok" | "changed" | "alerted" | "failed" | "skipped";
    PrecisionResponse: {
      /** Format: int64 */
      noise: number;
      /**
       * Format: double
       * @description `useful / rated`, from 0 to 1; `null` before any alert was rated.
       */
      precision?: number | null;
      /**
       * Format: int64
       * @description Rated alerts counted.
       */
      rated: number;
      /** Format: int64 */
      useful: number;
      /**
       * Format: int64
       * @description How many of the latest rated alerts are counted (at most 30).
       */
      window: number;
    };
    PreviewBody: {
      /** @description Cookies for the page's host; a masked value stands for the stored one. */
      cookies?: components["schemas"]["CookieBody"][];
      /** @description CSS selector for HTML pages; set it or `xpath`, not both. */
      css_selector?: string | null;
      /**
       * @description A masked value (`••••••••`) stands for the stored value of the
       * header with that name on `monitor_id`.
       */
      headers?: components["schemas"]["HeaderBody"][];
      /** @description jq filter for JSON responses. */
      jq_filter?: string | null;
      /** @description JSONPath query (RFC 9535) for JSON responses. */
      json_path?: string | null;
      /** @description RFC 6901 pointer for JSON; set one of it, `json_path` and `jq_filter`. */
      json_pointer?: string | null;
      /**
       * Format: uuid
       * @description The monitor being edited, whose stored header values masked values
       * stand for.
       */
      monitor_id?: string | null;
      render?: boolean;
      /** @description Browser steps (imply rendering); a masked fill value stands for the stored one. */
      steps?: components["schemas"]["StepBody"][];
      /**
       * Format: uuid
       * @description The team whose hourly renders a rendered preview spends: the
       * monitor's with `monitor_id`, else this one, else your personal team.
       */
      team_id?: string | null;
      url: string;
      /** @description What the render waits for: empty for network idle, milliseconds or a CSS selector. */
      wait_for?: string | null;
      /** @description XPath 1.0 expression for HTML pages. */
      xpath?: string | null;
    };
    PreviewResponse: {
      content_type: string;
      /** @description Plain explanation when `outcome` is not `ok`. */
      detail?: string | null;
      /**
       * Format: int32
       * @description With `step_failed`: the failing step's number, from 1.
       */
      failed_step?: number | null;
      /** Format: int32 */
      fetch_ms: number;
      final_url: string;
      /** Format: int32 */
      http_status?: number | null;
      /**
       * @description `ok`, or why no text could be extracted: `http_error`, `blocked`
       * (a bot check or captcha, whatever the status), `page_gone`,
       * `soft_not_found` (200, but the page says it does not exist),
       * `selector_not_found`, `empty` (no readable text), `timeout`,
       * `network_error`, `forbidden_destination`, `too_large`,
       * `unsupported_content`, `step_failed` (a browser step could not be
       * carried out; see `failed_step`).
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
    /** @description A team's own limits; `null` keeps the deployment's default. Zero allows none. */
    QuotaOverridesBody: {
      /**
       * Format: int64
       * @description Counted for a personal team: its owner's working API keys.
       */
      api_keys?: number | null;
      /** Format: int64 */
      channels?: number | null;
      /** Format: int64 */
      monitors?: number | null;
      /** Format: int64 */
      renders_per_hour?: number | null;
    };
    QuotaResponse: {
      /**
       * Format: int64
       * @description The team's limit: an administrator's override, else the deployment's default.
       */
      limit: number;
      /**
       * @description `monitors`, `channels`, `api_keys` (personal teams: its owner's keys) or
       * `renders_per_hour` (Chromium renders of checks and previews this hour, UTC).
       */
      name: string;
      /** @description An administrator set this limit for the team. */
      overridden: boolean;
      /**
       * Format: int64
       * @description Held now; for renders, spent in the current hour.
       */
      used: number;
    };
    RatingBody: {
      /** @description `useful` or `noise`. */
      rating: string;
    };
    RatingResponse: {
      /** Format: uuid */
      check_id: string;
      /** Format: uuid */
      monitor_id: string;
      /** Format: date-time */
      rated_at: string;
      /** @description `useful` or `noise`. */
      rating: string;
    };
    ReadinessReport: {
      dependencies: {
        [key: string]: components["schemas"]["DependencyStatus"];
      };
      /**
       * @description `ready`, `degraded` (serving with per-replica rate limits),
       * `not_ready`, or `draining` (stopping: still serving, but send new
       * requests elsewhere).
       */
      status: string;
    };
    ReceivedInvitationList: {
      items: components["schemas"]["ReceivedInvitationResponse"][];
    };
    ReceivedInvitationResponse: {
      /** Format: date-time */
      created_at: string;
      /** Format: date-time */
      expires_at: string;
      /** Format: uuid */
      id: string;
      /** @description The inviting owner's email; empty when that account is gone. */
      invited_by: string;
      /** @description The role the invitation offers: `owner` or `member`. */
      role: string;
      /** Format: uuid */
      team_id: string;
      team_name: string;
    };
    /** @description The last checks of a monitor, for the list's strip of outcomes and sparkline. */
    RecentChecks: {
      /** @description Up to 20 checks, oldest first. */
      points: components["schemas"]["RecentPoint"][];
      threshold?: components["schemas"]["ThresholdBody"] | null;
      /** @description The unit of `value`, as in the series. */
      unit?: string | null;
    };
    /** @description A check in a row of the monitor list. */
    RecentPoint: {
      /**
       * Format: date-time
       * @description When the check started.
       */
      at: string;
      outcome: components["schemas"]["OutcomeBody"];
      /**
       * Format: double
       * @description The number the verdict extracted, if it extracted one.
       */
      value?: number | null;
    };
    Refreshed200: {
      /**
       * Format: int64
       * @description Seconds until the new access token (in the session cookie) expires.
       */
      expires_in: number;
    };
    /**
     * @description Which dead deliveries to requeue; both absent means all of the
     * caller's teams.
     */
    RequeueAll: {
      /** Format: uuid */
      channel_id?: string | null;
      /** Format: uuid */
      team_id?: string | null;
    };
    Requeued: {
      /**
       * Format: int64
       * @description How many dead deliveries were put back; those of channels that are
       * turned off stay dead.
       */
      requeued: number;
    };
    /** @description How long a team keeps its history; `null` (or absent) keeps it without that limit. */
    RetentionBody: {
      /**
       * Format: int64
       * @description Checks and snapshots older than this many days are deleted (1 to 36500), or `null`.
       */
      days?: number | null;
      /**
       * Format: int64
       * @description Snapshots kept per monitor, the most recently seen first (1 to 1000000), or `null`.
       * The latest snapshot of a monitor is always kept.
       */
      snapshots?: number | null;
    };
    RetentionResponse: {
      /** @description The caller is an owner of the team and may change the retention. */
      can_change: boolean;
      /**
       * Format: int32
       * @description Days kept, or `null` for no limit.
       */
      days?: number | null;
      /**
       * Format: int32
       * @description The defaults of a new team.
       */
      default_days: number;
      /** Format: int32 */
      default_snapshots: number;
      kept: components["schemas"]["KeptHistory"];
      /**
       * Format: int32
       * @description Snapshots kept per monitor, or `null` for no limit.
       */
      snapshots?: number | null;
      /** Format: uuid */
      team_id: string;
    };
    /**
     * @description When a check keeps a screenshot of the page, shown in its history and served at
     * `GET /api/v1/monitors/{id}/checks/{check_id}/screenshot`. Any value but `never` renders
     * the page in a browser.
     *
     * - `never`: no screenshots (the default).
     * - `on_change`: the first check and each check whose text changed, so every change has a
     *   before and an after.
     * - `every_check`: every successful check (identical images are stored once).
     * @enum {string}
     */
    ScreenshotBody: "never" | "on_change" | "every_check";
    /** @description One check of the series. */
    SeriesPoint: {
      /**
       * Format: date-time
       * @description When the check started.
       */
      at: string;
      /** Format: uuid */
      check_id: string;
      /** @description The extracted value as the judge wrote it. */
      extracted_value?: string | null;
      outcome: components["schemas"]["OutcomeBody"];
      /** @description The unit written next to that number ("€", "EUR", "%", "items"). */
      unit?: string | null;
      /**
       * Format: double
       * @description The number the verdict extracted; `null` when it extracted none or text.
       */
      value?: number | null;
      value_kind?: components["schemas"]["ValueKind"] | null;
    };
    SeriesResponse: {
      /** Format: uuid */
      monitor_id: string;
      /** @description The latest checks, oldest first. */
      points: components["schemas"]["SeriesPoint"][];
      threshold?: components["schemas"]["ThresholdBody"] | null;
      /**
       * @description The unit of the series' values: the latest unit a value was written with, else the
       * threshold's.
       */
      unit?: string | null;
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
    SpentResponse: {
      /**
       * Format: int64
       * @description Model calls (checks whose change reached the model).
       */
      calls: number;
      /**
       * Format: int64
       * @description Prompt and completion tokens of model calls. Cached verdicts cost none.
       */
      tokens: number;
    };
    /**
     * @description One browser step, run in order in the rendered page before it is read:
     *
     * - `goto` `{value: URL}`: load another page.
     * - `fill` `{selector, value}`: type `value` into a field. The value is
     *   stored encrypted and answered as the mask `••••••••`; sending the mask
     *   back keeps the stored value of the fill step with the same selector.
     * - `click` `{selector}`: click an element (a navigation it starts is waited for).
     * - `press` `{value: key}`: press `Enter`, `Tab`, `Escape`, … in the focused element.
     * - `wait_for` `{selector}`: wait (up to 10 s) until an element matches.
     * - `wait` `{ms}`: wait up to 10,000 ms.
     *
     * At most 20 steps. A step that fails ends the check with status
     * `step_failed` and the step's number in the error.
     */
    StepBody: {
      /** @example fill */
      action: string;
      /** Format: int64 */
      ms?: number | null;
      selector?: string | null;
      value?: string | null;
    };
    /** @description An error ending a streamed import. */
    StreamedError: {
      /** @description As the error's HTTP answer would have it (`internal_error`, …). */
      code: string;
      message: string;
      request_id?: string | null;
    };
    SystemHealth: {
      dependencies: {
        [key: string]: components["schemas"]["ComponentHealth"];
      };
      gateway_version: string;
      /** @description `ok` when every component is up, else `degraded`. */
      status: string;
    };
    TagList: {
      /** @description By team, then name. */
      items: components["schemas"]["TagResponse"][];
    };
    /** @description A tag as a monitor shows it (manage tags at `/api/v1/tags`). */
    TagRefBody: {
      /** @description `#rrggbb`. */
      colour: string;
      /** Format: uuid */
      id: string;
      name: string;
    };
    TagResponse: {
      /**
       * @description `#rrggbb`, lower case.
       * @example #2f6fde
       */
      colour: string;
      /** Format: date-time */
      created_at: string;
      /** Format: uuid */
      id: string;
      /**
       * Format: int64
       * @description How many monitors carry the tag.
       */
      monitor_count: number;
      name: string;
      /** Format: uuid */
      team_id: string;
      /** Format: date-time */
      updated_at: string;
    };
    TeamBudgetList: {
      items: components["schemas"]["TeamBudgetResponse"][];
    };
    TeamBudgetResponse: {
      budget?: components["schemas"]["BudgetBody"] | null;
      over_budget: boolean;
      personal: boolean;
      /** Format: uuid */
      team_id: string;
      team_name: string;
      used: components["schemas"]["SpentResponse"];
    };
    /** @description A team's monitors, tags and channel references, versioned. */
    TeamExport: {
      /**
       * @description The team's channels, named only: destinations and credentials are
       * never exported.
       */
      channels: components["schemas"]["ExportedChannel"][];
      /** Format: date-time */
      exported_at: string;
      /**
       * @description Always `lookout-export`.
       * @example lookout-export
       */
      format: string;
      /** @description Oldest first. */
      monitors: components["schemas"]["ExportedMonitor"][];
      /** @description The team's tags, by name. Absent in exports written before tags. */
      tags?: components["schemas"]["ExportedTag"][];
      team: components["schemas"]["ExportedTeam"];
      /**
       * Format: int32
       * @description Always 1 for this layout; a later layout gets a new number.
       * @example 1
       */
      version: number;
    };
    TeamList: {
      items: components["schemas"]["TeamResponse"][];
    };
    TeamQuotasList: {
      items: components["schemas"]["TeamQuotasResponse"][];
    };
    TeamQuotasResponse: {
      personal: boolean;
      quotas: components["schemas"]["QuotaResponse"][];
      /** Format: uuid */
      team_id: string;
      team_name: string;
      /**
       * Format: date-time
       * @description When an administrator last changed the team's quotas, if ever.
       */
      updated_at?: string | null;
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
    TeamUsageResponse: {
      budget?: components["schemas"]["BudgetBody"] | null;
      /** Format: date-time */
      budget_updated_at?: string | null;
      /** @description Monitors with model use this month, largest first. */
      monitors: components["schemas"]["MonitorUsageResponse"][];
      /**
       * Format: date
       * @description The first day of the month counted (UTC); use resets on the first of each month.
       */
      month: string;
      /**
       * @description A limit is reached: changes are not sent to the model until next month or a higher
       * budget, and each monitor's fail policy applies (reason `over_budget`).
       */
      over_budget: boolean;
      /** Format: uuid */
      team_id: string;
      team_name: string;
      used: components["schemas"]["SpentResponse"];
    };
    TestSent: {
      message_id: string;
      /** @description Always `sent`. */
      status: string;
    };
    /** @description The line a number condition alerts at ("price drops below 100 EUR"). */
    ThresholdBody: {
      /** @description The condition holds `below` or `above` the value. */
      direction: components["schemas"]["DirectionBody"];
      /** @description Whether the value itself satisfies it (`at most`, `at least`, `<=`, `>=`). */
      inclusive: boolean;
      /** @description In the judge's words, e.g. "below 100". */
      label: string;
      /** @description The currency or unit the condition names. */
      unit?: string | null;
      /** Format: double */
      value: number;
    };
    TriggerSecret: {
      /** @description The HMAC key. Shown this once. */
      secret: string;
      /** @description Where to POST signed requests. */
      url: string;
    };
    Unsubscribed: {
      address: string;
      /** @description False when the channel was already off. */
      changed: boolean;
      /** @description The channel's name and the address that no longer receives its alerts. */
      name: string;
    };
    /**
     * @description A change to a channel. Any destination field replaces the destination
     * as a whole (with the same rules as at creation, for the channel's own
     * kind: give every field the kind needs); a webhook keeps its signing
     * secret. `enabled: true` turns a channel Lookout turned off back on.
     */
    UpdateChannel: {
      access_token?: string | null;
      address?: string | null;
      bot_token?: string | null;
      chat_id?: string | null;
      delivery?: components["schemas"]["DeliveryBody"] | null;
      digest_at?: string | null;
      enabled?: boolean | null;
      name?: string | null;
      /** Format: int32 */
      priority?: number | null;
      tags?: string[] | null;
      time_zone?: string | null;
      url?: string | null;
    };
    /**
     * @description Absent fields stay as they are; selectors can be cleared with `null` or
     * an empty string. Setting one selector clears the others of its family
     * (`css_selector` and `xpath` for HTML; `json_pointer`, `json_path` and
     * `jq_filter` for JSON), so switching kinds is one field.
     */
    UpdateMonitor: {
      channel_ids?: string[] | null;
      condition?: string | null;
      /** @description Replaces every cookie; a masked value keeps the stored one. */
      cookies?: components["schemas"]["CookieBody"][] | null;
      /** @description `null` or `""` clears it. */
      css_selector?: string | null;
      fail_policy?: components["schemas"]["FailPolicyBody"] | null;
      /**
       * Format: int64
       * @description Failed checks in a row before one "failing" alert: 1 to 100, 0 for never.
       */
      failure_alert_after?: number | null;
      first_check?: components["schemas"]["FirstCheckBody"] | null;
      headers?: components["schemas"]["HeaderBody"][] | null;
      /** Format: int64 */
      interval_seconds?: number | null;
      /** @description `null` or `""` clears it. */
      jq_filter?: string | null;
      /** @description `null` or `""` clears it. */
      json_path?: string | null;
      /** @description `null` or `""` clears it. */
      json_pointer?: string | null;
      name?: string | null;
      paused?: boolean | null;
      render?: boolean | null;
      screenshot?: components["schemas"]["ScreenshotBody"] | null;
      /** @description Replaces every step; a masked fill value keeps the stored one. */
      steps?: components["schemas"]["StepBody"][] | null;
      /** @description Replaces every tag; tags of the monitor's team only. */
      tag_ids?: string[] | null;
      url?: string | null;
      /** @description `null` or `""`: network idle. */
      wait_for?: string | null;
      /** @description `null` or `""` clears it. */
      xpath?: string | null;
    };
    /** @description Absent fields stay as they are. */
    UpdateTag: {
      /** @example #2f6fde */
      colour?: string | null;
      name?: string | null;
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
      /**
       * Format: int64
       * @description Stored snapshots (one per content and monitor; pruned by each team's retention).
       */
      snapshots: number;
      /** Format: int64 */
      teams: number;
      /** Format: int64 */
      users: number;
    };
    /**
     * @description What a verdict extracted: `number` (one number, with at most a unit, so it is charted) or
     * `text` (a phrase or a version, shown as written).
     * @enum {string}
     */
    ValueKind: "number" | "text";
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
  /** Every team's budget and this month's model use, largest use first. */
  list_budgets: {
    responses: {
      200: {
        content: {
          "application/json": components["schemas"]["TeamBudgetList"];
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
  /** Every team's quotas and use; teams with overrides first. */
  list_quotas: {
    responses: {
      200: {
        content: {
          "application/json": components["schemas"]["TeamQuotasList"];
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
  /**
   * Sets a team's monthly budget; both limits `null` removes it. Takes effect at the team's
   * next check.
   */
  set_budget: {
    parameters: {
      path: {
        /** @description Team id */
        id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["BudgetBody"];
      };
    };
    responses: {
      200: {
        content: {
          "application/json": components["schemas"]["BudgetBody"];
        };
      };
      /** @description Not an administrator */
      403: {
        content: never;
      };
      /** @description No such team */
      404: {
        content: never;
      };
      /** @description A limit out of range */
      422: {
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
   * Sets a team's quotas; all `null` returns it to the defaults. Existing monitors, channels
   * and keys above a lowered limit stay; only new ones are refused.
   */
  set_quotas: {
    parameters: {
      path: {
        /** @description Team id */
        id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["QuotaOverridesBody"];
      };
    };
    responses: {
      200: {
        content: {
          "application/json": components["schemas"]["QuotaOverridesBody"];
        };
      };
      /** @description Not an administrator */
      403: {
        content: never;
      };
      /** @description No such team */
      404: {
        content: never;
      };
      /** @description A limit out of range */
      422: {
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
  /** Withdraws an open invitation. Owners only. */
  revoke: {
    parameters: {
      path: {
        /** @description Team id */
        id: string;
        /** @description Invitation id */
        invitation_id: string;
      };
    };
    responses: {
      /** @description Withdrawn */
      204: {
        content: never;
      };
      /** @description Not an owner */
      403: {
        content: never;
      };
      /** @description Not a team of yours, or no such open invitation */
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
   * The recipient of a new email channel confirms it with the signed link
   * Lookout emailed them; no account needed. The link works once: 410 when
   * it was used, expired, or the channel changed since.
   */
  confirm: {
    requestBody: {
      content: {
        "application/json": components["schemas"]["ConfirmChannel"];
      };
    };
    responses: {
      200: {
        content: {
          "application/json": components["schemas"]["Confirmed"];
        };
      };
      /** @description Not a confirmation link of this Lookout */
      400: {
        content: never;
      };
      /** @description Used, expired, or the channel changed */
      410: {
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
  /**
   * Turns the email channel off, no session needed: the signed token of the
   * link proves the request comes from its recipient. The body (RFC 8058's
   * `List-Unsubscribe=One-Click`) is not needed. Works again on an already
   * unsubscribed channel; 403 for a forged or expired link, 410 when the
   * channel was deleted or no longer goes to the address the link was
   * mailed to.
   */
  unsubscribe: {
    parameters: {
      path: {
        /** @description The token of the alert email's unsubscribe link */
        token: string;
      };
    };
    responses: {
      200: {
        content: {
          "application/json": components["schemas"]["Unsubscribed"];
        };
      };
      /** @description The link is forged or expired */
      403: {
        content: never;
      };
      /** @description The channel is gone or goes to another address now */
      410: {
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
  /** Renames or recolours a tag. */
  update: {
    parameters: {
      path: {
        /** @description Tag id */
        id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["UpdateTag"];
      };
    };
    responses: {
      200: {
        content: {
          "application/json": components["schemas"]["TagResponse"];
        };
      };
      /** @description The team already has a tag of that name (in any case) */
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
   * Sends the confirmation email of an email channel waiting for its
   * recipient again (a new link; earlier ones keep working until used or
   * expired). Counted with the test sends: 429 `cap_reached` with
   * `Retry-After` when the team's hourly sends are spent; 409 when the
   * channel is not waiting for a confirmation.
   */
  resend_confirmation: {
    parameters: {
      path: {
        /** @description Channel id */
        id: string;
      };
    };
    responses: {
      202: {
        content: {
          "application/json": components["schemas"]["ConfirmationSent"];
        };
      };
      /** @description The channel is not waiting for a confirmation */
      409: {
        content: never;
      };
      /** @description The team's hourly test sends are spent */
      429: {
        content: never;
      };
      /** @description The mail server did not take the message; the message says what it did */
      502: {
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
   * Sends a test message through notify, now, and reports whether it went
   * out; when the receiver failed, 502 `receiver_failed` says what it did.
   * A team may send `CHANNEL_TEST_SENDS_PER_HOUR` tests and confirmations
   * an hour (429 `cap_reached` with `Retry-After`).
   */
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
      /** @description The team's hourly test sends are spent */
      429: {
        content: never;
      };
      /** @description The receiver did not take the message; the message says what it did */
      502: {
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
   * Requeues every dead delivery of the caller's teams (or of one team or
   * channel) whose channel is on.
   */
  requeue_all: {
    requestBody: {
      content: {
        "application/json": components["schemas"]["RequeueAll"];
      };
    };
    responses: {
      200: {
        content: {
          "application/json": components["schemas"]["Requeued"];
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
   * Puts a dead delivery back in the outbox: it is sent again now, with a
   * fresh retry schedule. 409 when it is not dead or its channel is off.
   */
  requeue_one: {
    parameters: {
      path: {
        /** @description Delivery id */
        id: string;
      };
    };
    responses: {
      200: {
        content: {
          "application/json": components["schemas"]["DeliveryResponse"];
        };
      };
      /** @description Not dead, or its channel is turned off */
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
  /** The open invitations addressed to the caller's email. */
  list_received: {
    responses: {
      200: {
        content: {
          "application/json": components["schemas"]["ReceivedInvitationList"];
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
   * Accepts an invitation addressed to the caller: joins the team with the
   * role it offers. A signed-in person only, never an API key.
   */
  accept: {
    parameters: {
      path: {
        /** @description Invitation id */
        id: string;
      };
    };
    responses: {
      200: {
        content: {
          "application/json": components["schemas"]["Accepted"];
        };
      };
      /** @description Called with an API key */
      403: {
        content: never;
      };
      /** @description No open invitation with this id for you */
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
   * Declines an invitation addressed to the caller. A signed-in person
   * only, never an API key.
   */
  decline: {
    parameters: {
      path: {
        /** @description Invitation id */
        id: string;
      };
    };
    responses: {
      /** @description Declined */
      204: {
        content: never;
      };
      /** @description Called with an API key */
      403: {
        content: never;
      };
      /** @description No open invitation with this id for you */
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
  /**
   * Applies one action to up to 500 monitors, named by `ids` or matched by
   * `filter` (the list's filter). Always 200 once the request is valid:
   * `results` says, per monitor, whether it changed or why not.
   */
  bulk: {
    requestBody: {
      content: {
        "application/json": components["schemas"]["BulkRequest"];
      };
    };
    responses: {
      200: {
        content: {
          "application/json": components["schemas"]["BulkResponse"];
        };
      };
      /** @description Neither or both of `ids` and `filter`, more than 500 monitors, an invalid filter, or a missing or foreign `tag_id` / `channel_id` */
      422: {
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
  /**
   * A monitor's whole check history as a file, oldest check first.
   * @description Streamed in batches, so there is no cap on its length. CSV (RFC 4180,
   * CRLF line ends, a header row) has the columns `id`, `started_at`,
   * `finished_at` (RFC 3339, UTC), `reason`, `status`, `http_status`,
   * `baseline`, `changed`, `triggered`, `summary`, `extracted_value`,
   * `judge_reason`, `error`, `content_sha256`, `repeats` (how many scheduled
   * checks in a row with the same outcome the entry stands for) and
   * `last_finished_at` (when the latest of them finished); an empty cell is a null, and a
   * text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is
   * prefixed with `'` so that a spreadsheet shows it instead of running it.
   * JSON is an array of the same fields, with `diff` besides.
   */
  export: {
    parameters: {
      query?: {
        /** @description `json` (the default) or `csv`. */
        format?: "json" | "csv";
      };
      path: {
        /** @description Monitor id */
        id: string;
      };
    };
    responses: {
      /** @description The history, as an attachment named after the monitor (`<monitor-name>-checks.csv` or `.json`) */
      200: {
        headers: {
          /** @description `attachment; filename="…"` */
          "Content-Disposition"?: string;
        };
        content: {
          "application/json": components["schemas"]["ExportedCheckResponse"][];
          "text/csv": string;
        };
      };
      /** @description No such monitor in the caller's teams */
      404: {
        content: never;
      };
      /** @description A format other than `csv` or `json` */
      422: {
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
   * Rates an alert `useful` or `noise`; a later rating replaces the earlier one. The monitor's
   * last rated alerts guide the model's next verdicts.
   */
  rate: {
    parameters: {
      path: {
        /** @description Monitor id */
        id: string;
        /** @description Check id */
        check_id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["RatingBody"];
      };
    };
    responses: {
      200: {
        content: {
          "application/json": components["schemas"]["RatingResponse"];
        };
      };
      /** @description No such check of yours */
      404: {
        content: never;
      };
      /** @description The check did not alert */
      409: {
        content: never;
      };
      /** @description Not useful or noise */
      422: {
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
   * The screenshot a check kept (PNG). Screenshots are content-addressed, so
   * one never changes: the browser keeps it for good (privately: it is a
   * team's page) and revalidates by its hash.
   */
  screenshot: {
    parameters: {
      path: {
        /** @description Monitor id */
        id: string;
        /** @description Check id */
        check_id: string;
      };
    };
    responses: {
      /** @description The PNG */
      200: {
        content: {
          "image/png": number[];
        };
      };
      /** @description Unchanged since the `ETag` the client holds */
      304: {
        content: never;
      };
      /** @description No such check in the caller's teams, or the check kept no screenshot */
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
  /** How many of the monitor's last 30 rated alerts were useful. */
  precision: {
    parameters: {
      path: {
        /** @description Monitor id */
        id: string;
      };
    };
    responses: {
      200: {
        content: {
          "application/json": components["schemas"]["PrecisionResponse"];
        };
      };
      /** @description No such monitor of yours */
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
   * The monitor's latest checks as a series, oldest first: each check's outcome and the value
   * its verdict extracted (a number with its unit when it is one), with the threshold of a
   * number condition. What the monitor page charts.
   */
  series: {
    parameters: {
      query?: {
        /** @description How many of the latest checks, 1 to 500 (default 100). */
        limit?: number;
      };
      path: {
        /** @description Monitor id */
        id: string;
      };
    };
    responses: {
      200: {
        content: {
          "application/json": components["schemas"]["SeriesResponse"];
        };
      };
      /** @description No such monitor among the caller's teams */
      404: {
        content: never;
      };
      /** @description `limit` is not between 1 and 500 */
      422: {
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
      /** @description A rendered preview when the team's renders of this hour are spent (`limit_reached`, quota `renders_per_hour`) */
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
   * The page behind an alert's rating link: what the link does, and the button that does it.
   * Nothing is recorded until the button is pressed (see the module's note on mail scanners).
   */
  show_link: {
    parameters: {
      path: {
        /** @description The token of the rating link in the alert */
        token: string;
      };
    };
    responses: {
      /** @description An HTML page with the button that records the rating */
      200: {
        content: {
          "text/html": unknown;
        };
      };
      /** @description The link is forged or expired */
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
   * Records the rating a signed link carries, without signing in. Each link works once and
   * expires 30 days after the alert. Answers an HTML page to browsers (`Accept: text/html`),
   * JSON otherwise.
   */
  use_link: {
    parameters: {
      path: {
        /** @description The token of the rating link in the alert */
        token: string;
      };
    };
    responses: {
      200: {
        content: {
          "application/json": components["schemas"]["RatingResponse"];
        };
      };
      /** @description The link is forged or expired */
      403: {
        content: never;
      };
      /** @description The alert no longer exists */
      404: {
        content: never;
      };
      /** @description The link was used already */
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
   * A team's monitors, tags and channel references as a versioned JSON file.
   * @description Every setting a user chose is there; no secret is: request headers and
   * cookies by name only, `fill` steps without their value, channels by id,
   * kind and name only. Tags with their colours; each monitor names its tags.
   */
  export_team: {
    parameters: {
      path: {
        /** @description Team id */
        id: string;
      };
    };
    responses: {
      /** @description The export, as an attachment (`lookout-<team-name>-<date>.json`) */
      200: {
        headers: {
          /** @description `attachment; filename="…"` */
          "Content-Disposition"?: string;
        };
        content: {
          "application/json": components["schemas"]["TeamExport"];
        };
      };
      /** @description No such team among the caller's */
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
   * Imports monitors into a team from a file: a list of URLs (one per
   * line, `#` comments), changedetection.io's `url-watches.json` or its
   * backup ZIP, urlwatch/webchanges `urls.yaml`, or Lookout's own export.
   * @description The body is the file itself: a text file of at most 16 MiB and 10,000
   * entries, or a changedetection.io backup ZIP of at most 64 MiB (its
   * `url-watches.json` read, at most 16 MiB inflated and 100,000 entries in
   * the archive; the rest named in `archive_ignored`). A dry run (the
   * default) reports, per entry, what would be created, skipped (a monitor
   * of the team, or an earlier entry, has the same URL and selectors) or
   * refused (an invalid URL, a blocked destination, a selector that does not
   * parse, over the team's `monitors` quota), with the fields of the file
   * that are not imported and the tags that would be created. An interval
   * below the deployment's minimum is raised to it (noted on the entry).
   * `dry_run=false` creates every entry reported `created`, its tags and
   * their links in one transaction, under the team lock monitor creation
   * takes, and answers the same report with the new ids.
   *
   * With `Accept: application/x-ndjson` the answer is 200 at once and a
   * stream of [`ImportProgressLine`]s, one JSON object per line, ending with
   * `done` (the report) or `failed` (the error; nothing was imported).
   * An import may take up to 10 minutes; a replica runs 4 at once.
   */
  import_monitors: {
    parameters: {
      query?: {
        /**
         * @description `true` (the default): only report what would happen. `false`:
         * create, in one transaction.
         */
        dry_run?: boolean;
        /**
         * @description The file's format; when absent, the `Content-Type` (`text/uri-list`,
         * `application/yaml`) or else the content decides.
         */
        format?: "urls" | "changedetection" | "urlwatch" | "lookout";
      };
      header?: {
        /** @description `application/x-ndjson` streams the progress */
        Accept?: string | null;
      };
      path: {
        /** @description Team id */
        id: string;
      };
    };
    /** @description The file */
    requestBody: {
      content: {
        "application/json": string;
        "application/yaml": string;
        "application/zip": components["schemas"]["ArchiveFile"];
        "text/plain": string;
        "text/uri-list": string;
      };
    };
    responses: {
      /** @description The report; or, with `Accept: application/x-ndjson`, one ImportProgressLine per line ending with `done` or `failed` */
      200: {
        content: {
          "application/json": components["schemas"]["ImportReport"];
          "application/x-ndjson": components["schemas"]["ImportProgressLine"];
        };
      };
      /** @description No such team among the caller's */
      404: {
        content: never;
      };
      /** @description Larger than 64 MiB; a text file (or the url-watches.json of a ZIP) larger than 16 MiB; a ZIP of more than 100,000 entries */
      413: {
        content: never;
      };
      /** @description Not a file of the format, a ZIP without url-watches.json, over 10,000 entries, or an unknown `format` */
      422: {
        content: never;
      };
      /** @description `busy`: this replica runs 4 imports already; `Retry-After` says when to retry */
      503: {
        headers: {
          /** @description Seconds */
          "Retry-After"?: number;
        };
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
  /** The team's open invitations. Owners only. */
  list_for_team: {
    parameters: {
      path: {
        /** @description Team id */
        id: string;
      };
    };
    responses: {
      200: {
        content: {
          "application/json": components["schemas"]["InvitationList"];
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
      /** @description An error, in the API's one error format */
      default: {
        content: {
          "application/json": components["schemas"]["ErrorResponse"];
        };
      };
    };
  };
  /**
   * Invites an email address to the team, or renews its open invitation.
   * Owners only. The answer is the same whether or not the address has an
   * account; the person accepts after signing in.
   */
  invite: {
    parameters: {
      path: {
        /** @description Team id */
        id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["InvitationInput"];
      };
    };
    responses: {
      201: {
        content: {
          "application/json": components["schemas"]["InvitationResponse"];
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
      /** @description Not an email address, or an unknown role */
      422: {
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
  /** The team's quotas and what it uses of each. */
  team_quotas: {
    parameters: {
      path: {
        /** @description Team id */
        id: string;
      };
    };
    responses: {
      200: {
        content: {
          "application/json": components["schemas"]["TeamQuotasResponse"];
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
  /** The team's retention and what it keeps now. */
  get_retention: {
    parameters: {
      path: {
        /** @description Team id */
        id: string;
      };
    };
    responses: {
      200: {
        content: {
          "application/json": components["schemas"]["RetentionResponse"];
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
  /**
   * Sets the team's retention (owners). The scheduler's next pruning run deletes what falls
   * outside it; alerts still on their way and each monitor's latest snapshot are kept.
   */
  set_retention: {
    parameters: {
      path: {
        /** @description Team id */
        id: string;
      };
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["RetentionBody"];
      };
    };
    responses: {
      200: {
        content: {
          "application/json": components["schemas"]["RetentionResponse"];
        };
      };
      /** @description Not an owner of the team */
      403: {
        content: never;
      };
      /** @description Not a team of yours */
      404: {
        content: never;
      };
      /** @description A limit out of range */
      422: {
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
  /** The team's monthly model budget and this month's model use, in total and per monitor. */
  team_usage: {
    parameters: {
      path: {
        /** @description Team id */
        id: string;
      };
    };
    responses: {
      200: {
        content: {
          "application/json": components["schemas"]["TeamUsageResponse"];
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
        /** @description The issuer of this response (RFC 9207), from providers that add it. */
        iss?: string;
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
   * Signs out: revokes the session (refresh family) and every access token
   * it issued. Always clears the cookies.
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
