// Wire types of the network inventory endpoints (docs/protocol.md, "networks"), as the hub's
// schema declares them (api.gen.ts, `make gen`).
import type * as Api from '@/types/api.gen';

/** A host's network, with how many devices it has had and how many are present. */
export type NetworkSummary = Api.ListedNetwork;
/** Service name and banner, e.g. "ssh · SSH-2.0-OpenSSH_9.6"; empty when unknown. */
export type DevicePort = Api.DevicePort;
export type Device = Api.Device;
export type NetworkDetail = Api.NetworkDetail;
export type NetworkEventKind = Api.NetworkEventKindEnum;
export type NetworkEvent = Api.NetworkEvent;
export type NetworkScan = Api.NetworkScan;
export type DeviceDetail = Api.DeviceDetail;
/** The tools a schedule may run (the hub's Schedule.Tool), each a tool of the agents' params schema. */
export type ScheduleTool = Api.ScheduleToolEnum;
export type Schedule = Api.Schedule;

export interface ScheduleInput {
  tool: ScheduleTool;
  params: Record<string, unknown>;
  every_minutes: number;
  enabled: boolean;
}
