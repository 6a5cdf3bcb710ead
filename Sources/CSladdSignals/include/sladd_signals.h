#ifndef SLADD_SIGNALS_H
#define SLADD_SIGNALS_H

/// Signals a stream filter acts on. They are blocked in every thread and let through only while
/// the reading thread waits for input (ppoll), so no system call elsewhere is ever interrupted
/// and no signal is lost between a check and a wait.
enum sladd_signal { SLADD_SIGTERM = 0, SLADD_SIGINT = 1, SLADD_SIGHUP = 2, SLADD_SIGUSR1 = 3 };

/// Installs the handlers and blocks the signals in the calling thread. Call before any other
/// thread starts, so the threads inherit the blocked mask. Returns 0, or -1 with errno set.
int sladd_signals_install(void);

/// Waits up to `timeout_ms` (-1: for ever) for `fd` to be readable, letting the signals in.
/// Returns 1 when readable (or closed), 0 on timeout, -1 when a signal came, -2 on an error (errno).
int sladd_signals_wait_readable(int fd, int timeout_ms);

/// How many times `signal` arrived since the last call (and resets the count).
int sladd_signals_take(enum sladd_signal signal);

#endif
