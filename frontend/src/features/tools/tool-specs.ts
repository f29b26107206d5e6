import { TOOL_SCHEMAS, type ParamSchema, type ToolName, type ToolParams } from '@/types/tools.gen';

// Each tool's form, derived from its params schema (generated from the agent's Params dataclasses:
// names, types, bounds, defaults, titles); what only a form needs (placeholders, the row nouns,
// where the form starts) is in TOOL_UI below.

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

type ParamName<T extends ToolName> = keyof ToolParams[T] & string;

export interface ToolUi<T extends ToolName> {
  rows: readonly [string, string];
  /** Params the form leaves out (the agent's default applies). */
  hidden?: readonly ParamName<T>[];
  placeholders?: Partial<Record<ParamName<T>, string>>;
  help?: Partial<Record<ParamName<T>, string>>;
  /** Where the form starts, where that is not the agent's default. */
  start?: Partial<Record<ParamName<T>, FormValue>>;
}

/** What `specFromSchema` reads of a tool's schema and of its TOOL_UI entry, whichever the tool. */
export interface AnyToolSchema {
  title: string;
  description: string;
  properties: Readonly<Record<string, ParamSchema>>;
  required: readonly string[];
  'x-scoped': boolean;
}

interface AnyToolUi {
  rows: readonly [string, string];
  hidden?: readonly string[];
  placeholders?: Readonly<Partial<Record<string, string>>>;
  help?: Readonly<Partial<Record<string, string>>>;
  start?: Readonly<Partial<Record<string, FormValue>>>;
}

export const TOOL_UI: { readonly [T in ToolName]: ToolUi<T> } = {
  discover: {
    rows: ['host found', 'hosts found'],
    hidden: ['mdns', 'ports'],
    placeholders: { target: 'empty: every connected IPv4 subnet' },
  },
  ping: { rows: ['probe', 'probes'], placeholders: { target: '192.168.1.1 or gateway.lan' } },
  port_scan: {
    rows: ['open port found', 'open ports found'],
    placeholders: { target: '192.168.1.10 or 192.168.1.0/24', ports: '22,80,443,8000-8100' },
    help: { rate: 'Empty: as fast as the concurrency allows.' },
    start: { top_ports: '100' },
  },
  services: {
    rows: ['service identified', 'services identified'],
    placeholders: { target: '192.168.1.10', ports: '22,80,443,8000-8100' },
    start: { top_ports: '100' },
  },
  traceroute: { rows: ['hop', 'hops'], placeholders: { target: '192.168.1.1' } },
  dns: {
    rows: ['record', 'records'],
    placeholders: { name: 'example.com, or an address for PTR', server: "empty: the host's resolver" },
    start: { types: ['A', 'AAAA', 'MX'] },
  },
  tls_cert: {
    rows: ['certificate field', 'certificate fields'],
    placeholders: { host: '192.168.1.10 or nas.lan', server_name: 'empty: the host, if it is a name' },
  },
  listening: { rows: ['socket', 'sockets'] },
  capture: {
    rows: ['packet captured', 'packets captured'],
    placeholders: { interface: "empty: the host's default", filter: 'e.g. tcp port 443' },
  },
};

function types(param: ParamSchema): readonly string[] {
  if (param.anyOf) return param.anyOf.flatMap(types);
  if (param.type === undefined) return [];
  return typeof param.type === 'string' ? [param.type] : param.type;
}

function fieldOf(name: string, param: ParamSchema, required: boolean, ui: AnyToolUi): Field | null {
  const kinds = types(param);
  const help = ui.help?.[name];
  const base: FieldBase = { name, label: param.title ?? name, ...(help ? { help } : {}) };
  const placeholder = ui.placeholders?.[name] ?? '';
  const items = param.items ?? param.anyOf?.find((p) => p.items)?.items;
  if (kinds.includes('array') && items?.enum) return { ...base, kind: 'multi', options: items.enum };
  if (kinds.includes('array') && kinds.includes('string')) return { ...base, kind: 'targets', required, placeholder };
  if (param.enum) return { ...base, kind: 'select', options: param.enum };
  if (kinds.includes('boolean')) return { ...base, kind: 'checkbox' };
  if (kinds.includes('integer') || kinds.includes('number')) {
    return {
      ...base,
      kind: 'number',
      min: param.minimum ?? -Infinity,
      max: param.maximum ?? Infinity,
      integer: kinds.includes('integer'),
      ...(kinds.includes('null') ? { optional: true } : {}),
    };
  }
  if (param.format === 'port-list') return { ...base, kind: 'ports', placeholder };
  if (kinds.includes('string')) {
    return { ...base, kind: 'text', required, maxLength: param.maxLength ?? 4000, ...(placeholder ? { placeholder } : {}) };
  }
  return null; // a list of numbers and the like: no form field, the agent's default applies
}

function startValue(field: Field, param: ParamSchema): FormValue {
  const value = param.default;
  if (field.kind === 'checkbox') return value === true;
  if (field.kind === 'multi') return Array.isArray(value) ? value.map(String) : [];
  if (value === null || value === undefined) return '';
  return Array.isArray(value) ? value.map(String).join(', ') : String(value);
}

/**
 * A tool's form from its params schema: one field per param in the agent's order; where a tool takes
 * a port list or the top N ports, a chooser between the two comes first ("port_mode", form only).
 */
export function specFromSchema(name: ToolName, schema: AnyToolSchema, ui: AnyToolUi): ToolSpec {
  const properties = schema.properties;
  const required = new Set<string>(schema.required);
  const hidden = new Set<string>(ui.hidden ?? []);
  const portChoice = properties.ports?.format === 'port-list' && properties.top_ports !== undefined;
  const fields: Field[] = [];
  const defaults: FormValues = {};
  for (const [param, prop] of Object.entries(properties)) {
    if (hidden.has(param)) continue;
    let field = fieldOf(param, prop, required.has(param), ui);
    if (field === null) continue;
    if (portChoice && (param === 'ports' || param === 'top_ports')) {
      if (!fields.some((f) => f.name === 'port_mode')) {
        fields.push({ kind: 'select', name: 'port_mode', label: 'Ports', options: ['top', 'list'] });
        defaults.port_mode = 'top';
      }
      const mode = param === 'ports' ? 'list' : 'top';
      field = { ...field, when: (v) => v.port_mode === mode };
    }
    fields.push(field);
    defaults[param] = ui.start?.[param] ?? startValue(field, prop);
  }
  return { name, label: schema.title, summary: schema.description, scoped: schema['x-scoped'], rows: ui.rows, fields, defaults };
}

export const TOOL_SPECS = Object.fromEntries(
  (Object.keys(TOOL_SCHEMAS) as ToolName[]).map((name) => [name, specFromSchema(name, TOOL_SCHEMAS[name], TOOL_UI[name])]),
) as Record<ToolName, ToolSpec>;

export const TOOL_ORDER: readonly ToolName[] = [
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
