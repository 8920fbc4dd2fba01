#include "batch.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "diff.h"
#include "io.h"
#include "libvirt_files.h"
#include "report.h"
#include "sniff.h"
#include "write.h"

/* What became of one document; each task names its own in report_tally order. */
enum outcome {
    OUTCOME_CHANGED,   /* convert */
    OUTCOME_UNCHANGED, /* convert */
    OUTCOME_OK,        /* check: converts as is */
    OUTCOME_LOSSY,     /* check: converts only by dropping something */
    OUTCOME_VALID,     /* validate */
    OUTCOME_REFUSED,
    OUTCOME_INVALID,
    OUTCOME_FAILED, /* could not be read or written, or an internal error */
    OUTCOME_SKIPPED,
    OUTCOME_COUNT
};

static const char *const outcome_names[OUTCOME_COUNT] = {
    "changed", "unchanged", "ok", "lossy", "valid", "refused", "invalid", "failed", "skipped",
};

/* One document's work, kept until it is reported in its turn. */
struct job {
    const struct tool_input *input;
    enum outcome outcome;
    int status;
    char *messages; /* for standard error */
    size_t messages_len;
    char *output; /* for standard output: a diff, check's lines, or a JSON document */
    size_t output_len;
    domcompat_result *result; /* TOOL_TO_STDOUT: holds the document to write */
    size_t conflicts_with;    /* --output-dir: 1 + the input whose copy has the same path */
    int done;
};

/* The state one document's work passes around. */
struct work {
    const struct tool_batch *batch;
    const struct tool_inputs *inputs;
    struct job *job;
    const char *name; /* the input's path as messages show it */
    char name_buf[1024];
    FILE *messages, *output; /* opened on first use: see messages_of() */
    int streams_failed;      /* one could not be opened */
    struct tool_file file;
    char *data;
    size_t len;
    domcompat_result *result;
    domcompat_error err;
    int has_error;
    const char *skipped; /* why it was skipped, or NULL */
    char skipped_buf[1200];
    char *out_path;        /* --output-dir: where its copy goes */
    const char *out_shown; /* ... as messages show it */
    char out_shown_buf[1024];
    int written;
    char *diff;
    size_t diff_len;
    char backup_made[NAME_MAX + 1]; /* the backup's name, beside the file */
    int explained;                  /* explain wrote the document's own JSON object */
};

/*
 * The job's messages (for standard error) and output (for standard
 * output), kept until the job is reported in its turn.  Each is opened
 * when something is first written to it: most documents write nothing,
 * and opening one costs more than converting a small document.  NULL when
 * it cannot be opened, and then the job fails (process()).
 */
static FILE *open_on_use(struct work *w, FILE **stream, char **data, size_t *len)
{
    if (*stream == NULL && !w->streams_failed && (*stream = open_memstream(data, len)) == NULL)
        w->streams_failed = 1;
    return *stream;
}

static FILE *messages_of(struct work *w)
{
    return open_on_use(w, &w->messages, &w->job->messages, &w->job->messages_len);
}

static FILE *output_of(struct work *w)
{
    return open_on_use(w, &w->output, &w->job->output, &w->job->output_len);
}

static enum outcome outcome_of_status(int status)
{
    return status == EXIT_REFUSED   ? OUTCOME_REFUSED
           : status == EXIT_INVALID ? OUTCOME_INVALID
                                    : OUTCOME_FAILED;
}

