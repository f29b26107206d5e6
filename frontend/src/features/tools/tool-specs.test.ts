import { describe, expect, it } from 'vitest';
import { TOOL_SCHEMAS, type ToolName } from '@/types/tools.gen';
import { buildParams, specFromSchema, TOOL_ORDER, TOOL_SPECS, TOOL_UI, validate, valuesFromParams, type AnyToolSchema } from './tool-specs';

describe('tool forms derived from the agent params schema', () => {
  it('offers every tool the agent runs, in the page order', () => {
    expect([...TOOL_ORDER].sort()).toEqual(Object.keys(TOOL_SCHEMAS).sort());
  });

  it("takes a field's label, bounds and start value from the schema", () => {
    const count = TOOL_SPECS.ping.fields.find((f) => f.name === 'count');
    expect(count).toMatchObject({ kind: 'number', label: 'Count', min: 1, max: 1000, integer: true });
    expect(TOOL_SPECS.ping.defaults).toEqual({ target: '', count: '4', interval: '1', timeout: '1', size: '56', method: 'auto' });
    expect(TOOL_SPECS.ping.fields.find((f) => f.name === 'target')).toMatchObject({ kind: 'targets', required: true });
    expect(TOOL_SPECS.ping.label).toBe('Ping');
    expect(TOOL_SPECS.listening.scoped).toBe(false);
  });

  it('leaves out the params a tool hides and keeps the rest in the agent order', () => {
    expect(TOOL_SPECS.discover.fields.map((f) => f.name)).toEqual(['target', 'method', 'timeout', 'retries', 'resolve_names']);
    expect(TOOL_SPECS.discover.fields[0]).toMatchObject({ kind: 'targets', required: false });
  });

  it('puts a chooser before the top ports and the port list, showing one at a time', () => {
    const spec = TOOL_SPECS.port_scan;
    expect(spec.fields.slice(0, 4).map((f) => f.name)).toEqual(['target', 'port_mode', 'top_ports', 'ports']);
    const values = { ...spec.defaults, target: '10.0.0.0/24' };
    expect(buildParams(spec, values)).toEqual({
      target: ['10.0.0.0/24'],
      top_ports: 100,
      method: 'auto',
      timeout: 1,
      retries: 1,
      concurrency: 1024,
    });
    const listed = buildParams(spec, { ...values, port_mode: 'list', ports: '22, 80 1000-2000' });
    expect(listed.ports).toBe('22,80,1000-2000');
    expect(listed).not.toHaveProperty('top_ports');
  });

  it("refuses what the agent's bounds refuse, naming the field", () => {
    const spec = TOOL_SPECS.ping;
    expect(validate(spec, { ...spec.defaults, target: '127.0.0.1', count: '5000' })).toEqual({ count: 'Between 1 and 1000.' });
    expect(validate(spec, { ...spec.defaults, target: '127.0.0.1', count: '1.5' })).toEqual({ count: 'Must be a whole number.' });
    expect(validate(spec, spec.defaults)).toEqual({ target: 'Give at least one host, address or subnet.' });
    const scan = TOOL_SPECS.port_scan;
    expect(validate(scan, { ...scan.defaults, target: 'a', port_mode: 'list', ports: '80-22' })).toEqual({
      ports: '"80-22" is not a port (1-65535) or a range like 1000-2000.',
    });
    // A hidden field is not checked: the top ports are not asked for in list mode.
    expect(validate(scan, { ...scan.defaults, target: 'a', top_ports: '0', port_mode: 'list', ports: '22' })).toEqual({});
  });

  it('starts "run again" from the params a job ran with', () => {
    const spec = TOOL_SPECS.dns;
    const params = { name: 'example.org', types: ['MX', 'TXT'], server: '192.0.2.53', port: 5353, timeout: 2, retries: 0 };
    expect(buildParams(spec, valuesFromParams(spec, params))).toEqual(params);
    const scan = valuesFromParams(TOOL_SPECS.port_scan, { target: ['10.0.0.1', '10.0.0.2'], ports: '22' });
    expect(scan).toMatchObject({ target: '10.0.0.1, 10.0.0.2', port_mode: 'list', ports: '22' });
  });

  it('reads each JSON Schema shape as its form field', () => {
    const schema: AnyToolSchema = {
      title: 'Made up',
      description: 'every kind of param',
      'x-scoped': true,
      required: ['hosts', 'name'],
      properties: {
        hosts: { title: 'Hosts', anyOf: [{ type: 'array', items: { type: 'string' } }, { type: 'string' }] },
        name: { title: 'Name', type: 'string', maxLength: 10 },
        note: { title: 'Note', type: ['string', 'null'], default: null },
        kinds: { title: 'Kinds', type: 'array', items: { type: 'string', enum: ['a', 'b'] }, default: ['a'] },
        mode: { title: 'Mode', type: 'string', enum: ['x', 'y'], default: 'y' },
        fast: { title: 'Fast', type: 'boolean', default: false },
        rate: { title: 'Rate', type: ['number', 'null'], minimum: 0.5, maximum: 9, default: null },
        probes: { title: 'Probes', type: 'array', items: { type: 'integer' }, default: [1, 2] },
      },
    };
    const spec = specFromSchema('ping' as ToolName, schema, { rows: ['row', 'rows'], placeholders: { hosts: 'h' } });
    expect(spec.fields).toEqual([
      { name: 'hosts', label: 'Hosts', kind: 'targets', required: true, placeholder: 'h' },
      { name: 'name', label: 'Name', kind: 'text', required: true, maxLength: 10 },
      { name: 'note', label: 'Note', kind: 'text', required: false, maxLength: 4000 },
      { name: 'kinds', label: 'Kinds', kind: 'multi', options: ['a', 'b'] },
      { name: 'mode', label: 'Mode', kind: 'select', options: ['x', 'y'] },
      { name: 'fast', label: 'Fast', kind: 'checkbox' },
      { name: 'rate', label: 'Rate', kind: 'number', min: 0.5, max: 9, integer: false, optional: true },
    ]);
    expect(spec.defaults).toEqual({ hosts: '', name: '', note: '', kinds: ['a'], mode: 'y', fast: false, rate: '' });
    expect(spec).toMatchObject({ label: 'Made up', summary: 'every kind of param', scoped: true });
  });

  it('has form copy only for params the schema declares', () => {
    for (const name of Object.keys(TOOL_UI) as ToolName[]) {
      const ui = TOOL_UI[name] as { hidden?: readonly string[]; placeholders?: object; start?: object };
      const named = [...(ui.hidden ?? []), ...Object.keys(ui.placeholders ?? {}), ...Object.keys(ui.start ?? {})];
      for (const param of named) expect(Object.keys(TOOL_SCHEMAS[name].properties)).toContain(param);
    }
  });
});
