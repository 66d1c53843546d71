"""Instructions retired by this thread, from the CPU's own counter (Linux perf_event_open).

The machine is shared and its CPU time moves by a third between runs of the same code; the
number of instructions a request takes does not (it moves by well under one per cent), so a
change of a few per cent in a page's cost shows in one run. It counts user-space instructions
of the calling thread only (a database server's work in another process is not in it), or of
another process named by its pid.

    counter = Instructions.open()      # None where the kernel or the VM gives no counter
    before = counter.read()
    ...
    used = counter.read() - before
"""

from __future__ import annotations

import ctypes
import os
import platform
import struct

_SYSCALL = {"x86_64": 298, "aarch64": 241}
_PERF_TYPE_HARDWARE = 0
_PERF_COUNT_HW_INSTRUCTIONS = 1
_EXCLUDE_KERNEL = 1 << 5
_EXCLUDE_HV = 1 << 6
# perf_event_attr as first published (PERF_ATTR_SIZE_VER0, 64 bytes): type, size, config,
# sample_period, sample_type, read_format, the flag bits, wakeup_events, bp_type, config1.
_ATTR = struct.Struct("=IIQQQQQIIQ")


class Instructions:
    """An open counter of the calling thread's user-space instructions."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    @classmethod
    def open(cls, pid: int = 0) -> Instructions | None:
        """A counter for this thread (or for the process `pid`: a PostgreSQL backend, say),
        or None where there is none (no perf support, a VM without counters,
        perf_event_paranoid too strict)."""
        number = _SYSCALL.get(platform.machine())
        if number is None:
            return None
        attr = ctypes.create_string_buffer(
            _ATTR.pack(
                _PERF_TYPE_HARDWARE,
                _ATTR.size,
                _PERF_COUNT_HW_INSTRUCTIONS,
                0,
                0,
                0,
                _EXCLUDE_KERNEL | _EXCLUDE_HV,
                0,
                0,
                0,
            ),
            _ATTR.size,
        )
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        fd = libc.syscall(
            ctypes.c_long(number),
            attr,
            ctypes.c_int(pid),  # 0: this thread
            ctypes.c_int(-1),  # on any CPU
            ctypes.c_int(-1),  # no group
            ctypes.c_ulong(0),
        )
        if fd < 0:
            return None
        counter = cls(fd)
        if pid == 0 and counter.read() == 0 and counter.read() == 0:
            counter.close()  # the VM hands out a counter that never counts
            return None
        return counter

    def read(self) -> int:
        """Instructions so far."""
        return struct.unpack("=Q", os.read(self.fd, 8))[0]

    def close(self) -> None:
        """Give the counter back."""
        os.close(self.fd)