/* A document-level problem that is not the library's: an I/O error, a policy refusal. */
static void fail_with(struct work *w, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail_with(struct work *w, int status, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(w->err.message, sizeof(w->err.message), fmt, ap);
    va_end(ap);
    w->err.line = w->err.column = 0;
    w->has_error = 1;
    w->job->status = status;
    w->job->outcome = outcome_of_status(status);
    if (!w->batch->json && messages_of(w) != NULL)
        fprintf(w->messages, "%s%s: %s\n", status == EXIT_INVALID ? "" : "domcompat: ", w->name,
                w->err.message);
}

static void report_library_error(struct work *w, int rc)
{
    w->has_error = 1;
    w->job->status = report_exit_status(rc);
    w->job->outcome = outcome_of_status(w->job->status);
    if (!w->batch->json && messages_of(w) != NULL)
        report_failure(w->messages, w->name, rc, &w->err);
}

/* Reads the document; 0, or -1 with the failure reported. */
static int read_document(struct work *w)
{
    const struct tool_input *input = w->job->input;
    const struct tool_dir *dir = tool_input_dir(w->inputs, input);
    const struct tool_identity seen = {input->dev, input->ino};
    const char *path = input->path;
    /* Only --in-place needs the directory: see write_copy() for a copy that is the input. */
    enum tool_open_purpose purpose =
        w->batch->task == TOOL_TASK_CONVERT && w->batch->destination == TOOL_IN_PLACE
            ? TOOL_OPEN_TO_REPLACE
            : TOOL_OPEN_TO_READ;
    /* Only the library can count the document's size: read what it may count, and no more. */
    size_t cap = domcompat_limits_size_cap(w->batch->max_size);
    enum tool_read_status status;
    char why[512];

    if (input->special) {
        snprintf(why, sizeof(why), "not a regular file");
        status = TOOL_READ_IO_ERROR;
    } else if (strcmp(path, "-") == 0) {
        status = tool_read_input(path, cap, &w->data, &w->len, why, sizeof(why));
    } else {
        status = dir != NULL ? tool_open_walked(dir, input->name, input->regular ? &seen : NULL,
                                                &w->file, why, sizeof(why))
                             : tool_open_file(path, purpose, input->regular ? &seen : NULL,
                                              &w->file, why, sizeof(why));
        if (status == TOOL_READ_OK)
            status = tool_read_file(&w->file, cap, &w->data, &w->len, why, sizeof(why));
    }
    if (status == TOOL_READ_TOO_LARGE) {
        tool_explain_size_cap(w->batch->max_size, why, sizeof(why));
        fail_with(w, EXIT_INVALID, "%s", why);
    } else if (status != TOOL_READ_OK) {
        fail_with(w, EXIT_FAILURE_IO, "%s", why);
    }
    return status == TOOL_READ_OK ? 0 : -1;
}

/*
 * How many of the file's links a run of domcompat that was killed left in
 * its directory (see tool_write_find_leftovers()): temporary ones, which
 * are removed (but in a dry run), and a backup under the name this run
 * gives it.  After a removal the file's stat is read again, its link count
 * and ctime having changed, if its content is still the one read.  Returns
 * -1 after reporting a failure.
 */
static long leftover_links(struct work *w)
{
    struct tool_leftovers found;
    struct stat now;
    char shown[NAME_MAX * 4 + 8];

    if (w->file.st.st_nlink < 2)
        return 0;
    if (tool_write_find_leftovers(w->file.dir_fd, w->file.name, &w->file.st, w->batch->backup,
                                  !w->batch->dry_run, &found) != 0) {
        fail_with(w, EXIT_FAILURE_IO,
                  "not written: it has %lu hard links, and its directory cannot be searched for "
                  "those an interrupted run leaves: %s",
                  (unsigned long)w->file.st.st_nlink, strerror(errno));
        return -1;
    }
    if (found.temporary > 0 && !w->batch->dry_run) {
        if (!w->batch->json && !w->batch->quiet && messages_of(w) != NULL)
            fprintf(w->messages,
                    "%s: removed %s beside it%s, a link to it that an interrupted run left\n",
                    w->name, report_display_name(found.first_temporary, shown, sizeof(shown)),
                    found.temporary > 1 ? " and others like it" : "");
        if (fstat(w->file.fd, &now) == 0 && now.st_ino == w->file.st.st_ino &&
            now.st_dev == w->file.st.st_dev && now.st_size == w->file.st.st_size &&
            now.st_mtim.tv_sec == w->file.st.st_mtim.tv_sec &&
            now.st_mtim.tv_nsec == w->file.st.st_mtim.tv_nsec)
            w->file.st = now;
    }
    return (long)(found.temporary + found.backups);
}

/*
 * A simple backup that -i SUFFIX would have to put where a file already
 * is: NULL, or that file's name.  A backup that is the original itself
 * (left by a run that was killed) is not in the way.
 */
static const char *backup_in_the_way(const struct work *w, char *name, size_t size)
{
    const struct tool_backup *backup = w->batch->backup;
    struct stat there;

    if (backup == NULL || !backup->keep_existing || backup->control != TOOL_BACKUP_SIMPLE ||
        tool_backup_name(backup, w->file.dir_fd, w->file.name, name, size) != 0 ||
        fstatat(w->file.dir_fd, name, &there, AT_SYMLINK_NOFOLLOW) != 0 ||
        (there.st_dev == w->file.st.st_dev && there.st_ino == w->file.st.st_ino))
        return NULL;
    return name;
}

/*
 * Why an in-place rewrite of this file would betray the user's intent, or
 * NULL.  Mode bits, not access(): as root access() always says yes.
 * `leftovers`: how many of its links are a killed run's (leftover_links()).
 */
static const char *rewrite_refusal(const struct work *w, long leftovers, char *buf, size_t size)
{
    const struct stat *st = &w->file.st;
    char backup[NAME_MAX + 1], shown[NAME_MAX * 4 + 8], suffix[NAME_MAX * 4 + 8];
    char owned[PATH_MAX + 32];

    if (backup_in_the_way(w, backup, sizeof(backup)) != NULL) {
        snprintf(buf, size,
                 "has a backup already, %s, which -i%s never replaces; --backup=simple replaces "
                 "it, --backup=numbered keeps it and numbers the new one",
                 report_display_name(backup, shown, sizeof(shown)),
                 report_display_name(w->batch->backup->suffix, suffix, sizeof(suffix)));
        return buf;
    }
    if (w->batch->force)
        return NULL;
    if (w->batch->explicit_output &&
        tool_libvirt_owned(w->data, w->len, w->file.dir_fd, owned, sizeof(owned)) != NULL) {
        snprintf(buf, size,
                 "is libvirt's own file (it %s), and no released libvirt reads the explicit form: "
                 "libvirt would drop the domain; %s writes what libvirt reads, --force the "
                 "explicit form anyway",
                 owned, w->batch->libvirt_to);
        return buf;
    }
    if (st->st_nlink - (unsigned long)leftovers > 1) {
        snprintf(buf, size,
                 "has %lu hard links, and replacing it would split them (the other names would "
                 "keep the old content); --force replaces it anyway",
                 (unsigned long)(st->st_nlink - (unsigned long)leftovers));
        return buf;
    }
    if ((st->st_mode & 0222) == 0 ||
        (geteuid() != 0 && faccessat(w->file.dir_fd, w->file.name, W_OK, AT_EACCESS) != 0)) {
        snprintf(buf, size, "is read-only (mode %04o); --force rewrites it anyway",
                 (unsigned)(st->st_mode & 07777));
        return buf;
    }
    return NULL;
}

static void report_write_failure(struct work *w, const char *what,
                                 const struct tool_write_failure *failure)
{
    const char *step = tool_write_step_describe(failure->step);
    char shown[NAME_MAX * 4 + 8];
    const char *left =
        failure->left[0] ? report_display_name(failure->left, shown, sizeof(shown)) : NULL;

    if (failure->step == TOOL_STEP_CHANGED && failure->replaced)
        fail_with(w, EXIT_FAILURE_IO,
                  "%s: it changed while being converted, and the new content cannot be taken "
                  "back out of its place: %s; what was there is kept as %s beside it",
                  what, strerror(failure->error), left);
    else if (failure->replaced && left != NULL)
        fail_with(w, EXIT_FAILURE_IO, "%s: %s: %s; the old content is kept as %s beside it", what,
                  step, strerror(failure->error), left);
    else if (failure->replaced)
        fail_with(w, EXIT_FAILURE_IO, "%s: %s: %s; the new content may not survive a crash", what,
                  step, strerror(failure->error));
    else if (failure->error == 0 && left != NULL)
        fail_with(w, EXIT_FAILURE_IO,
                  "not written: %s; it was left as it is, and %s beside it holds what another "
                  "program put there meanwhile",
                  step, left);
    else if (failure->error == 0)
        fail_with(w, EXIT_FAILURE_IO, "not written: %s; it was left as it is", step);
    else
        fail_with(w, EXIT_FAILURE_IO, "not written: %s: %s; %s is unchanged", step,
                  strerror(failure->error), what);
}

static int write_in_place(struct work *w, const char *data, size_t len)
{
    struct tool_write_plan plan = {
        .dir_fd = w->file.dir_fd,
        .name = w->file.name,
        .original_fd = w->file.fd,
        .original = &w->file.st,
        .mode = w->file.st.st_mode,
        .backup = w->batch->backup,
        .durable = 1, /* the user's only copy */
        .backup_made = w->backup_made,
    };
    struct tool_write_failure failure;
    char why[PATH_MAX + 512];
    const char *refusal;
    long leftovers = leftover_links(w);

    if (leftovers < 0)
        return -1;
    refusal = rewrite_refusal(w, leftovers, why, sizeof(why));
    if (refusal != NULL) {
        fail_with(w, EXIT_FAILURE_IO, "not %s: it %s", w->batch->dry_run ? "rewritable" : "written",
                  refusal);
        return -1;
    }
    if (w->batch->dry_run)
        return 0;
    if (tool_write_atomic(&plan, data, len, &failure) != 0) {
        w->written = failure.replaced;
        report_write_failure(w, "the file", &failure);
        return -1;
    }
    w->written = 1;
    return 0;
}

/*
 * --output-dir whose copy of this input is the input itself: the input was
 * opened without its directory (no other copy needs it), and the rewrite in
 * place needs it now.  The path is resolved again as when it was opened, and
 * the name found there must still hold the file that was read, which is
 * what opening the directory with the file guarantees for --in-place; the
 * identity is checked once more just before the rename.  Otherwise nothing
 * is written: the file changed or vanished.
 */
static int open_input_directory(struct work *w)
{
    static const struct tool_write_failure changed = {TOOL_STEP_CHANGED, 0, 0, ""};

    if (tool_file_open_directory(&w->file, w->job->input->path) == 0)
        return 0;
    if (errno == 0)
        report_write_failure(w, "the file", &changed);
    else
        fail_with(w, EXIT_FAILURE_IO, "cannot open the directory of %s: %s", w->name,
                  strerror(errno));
    return -1;
}

/* mkdir -p for the directories of `path` below (and including) the output directory. */
static int make_parents(char *path)
{
    char *slash;

    for (slash = strchr(path + 1, '/'); slash != NULL; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            *slash = '/';
            return -1;
        }
        *slash = '/';
    }
    return 0;
}

