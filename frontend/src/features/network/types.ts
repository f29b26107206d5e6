// Wire types of the network inventory endpoints (docs/protocol.md, "networks").
import type { ToolName } from '@/types/tools.gen';

export interface NetworkSummary {
  id: number;
  host: string;
  cidr: string;
  name: string;
  /** ISO 8601 */
  created_at: string;
  last_scan_at: string | null;
  devices: number;
  present: number;
}

export interface DevicePort {
  port: number;
  proto: string;
  /** Service name and banner, e.g. "ssh · SSH-2.0-OpenSSH_9.6"; empty when unknown. */
  service: string;
  open: boolean;
  first_seen: string;
  last_seen: string;
}

export interface Device {
  id: number;
  network: number;
  ip: string;
  mac: string;
  vendor: string;
  hostname: string;
  /** Where the name came from: reverse DNS or multicast DNS on the link ('' when unknown). */
  hostname_source: '' | 'dns' | 'mdns';
  randomized_mac: boolean;
  /** One of the scanning host's own addresses. */
  is_self: boolean;
  present: boolean;
  first_seen: string;
  last_seen: string;
  ports: DevicePort[];
}

export interface NetworkDetail {
  id: number;
  host: string;
  host_name: string;
  cidr: string;
  name: string;
  created_at: string;
  last_scan_at: string | null;
  devices: Device[];
}

export type NetworkEventKind = 'device_new' | 'device_gone' | 'port_opened' | 'port_closed';

export interface NetworkEvent {
  id: number;
  network: number;
  kind: NetworkEventKind;
  device: number | null;
  ip: string | null;
  hostname: string | null;
  port: number | null;
  proto: string | null;
  ts: string;
  job: string | null;
}

export interface NetworkScan {
  job: string;
  tool: string;
  params: Record<string, unknown>;
  status: string;
  requested_by: string | null;
  finished_at: string | null;
  applied_at: string;
  devices_seen: number;
  open_ports: number;
  changes: Record<NetworkEventKind, number>;
}

export interface DeviceDetail extends Device {
  network_cidr: string;
  host: string;
  history: NetworkEvent[];
}

/** The tools a schedule may run (the hub's Schedule.Tool), each a tool of the agents' params schema. */
export type ScheduleTool = Extract<ToolName, 'discover' | 'port_scan' | 'tls_cert'>;

export interface Schedule {
  id: number;
  network: number;
  tool: ScheduleTool;
  params: Record<string, unknown>;
  every_minutes: number;
  enabled: boolean;
  next_run_at: string;
  last_run_at: string | null;
  last_job: string | null;
  /** Why the last due run was skipped; empty when it started. */
  last_message: string;
  created_by: string | null;
  created_at: string;
}

export interface ScheduleInput {
  tool: ScheduleTool;
  params: Record<string, unknown>;
  every_minutes: number;
  enabled: boolean;
}
