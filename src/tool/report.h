/* How the command-line tool tells people and scripts what happened. */
#ifndef DOMCOMPAT_TOOL_REPORT_H
#define DOMCOMPAT_TOOL_REPORT_H

#include <stdio.h>

#include "domcompat.h"

/* The exit statuses, documented in --help, the man page and the README. Never renumber. */
enum { EXIT_DONE = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_INVALID = 3, EXIT_FAILURE_IO = 4 };

/* The exit status for a library return code. */
int report_exit_status(int rc);

/* FILE:LINE:COLUMN: PREFIXmessage, leaving out what is unknown. */
void report_error(FILE *to, const char *file, const char *prefix, const domcompat_error *err);

/* A library call's failure `rc`, as report_error, marked when it is domcompat's own. */
void report_failure(FILE *to, const char *file, int rc, const domcompat_error *err);

/* Each refusal of a result, one line each: its description and its hint. */
void report_refusals(FILE *to, const char *file, const domcompat_result *result);

/*
 * The line that ends a refused document's problems:
 * "FILE: refused for libvirt 1.2.18: 2 problems" (`outcome` "refused" or
 * "lossy"), and "; nothing written" when `nothing_written`.
 */
void report_refused_document(FILE *to, const char *file, const domcompat_result *result,
                             const char *outcome, int nothing_written);

/* Each loss a result made, one line each. */
void report_losses(FILE *to, const char *file, const domcompat_result *result);

/* Each controller a result gave another implementation (--replace), one line each. */
void report_replacements(FILE *to, const char *file, const domcompat_result *result);

/*
 * Writes `text` (a message, or a part of one taken from a document) so
 * that it stays one line of valid UTF-8 that shows as it reads: control
 * characters (C0, DEL, C1), bidirectional controls (U+061C, U+200E,
 * U+200F, U+202A to U+202E, U+2066 to U+2069) and the line and paragraph
 * separators are escaped, \n, \r, \t, \xNN for the ASCII ones and \uXXXX
 * for the others, and bytes that are not UTF-8 as \xNN.
 */
void report_put_text(FILE *to, const char *text);

/*
 * A file name as messages show it: standard input as <stdin>, and a name
 * with any character report_put_text() escapes quoted with C-style
 * escapes, so every message stays one line of valid UTF-8.  Returns `path`
 * itself or `buf`.
 */
const char *report_display_name(const char *path, char *buf, size_t size);

/*
 * `s` as a JSON string (null for NULL): quotes, backslashes and the
 * characters report_put_text() escapes are escaped, bytes that are not
 * UTF-8 replaced by U+FFFD.
 */
void report_json_string(FILE *to, const char *s);

/* One document of a JSON report. */
struct report_document {
    const char *path;    /* as report_display_name shows it */
    const char *outcome; /* "changed", "refused", "ok", ... */
    int status;          /* the document's exit status */
    int has_output;      /* the run writes documents: "output" and "written" apply */
    const char *output;  /* where it was written, or NULL */
    int written;
    int with_changes;      /* list the result's changes */
    int with_replacements; /* list the result's replacements (downgrade) */
    const domcompat_result *result;
    const domcompat_error *error; /* NULL when none */
    const char *skipped;          /* why it was skipped, or NULL */
    const char *diff;             /* NUL-terminated, or NULL */
};

/* How many documents had each outcome, in the order a summary names them. */
struct report_tally {
    const char *const *names;
    const int *always; /* named even when none had it */
    size_t *counts;
    size_t count;
};

/*
 * A JSON report: report_json_begin(), the documents, each written with
 * report_json_document() and separated by ",\n", then report_json_end().
 */
void report_json_begin(FILE *to, const char *command);
void report_json_document(FILE *to, const struct report_document *doc);
void report_json_end(FILE *to, size_t documents, const struct report_tally *tally, int status);

/* "domcompat: 12 documents: 5 changed, 6 unchanged, 1 refused, 0 invalid" */
void report_summary(FILE *to, size_t documents, const struct report_tally *tally, int dry_run);

#endif
