#include "io.h"

#include "domcompat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "32 MiB", or "3002 bytes". */
static void format_size(char *out, size_t out_size, size_t bytes)
{
    if (bytes % (1024 * 1024) == 0)
        snprintf(out, out_size, "%zu MiB", bytes >> 20);
    else
        snprintf(out, out_size, "%zu bytes", bytes);
}

void tool_explain_size_cap(size_t max_size, char *why, size_t why_size)
{
    char cap[32], limit[32];

    format_size(cap, sizeof(cap), domcompat_limits_size_cap(max_size));
    format_size(limit, sizeof(limit), max_size);
    snprintf(why, why_size,
             "the document is larger than %s, %zu times the --max-size limit of %s: what "
             "domcompat's conversions write in PCI controllers does not count against the limit, "
             "but no document within it is that large; expected a domain of ordinary size (raise "
             "the limit with --max-size)",
             cap, domcompat_limits_size_cap(max_size) / max_size, limit);
}

/* "larger than 32 MiB", or "larger than 3002 bytes". */
static enum tool_read_status too_large(size_t max, char *why, size_t why_size)
{
    char size[32];

    format_size(size, sizeof(size), max);
    snprintf(why, why_size, "larger than %s", size);
    return TOOL_READ_TOO_LARGE;
}

static enum tool_read_status read_all(int fd, size_t size_hint, size_t max, char **data,
                                      size_t *len, char *why, size_t why_size)
{
    size_t cap = size_hint + 1, used = 0;
    char *buf = malloc(cap);

    if (buf == NULL) {
        snprintf(why, why_size, "%s", strerror(ENOMEM));
        return TOOL_READ_IO_ERROR;
    }
    for (;;) {
        ssize_t n;

        if (used == cap) {
            /* Never more than one byte past `max` is read, nor room made for more. */
            size_t wanted = cap > max / 2 ? max + 1 : cap * 2;
            char *grown;

            if (cap > max) {
                free(buf);
                return too_large(max, why, why_size);
            }
            grown = realloc(buf, wanted);
            if (grown == NULL) {
                free(buf);
                snprintf(why, why_size, "%s", strerror(ENOMEM));
                return TOOL_READ_IO_ERROR;
            }
            buf = grown;
            cap = wanted;
        }
        n = read(fd, buf + used, cap - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(why, why_size, "%s", strerror(errno));
            free(buf);
            return TOOL_READ_IO_ERROR;
        }
        if (n == 0)
            break;
        used += (size_t)n;
    }
    if (used > max) {
        free(buf);
        return too_large(max, why, why_size);
    }
    *data = buf;
    *len = used;
    return TOOL_READ_OK;
}

enum tool_read_status tool_read_input(const char *path, size_t max, char **data, size_t *len,
                                      char *why, size_t why_size)
{
    enum tool_read_status status;
    struct tool_file file;

    *data = NULL;
    *len = 0;
    if (strcmp(path, "-") == 0)
        return read_all(STDIN_FILENO, 64 * 1024, max, data, len, why, why_size);
    status = tool_open_file(path, TOOL_OPEN_TO_READ, NULL, &file, why, why_size);
    if (status == TOOL_READ_OK)
        status = tool_read_file(&file, max, data, len, why, why_size);
    tool_close_file(&file);
    return status;
}

static enum tool_read_status io_error(char *why, size_t why_size, const char *reason)
{
    snprintf(why, why_size, "%s", reason);
    return TOOL_READ_IO_ERROR;
}

/* O_NOFOLLOW: a link planted since the path was resolved is not followed. */
static const int file_flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;

/* The name `path` ends with: "" when it ends with a slash or is empty. */
static const char *last_name(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash == NULL ? path : slash + 1;
}

/*
 * Opens the directory of `path`, which ends with a name, as file->dir_fd and
 * keeps that name as file->name: the directory is where a replacement is
 * written.  0, or an errno.
 */
