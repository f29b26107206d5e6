// The dashboard's names for the hub's REST answers. The types themselves are generated from the
// hub's OpenAPI schema (api.gen.ts, `make gen`): its serializers are the one source. Units:
// bytes, bytes/s, percent 0-100, `ts` in unix milliseconds (docs/protocol.md).
import type * as Api from './api.gen';

export type CpuStats = Api.CpuStats;
export type LoadStats = Api.LoadStats;
export type MemoryStats = Api.MemoryStats;
export type SwapStats = Api.SwapStats;
export type DiskUsage = Api.DiskUsage;
export type DiskIo = Api.DiskIo;
export type NetIo = Api.NetIo;
export type Temperature = Api.Temperature;
export type Fan = Api.Fan;
export type Sensors = Api.Sensors;
export type ProcessInfo = Api.ProcessInfo;
export type TopProcesses = Api.TopProcesses;
export type ListeningSocket = Api.ListeningSocket;
export type UserSession = Api.UserSession;
export type FailedUnit = Api.FailedUnit;
export type Sample = Api.Sample;
export type SamplesPage = Api.SamplesPage;
export type HistorySeries = Api.HistorySeries;
export type HostHistory = Api.HostHistory;

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

export type HostGroup = Api.HostGroup;
/** A host and its latest sample (null before its first). */
export type Host = Api.HostWithLatest;
/** A host as carried by `host` WebSocket frames: everything but the latest sample. */
export type HostInfo = Omit<Host, 'latest'>;

export type UserRole = Api.UserRoleEnum;
export type ThemePreference = Api.ThemeEnum;
export type GroupRole = Api.GroupRoleEnum;
export type GroupAccess = Api.GroupAccess;
/** A user as the login answer has it; `/auth/me` adds `access`, `/users` also `login_failures`. */
export type User = Api.User & Partial<Pick<Api.AdminUser, 'access' | 'login_failures'>>;
