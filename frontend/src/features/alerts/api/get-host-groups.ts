// The query lives in lib/queries/host-groups.ts; this path stays only for ChannelsPanel's import
// until that file's pending change (mail settings) lands.
export { useHostGroups } from '@/lib/queries/host-groups';
