import { useMemo, type ReactNode } from 'react';
import { HeatStrip } from '@/components/ui/HeatStrip';
import { Panel } from '@/components/ui/Panel';
import { TimeSeriesChart, type ChartBand } from '@/components/ui/TimeSeriesChart';
import { formatBytes, formatNumber, formatPercent, formatRate } from '@/lib/format';
import {
  coreRows,
  cpuChart,
  diskBusyChart,
  diskIoCharts,
  diskUsageChart,
  kernelChart,
  loadChart,
  memoryChart,
  networkCharts,
  swapChart,
  type ChartModel,
  type DeviceCharts,
} from './chart-data';
import { bandsOf, interfaceBands, type AlertBands } from './alert-bands';
import type { SeriesFrame } from './series-frame';

const percent = (v: number) => formatPercent(v);
const percentAxis = (v: number) => `${Math.round(v)}%`;
const load = (v: number) => formatNumber(v);
const perSecond = (v: number) => `${Math.round(v).toLocaleString()}/s`;
const perSecondAxis = (v: number) => (Math.abs(v) >= 10_000 ? `${Math.round(v / 1000)}k/s` : `${Math.round(v)}/s`);

interface HostChartsProps {
  frame: SeriesFrame;
  /** unix seconds */
  xRange: [number, number];
  live: boolean;
  memoryTotal: number;
  swapTotal: number;
  /** Families the host reports it cannot provide (`sample.unavailable`). */
  unavailable: ReadonlySet<string>;
  /** The host's alerts, shaded on the chart of their metric. */
  bands: AlertBands;
}

function Note({ children }: { children: ReactNode }) {
  return <p className="py-6 text-center text-sm text-muted">{children}</p>;
}

function HiddenNote({ hidden, noun }: { hidden: number; noun: string }) {
  if (hidden <= 0) return null;
  return (
    <p className="mt-2 text-xs text-muted">
      {hidden} quieter {noun}
      {hidden === 1 ? '' : 's'} not drawn.
    </p>
  );
}

/** Renders the chart, or says why there is none. */
function ChartOr({
  model,
  what,
  unavailable,
  windowText,
  children,
}: {
  model: ChartModel;
  what: string;
  unavailable: boolean;
  windowText: string;
  children: (model: ChartModel) => ReactNode;
}) {
  if (unavailable) return <Note>{what} is unavailable on this host.</Note>;
  if (model.series.length === 0) return <Note>No {what.toLowerCase()} data {windowText}.</Note>;
  return <>{children(model)}</>;
}