/* Is the file at dir_fd/name already exactly `data`? */
static int holds_exactly(int dir_fd, const char *name, const char *data, size_t len)
{
    struct tool_file existing = {dir_fd, NULL, -1, {0}, true};
    char *have = NULL, why[64];
    size_t have_len = 0;
    int same = 0;

    existing.fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (existing.fd >= 0 && fstat(existing.fd, &existing.st) == 0 && S_ISREG(existing.st.st_mode) &&
        (size_t)existing.st.st_size == len &&
        tool_read_file(&existing, len, &have, &have_len, why, sizeof(why)) == TOOL_READ_OK)
        same = have_len == len && memcmp(have, data, len) == 0;
    free(have);
    if (existing.fd >= 0)
        close(existing.fd);
    return same;
}

/* The directory holding the file `path` names (it has a '/'), opened; -1 and errno if not. */
static int open_parent(char *path)
{
    char *slash = strrchr(path, '/');
    int fd;

    *slash = '\0';
    fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    *slash = '/';
    return fd;
}

/* --output-dir: writes the copy, unless it is there already as it would be written. */
static int write_copy(struct work *w, const char *data, size_t len)
{
    struct tool_write_failure failure;
    struct tool_write_plan plan;
    char *slash = strrchr(w->out_path, '/');
    struct stat there;
    int dir_fd, rc = -1;

    if (w->batch->dry_run)
        return 0;
    /* The directory is nearly always there: three mkdir calls per file cost more than this. */
    dir_fd = open_parent(w->out_path);
    if (dir_fd < 0 && errno == ENOENT && w->batch->destination == TOOL_TO_DIR) {
        if (make_parents(w->out_path) != 0) {
            fail_with(w, EXIT_FAILURE_IO, "cannot create the directories of %s: %s", w->out_shown,
                      strerror(errno));
            return -1;
        }
        dir_fd = open_parent(w->out_path);
    }
    if (dir_fd < 0) {
        fail_with(w, EXIT_FAILURE_IO, "cannot open the directory of %s: %s", w->out_shown,
                  strerror(errno));
        return -1;
    }
    memset(&plan, 0, sizeof(plan));
    plan.dir_fd = dir_fd;
    plan.name = slash + 1;
    plan.original_fd = -1;
    /* The input's permission bits, as cp's; a document read from standard input has none. */
    plan.mode = w->file.fd >= 0 ? w->file.st.st_mode & 0777 : w->batch->new_file_mode;
    plan.durable = w->batch->sync;
    if (fstatat(dir_fd, plan.name, &there, AT_SYMLINK_NOFOLLOW) == 0) {
        if (there.st_dev == w->file.st.st_dev && there.st_ino == w->file.st.st_ino) {
            /*
             * The copy would be the input itself: a rewrite in place, with its rules, and
             * none at all when nothing changes.
             */
            close(dir_fd);
            if (w->job->outcome != OUTCOME_CHANGED)
                return 0;
            return open_input_directory(w) == 0 ? write_in_place(w, data, len) : -1;
        }
        if (!S_ISREG(there.st_mode)) {
            fail_with(w, EXIT_FAILURE_IO, "not written: %s exists and is not a regular file",
                      w->out_shown);
            close(dir_fd);
            return -1;
        }
        if (holds_exactly(dir_fd, plan.name, data, len)) {
            close(dir_fd);
            return 0;
        }
    }
    if (tool_write_atomic(&plan, data, len, &failure) != 0) {
        w->written = failure.replaced;
        report_write_failure(w, w->out_shown, &failure);
    } else {
        w->written = 1;
        rc = 0;
    }
    close(dir_fd);
    return rc;
}

