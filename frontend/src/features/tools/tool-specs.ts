import type { ToolName } from '@/types/jobs';

// Each tool's form, mirroring the params dataclasses in agent/everyst_agent/tools/*.py: the
// defaults are the agent's (or the Tools page's own where noted), the bounds its `validate()`.

export type FormValue = string | boolean | string[];
export type FormValues = Record<string, FormValue>;

interface FieldBase {
  name: string;
  label: string;
  help?: string;
  /** Shown only when this returns true (e.g. the port list only in "list" mode). */
  when?: (values: FormValues) => boolean;
}

export type Field =
  | (FieldBase & { kind: 'targets'; required: boolean; placeholder: string })
  | (FieldBase & { kind: 'text'; required: boolean; placeholder?: string; maxLength: number })
  | (FieldBase & { kind: 'ports'; placeholder: string })
  | (FieldBase & { kind: 'number'; min: number; max: number; integer: boolean; optional?: boolean })
  | (FieldBase & { kind: 'select'; options: readonly string[] })
  | (FieldBase & { kind: 'checkbox' })
  | (FieldBase & { kind: 'multi'; options: readonly string[] });

export interface ToolSpec {
  name: ToolName;
  label: string;
  summary: string;
  fields: Field[];
  defaults: FormValues;
  /** Whether the tool sends packets to other hosts (its targets must be in the agent's scope). */
  scoped: boolean;
  /** What one result row is, singular and plural: "6 hosts found so far" while it runs. */
  rows: readonly [string, string];
}

const DNS_TYPES = ['A', 'AAAA', 'MX', 'NS', 'CNAME', 'TXT', 'SOA', 'PTR'] as const;
const TOP_PORTS_MAX = 1000;

const portChoice = (topDefault: string): { fields: Field[]; defaults: FormValues } => ({
  fields: [
    { kind: 'select', name: 'port_mode', label: 'Ports', options: ['top', 'list'] },
    {
      kind: 'number',
      name: 'top_ports',
      label: 'Most common ports (nmap ranking)',
      min: 1,
      max: TOP_PORTS_MAX,
      integer: true,
      when: (v) => v.port_mode === 'top',
    },
    {
      kind: 'ports',
      name: 'ports',
      label: 'Port list',
      placeholder: '22,80,443,8000-8100',
      when: (v) => v.port_mode === 'list',
    },
  ],
  defaults: { port_mode: 'top', top_ports: topDefault, ports: '' },
});

const portScanPorts = portChoice('100');
const servicesPorts = portChoice('100');

