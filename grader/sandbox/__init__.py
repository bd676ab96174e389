"""Run one untrusted student program: a temporary copy, resource limits, a socket shim, a watchdog.

Linux only: processes are found and measured through /proc, and limits use setrlimit.

What a Program gets:
- a fresh temporary copy of the submission as working directory (and TMPDIR and HOME), removed by
  stop(); the watchdog kills the program once the copy holds more than `disk_files` entries or
  `disk_bytes` (looked at every 0.25 s), and traceback() then says why;
- the grader's own Python, or the one start(python=...) names (3.10 or newer), with the standard
  library only (started with -S: packages installed on the machine are not importable, as they
  would not be on a student's fresh install), started
  through grader/shim/boot.py, which patches the socket module
  (every bind lands on loopback with an OS-chosen port and is reported; outbound connections other
  than to loopback are refused; in client mode every connect/sendto goes to one redirect address);
- a new session and process group; stop() and the wall-clock watchdog SIGKILL the group and every
  process of the session found in /proc;
- an environment of its own: PATH, the locale, TERM and TZ of the grader's, GRADER_* variables, and
  what the sandbox sets; nothing else of the teacher's (tokens, passwords);
- limits set by the boot before the student's code runs: RLIMIT_CPU, RLIMIT_AS, RLIMIT_NOFILE,
  RLIMIT_FSIZE, RLIMIT_NPROC, no core files; threads get 1 MiB stacks and glibc at most two malloc
  arenas so that RLIMIT_AS measures what the program uses rather than what it reserves; an uncaught
  error caused by a limit (MemoryError, "File too large", "Too many open files", EOFError on the
  empty stdin) gets the limit added to its message;
- the signals a terminal gives (Ctrl-C as KeyboardInterrupt, SIGQUIT and SIGHUP at their defaults)
  even when the grader itself was started with them ignored (`&`, nohup);
- stdin from /dev/null (or a pipe), stdout and stderr merged into one bounded capture (head + tail);
  a program printing gigabytes costs its own CPU and little of the grader's (past the capture's size
  the output is read in chunks of up to 256 KiB).

The limits are set in the child by the boot rather than by a preexec_fn: preexec_fn is documented as
unsafe when the parent has threads (the grader runs reader threads and relays), and without it
subprocess can use vfork.

Known holes (this is not a container; run the grader in one, or as a throwaway user in a VM, for
code you have reason to distrust beyond honest mistakes):
- RLIMIT_NPROC is not enforced for root. The shim refuses os.fork/forkpty/system/posix_spawn and
  subprocess/multiprocessing starts once the session holds `processes` processes (counting and
  forking under a lock the whole session shares, so processes forking at once cannot overshoot),
  but code that starts processes otherwise (ctypes, a C extension) is bounded only by the wall
  watchdog.
- Limits are per process: RLIMIT_AS bounds each of a forked program's processes, not their sum, and
  a grading runs up to five servers at once.
- Files written outside the working copy (absolute paths, "..") are neither limited in number nor
  removed; RLIMIT_FSIZE still bounds each one.
- A process that calls setsid() leaves the session and the process group; it is still found, and
  killed, through the mark in its environment, unless it also replaced its environment (exec with
  a new one). A grandchild that only changed its process group is found through its session id.
- Code that uses _socket directly, ctypes or a C extension bypasses the socket shim; so does a
  Python grandchild started with exec (subprocess) rather than fork, since it runs without the boot.
- The events pipe is writable by the student's code, which could fake bindings (only to its own
  disadvantage: the grader would then talk to a wrong port on loopback).
- The student's code can read and write anything the grader's user can (files, other loopback ports).

The package, by concern:
- process: Program and start(): spawning under the boot, the reader, reaper and watchdog threads,
  waits (ending early when the caller's stop_early callable says so), stop();
- cleanup: finding and killing every process of a program, removing its working copy;
- output: the bounded capture, traceback shortening, the main thread's place from a stack dump;
- limits: Limits, the disk check, and the sentences for a student when a limit ends a program;
- stdin: the program's stdin pipe, never blocking the grader;
"""
from .cleanup import SANDBOX_MARK, marked_processes, session_processes
from .limits import Limits
from .output import BOOT, error_line, shorten_traceback
from .process import Binding, Program, start

__all__ = ["BOOT", "SANDBOX_MARK", "Binding", "Limits", "Program", "error_line", "marked_processes",
           "session_processes", "shorten_traceback", "start"]
