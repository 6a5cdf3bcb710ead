#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <pthread.h>
#include <time.h>
#include "sladd_signals.h"

static volatile sig_atomic_t counts[4];
static sigset_t handled;
static sigset_t waiting_mask;  // the mask while waiting: the caller's, without the handled signals

static void on_signal(int signo) {
    switch (signo) {
    case SIGTERM: counts[SLADD_SIGTERM]++; break;
    case SIGINT: counts[SLADD_SIGINT]++; break;
    case SIGHUP: counts[SLADD_SIGHUP]++; break;
    case SIGUSR1: counts[SLADD_SIGUSR1]++; break;
    }
}

int sladd_signals_install(void) {
    sigemptyset(&handled);
    sigaddset(&handled, SIGTERM);
    sigaddset(&handled, SIGINT);
    sigaddset(&handled, SIGHUP);
    sigaddset(&handled, SIGUSR1);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    int signals[] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1};
    for (unsigned i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        if (sigaction(signals[i], &action, NULL) != 0) return -1;
    }
    sigset_t previous;
    if (pthread_sigmask(SIG_BLOCK, &handled, &previous) != 0) return -1;
    waiting_mask = previous;
    for (unsigned i = 0; i < sizeof signals / sizeof signals[0]; i++) sigdelset(&waiting_mask, signals[i]);
    return 0;
}

int sladd_signals_wait_readable(int fd, int timeout_ms) {
    struct pollfd request = {.fd = fd, .events = POLLIN, .revents = 0};
    struct timespec timeout = {.tv_sec = timeout_ms / 1000, .tv_nsec = (long)(timeout_ms % 1000) * 1000000L};
    int ready = ppoll(&request, 1, timeout_ms < 0 ? NULL : &timeout, &waiting_mask);
    if (ready > 0) return 1;
    if (ready == 0) return 0;
    return errno == EINTR ? -1 : -2;
}

int sladd_signals_take(enum sladd_signal signal) {
    // Signals are blocked outside ppoll in this thread and in every other, so nothing races here.
    int count = counts[signal];
    counts[signal] = 0;
    return count;
}
