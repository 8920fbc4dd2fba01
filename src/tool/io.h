/* The command-line tool's reading and writing. */
#ifndef DOMCOMPAT_TOOL_IO_H
#define DOMCOMPAT_TOOL_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

enum tool_read_status {
    TOOL_READ_OK,
    TOOL_READ_IO_ERROR, /* cannot open or read, or not a regular file */
    TOOL_READ_TOO_LARGE
};

/*
 * Puts in `why` the message for a document of more than
 * domcompat_limits_size_cap(max_size) bytes, refused without being read
 * whole (TOOL_READ_TOO_LARGE).
 */
void tool_explain_size_cap(size_t max_size, char *why, size_t why_size);

/*
 * Reads all of `path` ("-" for standard input) into *data (malloc'd, to
 * free) and *len; more than `max` bytes is TOOL_READ_TOO_LARGE, found before
 * reading them.  On failure, `why` holds the reason, without the path.
 */
enum tool_read_status tool_read_input(const char *path, size_t max, char **data, size_t *len,
                                      char *why, size_t why_size);

/*
 * A named file opened to be read and perhaps replaced: the directory that
 * holds it (for a symbolic link named by the user, the directory of the
 * file it points to, which is what gets rewritten), its name there, its
 * descriptor and its stat as opened.  dir_fd is -1 and name NULL when the
 * file was opened only to be read.  dir_borrowed: dir_fd belongs to the
 * walk that found the file (struct tool_dir), not to this.
 */
struct tool_file {
    int dir_fd;
    char *name;
    int fd;
    struct stat st;
    bool dir_borrowed;
};

/* Which file or directory a path named when it was looked at. */
struct tool_identity {
    dev_t dev;
    ino_t ino;
};

/*
 * A directory a walk went through: held open for the run (fd), or, past
 * the number of descriptors a run keeps, only its path and identity, to
 * be opened again and checked to be the same directory.
 */
struct tool_dir {
    int fd; /* or -1 */
    char *path;
    struct tool_identity id;
};

/* What a file is opened for. */
enum tool_open_purpose {
    TOOL_OPEN_TO_READ,    /* reading only: its directory is not opened */
    TOOL_OPEN_TO_REPLACE, /* reading, then perhaps replacing it in place */
};

/*
 * Opens `path` without following a link in its last component (a link
 * named by the user is resolved first, deliberately), as a regular file, and
 * without waiting on a FIFO.  TOOL_OPEN_TO_REPLACE opens the directory first
 * and the file in it, so a replacement is written in the directory the file
 * was read from.  `seen`: the caller's stat of `path` found this regular
 * file when the run started; it is then opened before anything else is
 * checked (one call fewer), and must be that file still; otherwise it is
 * opened only once checked (a device is never opened only to be refused).
 * On failure `file` holds nothing to close and `why` the reason, without
 * the path.
 */
enum tool_read_status tool_open_file(const char *path, enum tool_open_purpose purpose,
                                     const struct tool_identity *seen, struct tool_file *file,
                                     char *why, size_t why_size);

/*
 * Opens `name`, found in `dir` by a walk, relative to that directory and
 * never through a symbolic link: one planted there since the walk, or in
 * place of a directory on its path, is refused, as is a file that is not
 * the one `seen` (when known) found.  The file borrows the walk's
 * descriptor of the directory.  Fails as tool_open_file() does.
 */
enum tool_read_status tool_open_walked(const struct tool_dir *dir, const char *name,
                                       const struct tool_identity *seen, struct tool_file *file,
                                       char *why, size_t why_size);

/*
 * For a file opened TOOL_OPEN_TO_READ that is to be replaced after all:
 * opens its directory as TOOL_OPEN_TO_REPLACE would have, from `path`
 * resolved again, and checks that the name there still holds the file that
 * was opened.  Returns 0; or -1 with errno set when the directory cannot be
 * opened, and with errno 0 when the name no longer holds that file.  Either
 * way `file` keeps its descriptor.
 */
int tool_file_open_directory(struct tool_file *file, const char *path);

/* Reads an opened file as tool_read_input does. */
enum tool_read_status tool_read_file(const struct tool_file *file, size_t max, char **data,
                                     size_t *len, char *why, size_t why_size);

void tool_close_file(struct tool_file *file);

/* Writes all of `data` to standard output; 0, or -1 with errno set. */
int tool_write_stdout(const char *data, size_t len);

#endif