export const TOOL_SPECS: Record<ToolName, ToolSpec> = {
  discover: {
    name: 'discover',
    label: 'Discover hosts',
    summary: 'Finds the devices on a subnet: ARP sweep when the agent has CAP_NET_RAW, else TCP probes and the ARP table.',
    scoped: true,
    rows: ['host found', 'hosts found'],
    fields: [
      {
        kind: 'targets',
        name: 'target',
        label: 'Subnets or addresses',
        required: false,
        placeholder: 'empty: every connected IPv4 subnet',
      },
      { kind: 'select', name: 'method', label: 'Method', options: ['auto', 'arp', 'tcp'] },
      { kind: 'number', name: 'timeout', label: 'Timeout (s)', min: 0.1, max: 10, integer: false },
      { kind: 'number', name: 'retries', label: 'Retries', min: 0, max: 3, integer: true },
      { kind: 'checkbox', name: 'resolve_names', label: 'Resolve host names' },
    ],
    defaults: { target: '', method: 'auto', timeout: '1', retries: '1', resolve_names: true },
  },
  ping: {
    name: 'ping',
    label: 'Ping',
    summary: 'ICMP echo (raw or unprivileged socket), or TCP connect timing where ICMP is not allowed.',
    scoped: true,
    rows: ['probe', 'probes'],
    fields: [
      { kind: 'targets', name: 'target', label: 'Hosts', required: true, placeholder: '192.168.1.1 or gateway.lan' },
      { kind: 'number', name: 'count', label: 'Count', min: 1, max: 1000, integer: true },
      { kind: 'number', name: 'interval', label: 'Interval (s)', min: 0.01, max: 60, integer: false },
      { kind: 'number', name: 'timeout', label: 'Timeout (s)', min: 0.05, max: 30, integer: false },
      { kind: 'number', name: 'size', label: 'Payload (bytes)', min: 0, max: 1400, integer: true },
      { kind: 'select', name: 'method', label: 'Method', options: ['auto', 'icmp', 'icmp-dgram', 'tcp'] },
    ],
    defaults: { target: '', count: '4', interval: '1', timeout: '1', size: '56', method: 'auto' },
  },
  port_scan: {
    name: 'port_scan',
    label: 'Port scan',
    summary: 'TCP SYN scan when the agent has CAP_NET_RAW, else a connect scan.',
    scoped: true,
    rows: ['open port found', 'open ports found'],
    fields: [
      { kind: 'targets', name: 'target', label: 'Hosts or subnets', required: true, placeholder: '192.168.1.10 or 192.168.1.0/24' },
      ...portScanPorts.fields,
      { kind: 'select', name: 'method', label: 'Method', options: ['auto', 'syn', 'connect'] },
      { kind: 'number', name: 'timeout', label: 'Timeout (s)', min: 0.05, max: 30, integer: false },
      { kind: 'number', name: 'retries', label: 'Retries', min: 0, max: 5, integer: true },
      { kind: 'number', name: 'concurrency', label: 'Concurrency', min: 1, max: 10000, integer: true },
      {
        kind: 'number',
        name: 'rate',
        label: 'Rate limit (probes/s)',
        min: 1,
        max: 1_000_000,
        integer: false,
        optional: true,
        help: 'Empty: as fast as the concurrency allows.',
      },
    ],
    defaults: { target: '', ...portScanPorts.defaults, method: 'auto', timeout: '1', retries: '1', concurrency: '1024', rate: '' },
  },
  services: {
    name: 'services',
    label: 'Service detection',
    summary: 'Finds open ports, then identifies what answers on each (banners, TLS, HTTP, Redis, PostgreSQL).',
    scoped: true,
    rows: ['service identified', 'services identified'],
    fields: [
      { kind: 'targets', name: 'target', label: 'Hosts', required: true, placeholder: '192.168.1.10' },
      ...servicesPorts.fields,
      { kind: 'number', name: 'timeout', label: 'Timeout (s)', min: 0.1, max: 30, integer: false },
      { kind: 'number', name: 'concurrency', label: 'Concurrency', min: 1, max: 256, integer: true },
    ],
    defaults: { target: '', ...servicesPorts.defaults, timeout: '2', concurrency: '32' },
  },
  traceroute: {
    name: 'traceroute',
    label: 'Traceroute',
    summary: 'UDP probes with rising TTL (IPv4; needs CAP_NET_RAW to read the ICMP answers).',
    scoped: true,
    rows: ['hop', 'hops'],
    fields: [
      { kind: 'text', name: 'target', label: 'Host', required: true, placeholder: '192.168.1.1', maxLength: 253 },
      { kind: 'number', name: 'max_hops', label: 'Max hops', min: 1, max: 64, integer: true },
      { kind: 'number', name: 'probes', label: 'Probes per hop', min: 1, max: 5, integer: true },
      { kind: 'number', name: 'timeout', label: 'Timeout (s)', min: 0.1, max: 10, integer: false },
      { kind: 'checkbox', name: 'resolve_names', label: 'Resolve host names' },
    ],
    defaults: { target: '', max_hops: '30', probes: '3', timeout: '1', resolve_names: true },
  },
  dns: {
    name: 'dns',
    label: 'DNS lookup',
    summary: "Queries the host's resolver, or a DNS server you name (which must be in the agent's scope).",
    scoped: true,
    rows: ['record', 'records'],
    fields: [
      { kind: 'text', name: 'name', label: 'Name', required: true, placeholder: 'example.com, or an address for PTR', maxLength: 253 },
      { kind: 'multi', name: 'types', label: 'Record types', options: DNS_TYPES },
      { kind: 'text', name: 'server', label: 'Server', required: false, placeholder: "empty: the host's resolver", maxLength: 253 },
      { kind: 'number', name: 'port', label: 'Port', min: 1, max: 65535, integer: true },
      { kind: 'number', name: 'timeout', label: 'Timeout (s)', min: 0.1, max: 30, integer: false },
      { kind: 'number', name: 'retries', label: 'Retries', min: 0, max: 5, integer: true },
    ],
    defaults: { name: '', types: ['A', 'AAAA', 'MX'], server: '', port: '53', timeout: '2', retries: '1' },
  },
  tls_cert: {
    name: 'tls_cert',
    label: 'TLS certificate',
    summary: 'Reads the certificate a TLS server presents (self-signed too) and whether the system trusts it.',
    scoped: true,
    rows: ['certificate field', 'certificate fields'],
    fields: [
      { kind: 'text', name: 'host', label: 'Host', required: true, placeholder: '192.168.1.10 or nas.lan', maxLength: 253 },
      { kind: 'number', name: 'port', label: 'Port', min: 1, max: 65535, integer: true },
      {
        kind: 'text',
        name: 'server_name',
        label: 'Server name (SNI)',
        required: false,
        placeholder: 'empty: the host, if it is a name',
        maxLength: 253,
      },
      { kind: 'number', name: 'timeout', label: 'Timeout (s)', min: 0.1, max: 60, integer: false },
    ],
    defaults: { host: '', port: '443', server_name: '', timeout: '5' },
  },
  listening: {
    name: 'listening',
    label: 'Listening sockets',
    summary: "This host's listening TCP sockets and bound UDP sockets, with their processes.",
    scoped: false,
    rows: ['socket', 'sockets'],
    fields: [{ kind: 'checkbox', name: 'udp', label: 'Include UDP' }],
    defaults: { udp: true },
  },
  capture: {
    name: 'capture',
    label: 'Packet capture',
    summary: 'Captures packets on an interface (needs CAP_NET_RAW); the pcap can be downloaded afterwards.',
    scoped: false,
    rows: ['packet captured', 'packets captured'],
    fields: [
      { kind: 'text', name: 'interface', label: 'Interface', required: false, placeholder: "empty: the host's default", maxLength: 64 },
      { kind: 'text', name: 'filter', label: 'BPF filter', required: false, placeholder: 'e.g. tcp port 443', maxLength: 1024 },
      { kind: 'number', name: 'count', label: 'Packets (at most)', min: 1, max: 10000, integer: true },
      { kind: 'number', name: 'seconds', label: 'Seconds (at most)', min: 0.1, max: 300, integer: false },
    ],
    defaults: { interface: '', filter: '', count: '100', seconds: '10' },
  },
};

