#include "tool_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
            char *grown;

            if (cap > max) {
                free(buf);
                snprintf(why, why_size, "larger than the %zu MiB limit (--max-size)", max >> 20);
                return TOOL_READ_TOO_LARGE;
            }
            grown = realloc(buf, cap * 2);
            if (grown == NULL) {
                free(buf);
                snprintf(why, why_size, "%s", strerror(ENOMEM));
                return TOOL_READ_IO_ERROR;
            }
            buf = grown;
            cap *= 2;
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
        snprintf(why, why_size, "larger than the %zu MiB limit (--max-size)", max >> 20);
        return TOOL_READ_TOO_LARGE;
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
    status = tool_open_file(path, &file, why, why_size);
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

enum tool_read_status tool_open_file(const char *path, struct tool_file *file, char *why,
                                     size_t why_size)
{
    char *resolved = NULL, *slash;
    const char *dir, *name;
    struct stat st;

    memset(file, 0, sizeof(*file));
    file->dir_fd = file->fd = -1;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        resolved = realpath(path, NULL);
        if (resolved == NULL)
            return io_error(why, why_size, strerror(errno));
        path = resolved;
    }
    /* open() on a socket says "No such device or address": say what it is instead. */
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        free(resolved);
        return io_error(why, why_size, "not a regular file");
    }
    /* Split into directory and name: the directory is where a replacement is written. */
    slash = strrchr(path, '/');
    if (slash == NULL) {
        dir = ".";
        name = path;
    } else {
        name = slash + 1;
        dir = slash == path ? "/" : NULL;
    }
    if (*name == '\0') {
        free(resolved);
        return io_error(why, why_size, "not a regular file");
    }
    file->name = strdup(name);
    if (file->name != NULL && dir == NULL) {
        char *dir_copy = strndup(path, (size_t)(slash - path));

        file->dir_fd = dir_copy == NULL ? -1 : open(dir_copy, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        free(dir_copy);
    } else if (file->name != NULL) {
        file->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
    free(resolved);
    if (file->name == NULL || file->dir_fd < 0) {
        int saved = file->name == NULL ? ENOMEM : errno;

        tool_close_file(file);
        return io_error(why, why_size, strerror(saved));
    }
    /* O_NOFOLLOW: a link planted since the path was resolved is not followed. */
    file->fd =
        openat(file->dir_fd, file->name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
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
    return TOOL_READ_OK;
}

enum tool_read_status tool_read_file(const struct tool_file *file, size_t max, char **data,
                                     size_t *len, char *why, size_t why_size)
{
    *data = NULL;
    *len = 0;
    if ((unsigned long long)file->st.st_size > max) {
        snprintf(why, why_size, "larger than the %zu MiB limit (--max-size)", max >> 20);
        return TOOL_READ_TOO_LARGE;
    }
    return read_all(file->fd, (size_t)file->st.st_size, max, data, len, why, why_size);
}

void tool_close_file(struct tool_file *file)
{
    if (file->fd >= 0)
        close(file->fd);
    if (file->dir_fd >= 0)
        close(file->dir_fd);
    free(file->name);
    file->fd = file->dir_fd = -1;
    file->name = NULL;
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
