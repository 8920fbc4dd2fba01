/* The command-line tool's unified diffs: what a conversion would change, as `diff -u` shows it. */
#ifndef DOMCOMPAT_TOOL_DIFF_H
#define DOMCOMPAT_TOOL_DIFF_H

#include <stddef.h>
#include <stdio.h>

#include "domcompat.h"

/*
 * Writes to `to` a unified diff of a conversion's input `old` (old_len bytes) against its output
 * `new_` (new_len bytes), found from the changes `result` records, with 3 lines of context, as
 * GNU `diff -u` prints it: "--- OLD_LABEL" and "+++ NEW_LABEL" header lines (the labels, file
 * names, quoted as GNU diff quotes them, so that `patch` reads them back; no timestamps), then
 * the hunks.  Nothing at all when the two are byte-identical.
 *
 * Lines end at '\n'; a '\r' before it is part of the line, and a last line without a newline is
 * marked "\ No newline at end of file".
 *
 * With `color`, the header lines are bold, the @@ lines cyan, removed lines red and added lines
 * green, each reset before its newline, as git colours them; context lines stay plain.
 *
 * Returns 0, or -1 with errno set: ENOMEM, EINVAL when the records are not of these two texts,
 * or the error writing to `to` (which is flushed).
 */
int tool_diff_write(FILE *to, const char *old_label, const char *new_label, const char *old,
                    size_t old_len, const char *new_, size_t new_len,
                    const domcompat_result *result, int color);

#endif