export const TOOL_ORDER: ToolName[] = [
  'discover',
  'ping',
  'port_scan',
  'services',
  'traceroute',
  'dns',
  'tls_cert',
  'listening',
  'capture',
];

export function isToolName(value: string | null): value is ToolName {
  return value !== null && Object.hasOwn(TOOL_SPECS, value);
}

const TARGET_TOKEN = /^[A-Za-z0-9.:/_%-]+$/;
const PORT_PART = /^(\d{1,5})(?:-(\d{1,5}))?$/;

function splitList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((t) => t.trim())
    .filter(Boolean);
}

function visible(field: Field, values: FormValues): boolean {
  return field.when === undefined || field.when(values);
}

function asText(value: FormValue | undefined): string {
  return typeof value === 'string' ? value : '';
}

function checkField(field: Field, value: FormValue | undefined): string | null {
  switch (field.kind) {
    case 'targets': {
      const tokens = splitList(asText(value));
      if (tokens.length === 0) return field.required ? 'Give at least one host, address or subnet.' : null;
      const bad = tokens.find((t) => !TARGET_TOKEN.test(t) || t.length > 253);
      return bad ? `"${bad}" is not a host name, address or CIDR subnet.` : null;
    }
    case 'text': {
      const text = asText(value).trim();
      if (!text) return field.required ? 'Required.' : null;
      return text.length > field.maxLength ? `At most ${field.maxLength} characters.` : null;
    }
    case 'ports': {
      const parts = splitList(asText(value));
      if (parts.length === 0) return 'Give ports, e.g. 22,80,1000-2000.';
      for (const part of parts) {
        const match = PORT_PART.exec(part);
        const low = match ? Number(match[1]) : NaN;
        const high = match ? Number(match[2] ?? match[1]) : NaN;
        if (!match || low < 1 || high > 65535 || low > high) return `"${part}" is not a port (1-65535) or a range like 1000-2000.`;
      }
      return null;
    }
    case 'number': {
      const text = asText(value).trim();
      if (!text) return field.optional ? null : 'Required.';
      const n = Number(text);
      if (!Number.isFinite(n)) return 'Must be a number.';
      if (field.integer && !Number.isInteger(n)) return 'Must be a whole number.';
      if (n < field.min || n > field.max) return `Between ${field.min} and ${field.max}.`;
      return null;
    }
    case 'multi':
      return Array.isArray(value) && value.length > 0 ? null : 'Choose at least one.';
    case 'select':
      return typeof value === 'string' && field.options.includes(value) ? null : 'Choose one.';
    case 'checkbox':
      return null;
  }
}

