"""Refuse network connections from Python code, except to this machine (the kernel's own
channels).

``aigc-course grade`` installs this in each kernel before the submitted notebook runs.
It stops a notebook from downloading, not a determined program (a subprocess, a C
extension): the instructor guide says how to take the network away for real (``unshare
-n``, a container).
"""

from __future__ import annotations

import errno
import ipaddress
import socket

_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


def _address(host):
    """``host`` as an IP address, or ``None`` for a name."""
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    try:
        return ipaddress.ip_address(str(host).strip("[]").split("%")[0])
    except ValueError:
        return None


def _local(host) -> bool:
    address = _address(host)
    if address is not None:
        return address.is_loopback
    return str(host).lower() in _LOCAL_NAMES


def _refuse(where) -> OSError:
    return OSError(
        errno.ENETUNREACH,
        f"the network is switched off while grading (tried to reach {where!r})",
    )


def install() -> None:
    """Patch :mod:`socket` so that only loopback addresses and Unix sockets can be
    reached."""
    if getattr(socket, "_aigc_course_offline", False):
        return
    real_connect, real_connect_ex, real_sendto = (
        socket.socket.connect,
        socket.socket.connect_ex,
        socket.socket.sendto,
    )
    real_getaddrinfo = socket.getaddrinfo

    def allowed(sock, address) -> bool:
        return sock.family not in (socket.AF_INET, socket.AF_INET6) or _local(
            address[0]
        )

    def connect(self, address):
        if not allowed(self, address):
            raise _refuse(address[0])
        return real_connect(self, address)

    def connect_ex(self, address):
        if not allowed(self, address):
            return errno.ENETUNREACH
        return real_connect_ex(self, address)

    def sendto(self, data, *args):
        address = args[-1]
        if not allowed(self, address):
            raise _refuse(address[0])
        return real_sendto(self, data, *args)

    def getaddrinfo(host, *args, **kwargs):
        # Names are not looked up (that would query a DNS server); addresses pass on to
        # connect.
        if host is not None and _address(host) is None and not _local(host):
            raise socket.gaierror(
                socket.EAI_NONAME,
                f"the network is switched off while grading (looked up {host!r})",
            )
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto = (
        connect,
        connect_ex,
        sendto,
    )
    socket.getaddrinfo = getaddrinfo
    socket._aigc_course_offline = True
