//! Monitor definitions.

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use secret_box::{SecretBox, SecretBoxError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use tokio_postgres::types::ToSql;

use crate::error::{QueryContext, StoreError};
use crate::pool::Store;
pub use crate::tags::TagRef;

/// An extra request header sent when fetching the page, as stored. Values
/// may carry cookies or bearer tokens, so the store never holds them in
/// clear: the gateway seals them (`secret-box`) before they reach this
/// crate, and only the processes that send them open them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestHeader {
    pub name: String,
    #[serde(flatten)]
    pub value: StoredValue,
}

/// A header value at rest. In JSON, `{"name", "sealed"}`; rows written
/// before encryption at rest hold `{"name", "value"}` until the gateway
/// reseals them at start ([`Store::monitor_headers_to_reseal`]).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoredValue {
    /// `secret-box` text: `<key id>:<ciphertext>`.
    Sealed(String),
    /// A value stored in clear by an older version.
    #[serde(rename = "value")]
    Legacy(String),
}

impl std::fmt::Debug for StoredValue {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sealed(sealed) => formatter.debug_tuple("Sealed").field(sealed).finish(),
            Self::Legacy(_) => formatter.write_str("Legacy(<redacted>)"),
        }
    }
}

/// The `secret-box` purpose of monitor header values: a value sealed for
/// another kind of secret does not open as a header.
pub const HEADER_PURPOSE: &str = "monitor-header";
/// The purpose of monitor cookie values (stored as [`RequestHeader`] pairs).
pub const COOKIE_PURPOSE: &str = "monitor-cookie";
/// The purpose of the values browser steps type (`fill`).
pub const STEP_PURPOSE: &str = "monitor-step";

impl RequestHeader {
    /// A header whose value is sealed by the current key of `secret_box`.
    pub fn seal(secret_box: &SecretBox, name: String, value: &str) -> Result<Self, SecretBoxError> {
        Self::seal_for(secret_box, HEADER_PURPOSE, name, value)
    }

    /// The value in clear, for the process that sends it. A value stored
    /// before encryption at rest comes back as it is.
    pub fn open(&self, secret_box: &SecretBox) -> Result<SecretString, SecretBoxError> {
        self.open_for(secret_box, HEADER_PURPOSE)
    }

    /// A name and a value sealed for `purpose` (a header or a cookie).
    pub fn seal_for(
        secret_box: &SecretBox,
        purpose: &str,
        name: String,
        value: &str,
    ) -> Result<Self, SecretBoxError> {
        Ok(Self {
            name,
            value: StoredValue::Sealed(secret_box.seal(purpose, value)?),
        })
    }

    /// The value sealed for `purpose`, in clear.
    pub fn open_for(
        &self,
        secret_box: &SecretBox,
        purpose: &str,
    ) -> Result<SecretString, SecretBoxError> {
        match &self.value {
            StoredValue::Sealed(sealed) => secret_box.open(purpose, sealed),
            StoredValue::Legacy(value) => Ok(SecretString::from(value.clone())),
        }
    }
}

/// One browser step as stored. Only a `fill` step's text is secret (it may
/// be a password): it is sealed with [`STEP_PURPOSE`] in `secret`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredStep {
    /// `goto`, `fill`, `click`, `press`, `wait_for` or `wait`.
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    /// The URL of a `goto`, the key of a `press`: not secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The sealed value of a `fill`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ms: Option<u32>,
}

impl StoredValue {
    /// True when the value is sealed by the key `key_id`.
    pub fn is_sealed_by(&self, key_id: &str) -> bool {
        match self {
            Self::Sealed(sealed) => sealed.split_once(':').is_some_and(|(id, _)| id == key_id),
            Self::Legacy(_) => false,
        }
    }
}

/// A monitor as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Monitor {
    pub id: Uuid,
    pub team_id: Uuid,
    pub created_by: Option<Uuid>,
    pub name: String,
    pub url: String,
    pub css_selector: Option<String>,
    pub json_pointer: Option<String>,
    /// At most one of `css_selector` and `xpath` is set (a table constraint).
    pub xpath: Option<String>,
    /// At most one of `json_pointer`, `json_path` and `jq_filter` is set.
    pub json_path: Option<String>,
    pub jq_filter: Option<String>,
    pub condition: String,
    pub interval_seconds: i32,
    pub render: bool,
    pub headers: Vec<RequestHeader>,
    /// What a render waits for: empty for network idle, milliseconds or a CSS selector.
    pub wait_for: Option<String>,
    /// Cookies for the page's host, values sealed with [`COOKIE_PURPOSE`].
    pub cookies: Vec<RequestHeader>,
    /// Browser steps run in the rendered page before it is read.
    pub steps: Vec<StoredStep>,
    pub paused: bool,
    pub next_check_at: DateTime<Utc>,
    pub requested_reason: Option<String>,
    pub consecutive_failures: i32,
    pub last_checked_at: Option<DateTime<Utc>>,
    pub last_triggered_at: Option<DateTime<Utc>>,
    pub last_status: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// What the first check may do: `auto`, `alert` or `baseline`.
    pub first_check: FirstCheck,
    /// Whether the state condition held at the last judged check; `None` when unknown.
    pub condition_holds: Option<bool>,
    /// What a check does when the model cannot judge.
    pub fail_policy: FailPolicy,
    /// Changes in a row the judge could not judge.
    pub unjudged_streak: i32,
    /// The owner was told about the current streak.
    pub unjudged_notice_sent: bool,
    /// Failed checks in a row after which one "failing" alert goes out; 0: never.
    pub failure_alert_after: i32,
    /// The failing alert of the current streak of failures went out.
    pub failing_alert_sent: bool,
    /// When a check keeps a screenshot of the rendered page.
    pub screenshot: Screenshot,
}

