import { useMemo, useState, type ReactNode } from 'react';
import { HeatStrip } from '@/components/ui/HeatStrip';
import { Panel, PanelLine } from '@/components/ui/Panel';
import { TimeSeriesChart, type ChartBand, type ValueAxis } from '@/components/ui/TimeSeriesChart';
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
  type DeviceChart,
  type DeviceCharts,
} from './chart-data';
import { bandsOf, interfaceBands, type AlertBands, type BandChart } from './alert-bands';
import type { SeriesFrame } from './series-frame';

const percent = (v: number) => formatPercent(v);
const load = (v: number) => formatNumber(v);
const perSecond = (v: number) => `${Math.round(v).toLocaleString()}/s`;
const PERCENT_AXIS: ValueAxis = { kind: 'decimal', suffix: '%' };
const PER_SECOND_AXIS: ValueAxis = { kind: 'decimal', suffix: '/s' };
const BYTES_AXIS: ValueAxis = { kind: 'bytes', suffix: '' };
const RATE_AXIS: ValueAxis = { kind: 'bytes', suffix: '/s' };

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
  /** Drag across a chart to zoom to that window (unix seconds). */
  onZoom?: (from: number, to: number) => void;
}

function Note({ children }: { children: ReactNode }) {
  return <p className="py-6 text-center text-sm text-muted">{children}</p>;
}

