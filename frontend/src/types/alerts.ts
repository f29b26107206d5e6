// Wire types of alerts and notifications (docs/protocol.md, "Alerts and notifications").
// Timestamps are ISO 8601 strings as the hub sends them.

import type { MailSources } from './api.gen';

export type Severity = 'warning' | 'critical';
export type Comparison = '>' | '>=' | '<' | '<=';
export type RuleSource = 'metric' | 'host_offline' | 'network_event' | 'host_event' | 'agent_dropping' | 'job_failed' | 'tls_expiry';

/** What a network-event rule watches for (its `metric`). */
export type NetworkEventKind = 'device_new' | 'device_gone' | 'port_opened' | 'port_closed';

export interface AlertRule {
  id: number;
  name: string;
  source: RuleSource;
  metric: string;
  /** A shell pattern on the series key (mount, interface, …); empty takes every series. */
  match: string;
  exclude: string[];
  comparison: Comparison;
  threshold: number;
  for_seconds: number;
  /** Null: the rule clears at its own threshold. */
  clear_threshold: number | null;
  clear_seconds: number;
  severity: Severity;
  /** 0: never repeat. */
  repeat_minutes: number;
  host: string | null;
  group: number | null;
  /** Network-event rules only: the network watched; null: every watched network in scope. */
  network: number | null;
  enabled: boolean;
  builtin: boolean;
  created_at: string;
  updated_at: string;
}

export type AlertState = 'firing' | 'resolved';

export interface FiredAlert {
  id: number;
  /** A deleted rule's alerts stay: id null, deleted true, the rest as the rule was. */
  rule: { id: number | null; deleted: boolean; name: string; metric: string; source: string };
  host: { id: string; hostname: string };
  series: string;
  state: AlertState;
  severity: Severity;
  comparison: string;
  threshold: number;
  started_at: string;
  ended_at: string | null;
  peak_value: number;
  last_value: number;
  silenced: boolean;
  acknowledged_by: string | null;
  acknowledged_at: string | null;
}

export interface AlertMetric {
  name: string;
  description: string;
  unit: string;
  /** What a series key is ("mount", "interface"); empty for a single-valued metric. */
  key: string;
}

export interface Silence {
  id: number;
  host: string | null;
  group: number | null;
  rule: number | null;
  label: string;
  starts_at: string;
  ends_at: string;
  comment: string;
  created_by: string | null;
  created_at: string;
}

export type ChannelKind = 'email' | 'webhook' | 'apprise';

export interface NotificationChannel {
  id: number;
  name: string;
  kind: ChannelKind;
  config: { to?: string[]; url?: string };
  /** The secret itself is never sent back by the hub. */
  has_secret: boolean;
  min_severity: Severity;
  /** Empty: every group. */
  groups: number[];
  enabled: boolean;
  last_sent_at: string | null;
  created_at: string;
}

export type NotificationEvent = 'firing' | 'resolved' | 'repeat';

export interface AppNotification {
  id: number;
  alert: number | null;
  event: NotificationEvent | string;
  severity: Severity;
  title: string;
  body: string;
  created_at: string;
  read: boolean;
}

/** What the live socket reports about alerts: `alert` and `notification` frames, or a reconnect. */
export type AlertFrameEvent =
  | { type: 'alert'; event: string; alert: FiredAlert }
  | { type: 'notification'; notification: AppNotification }
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