/// When a check keeps a screenshot (asking for one renders the page).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Screenshot {
    #[default]
    Never,
    /// The baseline and each check whose text changed: the "before" and
    /// "after" of every change, and nothing while the page stays the same.
    OnChange,
    EveryCheck,
}

impl Screenshot {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Never => "never",
            Self::OnChange => "on_change",
            Self::EveryCheck => "every_check",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "never" => Some(Self::Never),
            "on_change" => Some(Self::OnChange),
            "every_check" => Some(Self::EveryCheck),
            _ => None,
        }
    }
}

/// What a check does when the model cannot judge a change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FailPolicy {
    /// Keep the change and judge it again next time; tell the owner once after a few in a row.
    #[default]
    Hold,
    /// Alert with the diff, marked "not judged".
    AlertAnyway,
    /// Hold, and tell the owner at the first failure.
    NotifyUnjudged,
}

impl FailPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hold => "hold",
            Self::AlertAnyway => "alert_anyway",
            Self::NotifyUnjudged => "notify_unjudged",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "hold" => Some(Self::Hold),
            "alert_anyway" => Some(Self::AlertAnyway),
            "notify_unjudged" => Some(Self::NotifyUnjudged),
            _ => None,
        }
    }
}

/// What a monitor's first check may do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FirstCheck {
    /// A state condition that already holds alerts once; an event condition never does.
    #[default]
    Auto,
    /// Alert when the condition holds on the first check, whatever its kind.
    Alert,
    /// The first check only records a baseline.
    Baseline,
}

impl FirstCheck {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Alert => "alert",
            Self::Baseline => "baseline",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "auto" => Some(Self::Auto),
            "alert" => Some(Self::Alert),
            "baseline" => Some(Self::Baseline),
            _ => None,
        }
    }
}

/// The column list matching [`Monitor::from_row`]; prefix with an alias
/// where a query joins (`m.` is not needed for single-table queries).
pub const MONITOR_COLUMNS: &str = "id, team_id, created_by, name, url, css_selector, json_pointer, \
     condition, interval_seconds, render, headers, paused, next_check_at, requested_reason, consecutive_failures, \
     last_checked_at, last_triggered_at, last_status, created_at, updated_at, \
     first_check, condition_holds, fail_policy, unjudged_streak, unjudged_notice_sent, \
     xpath, json_path, jq_filter, failure_alert_after, failing_alert_sent, wait_for, cookies, steps, screenshot";

impl Monitor {
    pub fn from_row(row: &tokio_postgres::Row) -> Self {
        let headers: serde_json::Value = row.get("headers");
        Self {
            id: row.get("id"),
            team_id: row.get("team_id"),
            created_by: row.get("created_by"),
            name: row.get("name"),
            url: row.get("url"),
            css_selector: row.get("css_selector"),
            json_pointer: row.get("json_pointer"),
            xpath: row.get("xpath"),
            json_path: row.get("json_path"),
            jq_filter: row.get("jq_filter"),
            condition: row.get("condition"),
            interval_seconds: row.get("interval_seconds"),
            render: row.get("render"),
            // Written only by this crate from `Vec<RequestHeader>`, so a
            // value that does not parse means no headers rather than an error.
            headers: serde_json::from_value(headers).unwrap_or_default(),
            wait_for: row.get("wait_for"),
            // Written only by this crate, like `headers`.
            cookies: serde_json::from_value(row.get("cookies")).unwrap_or_default(),
            steps: serde_json::from_value(row.get("steps")).unwrap_or_default(),
            paused: row.get("paused"),
            next_check_at: row.get("next_check_at"),
            requested_reason: row.get("requested_reason"),
            consecutive_failures: row.get("consecutive_failures"),
            last_checked_at: row.get("last_checked_at"),
            last_triggered_at: row.get("last_triggered_at"),
            last_status: row.get("last_status"),
            created_at: row.get("created_at"),
            updated_at: row.get("updated_at"),
            // The column's CHECK constraint allows only the three names.
            first_check: FirstCheck::parse(row.get("first_check")).unwrap_or_default(),
            condition_holds: row.get("condition_holds"),
            // The column's CHECK constraint allows only the three names.
            fail_policy: FailPolicy::parse(row.get("fail_policy")).unwrap_or_default(),
            unjudged_streak: row.get("unjudged_streak"),
            unjudged_notice_sent: row.get("unjudged_notice_sent"),
            failure_alert_after: row.get("failure_alert_after"),
            failing_alert_sent: row.get("failing_alert_sent"),
            // The column's CHECK constraint allows only the three names.
            screenshot: Screenshot::parse(row.get("screenshot")).unwrap_or_default(),
        }
    }
}

/// Field names reported in [`StoreError::MissingReference`] when a write
/// names a team or channel the caller cannot use, so the API can say which
/// field was wrong.
pub const TEAM_REFERENCE: &str = "team_id";
pub const CHANNEL_REFERENCE: &str = "channel_ids";

