// Progress bar on stderr, and removal of a half-written output on signals.
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "limnvips.h"

static void on_eval(VipsImage *image, VipsProgress *progress, const char *label) {
    static int last = -1;
    int percent = progress->percent;
    if (percent == last) return;
    last = percent;
    char bar[31];
    int filled = percent * 30 / 100;
    for (int i = 0; i < 30; i++) bar[i] = i < filled ? '#' : '.';
    bar[30] = '\0';
    fprintf(stderr, "\r%s [%s] %3d%%", label, bar, percent);
    fflush(stderr);
}

static void on_posteval(VipsImage *image, VipsProgress *progress, const char *label) {
    fprintf(stderr, "\r%s [##############################] 100%%\n", label);
    fflush(stderr);
}

void limn_progress_attach(VipsImage *image, const char *label) {
    char *copy = g_strdup(label);
    vips_image_set_progress(image, TRUE);
    g_signal_connect(image, "eval", G_CALLBACK(on_eval), copy);
    g_signal_connect_data(image, "posteval", G_CALLBACK(on_posteval), copy,
                          (GClosureNotify) g_free, 0);
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
