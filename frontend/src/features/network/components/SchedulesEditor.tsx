import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/Alert';
import { Spinner } from '@/components/ui/Spinner';
import { dangerButton, inputClass, labelClass, primaryButton, smallButton } from '@/components/ui/styles';
import { describeError } from '@/lib/api';
import { formatAgo, formatDateTime, parseIso } from '@/lib/format';
import { useCreateSchedule } from '../api/create-schedule';
import { useDeleteSchedule } from '../api/delete-schedule';
import { useSchedules } from '../api/get-schedules';
import { useUpdateSchedule } from '../api/update-schedule';
import { TOOL_SCHEMAS, type ToolParams } from '@/types/tools.gen';
import type { Schedule, ScheduleTool } from '../types';
import { TOOL_LABELS } from './format';

const MIN_MINUTES = 5;
// Bounds as the agents declare them.
const TOP_PORTS_MAX = TOOL_SCHEMAS.port_scan.properties.top_ports.maximum;
const PORT_MAX = TOOL_SCHEMAS.tls_cert.properties.port.maximum;

function describeParams(schedule: Schedule): string {
  const { ports, top_ports: top, host, port } = schedule.params;
  if (schedule.tool === 'tls_cert' && typeof host === 'string') return `${host}:${typeof port === 'number' ? port : 443}`;
  if (typeof ports === 'string' && ports) return `ports ${ports}`;
  if (typeof top === 'number') return `top ${top} ports`;
  return '';
}

interface SchedulesEditorProps {
  networkId: number;
  cidr: string;
  canOperate: boolean;
  now: number;
}

