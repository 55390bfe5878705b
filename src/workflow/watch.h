/*
** watch.h — file-change notification for `tebiki watch` (Linux inotify).
**
** Folders are watched, not files: editors save by writing a new file and
** renaming it over the old one, which a watch on the old file would miss.
** A change is reported as the canonical path of the file that changed
** (realpath of its folder + its name), which the driver compares with the
** canonical paths of what each guide read (tb_watch_canon).
*/
#ifndef TB_WATCH_H
#define TB_WATCH_H
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct tb_watch tb_watch;

/* NULL (errno set) when inotify is not available. */
tb_watch *tb_watch_new(void);
void tb_watch_free(tb_watch *w);

/* Watch the folder DIR (any path; idempotent).  False (errno set) when it
** cannot be watched. */
bool tb_watch_dir(tb_watch *w, const char *dir);
/* Watch the folder that holds FILE. */
bool tb_watch_file_dir(tb_watch *w, const char *file);

/* realpath of FILE's folder + "/" + its name (the file itself need not
** exist); malloc'd, NULL when out of memory. */
char *tb_watch_canon(const char *file);

/* Wait for changes: blocks until something changes, then collects events
** until QUIET_MS pass without one (an editor's save is several events).
** Returns true with *PATHS (owned by W, valid until the next call) and *N
** set, *ALL set when events were lost (the queue overflowed: assume that
** everything changed); false when *STOP became nonzero or on an error. */
bool tb_watch_wait(tb_watch *w, volatile sig_atomic_t *stop, int quiet_ms, char ***paths, size_t *n,
                   bool *all);

#endif