/// Position after the last item of a page, in the list's order (newest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub at: DateTime<Utc>,
    pub id: Uuid,
}

/// Which page of a newest-first list to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Callers bound this (the API allows at most 100).
    pub limit: i64,
    pub after: Option<Cursor>,
}

/// One page of a list and where the next one starts, if there is one.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Cursor>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows: the extra row only tells
    /// that another page exists.
    pub(crate) fn from_overfetch(
        mut items: Vec<T>,
        limit: i64,
        cursor_of: impl Fn(&T) -> Cursor,
    ) -> Self {
        let limit = usize::try_from(limit).unwrap_or(0);
        if items.len() > limit {
            items.truncate(limit);
            let next = items.last().map(&cursor_of);
            Self { items, next }
        } else {
            Self { items, next: None }
        }
    }
}

/// What a user defines about a monitor, already validated by the caller.
#[derive(Debug, Clone, PartialEq)]
pub struct MonitorDefinition {
    pub name: String,
    pub url: String,
    pub css_selector: Option<String>,
    pub json_pointer: Option<String>,
    pub xpath: Option<String>,
    pub json_path: Option<String>,
    pub jq_filter: Option<String>,
    pub condition: String,
    pub interval_seconds: i32,
    pub render: bool,
    pub headers: Vec<RequestHeader>,
    pub wait_for: Option<String>,
    pub cookies: Vec<RequestHeader>,
    pub steps: Vec<StoredStep>,
    pub paused: bool,
    pub first_check: FirstCheck,
    pub fail_policy: FailPolicy,
    /// Failed checks in a row before a failing alert (0..=100, 0: never).
    pub failure_alert_after: i32,
    pub screenshot: Screenshot,
    /// Tags of the monitor's team ([`crate::tags::TAG_REFERENCE`] otherwise).
    pub tag_ids: Vec<Uuid>,
}

/// A partial update; `None` leaves a field as it is. Selector and pointer
/// are doubly optional so that they can be cleared.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MonitorPatch {
    pub name: Option<String>,
    pub url: Option<String>,
    pub css_selector: Option<Option<String>>,
    pub json_pointer: Option<Option<String>>,
    pub xpath: Option<Option<String>>,
    pub json_path: Option<Option<String>>,
    pub jq_filter: Option<Option<String>>,
    pub condition: Option<String>,
    pub interval_seconds: Option<i32>,
    pub render: Option<bool>,
    pub headers: Option<Vec<RequestHeader>>,
    pub wait_for: Option<Option<String>>,
    pub cookies: Option<Vec<RequestHeader>>,
    pub steps: Option<Vec<StoredStep>>,
    pub paused: Option<bool>,
    pub first_check: Option<FirstCheck>,
    pub fail_policy: Option<FailPolicy>,
    pub failure_alert_after: Option<i32>,
    pub screenshot: Option<Screenshot>,
    /// Replaces every tag.
    pub tag_ids: Option<Vec<Uuid>>,
}

/// A monitor with the channels it alerts and its tags.
#[derive(Debug, Clone, PartialEq)]
pub struct MonitorWithChannels {
    pub monitor: Monitor,
    pub channel_ids: Vec<Uuid>,
    /// By name, case-insensitively.
    pub tags: Vec<TagRef>,
}

impl MonitorWithChannels {
    pub(crate) fn from_row(row: &tokio_postgres::Row) -> Self {
        Self {
            monitor: Monitor::from_row(row),
            channel_ids: row.get("channel_ids"),
            // Built by `select_monitors` from the tags table: always an array
            // of `{id, name, colour}`.
            tags: serde_json::from_value(row.get("tags")).unwrap_or_default(),
        }
    }
}

/// The tags of the monitor `m`, as JSON, by name.
pub(crate) const MONITOR_TAGS: &str =
    "COALESCE((SELECT jsonb_agg(jsonb_build_object('id', t.id, 'name', t.name,
                                   'colour', t.colour) ORDER BY lower(t.name), t.id)
                  FROM monitor_tags mt JOIN tags t ON t.id = mt.tag_id
                 WHERE mt.monitor_id = m.id), '[]'::jsonb)";

/// Selects a monitor row `m` with its channel ids and tags; every query
/// appends a WHERE clause that includes [`VISIBLE_TO_CALLER`].
fn select_monitors() -> String {
    format!(
        "SELECT {MONITOR_COLUMNS},
                ARRAY(SELECT mc.channel_id FROM monitor_channels mc
                       WHERE mc.monitor_id = m.id ORDER BY mc.channel_id) AS channel_ids,
                {MONITOR_TAGS} AS tags
           FROM monitors m"
    )
}

/// A status a list can be narrowed to. Statuses overlap: a monitor that
/// alerted an hour ago and checks fine is both `triggered` and `ok`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    /// Not paused, checked, and its last check succeeded with nothing
    /// waiting for the judge.
    Ok,
    /// Not paused and its last check failed (`consecutive_failures > 0`:
    /// the page gone, blocked, the selector not matching, a timeout, …).
    Failing,
    /// Alerted within [`TRIGGERED_WITHIN_HOURS`] hours, paused or not.
    Triggered,
    Paused,
    /// Not paused, and the judge could not judge its last change (changes
    /// wait for it, or the last check said `judge_unavailable`).
    JudgeUnavailable,
    /// Not paused and never checked yet.
    Pending,
}

