/* The command-line tool's reading and writing. */
#ifndef DOMCOMPAT_TOOL_IO_H
#define DOMCOMPAT_TOOL_IO_H

#include <stddef.h>

enum tool_read_status {
    TOOL_READ_OK,
    TOOL_READ_IO_ERROR, /* cannot open or read, or not a regular file */
    TOOL_READ_TOO_LARGE
};

/*
 * Reads all of `path` ("-" for standard input) into *data (malloc'd, to
 * free) and *len; more than `max` bytes is TOOL_READ_TOO_LARGE, found before
 * reading them.  On failure, `why` holds the reason, without the path.
 */
enum tool_read_status tool_read_input(const char *path, size_t max, char **data, size_t *len,
                                      char *why, size_t why_size);

/* Writes all of `data` to standard output; 0, or -1 with errno set. */
int tool_write_stdout(const char *data, size_t len);

#endif
