// The UI's names for the gateway's shapes. Each one is the schema the gateway
// documents in /api/openapi.json, generated into schema.d.ts (`npm run
// gen:api`), so a change to the API breaks the type check instead of drifting.
import type { components, operations } from './schema';

type Schemas = components['schemas'];

export type Uuid = string;
export type Timestamp = string;

/** Every list the API answers: its items and, where it pages, the next cursor. */
export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

export type ErrorBody = Schemas['ErrorResponse'];
export type FieldError = Schemas['FieldError'];

export type Me = Schemas['MeResponse'];
export type Team = Schemas['TeamResponse'];
export type TeamList = Schemas['TeamList'];
export type TeamInput = Schemas['CreateTeam'];
export type Member = Schemas['MemberResponse'];
export type MemberList = Schemas['MemberList'];
export type Invitation = Schemas['InvitationResponse'];
export type InvitationList = Schemas['InvitationList'];
export type InvitationInput = Schemas['InvitationInput'];
export type ReceivedInvitation = Schemas['ReceivedInvitationResponse'];
export type ReceivedInvitationList = Schemas['ReceivedInvitationList'];
export type AcceptedInvitation = Schemas['Accepted'];
export type RoleChange = Schemas['ChangeRole'];
export type ImportFormat = Schemas['ImportFormat'];
export type ImportReport = Schemas['ImportReport'];
export type ImportEntry = Schemas['ImportEntry'];
export type ImportOutcome = Schemas['ImportOutcome'];
export type ImportProgressLine = Schemas['ImportProgressLine'];

export type HeaderPair = Schemas['HeaderBody'];
export type CookiePair = Schemas['CookieBody'];
export type BrowserStep = Schemas['StepBody'];
export type FirstCheck = Schemas['FirstCheckBody'];
export type FailPolicy = Schemas['FailPolicyBody'];
export type ScreenshotSetting = Schemas['ScreenshotBody'];
export type Monitor = Schemas['MonitorResponse'];
/** The file formats of a history export (`?format=` of `GET /api/v1/monitors/{id}/checks/export`). */
export type ExportFormat = NonNullable<NonNullable<operations['export']['parameters']['query']>['format']>;
export type MonitorList = Schemas['MonitorList'];
/** A row of the monitor list: the monitor and its recent checks. */
export type MonitorListItem = Schemas['MonitorListItem'];
export type RecentChecks = Schemas['RecentChecks'];
export type MonitorSeries = Schemas['SeriesResponse'];
export type SeriesPoint = Schemas['SeriesPoint'];
export type SeriesThreshold = Schemas['ThresholdBody'];
export type CheckOutcome = Schemas['OutcomeBody'];
export type MonitorInput = Schemas['CreateMonitor'];
export type MonitorPatch = Schemas['UpdateMonitor'];
export type Queued = Schemas['Queued'];
export type Tag = Schemas['TagResponse'];
export type TagList = Schemas['TagList'];
export type TagInput = Schemas['CreateTag'];
export type TagPatch = Schemas['UpdateTag'];
export type MonitorTag = Schemas['TagRefBody'];
export type BulkAction = Schemas['BulkAction'];
export type BulkInput = Schemas['BulkRequest'];
export type BulkOutcome = Schemas['BulkResponse'];
export type BulkResult = Schemas['BulkResult'];
export type Check = Schemas['CheckResponse'];
export type CheckList = Schemas['CheckList'];
export type Preview = Schemas['PreviewResponse'];
export type PreviewInput = Schemas['PreviewBody'];

export type Channel = Schemas['ChannelResponse'];
export type ChannelList = Schemas['ChannelList'];
export type CreatedChannel = Schemas['CreatedChannel'];
export type ChannelInput = Schemas['CreateChannel'];
export type TestSent = Schemas['TestSent'];
export type ChannelPatch = Schemas['UpdateChannel'];
export type Delivery = Schemas['DeliveryResponse'];
export type DeliveryList = Schemas['DeliveryList'];
export type Requeued = Schemas['Requeued'];
export type Confirmed = Schemas['Confirmed'];
export type ConfirmationSent = Schemas['ConfirmationSent'];
export type Unsubscribed = Schemas['Unsubscribed'];

export type ApiKey = Schemas['ApiKeyResponse'];
export type ApiKeyList = Schemas['ApiKeyList'];
export type CreatedApiKey = Schemas['CreatedApiKey'];
export type ApiKeyInput = Schemas['CreateApiKey'];
export type Session = Schemas['SessionResponse'];
export type SessionList = Schemas['SessionList'];

export type SystemHealth = Schemas['SystemHealth'];
export type DependencyStatus = Schemas['ComponentHealth'];
export type Usage = Schemas['Usage'];
export type AuditEntry = Schemas['AuditEventResponse'];
export type AuditPage = Schemas['AuditPage'];

export type Budget = Schemas['BudgetBody'];
export type TeamUsage = Schemas['TeamUsageResponse'];
export type TeamBudget = Schemas['TeamBudgetResponse'];
export type TeamBudgetList = Schemas['TeamBudgetList'];

export type Quota = Schemas['QuotaResponse'];
export type TeamQuotas = Schemas['TeamQuotasResponse'];
export type TeamQuotasList = Schemas['TeamQuotasList'];
export type QuotaOverrides = Schemas['QuotaOverridesBody'];

export type TeamRetention = Schemas['RetentionResponse'];
export type RetentionInput = Schemas['RetentionBody'];

export type RatingInput = Schemas['RatingBody'];
export type RatingResult = Schemas['RatingResponse'];
export type Precision = Schemas['PrecisionResponse'];