/* The headers name the files themselves (diff quotes them as GNU diff does), so patch finds them.
 */
static void write_diff(struct work *w, const char *data, size_t len)
{
    const char *old_label = strcmp(w->job->input->path, "-") == 0 ? w->name : w->job->input->path;
    const char *new_label = w->out_path ? w->out_path : old_label;
    FILE *to = w->batch->json ? open_memstream(&w->diff, &w->diff_len) : output_of(w);

    if (to == NULL)
        return;
    if (tool_diff_write(to, old_label, new_label, w->data, w->len, data, len, w->result,
                        w->batch->color) != 0)
        fail_with(w, EXIT_FAILURE_IO, "cannot show the difference: %s", strerror(errno));
    if (to != w->output)
        fclose(to);
}

/* Where the backup of a file rewritten in place is, as messages show it: beside the file (for a
 * symbolic link named by the user, beside the file it points to). */
static const char *backup_shown(const struct work *w, char *buf, size_t size)
{
    const char *path = w->job->input->path, *slash;
    char *resolved = NULL, raw[PATH_MAX + NAME_MAX + 2];
    struct stat st;

    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && (resolved = realpath(path, NULL)) != NULL)
        path = resolved;
    slash = strrchr(path, '/');
    snprintf(raw, sizeof(raw), "%.*s%s", slash != NULL ? (int)(slash - path + 1) : 0, path,
             w->backup_made);
    free(resolved);
    return report_display_name(raw, buf, size);
}

/*
 * `listed`: say so without -v too.  What a walk meets and skips as a
 * matter of course (links, other libvirt objects) is only counted unless
 * -v asks for each.
 */
static void skip_document(struct work *w, const char *why, int listed)
{
    w->job->outcome = OUTCOME_SKIPPED;
    w->job->status = EXIT_DONE;
    if (!w->batch->json && !w->batch->quiet && (listed || w->batch->verbose) &&
        messages_of(w) != NULL)
        fprintf(w->messages, "%s: skipped: %s\n", w->name, why);
    snprintf(w->skipped_buf, sizeof(w->skipped_buf), "%s", why);
    w->skipped = w->skipped_buf;
}

/*
 * A document found by walking that is not a domain (networks/default.xml
 * under /etc/libvirt/qemu) is skipped, not reported as invalid; named on
 * the command line, it is an error.  A root named domain in a namespace
 * (<x:domain>) was meant as a domain and stays an error.  True when `w`
 * was skipped so.
 */
static bool skipped_other_object(struct work *w, int rc)
{
    char root[64], why[128];
    const char *colon;

    if (rc != DOMCOMPAT_EINVALID || !w->job->input->walked ||
        tool_sniff_root(w->data, w->len, root, sizeof(root)) != 0)
        return false;
    colon = strrchr(root, ':');
    if (strcmp(colon != NULL ? colon + 1 : root, "domain") == 0)
        return false;
    snprintf(why, sizeof(why), "not a domain but a <%s>", root);
    skip_document(w, why, 0);
    return true;
}

