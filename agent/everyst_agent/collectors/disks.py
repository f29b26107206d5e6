"""Usage of the host's real filesystems, one entry per device.

Only local block-device filesystems are reported: pseudo filesystems say nothing about disk space,
snap squashfs images are always 100 % full, and network filesystems are left out because `statvfs` on
a dead NFS server blocks the tick for minutes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
from everyst.agent.v1 import agent_pb2

from everyst_agent.collectors.base import COLLECT_ERRORS, REFRESH_SECONDS, FailureLog

# Block-device filesystems that /proc/filesystems lists as `nodev` nonetheless.
_EXTRA_REAL = frozenset({"zfs"})
_NEVER = frozenset({"squashfs"})


@dataclass(frozen=True, slots=True)
class Mount:
    mount: str
    device: str
    fstype: str


def real_fstypes(proc_filesystems: str) -> frozenset[str]:
    """Filesystem types backed by a device, from the text of /proc/filesystems."""
    names = {line.strip() for line in proc_filesystems.splitlines() if line and not line.startswith("nodev")}
    return frozenset(names) | _EXTRA_REAL


def select_mounts(
    partitions: Iterable[Any],
    fstypes: frozenset[str],
    is_dir: Callable[[str], bool] = os.path.isdir,
) -> list[Mount]:
    """Keep one mount per real device, preferring its shortest mount point.

    Bind mounts and btrfs subvolumes show the same device several times with identical usage; the
    shortest path (`/` rather than `/var/lib/docker/...`) is the one an admin recognises. In a
    container the root is an overlay, which is the only overlay worth showing.
    """
    chosen: dict[str, Mount] = {}
    for part in sorted(partitions, key=lambda p: (len(p.mountpoint), p.mountpoint)):
        fstype, mountpoint = part.fstype, part.mountpoint
        if fstype == "overlay":
            if mountpoint != "/":
                continue
        elif fstype in _NEVER or fstype not in fstypes or not part.device:
            continue
        key = part.device or fstype
        if key in chosen:
            continue
        # Containers bind-mount single files (/etc/hosts, /etc/resolv.conf) from the host's disk.
        if not is_dir(mountpoint):
            continue
        chosen[key] = Mount(mountpoint, part.device, fstype)
    return sorted(chosen.values(), key=lambda m: m.mount)


class DiskUsageCollector:
    def __init__(self, proc_filesystems: Path = Path("/proc/filesystems")) -> None:
        self._proc_filesystems = proc_filesystems
        self.failures = FailureLog("disks")
        self._mounts: list[Mount] = []
        self._refreshed_at = float("-inf")

    def _refresh(self) -> None:
        try:
            fstypes = real_fstypes(self._proc_filesystems.read_text())
            self._mounts = select_mounts(psutil.disk_partitions(all=True), fstypes)
        except COLLECT_ERRORS as exc:
            self.failures(exc)
        else:
            self.failures.ok()

    @property
    def mounts(self) -> list[Mount]:
        return list(self._mounts)

    def fill(self, sample: agent_pb2.Sample) -> None:
        now = time.monotonic()
        if now - self._refreshed_at >= REFRESH_SECONDS:
            self._refreshed_at = now
            self._refresh()
        for m in self._mounts:
            try:
                st = os.statvfs(m.mount)
            except OSError:
                # Unmounted since the last refresh, or hidden from us: skip it until the next refresh.
                continue
            total = st.f_blocks * st.f_frsize
            used = (st.f_blocks - st.f_bfree) * st.f_frsize
            free = st.f_bavail * st.f_frsize
            # Like df: percent of the space non-root users can have, so a disk reads 100 % when full.
            usable = used + free
            disk = sample.disks.add(mount=m.mount, device=m.device, fstype=m.fstype)
            disk.total, disk.used, disk.free = total, used, free
            disk.percent = round(100.0 * used / usable, 2) if usable else 0.0
            # Like df -i. btrfs, vfat and others allocate inodes on demand and report 0: left at 0.
            if st.f_files:
                disk.inodes_total = st.f_files
                disk.inodes_used = max(st.f_files - st.f_ffree, 0)
                disk.inodes_percent = round(100.0 * disk.inodes_used / st.f_files, 2)
