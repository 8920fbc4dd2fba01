/*
 * Writing documents so that nothing is ever lost: every file named is, at
 * every instant, either its complete old content or its complete new one.
 *
 * A new content goes to a temporary file in the same directory
 * (".NAME.XXXXXX"), which is given the owner, mode and security labels of
 * the file it replaces, written, flushed to disk and closed; only then is it
 * renamed over NAME, and the directory synced.  Any failure before the
 * rename removes the temporary file and leaves NAME as it was.
 *
 * The two flushes make the result survive a power cut as well; they cost
 * two disk round trips a file (about 0.3 ms each measured here, more than
 * converting the file), so a copy that replaces nothing of the user's
 * may do without them (plan.durable).  Without them a crash can still
 * leave only the old or the new file visible at NAME, or an empty one.
 */
#ifndef DOMCOMPAT_TOOL_WRITE_H
#define DOMCOMPAT_TOOL_WRITE_H

#include <stddef.h>
#include <sys/stat.h>

/* The steps of a replacement, for messages: what failed. */
enum tool_write_step {
    TOOL_STEP_CREATE,   /* creating the temporary file */
    TOOL_STEP_OWNER,    /* giving it the original's owner and group */
    TOOL_STEP_MODE,     /* ... its mode */
    TOOL_STEP_LABELS,   /* ... its SELinux label and ACL */
    TOOL_STEP_WRITE,    /* writing the new content */
    TOOL_STEP_FSYNC,    /* flushing it to disk */
    TOOL_STEP_CLOSE,    /* closing it */
    TOOL_STEP_CHANGED,  /* the file changed or vanished since it was read */
    TOOL_STEP_BACKUP,   /* keeping the original as NAME+SUFFIX */
    TOOL_STEP_RENAME,   /* renaming the temporary file over the original */
    TOOL_STEP_SYNC_DIR, /* syncing the directory (the rename is done) */
};

struct tool_write_failure {
    enum tool_write_step step;
    int error; /* errno, or 0 for TOOL_STEP_CHANGED */
    /* 1 when the new content is in place (only TOOL_STEP_SYNC_DIR can fail then). */
    int replaced;
};

/* What to write, and what it replaces. */
struct tool_write_plan {
    int dir_fd;       /* the directory to write in */
    const char *name; /* the file's name in it (no slash) */
    /*
     * The file being replaced, as it was read: its descriptor (for its
     * labels) and its stat (owner, mode, and the identity checked just
     * before the rename).  original_fd < 0: no file is being replaced
     * (a copy under --output-dir); the new file gets `mode`.
     */
    int original_fd;
    const struct stat *original;
    mode_t mode;
    const char *backup_suffix; /* non-NULL: keep the original as NAME+SUFFIX */
    int durable;               /* flush the file before the rename and the directory after */
};

/* Writes `data` as plan->name.  Returns 0, or -1 with `failure` filled. */
int tool_write_atomic(const struct tool_write_plan *plan, const char *data, size_t len,
                      struct tool_write_failure *failure);

/* "cannot flush the new content to disk" and so on: what a step is, for messages. */
const char *tool_write_step_describe(enum tool_write_step step);

/*
 * Removes, from a signal handler, every temporary file being written at
 * that moment; async-signal-safe.
 */
void tool_write_remove_pending(void);

#endif