static void convert_document(struct work *w)
{
    const struct tool_batch *b = w->batch;
    char backup[PATH_MAX + NAME_MAX * 4 + 8];
    size_t changes, len;
    const char *data;
    int rc;

    rc = domcompat_convert(&w->result, b->ctx, b->opts, w->data, w->len, &w->err);
    if (rc == DOMCOMPAT_EREFUSED) {
        w->job->status = EXIT_REFUSED;
        w->job->outcome = OUTCOME_REFUSED;
        if (!b->json && messages_of(w) != NULL) {
            report_refusals(w->messages, w->name, w->result);
            report_refused_document(w->messages, w->name, w->result, "refused", !b->dry_run);
        }
        return;
    }
    if (skipped_other_object(w, rc))
        return;
    if (rc != DOMCOMPAT_OK) {
        report_library_error(w, rc);
        return;
    }
    if (!b->json && !b->quiet && domcompat_result_loss_count(w->result) > 0 &&
        messages_of(w) != NULL)
        report_losses(w->messages, w->name, w->result);
    if (!b->json && !b->quiet && domcompat_result_replacement_count(w->result) > 0 &&
        messages_of(w) != NULL)
        report_replacements(w->messages, w->name, w->result);
    data = domcompat_result_output(w->result, &len);
    changes = domcompat_result_change_count(w->result);
    w->job->outcome = domcompat_result_changed(w->result) ? OUTCOME_CHANGED : OUTCOME_UNCHANGED;
    if (b->destination == TOOL_TO_STDOUT) {
        w->job->result = w->result; /* written in its turn, by the reporting thread */
        w->result = NULL;
        return;
    }
    if (b->diff && w->job->outcome == OUTCOME_CHANGED)
        write_diff(w, data, len);
    if (b->destination == TOOL_IN_PLACE && w->job->outcome == OUTCOME_CHANGED &&
        write_in_place(w, data, len) != 0)
        return;
    if ((b->destination == TOOL_TO_DIR || b->destination == TOOL_TO_FILE) &&
        write_copy(w, data, len) != 0)
        return;
    if (b->destination == TOOL_TO_FILE && !b->dry_run)
        return; /* one document, like standard output: nothing to say when it went well */
    if (b->json || b->quiet || w->job->outcome != OUTCOME_CHANGED ||
        (b->diff && b->destination == TOOL_TO_NOWHERE) || (!b->dry_run && messages_of(w) == NULL))
        return;
    if (b->dry_run && output_of(w) != NULL)
        /* What a dry run finds is its result: standard output, as --diff's. */
        fprintf(w->output, "%s: would convert %zu PCI controller%s\n", w->name, changes,
                changes == 1 ? "" : "s");
    else if (!b->dry_run)
        fprintf(w->messages, "%s: converted %zu PCI controller%s%s%s%s%s\n", w->name, changes,
                changes == 1 ? "" : "s", w->out_path ? " into " : "",
                w->out_path ? w->out_shown : "", w->backup_made[0] ? "; original kept as " : "",
                w->backup_made[0] ? backup_shown(w, backup, sizeof(backup)) : "");
}

static void check_document(struct work *w)
{
    int rc = domcompat_convert(&w->result, w->batch->ctx, w->batch->opts, w->data, w->len, &w->err);
    size_t i;

    if (rc == DOMCOMPAT_OK) {
        w->job->outcome = OUTCOME_OK;
        return;
    }
    if (skipped_other_object(w, rc))
        return;
    if (rc != DOMCOMPAT_EREFUSED) {
        report_library_error(w, rc);
        return;
    }
    w->job->status = EXIT_REFUSED;
    w->job->outcome = OUTCOME_LOSSY;
    for (i = 0; i < domcompat_result_refusal_count(w->result); i++)
        if (!domcompat_result_refusal(w->result, i)->loss)
            w->job->outcome = OUTCOME_REFUSED;
    if (!w->batch->json && output_of(w) != NULL) {
        report_refusals(w->output, w->name, w->result);
        report_refused_document(w->output, w->name, w->result,
                                w->job->outcome == OUTCOME_LOSSY ? "lossy" : "refused", 0);
    }
}

/*
 * explain: the library reads the document (its upgrade to the explicit form
 * under the user's options names each implementation, and refuses what is
 * invalid as every command does), check's question is asked for --to, and
 * tool_explain_document() says what the guest gets.
 */
static void explain_document(struct work *w)
{
    domcompat_result *reading = NULL;
    domcompat_error check_err;
    int rc =
        domcompat_convert(&reading, w->batch->ctx, w->batch->reading, w->data, w->len, &w->err);
    int status;

    if (skipped_other_object(w, rc)) {
        domcompat_result_free(reading);
        return;
    }
    if (rc != DOMCOMPAT_OK && rc != DOMCOMPAT_EREFUSED) {
        report_library_error(w, rc);
        domcompat_result_free(reading);
        return;
    }
    if (w->batch->explain_checks) {
        rc = domcompat_convert(&w->result, w->batch->ctx, w->batch->opts, w->data, w->len,
                               &check_err);
        if (rc != DOMCOMPAT_OK && rc != DOMCOMPAT_EREFUSED) {
            w->err = check_err;
            report_library_error(w, rc);
            domcompat_result_free(reading);
            return;
        }
    }
    if (output_of(w) == NULL) {
        domcompat_result_free(reading);
        return;
    }
    status = tool_explain_document(w->batch->explain, w->name, w->data, w->len, reading, w->result,
                                   0, w->output);
    domcompat_result_free(reading);
    if (status < 0) {
        fail_with(w, EXIT_FAILURE_IO, "internal error: %s", strerror(ENOMEM));
        return;
    }
    w->job->status = status;
    w->job->outcome = status == 0 ? OUTCOME_OK : OUTCOME_REFUSED;
    w->explained = 1;
}

