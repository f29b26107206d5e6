"""MAC addresses: their canonical form, whether one is randomized, and who registered it."""

from __future__ import annotations

_HEX = frozenset("0123456789abcdef")


def normalize_mac(value: object) -> str:
    """`value` as six lower-case colon-separated octets ("aa:bb:cc:dd:ee:ff"), or "" if it is not a MAC."""
    if not isinstance(value, str):
        return ""
    octets = value.strip().lower().replace("-", ":").split(":")
    if len(octets) != 6 or not all(len(o) == 2 and set(o) <= _HEX for o in octets):
        return ""
    return ":".join(octets)


def randomized_mac(mac: str) -> bool:
    """Locally administered (bit 1 of the first octet): randomized by the device (a private
    address) or made up (veth)."""
    return bool(mac) and bool(int(mac.split(":")[0], 16) & 0x02)


def vendor(mac: str) -> str | None:
    """The IEEE registrant of the MAC's OUI (netaddr's offline table), or None."""
    import netaddr  # its OUI index loads on first use (~0.3 s of CPU), not at import

    try:
        return str(netaddr.EUI(mac).oui.registration().org)
    except (netaddr.NotRegisteredError, netaddr.AddrFormatError, IndexError, ValueError):
        return None