/// How recent an alert must be for [`StatusFilter::Triggered`] (the
/// predicate's SQL spells the same number).
pub const TRIGGERED_WITHIN_HOURS: i32 = 24;

impl StatusFilter {
    pub const ALL: [Self; 6] = [
        Self::Ok,
        Self::Failing,
        Self::Triggered,
        Self::Paused,
        Self::JudgeUnavailable,
        Self::Pending,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Failing => "failing",
            Self::Triggered => "triggered",
            Self::Paused => "paused",
            Self::JudgeUnavailable => "judge_unavailable",
            Self::Pending => "pending",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == value)
    }

    /// The SQL condition on the monitor `m`; constant text, no input.
    fn predicate(self) -> &'static str {
        match self {
            Self::Ok => {
                "(NOT m.paused AND m.last_status = 'ok' AND m.consecutive_failures = 0
                  AND m.unjudged_streak = 0)"
            }
            Self::Failing => "(NOT m.paused AND m.consecutive_failures > 0)",
            // The window is a constant of this crate, written into the text.
            Self::Triggered => "(m.last_triggered_at > now() - make_interval(hours => 24))",
            Self::Paused => "m.paused",
            Self::JudgeUnavailable => {
                "(NOT m.paused AND (m.unjudged_streak > 0 OR m.last_status = 'judge_unavailable'))"
            }
            Self::Pending => "(NOT m.paused AND m.last_checked_at IS NULL)",
        }
    }
}

/// Which of the caller's monitors a list (or a bulk action) covers. Every
/// field narrows; the default is every monitor of the caller's teams.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MonitorFilter {
    pub team_id: Option<Uuid>,
    /// Carries this tag (by id).
    pub tag_id: Option<Uuid>,
    /// Carries a tag of this name, in any case, in whichever team.
    pub tag_name: Option<String>,
    pub status: Option<StatusFilter>,
    /// Appears in the name or the URL, in any case; matched literally (`%`
    /// and `_` are not wildcards).
    pub text: Option<String>,
}

/// `text` as a literal `ILIKE` pattern that matches it anywhere.
pub fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for character in text.chars() {
        if matches!(character, '\\' | '%' | '_') {
            pattern.push('\\');
        }
        pattern.push(character);
    }
    pattern.push('%');
    pattern
}

/// The scope of every monitor query: the caller ($1) is a member of the
/// monitor's team.
pub(crate) const VISIBLE_TO_CALLER: &str =
    "EXISTS (SELECT 1 FROM memberships ms WHERE ms.team_id = m.team_id AND ms.user_id = $1)";

/// The WHERE clause of a filtered listing over `m` and its parameters, the
/// caller first (`$1`). Only the conditions the filter sets appear, so each
/// combination is its own prepared statement with a plan for exactly that
/// (a generic plan of `$n IS NULL OR …` could use no index and took 5 to 10
/// times as long on 10,000 monitors).
struct Filtered<'a> {
    sql: String,
    params: Vec<&'a (dyn ToSql + Sync)>,
}

impl<'a> Filtered<'a> {
    fn new(user_id: &'a Uuid, filter: &'a MonitorFilter, pattern: &'a Option<String>) -> Self {
        let mut filtered = Self {
            sql: VISIBLE_TO_CALLER.to_owned(),
            params: vec![user_id],
        };
        if let Some(team_id) = &filter.team_id {
            let n = filtered.bind(team_id);
            filtered.sql += &format!(" AND m.team_id = ${n}");
        }
        if let Some(tag_id) = &filter.tag_id {
            let n = filtered.bind(tag_id);
            filtered.sql += &format!(
                " AND EXISTS (SELECT 1 FROM monitor_tags mt WHERE mt.monitor_id = m.id AND mt.tag_id = ${n})"
            );
        }
        if let Some(tag_name) = &filter.tag_name {
            let n = filtered.bind(tag_name);
            filtered.sql += &format!(
                " AND EXISTS (SELECT 1 FROM monitor_tags mt JOIN tags t ON t.id = mt.tag_id
                               WHERE mt.monitor_id = m.id AND lower(t.name) = lower(${n}))"
            );
        }
        if let Some(pattern) = pattern {
            let n = filtered.bind(pattern);
            filtered.sql += &format!(" AND (m.name ILIKE ${n} OR m.url ILIKE ${n})");
        }
        if let Some(status) = filter.status {
            filtered.sql += " AND ";
            filtered.sql += status.predicate();
        }
        filtered
    }

    /// Adds a parameter; answers its number.
    fn bind(&mut self, value: &'a (dyn ToSql + Sync)) -> usize {
        self.params.push(value);
        self.params.len()
    }
}

