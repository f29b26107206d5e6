import { Panel, PanelLine } from '@/components/ui/Panel';
import type { Sensors, Temperature } from '@/types/api';
import { Muted, Table, familyNote, td, tdRight, th, thRight } from './parts';

function celsius(value: number | null): string {
  return value === null ? '–' : `${value.toFixed(1)} °C`;
}

function tempClass(t: Temperature): string {
  if (t.critical !== null && t.current >= t.critical) return 'text-crit font-semibold';
  if (t.high !== null && t.current >= t.high) return 'text-warn font-semibold';
  return '';
}

function name(chip: string, label: string): string {
  return label ? `${chip} · ${label}` : chip;
}

export function SensorTable({ sensors, unavailable }: { sensors: Sensors | null; unavailable: boolean }) {
  const temperatures = sensors?.temperatures ?? [];
  const fans = sensors?.fans ?? [];
  const empty = temperatures.length === 0 && fans.length === 0;
  if (unavailable || (sensors !== null && empty)) {
    return (
      <PanelLine title="Temperatures and fans" testId="table-sensors">
        <span data-state={unavailable ? 'unavailable' : 'empty'}>{unavailable ? 'unavailable on this host.' : 'no sensors.'}</span>
      </PanelLine>
    );
  }
  return (
    <Panel title="Temperatures and fans" testId="table-sensors">
      {familyNote(unavailable, sensors !== null) ??
        (empty ? (
          <Muted state="empty">No sensors</Muted>
        ) : (
          <div className="space-y-3">
            {temperatures.length > 0 && (
              <Table
                minWidth="24rem"
                head={
                  <>
                    <th className={th}>Sensor</th>
                    <th className={thRight}>Now</th>
                    <th className={thRight}>High</th>
                    <th className={thRight}>Critical</th>
                  </>
                }
              >
                {temperatures.map((t, i) => (
                  <tr key={`${t.chip} ${t.label} ${i}`}>
                    <td className={`${td} text-xs`}>{name(t.chip, t.label)}</td>
                    <td className={`${tdRight} ${tempClass(t)}`}>{celsius(t.current)}</td>
                    <td className={`${tdRight} text-muted`}>{celsius(t.high)}</td>
                    <td className={`${tdRight} text-muted`}>{celsius(t.critical)}</td>
                  </tr>
                ))}
              </Table>
            )}
            {fans.length > 0 && (
              <Table
                minWidth="16rem"
                head={
                  <>
                    <th className={th}>Fan</th>
                    <th className={thRight}>Speed</th>
                  </>
                }
              >
                {fans.map((f, i) => (
                  <tr key={`${f.chip} ${f.label} ${i}`}>
                    <td className={`${td} text-xs`}>{name(f.chip, f.label)}</td>
                    <td className={tdRight}>{`${Math.round(f.rpm).toLocaleString()} RPM`}</td>
                  </tr>
                ))}
              </Table>
            )}
          </div>
        ))}
    </Panel>
  );
}
