import type { AuditEvent } from '../api/get-audit-events';

// The hub records a target's type as its model's name ("enrollmenttoken"); people read this.
const TYPE_LABELS: Record<string, string> = {
  user: 'User',
  apitoken: 'API token',
  hostgroup: 'Host group',
  hostgroupaccess: 'Group access',
  host: 'Host',
  agent: 'Agent',
  enrollmenttoken: 'Enrollment token',
  tooljob: 'Tool run',
  network: 'Network',
  device: 'Device',
  networkscan: 'Network scan',
  schedule: 'Scan schedule',
  alertrule: 'Alert rule',
  incident: 'Incident',
  silence: 'Silence',
  notification: 'Notification',
  notificationchannel: 'Notification channel',
  notificationpreference: 'Notification preferences',
};

export function targetTypeLabel(type: string): string {
  const known = TYPE_LABELS[type];
  if (known) return known;
  const words = type.replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** `Enrollment token “ui-review test token”`, `Host 3f2a…` when it has no name, or ''. */
export function targetLabel(target: AuditEvent['target']): string {
  if (!target.type && !target.id && !target.name) return '';
  const type = target.type ? targetTypeLabel(target.type) : '';
  const what = target.name ? `“${target.name}”` : target.id;
  return `${type} ${what}`.trim();
}
