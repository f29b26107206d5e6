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
}

export interface SamplesPage {
  samples: Sample[];
}