/** Recurring scans of one network; operators of its host add, pause and remove them. */
export function SchedulesEditor({ networkId, cidr, canOperate, now }: SchedulesEditorProps) {
  const schedules = useSchedules(networkId);
  const update = useUpdateSchedule(networkId);
  const remove = useDeleteSchedule(networkId);

  if (schedules.isPending) return <Spinner label="Loading schedules…" />;
  if (schedules.isError) return <Alert>{describeError(schedules.error, 'Could not load the schedules.')}</Alert>;
  const error = update.error ?? remove.error;

  return (
    <div className="space-y-3 text-sm">
      {schedules.data.length === 0 ? (
        <p className="text-muted">No recurring scan of {cidr}.</p>
      ) : (
        <ul className="divide-y divide-border" data-testid="network-schedules">
          {schedules.data.map((s) => (
            <li key={s.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 py-2" data-testid="network-schedule">
              <span className="font-medium">{TOOL_LABELS[s.tool] ?? s.tool}</span>
              <span className="text-muted">every {s.every_minutes} min</span>
              {describeParams(s) && <span className="text-xs text-muted">{describeParams(s)}</span>}
              <span className="text-xs text-muted">
                {s.enabled ? `next ${formatDateTime(parseIso(s.next_run_at))}` : 'paused'}
                {s.last_run_at ? ` · last ran ${formatAgo(parseIso(s.last_run_at), now)}` : ''}
                {s.created_by ? ` · as ${s.created_by}` : ''}
              </span>
              {s.last_message && <span className="w-full text-xs text-warn">{s.last_message}</span>}
              {canOperate && (
                <span className="ml-auto flex gap-2">
                  <button
                    type="button"
                    className={smallButton}
                    disabled={update.isPending}
                    onClick={() => update.mutate({ id: s.id, changes: { enabled: !s.enabled } })}
                  >
                    {s.enabled ? 'Pause' : 'Resume'}
                  </button>
                  <button
                    type="button"
                    className={dangerButton}
                    disabled={remove.isPending}
                    onClick={() => {
                      if (window.confirm(`Delete the ${TOOL_LABELS[s.tool] ?? s.tool} schedule of ${cidr}?`)) remove.mutate(s.id);
                    }}
                  >
                    Delete
                  </button>
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      {error && <Alert>{describeError(error, 'The hub refused the change.')}</Alert>}
      {canOperate ? (
        <CreateScheduleForm networkId={networkId} />
      ) : (
        <p className="text-xs text-muted">Operators of this host can schedule scans.</p>
      )}
    </div>
  );
}

function CreateScheduleForm({ networkId }: { networkId: number }) {
  const create = useCreateSchedule(networkId);
  const [tool, setTool] = useState<ScheduleTool>('discover');
  const [minutes, setMinutes] = useState('60');
  const [ports, setPorts] = useState('');
  const [topPorts, setTopPorts] = useState('100');
  const [tlsHost, setTlsHost] = useState('');
  const [tlsPort, setTlsPort] = useState('443');
  const [problem, setProblem] = useState<string | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const every = Number(minutes);
    if (!Number.isInteger(every) || every < MIN_MINUTES) {
      setProblem(`Scan at most every ${MIN_MINUTES} minutes.`);
      return;
    }
    const params: Partial<ToolParams['port_scan']> & Partial<ToolParams['tls_cert']> = {};
    if (tool === 'port_scan') {
      if (ports.trim()) params.ports = ports.trim();
      else if (topPorts.trim()) params.top_ports = Number(topPorts);
      else {
        setProblem('Give ports (e.g. 22,80,1000-2000) or a number of top ports.');
        return;
      }
    }
    if (tool === 'tls_cert') {
      // A TLS check names its own target; it runs from this network's host.
      if (!tlsHost.trim()) {
        setProblem('Give the host name or address whose certificate to check.');
        return;
      }
      params.host = tlsHost.trim();
      params.port = Number(tlsPort) || 443;
    }
    setProblem(null);
    create.mutate({ tool, params, every_minutes: every, enabled: true });
  };

  return (
    <form onSubmit={submit} className="flex flex-wrap items-end gap-3 border-t border-border pt-3" data-testid="schedule-create">
      <label>
        <span className={labelClass}>Scan</span>
        <select className={inputClass} value={tool} onChange={(e) => setTool(e.target.value as ScheduleTool)}>
          <option value="discover">Discovery</option>
          <option value="port_scan">Port scan</option>
          <option value="tls_cert">TLS certificate check</option>
        </select>
      </label>
      <label className="w-28">
        <span className={labelClass}>Every (minutes)</span>
        <input
          type="number"
          min={MIN_MINUTES}
          step={1}
          className={inputClass}
          value={minutes}
          onChange={(e) => setMinutes(e.target.value)}
          data-testid="schedule-every"
        />
      </label>
      {tool === 'port_scan' && (
        <>
          <label className="w-44">
            <span className={labelClass}>Ports</span>
            <input className={inputClass} value={ports} placeholder="22,80,1000-2000" onChange={(e) => setPorts(e.target.value)} />
          </label>
          <label className="w-28">
            <span className={labelClass}>or top ports</span>
            <input type="number" min={1} max={TOP_PORTS_MAX} className={inputClass} value={topPorts} onChange={(e) => setTopPorts(e.target.value)} />
          </label>
        </>
      )}
      {tool === 'tls_cert' && (
        <>
          <label className="w-44">
            <span className={labelClass}>Host to check</span>
            <input className={inputClass} value={tlsHost} placeholder="www.example.org" onChange={(e) => setTlsHost(e.target.value)} />
          </label>
          <label className="w-24">
            <span className={labelClass}>Port</span>
            <input type="number" min={1} max={PORT_MAX} className={inputClass} value={tlsPort} onChange={(e) => setTlsPort(e.target.value)} />
          </label>
        </>
      )}
      <button type="submit" className={primaryButton} disabled={create.isPending} data-testid="schedule-create-submit">
        {create.isPending ? 'Adding…' : 'Add schedule'}
      </button>
      {(problem ?? create.error) && (
        <div className="w-full">
          <Alert>{problem ?? describeError(create.error, 'The hub refused the schedule.')}</Alert>
        </div>
      )}
    </form>
  );
}