impl Store {
    /// Creates a monitor in `team_id`, or in the caller's personal team when
    /// `None`. The team must be one the caller belongs to and every channel
    /// must belong to that team; otherwise [`StoreError::MissingReference`]
    /// names the field ([`TEAM_REFERENCE`] or [`CHANNEL_REFERENCE`]).
    /// [`StoreError::QuotaReached`] when the team has its `monitors` quota.
    pub async fn create_monitor(
        &self,
        user_id: Uuid,
        team_id: Option<Uuid>,
        definition: &MonitorDefinition,
        channel_ids: &[Uuid],
    ) -> Result<MonitorWithChannels, StoreError> {
        let headers = headers_json(&definition.headers);
        let mut client = self.client().await?;
        let transaction = client
            .transaction()
            .await
            .context("starting monitor creation")?;
        let team_id = crate::quotas::member_team(&transaction, user_id, team_id)
            .await?
            .ok_or_else(|| StoreError::MissingReference {
                constraint: TEAM_REFERENCE.to_owned(),
            })?;
        crate::quotas::reserve(
            &transaction,
            team_id,
            crate::quotas::Quota::Monitors,
            self.quota_defaults(),
        )
        .await?;
        let row = transaction
            .query_opt(
                &format!(
                    "INSERT INTO monitors (id, team_id, created_by, name, url, css_selector,
                                           json_pointer, condition, interval_seconds, render,
                                           headers, paused, xpath, json_path, jq_filter,
                                           first_check, fail_policy, failure_alert_after, wait_for,
                                           cookies, steps, screenshot)
                     VALUES ($1, $3, $2, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
                             $16, $17, $18, $19, $20, $21, $22)
                     RETURNING {MONITOR_COLUMNS}"
                ),
                &[
                    &Uuid::now_v7(),
                    &user_id,
                    &team_id,
                    &definition.name,
                    &definition.url,
                    &definition.css_selector,
                    &definition.json_pointer,
                    &definition.condition,
                    &definition.interval_seconds,
                    &definition.render,
                    &headers,
                    &definition.paused,
                    &definition.xpath,
                    &definition.json_path,
                    &definition.jq_filter,
                    &definition.first_check.as_str(),
                    &definition.fail_policy.as_str(),
                    &definition.failure_alert_after,
                    &definition.wait_for,
                    &headers_json(&definition.cookies),
                    &steps_json(&definition.steps),
                    &definition.screenshot.as_str(),
                ],
            )
            .await
            .context("inserting a monitor")?
            .ok_or_else(|| StoreError::MissingReference {
                constraint: TEAM_REFERENCE.to_owned(),
            })?;
        let monitor = Monitor::from_row(&row);
        let channel_ids =
            replace_channels(&transaction, monitor.id, monitor.team_id, channel_ids).await?;
        crate::tags::replace_tags(
            &transaction,
            monitor.id,
            monitor.team_id,
            &definition.tag_ids,
        )
        .await?;
        let tags = current_tags(&transaction, monitor.id).await?;
        transaction
            .commit()
            .await
            .context("committing monitor creation")?;
        Ok(MonitorWithChannels {
            monitor,
            channel_ids,
            tags,
        })
    }

    /// The caller's monitors that match `filter`, newest first (by
    /// `(created_at, id)`, so pages never skip or repeat a monitor).
    pub async fn list_monitors(
        &self,
        user_id: Uuid,
        filter: &MonitorFilter,
        page: PageRequest,
    ) -> Result<Page<MonitorWithChannels>, StoreError> {
        let client = self.client().await?;
        let pattern = filter.text.as_deref().map(contains_pattern);
        let mut filtered = Filtered::new(&user_id, filter, &pattern);
        let (after_at, after_id) = split_cursor(page.after);
        if let (Some(at), Some(id)) = (&after_at, &after_id) {
            let (at, id) = (filtered.bind(at), filtered.bind(id));
            filtered.sql += &format!(" AND (m.created_at, m.id) < (${at}, ${id})");
        }
        let fetch = page.limit + 1;
        let limit = filtered.bind(&fetch);
        // The page is chosen first and only its rows get their channels and
        // tags: a subquery in the select list would otherwise run for every
        // row before the sort.
        let statement = client
            .prepare_cached(&format!(
                "SELECT {MONITOR_COLUMNS},
                        ARRAY(SELECT mc.channel_id FROM monitor_channels mc
                               WHERE mc.monitor_id = m.id ORDER BY mc.channel_id) AS channel_ids,
                        {MONITOR_TAGS} AS tags
                   FROM (SELECT * FROM monitors m WHERE {}
                          ORDER BY m.created_at DESC, m.id DESC LIMIT ${limit}) m
                  ORDER BY m.created_at DESC, m.id DESC",
                filtered.sql
            ))
            .await
            .context("preparing the monitor listing")?;
        let rows = client
            .query(&statement, &filtered.params)
            .await
            .context("listing monitors")?;
        let items = rows.iter().map(MonitorWithChannels::from_row).collect();
        Ok(Page::from_overfetch(items, page.limit, |item| Cursor {
            at: item.monitor.created_at,
            id: item.monitor.id,
        }))
    }

    /// How many of the caller's monitors match `filter`.
    pub async fn count_monitors(
        &self,
        user_id: Uuid,
        filter: &MonitorFilter,
    ) -> Result<i64, StoreError> {
        let client = self.client().await?;
        let pattern = filter.text.as_deref().map(contains_pattern);
        let filtered = Filtered::new(&user_id, filter, &pattern);
        let statement = client
            .prepare_cached(&format!(
                "SELECT count(*) FROM monitors m WHERE {}",
                filtered.sql
            ))
            .await
            .context("preparing the monitor count")?;
        let row = client
            .query_one(&statement, &filtered.params)
            .await
            .context("counting monitors")?;
        Ok(row.get(0))
    }

    /// The ids of up to `limit` of the caller's monitors that match
    /// `filter`, newest first: what a bulk action by filter covers.
    pub async fn matching_monitor_ids(
        &self,
        user_id: Uuid,
        filter: &MonitorFilter,
        limit: i64,
    ) -> Result<Vec<Uuid>, StoreError> {
        let client = self.client().await?;
        let pattern = filter.text.as_deref().map(contains_pattern);
        let mut filtered = Filtered::new(&user_id, filter, &pattern);
        let n = filtered.bind(&limit);
        let rows = client
            .query(
                &format!(
                    "SELECT m.id FROM monitors m WHERE {}
                      ORDER BY m.created_at DESC, m.id DESC LIMIT ${n}",
                    filtered.sql
                ),
                &filtered.params,
            )
            .await
            .context("listing the monitors a filter matches")?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }

    /// One of the caller's monitors; `None` when it does not exist or belongs
    /// to a team the caller is not in.
    pub async fn get_monitor(
        &self,
        user_id: Uuid,
        monitor_id: Uuid,
    ) -> Result<Option<MonitorWithChannels>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!(
                    "{} WHERE {VISIBLE_TO_CALLER} AND m.id = $2",
                    select_monitors()
                ),
                &[&user_id, &monitor_id],
            )
            .await
            .context("reading a monitor")?;
        Ok(row.as_ref().map(MonitorWithChannels::from_row))
    }

    /// Applies `patch` and, when given, replaces the monitor's channels.
    /// `None` when the monitor is not visible to the caller.
    pub async fn update_monitor(
        &self,
        user_id: Uuid,
        monitor_id: Uuid,
        patch: &MonitorPatch,
        channel_ids: Option<&[Uuid]>,
    ) -> Result<Option<MonitorWithChannels>, StoreError> {
        let headers = patch.headers.as_deref().map(headers_json);
        let cookies = patch.cookies.as_deref().map(headers_json);
        let steps = patch.steps.as_deref().map(steps_json);
        let set_wait_for = patch.wait_for.is_some();
        let wait_for = patch.wait_for.clone().flatten();
        let set_selector = patch.css_selector.is_some();
        let selector = patch.css_selector.clone().flatten();
        let set_pointer = patch.json_pointer.is_some();
        let pointer = patch.json_pointer.clone().flatten();
        let set_xpath = patch.xpath.is_some();
        let xpath = patch.xpath.clone().flatten();
        let set_json_path = patch.json_path.is_some();
        let json_path = patch.json_path.clone().flatten();
        let set_jq = patch.jq_filter.is_some();
        let jq = patch.jq_filter.clone().flatten();
        let mut client = self.client().await?;
        let transaction = client
            .transaction()
            .await
            .context("starting a monitor update")?;
        let Some(row) = transaction
            .query_opt(
                &format!(
                    "UPDATE monitors m SET
                         name = COALESCE($3, name),
                         url = COALESCE($4, url),
                         css_selector = CASE WHEN $5 THEN $6 ELSE css_selector END,
                         json_pointer = CASE WHEN $7 THEN $8 ELSE json_pointer END,
                         condition = COALESCE($9, condition),
                         interval_seconds = COALESCE($10, interval_seconds),
                         -- A shorter interval takes effect now rather than
                         -- after the previously scheduled (longer) wait.
                         next_check_at = CASE WHEN $10::integer IS NULL THEN next_check_at
                             ELSE LEAST(next_check_at,
                                        COALESCE(last_checked_at, now()) + $10::integer * interval '1 second')
                             END,
                         render = COALESCE($11, render),
                         headers = COALESCE($12, headers),
                         paused = COALESCE($13, paused),
                         xpath = CASE WHEN $14 THEN $15 ELSE xpath END,
                         json_path = CASE WHEN $16 THEN $17 ELSE json_path END,
                         jq_filter = CASE WHEN $18 THEN $19 ELSE jq_filter END,
                         first_check = COALESCE($20, first_check),
                         fail_policy = COALESCE($21, fail_policy),
                         failure_alert_after = COALESCE($22, failure_alert_after),
                         wait_for = CASE WHEN $23 THEN $24 ELSE wait_for END,
                         cookies = COALESCE($25, cookies),
                         steps = COALESCE($26, steps),
                         screenshot = COALESCE($27, screenshot),
                         -- What held for the old condition says nothing about a new one.
                         condition_holds = CASE WHEN $9::text IS NULL OR $9 = condition
                             THEN condition_holds ELSE NULL END,
                         updated_at = now()
                      WHERE m.id = $2 AND {VISIBLE_TO_CALLER}
                      RETURNING {MONITOR_COLUMNS}"
                ),
                &[
                    &user_id,
                    &monitor_id,
                    &patch.name,
                    &patch.url,
                    &set_selector,
                    &selector,
                    &set_pointer,
                    &pointer,
                    &patch.condition,
                    &patch.interval_seconds,
                    &patch.render,
                    &headers,
                    &patch.paused,
                    &set_xpath,
                    &xpath,
                    &set_json_path,
                    &json_path,
                    &set_jq,
                    &jq,
                    &patch.first_check.map(FirstCheck::as_str),
                    &patch.fail_policy.map(FailPolicy::as_str),
                    &patch.failure_alert_after,
                    &set_wait_for,
                    &wait_for,
                    &cookies,
                    &steps,
                    &patch.screenshot.map(Screenshot::as_str),
                ],
            )
            .await
            .context("updating a monitor")?
        else {
            return Ok(None);
        };
        let monitor = Monitor::from_row(&row);
        let channel_ids = match channel_ids {
            Some(ids) => replace_channels(&transaction, monitor.id, monitor.team_id, ids).await?,
            None => current_channels(&transaction, monitor.id).await?,
        };
        if let Some(tag_ids) = &patch.tag_ids {
            crate::tags::replace_tags(&transaction, monitor.id, monitor.team_id, tag_ids).await?;
        }
        let tags = current_tags(&transaction, monitor.id).await?;
        transaction
            .commit()
            .await
            .context("committing a monitor update")?;
        Ok(Some(MonitorWithChannels {
            monitor,
            channel_ids,
            tags,
        }))
    }

    /// Deletes the monitor with its checks and snapshots. Answers the
    /// screenshots (blob keys) its checks kept that no other check
    /// references, for the caller to delete from the blob store; `None` when
    /// the monitor is not visible to the caller.
    pub async fn delete_monitor(
        &self,
        user_id: Uuid,
        monitor_id: Uuid,
    ) -> Result<Option<Vec<String>>, StoreError> {
        let mut client = self.client().await?;
        let transaction = client
            .transaction()
            .await
            .context("starting a monitor deletion")?;
        let kept: Vec<String> = transaction
            .query(
                &format!(
                    "SELECT DISTINCT c.screenshot_sha256 FROM checks c JOIN monitors m ON m.id = c.monitor_id
                      WHERE m.id = $2 AND {VISIBLE_TO_CALLER} AND c.screenshot_sha256 IS NOT NULL"
                ),
                &[&user_id, &monitor_id],
            )
            .await
            .context("listing a monitor's screenshots")?
            .iter()
            .map(|row| row.get(0))
            .collect();
        let deleted = transaction
            .execute(
                &format!("DELETE FROM monitors m WHERE m.id = $2 AND {VISIBLE_TO_CALLER}"),
                &[&user_id, &monitor_id],
            )
            .await
            .context("deleting a monitor")?;
        if deleted != 1 {
            return Ok(None);
        }
        let orphans = crate::checks::unreferenced_screenshots(&transaction, &kept).await?;
        transaction
            .commit()
            .await
            .context("committing a monitor deletion")?;
        Ok(Some(orphans))
    }

    /// Asks the scheduler to run the monitor as soon as possible ("run now"),
    /// even when it is paused. False when the monitor is not visible. A
    /// check in flight keeps its lease: the requested run follows as soon as
    /// it is recorded, instead of a second claim taking the monitor from it.
    pub async fn request_monitor_run(
        &self,
        user_id: Uuid,
        monitor_id: Uuid,
    ) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let updated = client
            .execute(
                &format!(
                    "UPDATE monitors m SET requested_reason = 'manual',
                         next_check_at = CASE WHEN lease_token IS NULL THEN now()
                             ELSE next_check_at END
                      WHERE m.id = $2 AND {VISIBLE_TO_CALLER}"
                ),
                &[&user_id, &monitor_id],
            )
            .await
            .context("requesting a monitor run")?;
        Ok(updated == 1)
    }

    /// Up to `limit` monitors, by id after `after`, holding a header value
    /// in clear or sealed by another key than `current_key_id`: what the
    /// gateway reseals at start, so plain rows are encrypted and a retired
    /// key can be dropped. Not scoped by team: a maintenance pass over every
    /// row, never reachable from a request.
    pub async fn monitor_headers_to_reseal(
        &self,
        current_key_id: &str,
        after: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<(Uuid, Vec<RequestHeader>)>, StoreError> {
        let client = self.client().await?;
        let prefix = format!("{current_key_id}:");
        let rows = client
            .query(
                "SELECT id, headers FROM monitors
                  WHERE ($1::uuid IS NULL OR id > $1)
                    AND jsonb_path_exists(headers,
                          '$[*] ? (!exists(@.sealed) || !(@.sealed starts with $prefix))',
                          jsonb_build_object('prefix', $2::text))
                  ORDER BY id
                  LIMIT $3",
                &[&after, &prefix, &limit],
            )
            .await
            .context("listing monitor headers to reseal")?;
        Ok(rows
            .iter()
            .map(|row| {
                let headers: serde_json::Value = row.get("headers");
                (
                    row.get("id"),
                    serde_json::from_value(headers).unwrap_or_default(),
                )
            })
            .collect())
    }

    /// Replaces a monitor's headers with `resealed` only if they are still
    /// `current`, so a reseal never overwrites an edit made meanwhile.
    /// False when the monitor changed or is gone.
    pub async fn replace_monitor_headers(
        &self,
        monitor_id: Uuid,
        current: &[RequestHeader],
        resealed: &[RequestHeader],
    ) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let updated = client
            .execute(
                "UPDATE monitors SET headers = $3 WHERE id = $1 AND headers = $2",
                &[&monitor_id, &headers_json(current), &headers_json(resealed)],
            )
            .await
            .context("resealing monitor headers")?;
        Ok(updated == 1)
    }
}

