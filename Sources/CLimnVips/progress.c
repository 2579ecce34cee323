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

// A fixed buffer: the handler may only call async-signal-safe functions.
static char cleanup_path[4096];

static void on_signal(int sig) {
    if (cleanup_path[0]) unlink(cleanup_path);
    signal(sig, SIG_DFL);
    raise(sig);
}

void limn_cleanup_install(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

void limn_cleanup_set(const char *path) {
    cleanup_path[0] = '\0';
    if (path && strlen(path) < sizeof(cleanup_path)) strcpy(cleanup_path, path);
}