static void validate_document(struct work *w)
{
    domcompat_form detected;
    int rc = domcompat_validate(&detected, w->batch->ctx, w->batch->form, w->data, w->len, &w->err);

    if (skipped_other_object(w, rc))
        return;
    if (rc != DOMCOMPAT_OK) {
        report_library_error(w, rc);
        return;
    }
    w->job->outcome = OUTCOME_VALID;
    if (w->batch->quiet || w->batch->json || output_of(w) == NULL)
        return;
    if (detected == DOMCOMPAT_FORM_ANY)
        fprintf(w->output, "%s: valid in every form (no PCI controllers)\n", w->name);
    else if (detected == DOMCOMPAT_FORM_EXPLICIT)
        /* Valid for domcompat is not readable by libvirt: say so where it is read. */
        fprintf(w->output,
                "%s: valid, explicit form (domcompat's; no released libvirt parses it: "
                "upgrade --to host or --to libvirt-X.Y.Z writes what libvirt reads)\n",
                w->name);
    else
        fprintf(w->output, "%s: valid, %s form\n", w->name, domcompat_form_name(detected));
}

static void write_json(struct work *w)
{
    const struct tool_batch *b = w->batch;
    struct report_document doc;
    char *diff = NULL;

    memset(&doc, 0, sizeof(doc));
    doc.path = w->name;
    doc.outcome = outcome_names[w->job->outcome];
    doc.status = w->job->status;
    doc.has_output = b->task == TOOL_TASK_CONVERT;
    if (w->job->outcome == OUTCOME_CHANGED || w->job->outcome == OUTCOME_UNCHANGED)
        doc.output = w->out_path != NULL ? w->out_path
                     : b->destination == TOOL_IN_PLACE && w->job->outcome == OUTCOME_CHANGED
                         ? w->name
                         : NULL;
    doc.written = w->written;
    doc.with_changes = b->task == TOOL_TASK_CONVERT || b->task == TOOL_TASK_CHECK;
    doc.with_replacements = b->replacing;
    doc.result = w->result;
    doc.error = w->has_error ? &w->err : NULL;
    doc.skipped = w->skipped;
    if (w->diff != NULL && (diff = malloc(w->diff_len + 1)) != NULL) {
        memcpy(diff, w->diff, w->diff_len);
        diff[w->diff_len] = '\0'; /* a NUL inside the diff ends it early; documents have none */
        doc.diff = diff;
    }
    if (output_of(w) != NULL)
        report_json_document(w->output, &doc);
    free(diff);
}

static char *output_path_of(const struct tool_batch *b, const struct tool_input *input)
{
    size_t len = strlen(b->output_dir) + strlen(input->relative) + 2;
    char *path = malloc(len);

    if (path != NULL)
        snprintf(path, len, "%s/%s", b->output_dir, input->relative);
    return path;
}

static void process(const struct tool_batch *b, const struct tool_inputs *inputs, struct job *job)
{
    const struct tool_input *input = job->input;
    struct work w;

    memset(&w, 0, sizeof(w));
    w.batch = b;
    w.inputs = inputs;
    w.job = job;
    w.file.fd = w.file.dir_fd = -1;
    w.name = report_display_name(input->path, w.name_buf, sizeof(w.name_buf));
    if (b->destination == TOOL_TO_DIR)
        w.out_path = output_path_of(b, input);
    else if (b->destination == TOOL_TO_FILE)
        w.out_path = strdup(b->output_file);
    if (w.out_path != NULL)
        w.out_shown =
            report_display_name(b->destination == TOOL_TO_FILE ? b->output_file_shown : w.out_path,
                                w.out_shown_buf, sizeof(w.out_shown_buf));
    if ((b->destination == TOOL_TO_DIR || b->destination == TOOL_TO_FILE) && w.out_path == NULL)
        fail_with(&w, EXIT_FAILURE_IO, "internal error: %s", strerror(ENOMEM));
    else if (input->skip != NULL)
        skip_document(&w, input->skip, 0);
    else if (input->same_as != 0) {
        char shown[1024], why[1100];

        snprintf(why, sizeof(why), "the same file as %s",
                 report_display_name(inputs->items[input->same_as - 1].path, shown, sizeof(shown)));
        skip_document(&w, why, 1);
    } else if (input->usage)
        fail_with(
            &w, EXIT_FAILURE_IO,
            "not a regular file but a directory (--recursive works on the *.xml files in it)");
    else if (input->error != 0)
        fail_with(&w, EXIT_FAILURE_IO, "cannot list this directory: %s", strerror(input->error));
    else if (job->conflicts_with != 0) {
        char shown[1024];

        fail_with(
            &w, EXIT_USAGE, "not written: its copy would be %s, like the one of %s", w.out_shown,
            report_display_name(inputs->items[job->conflicts_with - 1].path, shown, sizeof(shown)));
    } else if (read_document(&w) == 0) {
        if (b->task == TOOL_TASK_CONVERT)
            convert_document(&w);
        else if (b->task == TOOL_TASK_CHECK)
            check_document(&w);
        else if (b->task == TOOL_TASK_EXPLAIN)
            explain_document(&w);
        else
            validate_document(&w);
    }
    if (b->json && !w.explained)
        write_json(&w);
    if ((w.messages != NULL && fclose(w.messages) != 0) |
        (w.output != NULL && fclose(w.output) != 0) | w.streams_failed) {
        job->status = EXIT_FAILURE_IO;
        job->outcome = OUTCOME_FAILED;
    }
    tool_close_file(&w.file);
    domcompat_result_free(w.result);
    free(w.data);
    free(w.out_path);
    free(w.diff);
}

