// Wire types of the hub's REST and WebSocket contract (docs/protocol.md). Units: bytes,
// bytes/s, percent 0-100, `ts` in unix milliseconds.

export interface CpuStats {
  percent: number;
  per_core: number[];
  user: number;
  system: number;
  iowait: number;
  steal: number;
  idle: number;
  /** Whole host, per second over the last interval. */
  ctx_switches_ps: number;
  interrupts_ps: number;
  /** The agent container's CPU quota in cores; null without one. */
  limit_cores: number | null;
}

export interface LoadStats {
  load1: number;
  load5: number;
  load15: number;
}

export interface MemoryStats {
  total: number;
  used: number;
  available: number;
  cached: number;
  buffers: number;
  percent: number;
  /** The agent container's memory limit in bytes; null without one. */
  limit: number | null;
}

export interface SwapStats {
  total: number;
  used: number;
  percent: number;
}

export interface DiskUsage {
  mount: string;
  device: string;
  fstype: string;
  total: number;
  used: number;
  free: number;
  percent: number;
  /** Null on file systems without a fixed inode table (btrfs, vfat, …). */
  inodes_total: number | null;
  inodes_used: number | null;
  inodes_percent: number | null;
}

export interface DiskIo {
  device: string;
  read_bps: number;
  write_bps: number;
  read_iops: number;
  write_iops: number;
  busy_pct: number;
}

export interface NetIo {
  iface: string;
  rx_bps: number;
  tx_bps: number;
  rx_pps: number;
  tx_pps: number;
  errin: number;
  errout: number;
  dropin: number;
  dropout: number;
}

export interface Temperature {
  chip: string;
  label: string;
  /** °C */
  current: number;
  high: number | null;
  critical: number | null;
}

export interface Fan {
  chip: string;
  label: string;
  rpm: number;
}

export interface Sensors {
  temperatures: Temperature[];
  fans: Fan[];
}

export interface ProcessInfo {
  pid: number;
  name: string;
  username: string;
  /** Of one core, like `top`: may exceed 100. */
  cpu_percent: number;
  memory_rss: number;
  memory_percent: number;
  cmdline: string;
  status: string;
}

export interface TopProcesses {
  by_cpu: ProcessInfo[];
  by_memory: ProcessInfo[];
}

export interface ListeningSocket {
  protocol: string;
  address: string;
  port: number;
  pid: number | null;
  process: string | null;
}

export interface UserSession {
  name: string;
  terminal: string;
  host: string;
  /** unix seconds */
  started: number;
}

export interface FailedUnit {
  name: string;
  load: string;
  active: string;
  sub: string;
  description: string;
}

/** The metric families a host may report as unavailable (`Sample.unavailable`). */
export type MetricFamily =
  | 'cpu'
  | 'load'
  | 'memory'
  | 'disks'
  | 'disk_io'
  | 'net'
  | 'sensors'
  | 'processes'
  | 'listening'
  | 'users'
  | 'systemd';

export interface Sample {
  ts: number;
  cpu: CpuStats;
  load: LoadStats;
  memory: MemoryStats;
  swap: SwapStats;
  uptime: number;
  disks: DiskUsage[];
  disk_io: DiskIo[];
  net: NetIo[];
  sensors: Sensors;
  // Slower families: null on ticks that did not collect them ("keep the last value").
  processes: TopProcesses | null;
  listening: ListeningSocket[] | null;
  users: UserSession[] | null;
  failed_units: FailedUnit[] | null;
  unavailable: string[];
}

export interface HostGroup {
  id: number;
  name: string;
}

/** A host as carried by `host` WebSocket frames: everything but the latest sample. */
export interface HostInfo {
  id: string;
  hostname: string;
  os: string;
  kernel: string;
  arch: string;
  cpu_model: string;
  cpu_logical: number;
  cpu_physical: number;
  memory_total: number;
  addresses: string[];
  agent_version: string;
  virtualization: string;
  boot_time: number | null;
  groups: HostGroup[];
  online: boolean;
  last_seen: string | null;
  collect_interval_ms: number;
  dropped_samples: number;
}

export interface Host extends HostInfo {
  latest: Sample | null;
}

export type UserRole = 'owner' | 'admin' | 'member';

export type ThemePreference = 'system' | 'dark' | 'light';

export type GroupRole = 'viewer' | 'operator';

export interface GroupAccess {
  group_id: number;
  group: string;
  role: GroupRole;
}

export interface User {
  id: number | string;
  username: string;
  email: string;
  first_name: string;
  last_name: string;
  role: UserRole;
  theme: ThemePreference;
  is_active: boolean;
  /** ISO 8601, null before the first login. */
  last_login: string | null;
  date_joined: string;
  /** Present on `/auth/me` and `/users` answers, absent from the login answer. */
  access?: GroupAccess[];
  /** Failed logins within the throttle window, from every address (`/users` answers only). */
  login_failures?: number;
}

export interface SamplesPage {
  samples: Sample[];
}

/** One series of a history answer: per bucket average and maximum, null where there is no data. */
export interface HistorySeries {
  avg: (number | null)[];
  max: (number | null)[];
}

/** `GET /hosts/<id>/history`: buckets of `step_ms` from `from`, one entry per `ts`. */
export interface HostHistory {
  tier: string;
  step_ms: number;
  from: number;
  to: number;
  /** When the host's kept data begins (unix ms), null when there is none. */
  data_start: number | null;
  ts: number[];
  count: number[];
  series: Record<string, HistorySeries>;
}