static int open_directory_of(const char *path, struct tool_file *file)
{
    const char *slash = strrchr(path, '/');
    char *copy = slash != NULL && slash != path ? strndup(path, (size_t)(slash - path)) : NULL;
    const char *dir = slash == NULL ? "." : slash == path ? "/" : copy;
    int error = 0;

    file->name = strdup(last_name(path));
    if (file->name == NULL || dir == NULL)
        error = ENOMEM;
    else if ((file->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        error = errno;
    free(copy);
    return error;
}

static bool is_identity(const struct stat *st, const struct tool_identity *id)
{
    return st->st_dev == id->dev && st->st_ino == id->ino;
}

/* Said of a file that is no longer the one found when the run started. */
static const char replaced_since_seen[] =
    "it is another file now than when the run started (replaced meanwhile); not converted";

/*
 * The usual case in the fewest calls: `path` names the regular file `seen`
 * found, not a link.  Returns 1 with it open in `file`, or 0 with nothing
 * open; the careful way then finds out why, and says it as it always has.
 */
static int open_directly(const char *path, enum tool_open_purpose purpose,
                         const struct tool_identity *seen, struct tool_file *file)
{
    if (*last_name(path) == '\0')
        return 0;
    if (purpose == TOOL_OPEN_TO_READ)
        file->fd = open(path, file_flags);
    else if (open_directory_of(path, file) == 0)
        file->fd = openat(file->dir_fd, file->name, file_flags);
    if (file->fd >= 0 && fstat(file->fd, &file->st) == 0 && S_ISREG(file->st.st_mode) &&
        is_identity(&file->st, seen))
        return 1;
    tool_close_file(file);
    return 0;
}

/*
 * The careful way: a link named by the user is resolved, a file that is not
 * regular is named so before anything is opened, and every failure gets its
 * own reason.
 */
static enum tool_read_status open_carefully(const char *path, enum tool_open_purpose purpose,
                                            const struct tool_identity *seen,
                                            struct tool_file *file, char *why, size_t why_size)
{
    char *resolved = NULL;
    struct stat st;
    int error;

    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        resolved = realpath(path, NULL);
        if (resolved == NULL)
            return io_error(why, why_size, strerror(errno));
        path = resolved;
    }
    /* open() on a socket says "No such device or address": say what it is instead. */
    if ((stat(path, &st) == 0 && !S_ISREG(st.st_mode)) || *last_name(path) == '\0') {
        free(resolved);
        return io_error(why, why_size, "not a regular file");
    }
    error = open_directory_of(path, file);
    free(resolved);
    if (error != 0) {
        tool_close_file(file);
        return io_error(why, why_size, strerror(error));
    }
    file->fd = openat(file->dir_fd, file->name, file_flags);
    if (file->fd < 0) {
        int saved = errno;

        tool_close_file(file);
        return io_error(why, why_size, saved == ELOOP ? "is a symbolic link" : strerror(saved));
    }
    if (fstat(file->fd, &file->st) != 0 || !S_ISREG(file->st.st_mode)) {
        int saved = errno;
        int regular = S_ISREG(file->st.st_mode);

        tool_close_file(file);
        return io_error(why, why_size, regular ? strerror(saved) : "not a regular file");
    }
    if (seen != NULL && !is_identity(&file->st, seen)) {
        tool_close_file(file);
        return io_error(why, why_size, replaced_since_seen);
    }
    if (purpose == TOOL_OPEN_TO_READ) {
        close(file->dir_fd); /* opened only so that failures read as with --in-place */
        free(file->name);
        file->dir_fd = -1;
        file->name = NULL;
    }
    return TOOL_READ_OK;
}

/*
 * The open() comes first for a path the caller has just seen to be a
 * regular file: the checks that make the messages (is it a link? a
 * socket?) cost a call each, so they are made only when it fails or opens
 * something else.  Any other path is checked first, so that a device or a
 * FIFO named by mistake is refused without being opened.
 */
enum tool_read_status tool_open_file(const char *path, enum tool_open_purpose purpose,
                                     const struct tool_identity *seen, struct tool_file *file,
                                     char *why, size_t why_size)
{
    memset(file, 0, sizeof(*file));
    file->dir_fd = file->fd = -1;
    if (seen != NULL && open_directly(path, purpose, seen, file))
        return TOOL_READ_OK;
    memset(&file->st, 0, sizeof(file->st));
    return open_carefully(path, purpose, seen, file, why, why_size);
}

/* The walk's directory, held or opened again and checked to be the same one; -1 with `why`. */
static int walked_directory(const struct tool_dir *dir, bool *borrowed, char *why, size_t why_size)
{
    struct stat st;
    int fd;

    *borrowed = dir->fd >= 0;
    if (dir->fd >= 0)
        return dir->fd;
    fd = open(dir->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, why_size, "cannot open its directory again: %s", strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0 || !is_identity(&st, &dir->id)) {
        close(fd);
        snprintf(why, why_size,
                 "its directory is another one now than when it was walked (a symbolic link "
                 "put in place of a directory on its path?); not followed");
        return -1;
    }
    return fd;
}

enum tool_read_status tool_open_walked(const struct tool_dir *dir, const char *name,
                                       const struct tool_identity *seen, struct tool_file *file,
                                       char *why, size_t why_size)
{
    int saved;

    memset(file, 0, sizeof(*file));
    file->dir_fd = file->fd = -1;
    file->dir_fd = walked_directory(dir, &file->dir_borrowed, why, why_size);
    if (file->dir_fd < 0)
        return TOOL_READ_IO_ERROR;
    if ((file->name = strdup(name)) == NULL) {
        tool_close_file(file);
        return io_error(why, why_size, strerror(ENOMEM));
    }
    file->fd = openat(file->dir_fd, name, file_flags);
    if (file->fd < 0) {
        saved = errno;
        tool_close_file(file);
        return io_error(why, why_size,
                        saved == ELOOP ? "it is a symbolic link now, not the regular file found "
                                         "when its directory was walked; not followed"
                                       : strerror(saved));
    }
    if (fstat(file->fd, &file->st) != 0 || !S_ISREG(file->st.st_mode)) {
        const char *reason = S_ISREG(file->st.st_mode) ? strerror(errno) : "not a regular file";

        tool_close_file(file);
        return io_error(why, why_size, reason);
    }
    if (seen != NULL && !is_identity(&file->st, seen)) {
        tool_close_file(file);
        return io_error(why, why_size,
                        "it is another file now than when its directory was walked (replaced "
                        "meanwhile); not converted");
    }
    return TOOL_READ_OK;
}

/* Does dir_fd/name hold the file `st` describes (and not a link to it)? */
static int holds_file(int dir_fd, const char *name, const struct stat *st)
{
    struct stat there;

    return fstatat(dir_fd, name, &there, AT_SYMLINK_NOFOLLOW) == 0 && there.st_dev == st->st_dev &&
           there.st_ino == st->st_ino;
}

int tool_file_open_directory(struct tool_file *file, const char *path)
{
    struct tool_file dir = {-1, NULL, -1, {0}, false};
    char *resolved = NULL;
    struct stat st;
    int error;

    if (file->dir_fd >= 0)
        return 0; /* opened TOOL_OPEN_TO_REPLACE: already there */
    /* Resolved as open_carefully() does: for a link named by the user, its target's directory. */
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) &&
        (path = resolved = realpath(path, NULL)) == NULL)
        return -1;
    error = open_directory_of(path, &dir);
    free(resolved);
    if (error != 0 || !holds_file(dir.dir_fd, dir.name, &file->st)) {
        tool_close_file(&dir);
        errno = error;
        return -1;
    }
    file->dir_fd = dir.dir_fd;
    file->name = dir.name;
    return 0;
}

enum tool_read_status tool_read_file(const struct tool_file *file, size_t max, char **data,
                                     size_t *len, char *why, size_t why_size)
{
    *data = NULL;
    *len = 0;
    if ((unsigned long long)file->st.st_size > max)
        return too_large(max, why, why_size);
    return read_all(file->fd, (size_t)file->st.st_size, max, data, len, why, why_size);
}

void tool_close_file(struct tool_file *file)
{
    if (file->fd >= 0)
        close(file->fd);
    if (file->dir_fd >= 0 && !file->dir_borrowed)
        close(file->dir_fd);
    free(file->name);
    file->fd = file->dir_fd = -1;
    file->name = NULL;
    file->dir_borrowed = false;
}

int tool_write_stdout(const char *data, size_t len)
{
    if (len > 0 && fwrite(data, 1, len, stdout) != len)
        return -1;
    /* A full disk or a closed pipe shows up here, not at exit. */
    if (fflush(stdout) != 0 || ferror(stdout))
        return -1;
    return 0;
}
