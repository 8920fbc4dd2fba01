/* The command-line tool's unified diffs: what a conversion would change, as `diff -u` shows it. */
#ifndef DOMCOMPAT_TOOL_DIFF_H
#define DOMCOMPAT_TOOL_DIFF_H

#include <stddef.h>
#include <stdio.h>

/*
 * Writes to `to` a unified diff of `old` (old_len bytes) against `new_` (new_len bytes) with 3
 * lines of context, as GNU `diff -u` prints it: "--- OLD_LABEL" and "+++ NEW_LABEL" header lines
 * (the labels, file names, quoted as GNU diff quotes them, so that `patch` reads them back; no
 * timestamps), then the hunks, the same lines in the same hunks.
 * Nothing at all when the two are byte-identical.
 *
 * Lines end at '\n'; a '\r' before it is part of the line, and a last line without a newline is
 * marked "\ No newline at end of file".  Bytes are compared and written literally: a NUL is an
 * ordinary byte (where diff would only say "Binary files differ").
 *
 * With `color`, the header lines are bold, the @@ lines cyan, removed lines red and added lines
 * green, each reset before its newline, as git colours them; context lines stay plain.
 *
 * Returns 0, or -1 with errno set: ENOMEM, or the error writing to `to` (which is flushed).
 */
int tool_diff_write(FILE *to, const char *old_label, const char *new_label, const char *old,
                    size_t old_len, const char *new_, size_t new_len, int color);

#endif
