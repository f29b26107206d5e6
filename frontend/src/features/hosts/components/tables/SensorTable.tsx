import { Panel } from '@/components/ui/Panel';
import type { Fan, Sensors, Temperature } from '@/types/api';
import { RowsTable, familyLine, familyNote, td, tdRight, type Column } from './parts';

function celsius(value: number | null): string {
  return value === null ? '–' : `${value.toFixed(1)} °C`;
}

function tempClass(t: Temperature): string {
  if (t.critical !== null && t.current >= t.critical) return 'text-crit font-semibold';
  if (t.high !== null && t.current >= t.high) return 'text-warn font-semibold';
  return '';
}

function name(s: { chip: string; label: string }): string {
  return s.label ? `${s.chip} · ${s.label}` : s.chip;
}

const nameCell = `${td} text-xs`;
const limitCell = `${tdRight} text-muted`;

const TEMPERATURE_COLUMNS: Column<Temperature>[] = [
  { label: 'Sensor', cellClass: nameCell, cell: name },
  { label: 'Now', numeric: true, cellClass: (t) => `${tdRight} ${tempClass(t)}`, cell: (t) => celsius(t.current) },
  { label: 'High', numeric: true, cellClass: limitCell, cell: (t) => celsius(t.high) },
  { label: 'Critical', numeric: true, cellClass: limitCell, cell: (t) => celsius(t.critical) },
];

const FAN_COLUMNS: Column<Fan>[] = [
  { label: 'Fan', cellClass: nameCell, cell: name },
  { label: 'Speed', numeric: true, cell: (f) => `${Math.round(f.rpm).toLocaleString()} RPM` },
];

const sensorKey = (s: { chip: string; label: string }, i: number) => `${s.chip} ${s.label} ${i}`;

export function SensorTable({ sensors, unavailable }: { sensors: Sensors | null; unavailable: boolean }) {
  const temperatures = sensors?.temperatures ?? [];
  const fans = sensors?.fans ?? [];
  const empty = sensors !== null && temperatures.length === 0 && fans.length === 0;
  return (
    familyLine('Temperatures and fans', 'table-sensors', unavailable, empty ? 'no sensors.' : null) ?? (
      <Panel title="Temperatures and fans" testId="table-sensors">
        {familyNote(unavailable, sensors !== null) ?? (
          <div className="space-y-3">
            {temperatures.length > 0 && <RowsTable minWidth="24rem" rows={temperatures} columns={TEMPERATURE_COLUMNS} rowKey={sensorKey} />}
            {fans.length > 0 && <RowsTable minWidth="16rem" rows={fans} columns={FAN_COLUMNS} rowKey={sensorKey} />}
          </div>
        )}
      </Panel>
    )
  );
}
