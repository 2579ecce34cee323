// Progress reports with cancellation, and removal of a half-written output on signals.
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "limnvips.h"

typedef struct {
    limn_progress_fn fn;
    void *ctx;
} Listener;

static void on_eval(VipsImage *image, VipsProgress *progress, Listener *l) {
    if (l->fn(l->ctx, progress->percent)) vips_image_set_kill(image, TRUE);
}

void limn_progress_attach(VipsImage *image, limn_progress_fn fn, void *ctx) {
    Listener *l = g_new(Listener, 1);
    l->fn = fn;
    l->ctx = ctx;
    vips_image_set_progress(image, TRUE);
    g_signal_connect_data(image, "eval", G_CALLBACK(on_eval), l, (GClosureNotify) g_free, 0);
}

void limn_progress_detach(VipsImage *image) {
    g_signal_handlers_disconnect_matched(image, G_SIGNAL_MATCH_FUNC, 0, 0, NULL, G_CALLBACK(on_eval), NULL);
}

// Fixed buffers: the handlers may only call async-signal-safe functions.
static char cleanup_path[4096];
static char input_name[1024];

static void on_signal(int sig) {
    if (cleanup_path[0]) unlink(cleanup_path);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void say(const char *s) {
    ssize_t n = write(2, s, strlen(s));
    (void) n;
}

// SIGBUS: a mapped input (libvips maps .v files) shrank while being read.
static void on_fault(int sig) {
    (void) sig;
    if (cleanup_path[0]) unlink(cleanup_path);
    say("limn: ");
    say(input_name[0] ? input_name : "input");
    say(": the file changed or was truncated while being read\n");
    _exit(1);
}

void limn_cleanup_install(void) {
    static const int terminating[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM,
                                      SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ, SIGPOLL};
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_signal;
    for (size_t i = 0; i < sizeof(terminating) / sizeof(terminating[0]); i++) sigaction(terminating[i], &sa, NULL);
    sa.sa_handler = on_fault;
    sigaction(SIGBUS, &sa, NULL);
    // A reader that goes away is an error on write (EPIPE), reported and cleaned up like any other.
    signal(SIGPIPE, SIG_IGN);
}

void limn_input_set(const char *name) {
    input_name[0] = '\0';
    if (name && strlen(name) < sizeof(input_name)) strcpy(input_name, name);
}

void limn_cleanup_set(const char *path) {
    cleanup_path[0] = '\0';
    if (path && strlen(path) < sizeof(cleanup_path)) strcpy(cleanup_path, path);
}
