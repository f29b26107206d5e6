"""Answers of the metrics API (the REST contract's source). A sample is built from its protobuf
by metrics.codec.sample_to_dict, thousands a second on ingest: these serializers declare that
form (a test holds them equal) rather than being run on every sample. Units: bytes, bytes/s,
percent 0-100, `ts` in unix milliseconds."""

from __future__ import annotations

from rest_framework import serializers

F = serializers.FloatField
I = serializers.IntegerField  # noqa: E741
S = serializers.CharField


class CpuStatsSerializer(serializers.Serializer):
    percent = F()
    per_core = serializers.ListField(child=F())
    user = F()
    system = F()
    iowait = F()
    steal = F()
    idle = F()
    ctx_switches_ps = F(help_text="whole host, per second over the last interval")
    interrupts_ps = F()
    limit_cores = F(allow_null=True, help_text="the agent container's CPU quota in cores; null without one")


class LoadStatsSerializer(serializers.Serializer):
    load1 = F()
    load5 = F()
    load15 = F()


class MemoryStatsSerializer(serializers.Serializer):
    total = I()
    used = I()
    available = I()
    cached = I()
    buffers = I()
    percent = F()
    limit = I(allow_null=True, help_text="the agent container's memory limit in bytes; null without one")


class SwapStatsSerializer(serializers.Serializer):
    total = I()
    used = I()
    percent = F()


class DiskUsageSerializer(serializers.Serializer):
    mount = S()
    device = S()
    fstype = S()
    total = I()
    used = I()
    free = I()
    percent = F()
    inodes_total = I(allow_null=True, help_text="null on file systems without a fixed inode table")
    inodes_used = I(allow_null=True)
    inodes_percent = F(allow_null=True)


class DiskIoSerializer(serializers.Serializer):
    device = S()
    read_bps = F()
    write_bps = F()
    read_iops = F()
    write_iops = F()
    busy_pct = F()


class NetIoSerializer(serializers.Serializer):
    iface = S()
    rx_bps = F()
    tx_bps = F()
    rx_pps = F()
    tx_pps = F()
    errin = I()
    errout = I()
    dropin = I()
    dropout = I()


class TemperatureSerializer(serializers.Serializer):
    chip = S()
    label = S()
    current = F(help_text="°C")
    high = F(allow_null=True)
    critical = F(allow_null=True)


class FanSerializer(serializers.Serializer):
    chip = S()
    label = S()
    rpm = F()


class SensorsSerializer(serializers.Serializer):
    temperatures = TemperatureSerializer(many=True)
    fans = FanSerializer(many=True)


class ProcessInfoSerializer(serializers.Serializer):
    pid = I()
    name = S()
    username = S()
    cpu_percent = F(help_text="of one core, like top: may exceed 100")
    memory_rss = I()
    memory_percent = F()
    cmdline = S()
    status = S()


class TopProcessesSerializer(serializers.Serializer):
    by_cpu = ProcessInfoSerializer(many=True)
    by_memory = ProcessInfoSerializer(many=True)


class ListeningSocketSerializer(serializers.Serializer):
    protocol = S()
    address = S()
    port = I()
    pid = I(allow_null=True)
    process = S(allow_null=True)


class UserSessionSerializer(serializers.Serializer):
    name = S()
    terminal = S()
    host = S()
    started = F(help_text="unix seconds")


class FailedUnitSerializer(serializers.Serializer):
    name = S()
    load = S()
    active = S()
    sub = S()
    description = S()


class SampleSerializer(serializers.Serializer):
    """One sample of a host. The slower families are null on ticks that did not collect them."""

    ts = I()
    cpu = CpuStatsSerializer()
    load = LoadStatsSerializer()
    memory = MemoryStatsSerializer()
    swap = SwapStatsSerializer()
    uptime = F()
    disks = DiskUsageSerializer(many=True)
    disk_io = DiskIoSerializer(many=True)
    net = NetIoSerializer(many=True)
    sensors = SensorsSerializer()
    processes = TopProcessesSerializer(allow_null=True)
    listening = ListeningSocketSerializer(many=True, allow_null=True)
    users = UserSessionSerializer(many=True, allow_null=True)
    failed_units = FailedUnitSerializer(many=True, allow_null=True)
    unavailable = serializers.ListField(child=S(), help_text="metric families the host cannot report")


class SamplesPageSerializer(serializers.Serializer):
    samples = SampleSerializer(many=True)


class HistorySeriesSerializer(serializers.Serializer):
    """Per bucket average and maximum, null where there is no data."""

    avg = serializers.ListField(child=F(allow_null=True))
    max = serializers.ListField(child=F(allow_null=True))


class HostHistorySerializer(serializers.Serializer):
    """Buckets of `step_ms` from `from`, one entry per `ts`."""

    tier = S()
    step_ms = I()
    from_ = I()
    to = I()
    data_start = I(allow_null=True, help_text="when the host's kept data begins (unix ms); null: none")
    ts = serializers.ListField(child=I())
    count = serializers.ListField(child=I())
    series = serializers.DictField(child=HistorySeriesSerializer())

    def get_fields(self) -> dict[str, serializers.Field]:
        # `from` is a Python keyword: declared as `from_`.
        return {("from" if name == "from_" else name): f for name, f in super().get_fields().items()}
