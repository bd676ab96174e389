"""Kernel facts, the bottom layer of the grader (Linux only).

What the kernel can tell about a student's server that the server itself does not say, and nothing
else: no waiting, no policy, no import of any other grader module.

- procfs: processes and threads from /proc (state, session, CPU, threads, children, sockets), and
  the rows of the /proc/net socket tables.
- syscalls: what a blocked thread waits for, decoded from /proc/PID/task/TID/syscall (x86-64).
- tcp: one loopback connection's server end (sock_diag, with /proc/net/tcp as the fallback), and
  the facts of a socket of our own (unacknowledged bytes, bytes received, a reset).
- udp: the datagrams waiting unread at a server's port.
"""
