import { useMemo } from 'react';
import { Panel } from '@/components/ui/Panel';
import { TimeSeriesChart } from '@/components/ui/TimeSeriesChart';
import { formatBytes, formatNumber, formatPercent, formatRate } from '@/lib/format';
import type { Sample } from '@/types/api';
import { cpuChart, diskIoChart, loadChart, memoryChart, networkChart, type ChartModel } from './chart-data';

const percent = (v: number) => formatPercent(v);
const percentAxis = (v: number) => `${Math.round(v)}%`;
const load = (v: number) => formatNumber(v);

interface HostChartsProps {
  samples: Sample[];
  /** unix seconds */
  xRange: [number, number];
  memoryTotal: number;
}

function HiddenNote({ model, noun }: { model: ChartModel; noun: string }) {
  if (model.hidden <= 0) return null;
  return (
    <p className="mt-2 text-xs text-muted">
      {model.hidden} quieter {noun}
      {model.hidden === 1 ? '' : 's'} not drawn.
    </p>
  );
}

function EmptyNote({ model, what }: { model: ChartModel; what: string }) {
  if (model.series.length > 0) return null;
  return <p className="py-6 text-center text-sm text-muted">No {what} reported in the last 5 minutes.</p>;
}

export function HostCharts({ samples, xRange, memoryTotal }: HostChartsProps) {
  const cpu = useMemo(() => cpuChart(samples), [samples]);
  const memory = useMemo(() => memoryChart(samples), [samples]);
  const loadModel = useMemo(() => loadChart(samples), [samples]);
  const net = useMemo(() => networkChart(samples), [samples]);
  const diskIo = useMemo(() => diskIoChart(samples), [samples]);

  return (
    <div className="grid grid-cols-1 gap-4 xl:grid-cols-2">
      <Panel title="CPU">
        <TimeSeriesChart
          testId="chart-cpu"
          label="CPU usage over the last 5 minutes"
          data={cpu.data}
          series={cpu.series}
          xRange={xRange}
          formatValue={percent}
          formatAxis={percentAxis}
          yMin={0}
          yMax={100}
        />
      </Panel>
      <Panel title="Memory">
        <TimeSeriesChart
          testId="chart-memory"
          label="Memory usage over the last 5 minutes"
          data={memory.data}
          series={memory.series}
          xRange={xRange}
          formatValue={formatBytes}
          yMin={0}
          yMax={memoryTotal > 0 ? memoryTotal : undefined}
        />
      </Panel>
      <Panel title="Load average">
        <TimeSeriesChart
          testId="chart-load"
          label="Load average over the last 5 minutes"
          data={loadModel.data}
          series={loadModel.series}
          xRange={xRange}
          formatValue={load}
          yMin={0}
        />
      </Panel>
      <Panel title="Network">
        <EmptyNote model={net} what="network interface" />
        {net.series.length > 0 && (
          <TimeSeriesChart
            testId="chart-net"
            label="Network receive and transmit rates per interface over the last 5 minutes"
            data={net.data}
            series={net.series}
            xRange={xRange}
            formatValue={formatRate}
            yMin={0}
          />
        )}
        <HiddenNote model={net} noun="interface" />
      </Panel>
      <Panel title="Disk I/O" className="xl:col-span-2">
        <EmptyNote model={diskIo} what="disk" />
        {diskIo.series.length > 0 && (
          <TimeSeriesChart
            testId="chart-disk-io"
            label="Disk read and write rates per disk over the last 5 minutes"
            data={diskIo.data}
            series={diskIo.series}
            xRange={xRange}
            formatValue={formatRate}
            yMin={0}
          />
        )}
        <HiddenNote model={diskIo} noun="disk" />
      </Panel>
    </div>
  );
}