/* --- progress --------------------------------------------------------------------- */

struct progress {
    int shown; /* a progress line is on the terminal now */
    struct timespec start, last;
};

static double seconds_between(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void progress_clear(struct progress *p)
{
    if (p->shown)
        fputs("\r\033[K", stderr);
    p->shown = 0;
}

/* "domcompat: 120/1000, 85 documents/s: PATH", at most ten times a second, cut to the width. */
static void progress_show(struct progress *p, size_t done, size_t total, const char *path)
{
    struct timespec now;
    struct winsize size;
    char line[512];
    double elapsed;
    int width = 80;

    clock_gettime(CLOCK_MONOTONIC, &now);
    if (p->shown && seconds_between(&p->last, &now) < 0.1)
        return;
    p->last = now;
    elapsed = seconds_between(&p->start, &now);
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
        width = size.ws_col;
    snprintf(line, sizeof(line), "domcompat: %zu/%zu, %.0f documents/s: %s", done, total,
             elapsed > 0 ? (double)done / elapsed : 0.0, path);
    if (width - 1 < (int)sizeof(line) && width > 1)
        line[width - 1] = '\0';
    fprintf(stderr, "\r\033[K%s", line);
    p->shown = 1;
}

/* --- running and reporting in order ------------------------------------------- */

struct pool {
    const struct tool_batch *batch;
    const struct tool_inputs *inputs;
    struct job *jobs;
    size_t count, next;
    volatile int cancelled;
    pthread_mutex_t lock;
    pthread_cond_t finished;
};

/* Takes the next job not yet taken and does it; false when none is left. */
static bool run_next_job(struct pool *pool)
{
    size_t i = __sync_fetch_and_add(&pool->next, 1);

    if (i >= pool->count)
        return false;
    if (!pool->cancelled)
        process(pool->batch, pool->inputs, &pool->jobs[i]);
    else
        pool->jobs[i].outcome = OUTCOME_SKIPPED;
    pthread_mutex_lock(&pool->lock);
    pool->jobs[i].done = 1;
    pthread_cond_broadcast(&pool->finished);
    pthread_mutex_unlock(&pool->lock);
    return true;
}

static void *worker(void *arg)
{
    while (run_next_job(arg))
        ;
    return NULL;
}

static bool job_done(struct pool *pool, const struct job *job)
{
    bool done;

    pthread_mutex_lock(&pool->lock);
    done = job->done;
    pthread_mutex_unlock(&pool->lock);
    return done;
}

/*
 * The reporting thread is one of the -j workers: until the job it reports
 * next is done, it does jobs of its own rather than sleep, and sleeps only
 * when none is left to take.
 */
static void wait_for_job(struct pool *pool, const struct job *job)
{
    while (!job_done(pool, job))
        if (!run_next_job(pool)) {
            pthread_mutex_lock(&pool->lock);
            while (!job->done)
                pthread_cond_wait(&pool->finished, &pool->lock);
            pthread_mutex_unlock(&pool->lock);
        }
}

/* --output-dir: two inputs whose copies would have the same path; the later is refused. */
static int by_relative(const void *a, const void *b)
{
    const struct job *x = *(const struct job *const *)a, *y = *(const struct job *const *)b;
    int c = strcmp(x->input->relative, y->input->relative);

    return c != 0 ? c : (x < y ? -1 : x > y);
}

static int mark_conflicts(struct job *jobs, size_t count)
{
    struct job **sorted = malloc((count + 1) * sizeof(*sorted));
    size_t i, first = 0;

    if (sorted == NULL)
        return -1;
    for (i = 0; i < count; i++)
        sorted[i] = &jobs[i];
    qsort(sorted, count, sizeof(*sorted), by_relative);
    for (i = 1; i < count; i++) {
        if (strcmp(sorted[i]->input->relative, sorted[first]->input->relative) != 0)
            first = i;
        else if (sorted[first]->input->skip == NULL && sorted[first]->input->same_as == 0)
            sorted[i]->conflicts_with = (size_t)(sorted[first] - jobs) + 1;
    }
    free(sorted);
    return 0;
}

/*
 * Writes one finished job's messages and output; returns 0, or the errno
 * of a failure to write to standard output.
 */
static int report_job(const struct tool_batch *b, struct job *job, size_t index)
{
    int rc = 0;

    if (job->messages_len > 0)
        fwrite(job->messages, 1, job->messages_len, stderr);
    if (b->json && fputs(index > 0 ? ",\n" : "\n", stdout) == EOF)
        rc = errno;
    /* Flushed document by document: a reader sees each as it comes, and one gone is seen now. */
    if (rc == 0 && job->output_len > 0 &&
        (fwrite(job->output, 1, job->output_len, stdout) != job->output_len || fflush(stdout) != 0))
        rc = errno;
    if (rc == 0 && job->result != NULL) {
        size_t len;
        const char *data = domcompat_result_output(job->result, &len);

        if (tool_write_stdout(data, len) != 0)
            rc = errno;
    }
    free(job->messages);
    free(job->output);
    domcompat_result_free(job->result);
    job->messages = job->output = NULL;
    job->result = NULL;
    return rc;
}

static void tally_for(const struct tool_batch *b, const char **names, int *always, size_t *counts,
                      const size_t *by_outcome, struct report_tally *tally)
{
    static const enum outcome convert[] = {OUTCOME_CHANGED, OUTCOME_UNCHANGED, OUTCOME_REFUSED,
                                           OUTCOME_INVALID, OUTCOME_FAILED,    OUTCOME_SKIPPED};
    static const enum outcome check[] = {OUTCOME_OK,      OUTCOME_LOSSY,  OUTCOME_REFUSED,
                                         OUTCOME_INVALID, OUTCOME_FAILED, OUTCOME_SKIPPED};
    static const enum outcome validate[] = {OUTCOME_VALID, OUTCOME_INVALID, OUTCOME_FAILED,
                                            OUTCOME_SKIPPED};
    const enum outcome *order = b->task == TOOL_TASK_CONVERT    ? convert
                                : b->task == TOOL_TASK_VALIDATE ? validate
                                                                : check;
    size_t n = b->task == TOOL_TASK_VALIDATE ? 4 : 6, i;

    for (i = 0; i < n; i++) {
        names[i] = outcome_names[order[i]];
        counts[i] = by_outcome[order[i]];
        always[i] = order[i] != OUTCOME_FAILED && order[i] != OUTCOME_SKIPPED;
    }
    tally->names = names;
    tally->always = always;
    tally->counts = counts;
    tally->count = n;
}

int tool_batch_run(const struct tool_batch *b, const struct tool_inputs *inputs)
{
    struct pool pool;
    struct progress progress;
    pthread_t threads[256];
    size_t by_outcome[OUTCOME_COUNT] = {0}, counts[OUTCOME_COUNT], i;
    const char *names[OUTCOME_COUNT];
    int always[OUTCOME_COUNT];
    struct report_tally tally;
    unsigned started = 0, n_threads;
    int worst = EXIT_DONE, stdout_failed = 0, stdout_closed = 0, error;

    memset(&pool, 0, sizeof(pool));
    memset(&progress, 0, sizeof(progress));
    pool.batch = b;
    pool.inputs = inputs;
    pool.count = inputs->count;
    pool.jobs = calloc(inputs->count + 1, sizeof(*pool.jobs));
    if (pool.jobs == NULL) {
        fprintf(stderr, "domcompat: internal error: %s\n", strerror(ENOMEM));
        return EXIT_FAILURE_IO;
    }
    for (i = 0; i < inputs->count; i++)
        pool.jobs[i].input = &inputs->items[i];
    if (b->destination == TOOL_TO_DIR && mark_conflicts(pool.jobs, pool.count) != 0) {
        free(pool.jobs);
        fprintf(stderr, "domcompat: internal error: %s\n", strerror(ENOMEM));
        return EXIT_FAILURE_IO;
    }
    pthread_mutex_init(&pool.lock, NULL);
    pthread_cond_init(&pool.finished, NULL);
    clock_gettime(CLOCK_MONOTONIC, &progress.start);

    n_threads = b->jobs < pool.count ? b->jobs : (unsigned)pool.count;
    if (n_threads > sizeof(threads) / sizeof(threads[0]))
        n_threads = sizeof(threads) / sizeof(threads[0]);
    for (started = 0; n_threads > 1 && started < n_threads - 1; started++)
        if (pthread_create(&threads[started], NULL, worker, &pool) != 0)
            break; /* fewer threads than asked; the ones running do all the work */
    if (b->json)
        report_json_begin(stdout, b->command);

    for (i = 0; i < pool.count; i++) {
        struct job *job = &pool.jobs[i];

        if (started == 0 && pool.cancelled) {
            job->outcome = OUTCOME_SKIPPED;
        } else if (started == 0) {
            process(b, inputs, job);
        } else {
            wait_for_job(&pool, job);
        }
        if (job->messages_len > 0)
            progress_clear(&progress);
        if ((error = report_job(b, job, i)) != 0 && !stdout_failed) {
            /* Whoever reads the diffs or the report has gone: start nothing more. */
            stdout_failed = 1;
            pool.cancelled = 1;
            progress_clear(&progress);
            /* A pager that quit is no error to report, as for the standard tools. */
            stdout_closed = error == EPIPE;
            if (!stdout_closed)
                fprintf(stderr, "domcompat: cannot write to standard output: %s\n",
                        strerror(error));
        }
        by_outcome[job->outcome]++;
        if (job->status > worst)
            worst = job->status;
        if (b->progress && pool.count > 1) {
            char shown[1024];

            progress_show(&progress, i + 1, pool.count,
                          report_display_name(job->input->path, shown, sizeof(shown)));
        }
    }
    for (i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    progress_clear(&progress);
    if (stdout_failed)
        worst = EXIT_FAILURE_IO;

    tally_for(b, names, always, counts, by_outcome, &tally);
    if (b->json && !stdout_failed)
        report_json_end(stdout, pool.count, &tally, worst);
    else if (!b->json && !b->quiet && !stdout_closed &&
             (pool.count > 1 || b->destination == TOOL_IN_PLACE || b->destination == TOOL_TO_DIR ||
              b->dry_run))
        report_summary(stderr, pool.count, &tally, b->dry_run);
    if (!stdout_failed && (fflush(stdout) != 0 || ferror(stdout))) {
        error = errno;
        stdout_closed = error == EPIPE;
        if (!stdout_closed)
            fprintf(stderr, "domcompat: cannot write to standard output: %s\n", strerror(error));
        worst = EXIT_FAILURE_IO;
    }
    pthread_cond_destroy(&pool.finished);
    pthread_mutex_destroy(&pool.lock);
    free(pool.jobs);
    return stdout_closed ? TOOL_STDOUT_CLOSED : worst;
}
