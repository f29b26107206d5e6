import type { ChartBand } from '@/components/ui/TimeSeriesChart';
import { parseIso } from '@/lib/format';
import type { FiredAlert } from '@/types/alerts';

/** The charts of the host page that an alert can be shaded on. */
export type BandChart = 'cpu' | 'memory' | 'swap' | 'load' | 'disk-usage' | 'disk-busy' | 'net';

// Which chart shows a rule's metric; temperatures and failed units have no chart of their own.
const CHART_OF_METRIC: Record<string, BandChart> = {
  'cpu.percent': 'cpu',
  'cpu.core': 'cpu',
  'cpu.iowait': 'cpu',
  'cpu.steal': 'cpu',
  'memory.percent': 'memory',
  'swap.percent': 'swap',
  'load.per_core': 'load',
  'disk.percent': 'disk-usage',
  'disk.inodes_percent': 'disk-usage',
  'disk_io.busy_pct': 'disk-busy',
  'net.rx_bps': 'net',
  'net.tx_bps': 'net',
};

export interface AlertBands {
  byChart: Map<BandChart, ChartBand[]>;
  /** Network bands per interface: an alert on eth0 is shaded on eth0's chart only. */
  byInterface: Map<string, ChartBand[]>;
}

function push<K>(map: Map<K, ChartBand[]>, key: K, band: ChartBand): void {
  const list = map.get(key);
  if (list) list.push(band);
  else map.set(key, [band]);
}

/** Each alert from its start to its end (or now) on the chart of its metric; host offline on all. */
export function alertBands(alerts: FiredAlert[] | undefined): AlertBands {
  const byChart = new Map<BandChart, ChartBand[]>();
  const byInterface = new Map<string, ChartBand[]>();
  for (const alert of alerts ?? []) {
    const started = parseIso(alert.started_at);
    if (started === null) continue;
    const ended = parseIso(alert.ended_at);
    const band: ChartBand = {
      from: started / 1000,
      to: ended === null ? null : ended / 1000,
      tone: alert.severity === 'critical' ? 'crit' : 'warn',
    };
    if (alert.rule.source === 'host_offline') {
      for (const chart of new Set(Object.values(CHART_OF_METRIC))) push(byChart, chart, band);
      push(byInterface, '*', band);
      continue;
    }
    const chart = CHART_OF_METRIC[alert.rule.metric];
    if (chart === 'net') push(byInterface, alert.series, band);
    else if (chart) push(byChart, chart, band);
  }
  return { byChart, byInterface };
}

const NONE: ChartBand[] = [];

export function bandsOf(bands: AlertBands, chart: BandChart): ChartBand[] {
  return bands.byChart.get(chart) ?? NONE;
}

export function interfaceBands(bands: AlertBands, name: string): ChartBand[] {
  const own = bands.byInterface.get(name) ?? NONE;
  const everywhere = bands.byInterface.get('*') ?? NONE;
  return everywhere.length === 0 ? own : [...own, ...everywhere];
}
