/*
** watch.c — inotify on folders; see watch.h.
*/
#include "watch.h"
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

typedef struct wdir {
    int wd;
    char *path; /* canonical */
} wdir;

struct tb_watch {
    int fd;
    wdir *d;
    size_t nd, capd;
    char **changed; /* this round's changed paths, canonical, unique */
    size_t nc, capc;
};

enum {
    MASK = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ATTRIB | IN_DELETE_SELF |
           IN_MOVE_SELF
};

tb_watch *tb_watch_new(void) {
    tb_watch *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (w->fd < 0) {
        free(w);
        return NULL;
    }
    return w;
}

static void clear_changed(tb_watch *w) {
    for (size_t i = 0; i < w->nc; i++) free(w->changed[i]);
    w->nc = 0;
}

void tb_watch_free(tb_watch *w) {
    if (!w) return;
    clear_changed(w);
    free(w->changed);
    for (size_t i = 0; i < w->nd; i++) free(w->d[i].path);
    free(w->d);
    close(w->fd);
    free(w);
}

char *tb_watch_canon(const char *file) {
    const char *slash = strrchr(file, '/');
    char *dir = slash ? strndup(file, slash == file ? 1 : (size_t)(slash - file)) : strdup(".");
    if (!dir) return NULL;
    const char *name = slash ? slash + 1 : file;
    char *real = realpath(dir, NULL);
    free(dir);
    if (!real) return strdup(file);
    size_t n = strlen(real) + strlen(name) + 2;
    char *out = malloc(n);
    if (out) snprintf(out, n, "%s%s%s", real, real[1] ? "/" : "", name);
    free(real);
    return out;
}

bool tb_watch_dir(tb_watch *w, const char *dir) {
    char *real = realpath(dir, NULL);
    if (!real) return false;
    for (size_t i = 0; i < w->nd; i++)
        if (!strcmp(w->d[i].path, real)) {
            free(real);
            return true;
        }
    int wd = inotify_add_watch(w->fd, real, MASK | IN_ONLYDIR);
    if (wd < 0) {
        free(real);
        return false;
    }
    /* the same folder under another name gives the same descriptor */
    for (size_t i = 0; i < w->nd; i++)
        if (w->d[i].wd == wd) {
            free(real);
            return true;
        }
    if (w->nd == w->capd) {
        size_t cap = w->capd ? w->capd * 2 : 16;
        wdir *d = realloc(w->d, cap * sizeof *d);
        if (!d) {
            free(real);
            errno = ENOMEM;
            return false;
        }
        w->d = d;
        w->capd = cap;
    }
    w->d[w->nd++] = (wdir){wd, real};
    return true;
}

bool tb_watch_file_dir(tb_watch *w, const char *file) {
    const char *slash = strrchr(file, '/');
    if (!slash) return tb_watch_dir(w, ".");
    char *dir = strndup(file, slash == file ? 1 : (size_t)(slash - file));
    if (!dir) return false;
    bool ok = tb_watch_dir(w, dir);
    free(dir);
    return ok;
}

static void note(tb_watch *w, const char *dir, const char *name) {
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (!p) return;
    snprintf(p, n, "%s%s%s", dir, *name && dir[1] ? "/" : "", name);
    for (size_t i = 0; i < w->nc; i++)
        if (!strcmp(w->changed[i], p)) {
            free(p);
            return;
        }
    if (w->nc == w->capc) {
        size_t cap = w->capc ? w->capc * 2 : 16;
        char **c = realloc(w->changed, cap * sizeof *c);
        if (!c) {
            free(p);
            return;
        }
        w->changed = c;
        w->capc = cap;
    }
    w->changed[w->nc++] = p;
}

/* Read what is queued; returns false on a read error. */
static bool drain(tb_watch *w, bool *all) {
    char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        ssize_t len = read(w->fd, buf, sizeof buf);
        if (len < 0) return errno == EAGAIN || errno == EINTR;
        if (len == 0) return true;
        for (char *p = buf; p < buf + len;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            p += sizeof *ev + ev->len;
            if (ev->mask & IN_Q_OVERFLOW) {
                *all = true;
                continue;
            }
            for (size_t i = 0; i < w->nd; i++) {
                if (w->d[i].wd != ev->wd) continue;
                if (ev->mask & IN_IGNORED) {
                    /* the watch is gone (its folder was removed): forget it
                    ** so that the folder can be watched again */
                    free(w->d[i].path);
                    w->d[i] = w->d[--w->nd];
                    *all = true;
                } else if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
                    /* the folder itself went: whatever was in it changed */
                    *all = true;
                } else note(w, w->d[i].path, ev->len ? ev->name : "");
                break;
            }
        }
    }
}

bool tb_watch_wait(tb_watch *w, volatile sig_atomic_t *stop, int quiet_ms, char ***paths, size_t *n, bool *all) {
    clear_changed(w);
    *all = false;
    struct pollfd pfd = {w->fd, POLLIN, 0};
    /* until something happens */
    while (!*stop) {
        int r = poll(&pfd, 1, 500);
        if (r < 0 && errno != EINTR) return false;
        if (r > 0) {
            if (!drain(w, all)) return false;
            if (w->nc || *all) break;
        }
    }
    if (*stop) return false;
    /* until it is quiet */
    while (!*stop) {
        int r = poll(&pfd, 1, quiet_ms);
        if (r < 0 && errno != EINTR) return false;
        if (r == 0) break;
        if (r > 0 && !drain(w, all)) return false;
    }
    if (*stop) return false;
    *paths = w->changed;
    *n = w->nc;
    return true;
}
