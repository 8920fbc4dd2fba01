/*
 * Writing documents so that nothing is ever lost: every file named is, at
 * every instant, either its complete old content or its complete new one.
 *
 * A new content goes to a temporary file in the same directory
 * (".NAME.XXXXXX"), which is given the owner, mode and extended attributes
 * (SELinux label, ACL, user.*) of the file it replaces, written, flushed to
 * disk and closed.  A copy that replaces nothing of the user's (one under
 * --output-dir) is then renamed over NAME.  A file rewritten in place is
 * instead exchanged with NAME (renameat2 RENAME_EXCHANGE), so that the
 * temporary name then holds whatever NAME held; if that is not the very
 * file that was read, unchanged, the two are exchanged back and nothing is
 * lost, whoever changed it and whenever (see tool_write_atomic()).  The
 * directory is synced last.  Any failure before the exchange removes the
 * temporary file and leaves NAME as it was.
 *
 * The two flushes make the result survive a power cut as well; they cost
 * two disk round trips a file (about 0.3 ms each measured here, more than
 * converting the file), so a copy that replaces nothing of the user's
 * may do without them (plan.durable).  Without them a crash can still
 * leave only the old or the new file visible at NAME, or an empty one.
 */
#ifndef DOMCOMPAT_TOOL_WRITE_H
#define DOMCOMPAT_TOOL_WRITE_H

#include <limits.h>
#include <stddef.h>
#include <sys/stat.h>

/* The steps of a replacement, for messages: what failed. */
enum tool_write_step {
    TOOL_STEP_CREATE,     /* creating the temporary file */
    TOOL_STEP_OWNER,      /* giving it the original's owner and group */
    TOOL_STEP_MODE,       /* ... its mode */
    TOOL_STEP_ATTRIBUTES, /* ... its extended attributes (SELinux label, ACL, user.*) */
    TOOL_STEP_WRITE,      /* writing the new content */
    TOOL_STEP_FSYNC,      /* flushing it to disk */
    TOOL_STEP_CLOSE,      /* closing it */
    TOOL_STEP_CHANGED,    /* the file changed or vanished since it was read */
    TOOL_STEP_BACKUP,     /* keeping the original as its backup */
    TOOL_STEP_RENAME,     /* putting the new file in the original's place */
    TOOL_STEP_CLEANUP,    /* removing the original's temporary name (the rename is done) */
    TOOL_STEP_SYNC_DIR,   /* syncing the directory (the rename is done) */
};

struct tool_write_failure {
    enum tool_write_step step;
    int error; /* errno, or 0 for TOOL_STEP_CHANGED */
    /* 1 when the new content is in place (TOOL_STEP_CLEANUP and TOOL_STEP_SYNC_DIR). */
    int replaced;
    /*
     * A file left in the directory on purpose, because it holds what another
     * program wrote and nothing else has it (TOOL_STEP_CHANGED, very
     * rarely), or the original's temporary name (TOOL_STEP_CLEANUP); "" when
     * none.
     */
    char left[NAME_MAX + 1];
};

/* How the original of a file rewritten in place is kept, as GNU cp --backup does. */
enum tool_backup_control {
    TOOL_BACKUP_NONE,     /* none (or off): no backup */
    TOOL_BACKUP_SIMPLE,   /* simple (or never): NAME+SUFFIX */
    TOOL_BACKUP_NUMBERED, /* numbered (or t): NAME.~N~, one more each time */
    TOOL_BACKUP_EXISTING, /* existing (or nil): numbered if NAME has numbered backups, else simple
                           */
};

struct tool_backup {
    enum tool_backup_control control;
    const char *suffix; /* of simple backups */
    /*
     * A simple backup never replaces a file already at NAME+SUFFIX (-i
     * SUFFIX); otherwise it does, as GNU's simple backups do.  A backup
     * that is the original itself (left by a run that was killed) is used
     * as it is, either way.
     */
    int keep_existing;
};

/* What to write, and what it replaces. */
struct tool_write_plan {
    int dir_fd;       /* the directory to write in */
    const char *name; /* the file's name in it (no slash) */
    /*
     * The file being replaced, as it was read: its descriptor (for its
     * attributes and to link the backup to) and its stat (owner, mode, and
     * the identity checked around the exchange).  original_fd < 0: no file
     * is being replaced (a copy under --output-dir); the new file gets
     * `mode` and is renamed over whatever is at `name`.
     */
    int original_fd;
    const struct stat *original;
    mode_t mode;
    const struct tool_backup *backup; /* NULL or TOOL_BACKUP_NONE: keep no backup */
    int durable;                      /* flush the file before the rename and the directory after */
    /* Out: the name the backup was kept under ("" when none), NAME_MAX + 1 bytes, or NULL. */
    char *backup_made;
};

/* Writes `data` as plan->name.  Returns 0, or -1 with `failure` filled. */
int tool_write_atomic(const struct tool_write_plan *plan, const char *data, size_t len,
                      struct tool_write_failure *failure);

/* "cannot flush the new content to disk" and so on: what a step is, for messages. */
const char *tool_write_step_describe(enum tool_write_step step);

/*
 * The name the backup of `name` in dir_fd would have now (for numbered
 * backups, one more than the highest there): 0, or -1 with errno set
 * (ENAMETOOLONG when it would not be a legal name).
 */
int tool_backup_name(const struct tool_backup *backup, int dir_fd, const char *name, char *out,
                     size_t size);

/*
 * The other links of a file with several (st->st_nlink > 1) that a run of
 * domcompat killed at the wrong moment leaves in its directory: temporary
 * links to it (".NAME....XXXXXX"), which are removed when `remove` (the
 * file's content is in NAME, so nothing is lost), and a backup under the
 * name this run would give it, which is the original itself and is kept as
 * this run's backup.  Fills `found` and returns 0, or -1 with errno set
 * when the directory cannot be read or a link cannot be removed.
 */
struct tool_leftovers {
    unsigned long temporary; /* temporary links (removed when asked) */
    unsigned long backups;   /* links under a backup name of the file */
    char first_temporary[NAME_MAX + 1];
};

int tool_write_find_leftovers(int dir_fd, const char *name, const struct stat *st,
                              const struct tool_backup *backup, int remove,
                              struct tool_leftovers *found);

/*
 * Every signal whose default is to end the process (but SIGKILL and
 * SIGSTOP, which cannot be caught) removes the temporary files being
 * written, then ends it as it would have; one that is already ignored or
 * handled stays so.  SIGXFSZ is ignored, so that a file size limit is the
 * write error EFBIG, and SIGPIPE too, so that a reader of standard output
 * that goes away is an error to report.  Call once, before any thread
 * starts.
 */
void tool_write_handle_signals(void);

#endif
