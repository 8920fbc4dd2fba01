/* How the command-line tool tells people and scripts what happened. */
#ifndef DOMCOMPAT_TOOL_REPORT_H
#define DOMCOMPAT_TOOL_REPORT_H

#include <stdio.h>

#include "domcompat.h"

/* FILE:LINE:COLUMN: PREFIXmessage, leaving out what is unknown. */
void report_error(FILE *to, const char *file, const char *prefix, const domcompat_error *err);

/*
 * Each refusal of a result: its description, then its hint on a line of
 * its own, or (`one_line`, for check) both on one line.
 */
void report_refusals(FILE *to, const char *file, const domcompat_result *result, int one_line);

/* Each loss a result made, one line each. */
void report_losses(FILE *to, const char *file, const domcompat_result *result);

/*
 * A JSON report for `check`: report_json_begin(), then one
 * report_json_document() per file, then report_json_end().
 */
void report_json_begin(FILE *to);
void report_json_document(FILE *to, const char *file, int status, const domcompat_result *result,
                          const domcompat_error *err);
void report_json_end(FILE *to);

#endif