impl Store {
    /// Like [`Store::monitor_headers_to_reseal`], for cookie values and the
    /// fill values of browser steps: up to `limit` monitors after `after`
    /// holding one not sealed by `current_key_id`.
    pub async fn monitor_render_secrets_to_reseal(
        &self,
        current_key_id: &str,
        after: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<RenderSecrets>, StoreError> {
        let client = self.client().await?;
        let prefix = format!("{current_key_id}:");
        let rows = client
            .query(
                "SELECT id, cookies, steps FROM monitors
                  WHERE ($1::uuid IS NULL OR id > $1)
                    AND (jsonb_path_exists(cookies,
                           '$[*] ? (!exists(@.sealed) || !(@.sealed starts with $prefix))',
                           jsonb_build_object('prefix', $2::text))
                      OR jsonb_path_exists(steps,
                           '$[*] ? (exists(@.secret) && !(@.secret starts with $prefix))',
                           jsonb_build_object('prefix', $2::text)))
                  ORDER BY id
                  LIMIT $3",
                &[&after, &prefix, &limit],
            )
            .await
            .context("listing monitor cookies and steps to reseal")?;
        Ok(rows
            .iter()
            .map(|row| RenderSecrets {
                monitor_id: row.get("id"),
                cookies: serde_json::from_value(row.get("cookies")).unwrap_or_default(),
                steps: serde_json::from_value(row.get("steps")).unwrap_or_default(),
            })
            .collect())
    }

    /// Replaces cookies and steps with `resealed` only if they are still
    /// `current`, so a reseal never overwrites an edit made meanwhile.
    pub async fn replace_monitor_render_secrets(
        &self,
        current: &RenderSecrets,
        resealed: &RenderSecrets,
    ) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let updated = client
            .execute(
                "UPDATE monitors SET cookies = $4, steps = $5
                  WHERE id = $1 AND cookies = $2 AND steps = $3",
                &[
                    &current.monitor_id,
                    &headers_json(&current.cookies),
                    &steps_json(&current.steps),
                    &headers_json(&resealed.cookies),
                    &steps_json(&resealed.steps),
                ],
            )
            .await
            .context("resealing monitor cookies and steps")?;
        Ok(updated == 1)
    }
}

