// Wire types of alerts and notifications (docs/protocol.md, "Alerts and notifications"), as the
// hub's schema declares them (api.gen.ts, `make gen`). Timestamps are ISO 8601 strings.

import type * as Api from './api.gen';
import type { MailSources } from './api.gen';
import type { AlertFrame, NotificationFrame } from './ws-frames.gen';

export type Severity = Api.SeverityEnum;
export type Comparison = Api.ComparisonEnum;
export type RuleSource = Api.SourceEnum;
/** What a network-event rule watches for (its `metric`). */
export type NetworkEventKind = Api.NetworkEventKindEnum;
export type AlertRule = Api.Rule;
export type AlertState = Api.AlertStateEnum;
/** A deleted rule's alerts stay: rule.id null, rule.deleted true, the rest as the rule was. */
export type FiredAlert = Api.Alert;
export type AlertMetric = Api.Metric;
export type Silence = Api.Silence;
export type ChannelKind = Api.ChannelKindEnum;
export type NotificationChannel = Api.Channel;
export type AppNotification = Api.Notification;


/** What the live socket reports about alerts: `alert` and `notification` frames, or a reconnect. */
export type AlertFrameEvent =
  | AlertFrame
  | NotificationFrame
  /** The socket came back after an outage: frames may have been missed, reload counts and lists. */
  | { type: 'resync' };

// The hub's outgoing mail (admins only), as the API schema declares it (api.gen.ts).
export type {
  MailSecurityEnum as MailSecurity,
  MailSettings,
  MailSettingsChangeRequest as MailSettingsChange,
  MailTestResult,
} from './api.gen';
export type MailField = keyof MailSources;