/** Per-field messages for what the agent would refuse anyway; empty when the form may be sent. */
export function validate(spec: ToolSpec, values: FormValues): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const field of spec.fields) {
    if (!visible(field, values)) continue;
    const message = checkField(field, values[field.name]);
    if (message) errors[field.name] = message;
  }
  return errors;
}

/** The params object the agent's dataclass expects; empty optional fields keep its defaults. */
export function buildParams(spec: ToolSpec, values: FormValues): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const field of spec.fields) {
    if (!visible(field, values) || field.name === 'port_mode') continue;
    const value = values[field.name];
    switch (field.kind) {
      case 'targets': {
        const tokens = splitList(asText(value));
        if (tokens.length > 0) params[field.name] = tokens;
        break;
      }
      case 'text': {
        const text = asText(value).trim();
        if (text) params[field.name] = text;
        break;
      }
      case 'ports':
        params[field.name] = splitList(asText(value)).join(',');
        break;
      case 'number': {
        const text = asText(value).trim();
        if (text) params[field.name] = Number(text);
        break;
      }
      case 'select':
        params[field.name] = value;
        break;
      case 'checkbox':
        params[field.name] = value === true;
        break;
      case 'multi':
        params[field.name] = Array.isArray(value) ? value : [];
        break;
    }
  }
  return params;
}

/** Form values from a past job's params, so "run again" starts from what was run. */
export function valuesFromParams(spec: ToolSpec, params: Record<string, unknown>): FormValues {
  const values: FormValues = { ...spec.defaults };
  for (const field of spec.fields) {
    const value = params[field.name];
    if (value === undefined || value === null) continue;
    if (field.kind === 'checkbox') values[field.name] = value === true;
    else if (field.kind === 'multi' && Array.isArray(value)) values[field.name] = value.map(String);
    else if (Array.isArray(value)) values[field.name] = value.map(String).join(', ');
    else values[field.name] = String(value);
  }
  if ('port_mode' in spec.defaults) {
    values.port_mode = typeof params.ports === 'string' && params.ports ? 'list' : 'top';
  }
  return values;
}