/// A monitor's sealed render secrets: cookie values and fill values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderSecrets {
    pub monitor_id: Uuid,
    pub cookies: Vec<RequestHeader>,
    pub steps: Vec<StoredStep>,
}

pub(crate) fn split_cursor(cursor: Option<Cursor>) -> (Option<DateTime<Utc>>, Option<Uuid>) {
    match cursor {
        Some(cursor) => (Some(cursor.at), Some(cursor.id)),
        None => (None, None),
    }
}

pub(crate) fn steps_json(steps: &[StoredStep]) -> serde_json::Value {
    // Strings and numbers only: serializing cannot fail.
    serde_json::to_value(steps).unwrap_or_else(|_| serde_json::Value::Array(Vec::new()))
}

pub(crate) fn headers_json(headers: &[RequestHeader]) -> serde_json::Value {
    // Two strings per header: serializing cannot fail.
    serde_json::to_value(headers).unwrap_or_else(|_| serde_json::Value::Array(Vec::new()))
}

/// Makes `channel_ids` the monitor's channels. Channels of another team are
/// never linked: they do not count, and a shortfall rejects the whole write.
async fn replace_channels(
    transaction: &deadpool_postgres::Transaction<'_>,
    monitor_id: Uuid,
    team_id: Uuid,
    channel_ids: &[Uuid],
) -> Result<Vec<Uuid>, StoreError> {
    let mut wanted = channel_ids.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    transaction
        .execute(
            "DELETE FROM monitor_channels WHERE monitor_id = $1",
            &[&monitor_id],
        )
        .await
        .context("clearing a monitor's channels")?;
    if wanted.is_empty() {
        return Ok(wanted);
    }
    let linked = transaction
        .execute(
            "INSERT INTO monitor_channels (monitor_id, channel_id)
             SELECT $1, c.id FROM channels c WHERE c.id = ANY($2) AND c.team_id = $3",
            &[&monitor_id, &wanted, &team_id],
        )
        .await
        .context("linking a monitor's channels")?;
    if usize::try_from(linked).ok() != Some(wanted.len()) {
        return Err(StoreError::MissingReference {
            constraint: CHANNEL_REFERENCE.to_owned(),
        });
    }
    Ok(wanted)
}

async fn current_tags(
    transaction: &deadpool_postgres::Transaction<'_>,
    monitor_id: Uuid,
) -> Result<Vec<TagRef>, StoreError> {
    let row = transaction
        .query_one(
            &format!("SELECT {MONITOR_TAGS} AS tags FROM monitors m WHERE m.id = $1"),
            &[&monitor_id],
        )
        .await
        .context("reading a monitor's tags")?;
    Ok(serde_json::from_value(row.get("tags")).unwrap_or_default())
}

async fn current_channels(
    transaction: &deadpool_postgres::Transaction<'_>,
    monitor_id: Uuid,
) -> Result<Vec<Uuid>, StoreError> {
    let rows = transaction
        .query(
            "SELECT channel_id FROM monitor_channels WHERE monitor_id = $1 ORDER BY channel_id",
            &[&monitor_id],
        )
        .await
        .context("reading a monitor's channels")?;
    Ok(rows.iter().map(|row| row.get(0)).collect())
}