export function HostCharts({ frame, xRange, live, memoryTotal, swapTotal, unavailable, bands }: HostChartsProps) {
  const cpu = useMemo(() => cpuChart(frame), [frame]);
  const cores = useMemo(() => coreRows(frame), [frame]);
  const memory = useMemo(() => memoryChart(frame), [frame]);
  const swap = useMemo(() => swapChart(frame), [frame]);
  const loadModel = useMemo(() => loadChart(frame), [frame]);
  const kernel = useMemo(() => kernelChart(frame), [frame]);
  const net = useMemo(() => networkCharts(frame), [frame]);
  const diskIo = useMemo(() => diskIoCharts(frame), [frame]);
  const busy = useMemo(() => diskBusyChart(frame), [frame]);
  const usage = useMemo(() => diskUsageChart(frame), [frame]);
  const windowText = live ? 'in the last 5 minutes' : 'in this range';
  const over = live ? 'over the last 5 minutes' : 'over the chosen range';
  const cpuUnavailable = unavailable.has('cpu');

  return (
    <div className="grid grid-cols-1 gap-4 xl:grid-cols-2">
      <Panel title="CPU">
        <ChartOr model={cpu} what="CPU" unavailable={cpuUnavailable} windowText={windowText}>
          {(m) => (
            <TimeSeriesChart
              testId="chart-cpu"
              bands={bandsOf(bands, 'cpu')}
              label={`CPU usage (total, user, system, I/O wait, steal) ${over}`}
              data={m.data}
              series={m.series}
              xRange={xRange}
              formatValue={percent}
              formatAxis={percentAxis}
              yMin={0}
              yMax={100}
            />
          )}
        </ChartOr>
      </Panel>
      <Panel title={`CPU cores${cores.rows.length > 0 ? ` (${cores.rows.length})` : ''}`} testId="chart-cores">
        {cpuUnavailable ? (
          <Note>CPU is unavailable on this host.</Note>
        ) : cores.rows.length === 0 ? (
          <Note>No per-core data {windowText}.</Note>
        ) : (
          <HeatStrip
            testId="chart-cores-heat"
            label={`Per-core CPU usage ${over}, one row per core`}
            x={frame.x}
            rows={cores.rows}
            rowLabels={cores.labels}
            xRange={xRange}
            formatValue={percent}
          />
        )}
      </Panel>
      <Panel title="Memory">
        <ChartOr model={memory} what="Memory" unavailable={unavailable.has('memory')} windowText={windowText}>
          {(m) => (
            <TimeSeriesChart
              testId="chart-memory"
              bands={bandsOf(bands, 'memory')}
              label={`Memory used, cached, buffers and available ${over}`}
              data={m.data}
              series={m.series}
              xRange={xRange}
              formatValue={formatBytes}
              yMin={0}
              yMax={memoryTotal > 0 ? memoryTotal : undefined}
            />
          )}
        </ChartOr>
      </Panel>
      <Panel title="Swap">
        {swapTotal <= 0 ? (
          <Note>This host has no swap.</Note>
        ) : (
          <ChartOr model={swap} what="Swap" unavailable={unavailable.has('memory')} windowText={windowText}>
            {(m) => (
              <TimeSeriesChart
                testId="chart-swap"
                bands={bandsOf(bands, 'swap')}
                label={`Swap used ${over}`}
                data={m.data}
                series={m.series}
                xRange={xRange}
                formatValue={formatBytes}
                yMin={0}
                yMax={swapTotal > 0 ? swapTotal : undefined}
              />
            )}
          </ChartOr>
        )}
      </Panel>
      <Panel title="Load average">
        <ChartOr model={loadModel} what="Load" unavailable={unavailable.has('load')} windowText={windowText}>
          {(m) => (
            <TimeSeriesChart
              testId="chart-load"
              bands={bandsOf(bands, 'load')}
              label={`Load average (1, 5 and 15 minutes) ${over}`}
              data={m.data}
              series={m.series}
              xRange={xRange}
              formatValue={load}
              yMin={0}
            />
          )}
        </ChartOr>
      </Panel>
      <Panel title="Context switches and interrupts">
        {live ? (
          <ChartOr model={kernel} what="Context switch" unavailable={cpuUnavailable} windowText={windowText}>
            {(m) => (
              <TimeSeriesChart
                testId="chart-kernel"
                label={`Context switches and interrupts per second ${over}`}
                data={m.data}
                series={m.series}
                xRange={xRange}
                formatValue={perSecond}
                formatAxis={perSecondAxis}
                yMin={0}
              />
            )}
          </ChartOr>
        ) : (
          <Note>Context switches and interrupts are kept for the live view only.</Note>
        )}
      </Panel>
      <DevicePanel
        title="Network"
        noun="interface"
        testId="chart-net"
        charts={net}
        unavailable={unavailable.has('net')}
        windowText={windowText}
        label={(name) => `Receive and transmit rates of ${name} ${over}`}
        xRange={xRange}
        bandsFor={(name) => interfaceBands(bands, name)}
      />
      <DevicePanel
        title="Disk I/O"
        noun="disk"
        testId="chart-disk-io"
        charts={diskIo}
        unavailable={unavailable.has('disk_io')}
        windowText={windowText}
        label={(name) => `Read and write rates of ${name} ${over}`}
        xRange={xRange}
      />
      <Panel title="Disk busy time">
        <ChartOr model={busy} what="Disk I/O" unavailable={unavailable.has('disk_io')} windowText={windowText}>
          {(m) => (
            <TimeSeriesChart
              testId="chart-disk-busy"
              bands={bandsOf(bands, 'disk-busy')}
              label={`Share of time each disk was busy ${over}`}
              data={m.data}
              series={m.series}
              xRange={xRange}
              formatValue={percent}
              formatAxis={percentAxis}
              yMin={0}
              yMax={100}
            />
          )}
        </ChartOr>
        <HiddenNote hidden={busy.hidden} noun="disk" />
      </Panel>
      <Panel title="Disk usage">
        <ChartOr model={usage} what="Disk usage" unavailable={unavailable.has('disks')} windowText={windowText}>
          {(m) => (
            <TimeSeriesChart
              testId="chart-disk-usage"
              bands={bandsOf(bands, 'disk-usage')}
              label={`Used share of each file system ${over}`}
              data={m.data}
              series={m.series}
              xRange={xRange}
              formatValue={percent}
              formatAxis={percentAxis}
              yMin={0}
              yMax={100}
            />
          )}
        </ChartOr>
        <HiddenNote hidden={usage.hidden} noun="file system" />
      </Panel>
    </div>
  );
}

interface DevicePanelProps {
  title: string;
  noun: string;
  testId: string;
  charts: DeviceCharts;
  unavailable: boolean;
  windowText: string;
  label: (name: string) => string;
  xRange: [number, number];
  /** Alert periods to shade on one device's chart. */
  bandsFor?: (name: string) => ChartBand[];
}

function DevicePanel({ title, noun, testId, charts, unavailable, windowText, label, xRange, bandsFor }: DevicePanelProps) {
  return (
    <Panel title={title} className="xl:col-span-2" testId={`${testId}-panel`}>
      {unavailable ? (
        <Note>{title} is unavailable on this host.</Note>
      ) : charts.charts.length === 0 ? (
        <Note>
          No {noun} reported {windowText}.
        </Note>
      ) : (
        <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
          {charts.charts.map(({ name, model }) => (
            <div key={name} className="min-w-0">
              <h3 className="mb-1 font-mono text-xs text-muted">{name}</h3>
              <TimeSeriesChart
                testId={testId}
                label={label(name)}
                data={model.data}
                series={model.series}
                xRange={xRange}
                formatValue={formatRate}
                yMin={0}
                height={150}
                bands={bandsFor?.(name)}
              />
            </div>
          ))}
        </div>
      )}
      <HiddenNote hidden={charts.hidden} noun={noun} />
    </Panel>
  );
}