function EmptyPanel({ title, testId, children }: { title: string; testId?: string; children: ReactNode }) {
  return (
    <PanelLine title={title} testId={testId} className="xl:col-span-2">
      {children}
    </PanelLine>
  );
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

/** What every chart of the page shares: its window, its zoom and the host's alerts. */
interface ChartContext {
  xRange: [number, number];
  onZoom?: (from: number, to: number) => void;
  windowText: string;
  bands: AlertBands;
}

interface ChartPanelProps {
  context: ChartContext;
  title: string;
  model: ChartModel;
  /** What the chart shows, in "… is unavailable on this host" and "No … data". */
  what: string;
  unavailable: boolean;
  testId: string;
  /** The alert metric whose firing periods are shaded; none: no shading. */
  band?: BandChart;
  label: string;
  formatValue: (value: number) => string;
  axis?: ValueAxis;
  yMax?: number;
  /** Devices left out for being quiet are counted under the chart with this name. */
  hiddenNoun?: string;
}

/** A panel of one chart from zero up, or why there is none. */
function ChartPanel({ context, title, model, what, unavailable, testId, band, label, formatValue, axis, yMax, hiddenNoun }: ChartPanelProps) {
  return (
    <Panel title={title}>
      <ChartOr model={model} what={what} unavailable={unavailable} windowText={context.windowText}>
        {(m) => (
          <TimeSeriesChart
            testId={testId}
            bands={band === undefined ? undefined : bandsOf(context.bands, band)}
            label={label}
            data={m.data}
            series={m.series}
            stack={m.stack}
            xRange={context.xRange}
            onZoom={context.onZoom}
            formatValue={formatValue}
            axis={axis}
            yMin={0}
            yMax={yMax}
          />
        )}
      </ChartOr>
      {hiddenNoun && <HiddenNote hidden={model.hidden} noun={hiddenNoun} />}
    </Panel>
  );
}

export function HostCharts({ frame, xRange, live, memoryTotal, swapTotal, unavailable, bands, onZoom }: HostChartsProps) {
  const cpu = useMemo(() => cpuChart(frame), [frame]);
  const cores = useMemo(() => coreRows(frame), [frame]);
  const memory = useMemo(() => memoryChart(frame, memoryTotal), [frame, memoryTotal]);
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
  const context: ChartContext = { xRange, onZoom, windowText, bands };
  const percentChart = { formatValue: percent, axis: PERCENT_AXIS, yMax: 100 };

  return (
    <div className="grid grid-cols-1 gap-4 xl:grid-cols-2">
      <ChartPanel
        context={context}
        title="CPU"
        model={cpu}
        what="CPU"
        unavailable={cpuUnavailable}
        testId="chart-cpu"
        band="cpu"
        label={`CPU usage (total, user, system, I/O wait, steal) ${over}`}
        {...percentChart}
      />
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
      <ChartPanel
        context={context}
        title="Memory"
        model={memory}
        what="Memory"
        unavailable={unavailable.has('memory')}
        testId="chart-memory"
        band="memory"
        label={`Memory used, cached, buffers and free, stacked, ${over}`}
        formatValue={formatBytes}
        axis={BYTES_AXIS}
        yMax={memoryTotal > 0 ? memoryTotal : undefined}
      />
      {swapTotal <= 0 ? (
        <EmptyPanel title="Swap" testId="panel-swap-empty">
          This host has no swap.
        </EmptyPanel>
      ) : (
        <ChartPanel
          context={context}
          title="Swap"
          model={swap}
          what="Swap"
          unavailable={unavailable.has('memory')}
          testId="chart-swap"
          band="swap"
          label={`Swap used ${over}`}
          formatValue={formatBytes}
          axis={BYTES_AXIS}
          yMax={swapTotal}
        />
      )}
      <ChartPanel
        context={context}
        title="Load average"
        model={loadModel}
        what="Load"
        unavailable={unavailable.has('load')}
        testId="chart-load"
        band="load"
        label={`Load average (1, 5 and 15 minutes) ${over}`}
        formatValue={load}
      />
      {live ? (
        <ChartPanel
          context={context}
          title="Context switches and interrupts"
          model={kernel}
          what="Context switch"
          unavailable={cpuUnavailable}
          testId="chart-kernel"
          label={`Context switches and interrupts per second ${over}`}
          formatValue={perSecond}
          axis={PER_SECOND_AXIS}
        />
      ) : (
        <EmptyPanel title="Context switches and interrupts" testId="panel-kernel-empty">
          kept for the live view only.
        </EmptyPanel>
      )}
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
        onZoom={onZoom}
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
        onZoom={onZoom}
      />
      <ChartPanel
        context={context}
        title="Disk busy time"
        model={busy}
        what="Disk I/O"
        unavailable={unavailable.has('disk_io')}
        testId="chart-disk-busy"
        band="disk-busy"
        label={`Share of time each disk was busy ${over}`}
        hiddenNoun="disk"
        {...percentChart}
      />
      <ChartPanel
        context={context}
        title="Disk usage"
        model={usage}
        what="Disk usage"
        unavailable={unavailable.has('disks')}
        testId="chart-disk-usage"
        band="disk-usage"
        label={`Used share of each file system ${over}`}
        hiddenNoun="file system"
        {...percentChart}
      />
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
  onZoom?: (from: number, to: number) => void;
}

function DeviceChartView({
  name,
  model,
  testId,
  label,
  xRange,
  bands,
  onZoom,
}: DeviceChart & { testId: string; label: string; xRange: [number, number]; bands?: ChartBand[]; onZoom?: (from: number, to: number) => void }) {
  return (
    <div className="min-w-0">
      <h3 className="mb-1 font-mono text-xs text-muted">{name}</h3>
      <TimeSeriesChart
        testId={testId}
        label={label}
        data={model.data}
        series={model.series}
        xRange={xRange}
        formatValue={formatRate}
        axis={RATE_AXIS}
        yMin={0}
        height={150}
        bands={bands}
        onZoom={onZoom}
      />
    </div>
  );
}

function DevicePanel({ title, noun, testId, charts, unavailable, windowText, label, xRange, bandsFor, onZoom }: DevicePanelProps) {
  const [showIdle, setShowIdle] = useState(false);
  const idle = charts.idle;
  if (unavailable) {
    return (
      <EmptyPanel title={title} testId={`${testId}-panel`}>
        unavailable on this host.
      </EmptyPanel>
    );
  }
  if (charts.charts.length === 0 && idle.length === 0) {
    return (
      <EmptyPanel title={title} testId={`${testId}-panel`}>
        no {noun} reported {windowText}.
      </EmptyPanel>
    );
  }
  const view = (chart: DeviceChart) => (
    <DeviceChartView
      key={chart.name}
      {...chart}
      testId={testId}
      label={label(chart.name)}
      xRange={xRange}
      bands={bandsFor?.(chart.name)}
      onZoom={onZoom}
    />
  );
  return (
    <Panel title={title} className="xl:col-span-2" testId={`${testId}-panel`}>
      {charts.charts.length > 0 && <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">{charts.charts.map(view)}</div>}
      <HiddenNote hidden={charts.hidden} noun={noun} />
      {idle.length > 0 && (
        <div className="mt-2 text-xs text-muted" data-testid={`${testId}-idle`}>
          <p className="flex flex-wrap items-baseline gap-x-2">
            <span>
              {idle.length} idle {noun}
              {idle.length === 1 ? '' : 's'} (no traffic {windowText}):{' '}
              <span className="font-mono">{idle.map((c) => c.name).join(', ')}</span>
            </span>
            <button
              type="button"
              aria-expanded={showIdle}
              data-testid={`${testId}-idle-toggle`}
              onClick={() => setShowIdle((v) => !v)}
              className="text-accent hover:underline"
            >
              {showIdle ? 'Hide' : 'Show'}
            </button>
          </p>
          {showIdle && <div className="mt-2 grid grid-cols-1 gap-4 lg:grid-cols-2">{idle.map(view)}</div>}
        </div>
      )}
    </Panel>
  );
}
