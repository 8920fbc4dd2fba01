/*
 * Running a command over many documents: each converted (or checked, or
 * validated) on its own, in parallel with --jobs, and reported in the order
 * named, so a run's output does not depend on how many jobs ran it.
 */
#ifndef DOMCOMPAT_TOOL_BATCH_H
#define DOMCOMPAT_TOOL_BATCH_H

#include <stddef.h>
#include <sys/types.h>

#include "domcompat.h"
#include "explain.h"
#include "walk.h"
#include "write.h"

enum tool_task { TOOL_TASK_CONVERT, TOOL_TASK_CHECK, TOOL_TASK_VALIDATE, TOOL_TASK_EXPLAIN };

/* Where converted documents go. */
enum tool_destination {
    TOOL_TO_STDOUT,  /* one document, to standard output */
    TOOL_IN_PLACE,   /* --in-place */
    TOOL_TO_DIR,     /* --output-dir */
    TOOL_TO_NOWHERE, /* --dry-run, or --diff alone: nothing is written */
    TOOL_TO_FILE,    /* --output FILE: one document, written atomically */
};

struct tool_batch {
    enum tool_task task;
    const char *command; /* "upgrade", "downgrade", "check", "validate" */
    const domcompat_context *ctx;
    const domcompat_options *opts;
    /* explain: what it shows, the upgrade to the explicit form that reads the document, and
     * whether `opts` (with --to) is asked check's question too */
    const struct tool_explain *explain;
    const domcompat_options *reading;
    int explain_checks;
    domcompat_form form; /* validate */
    size_t max_size;

    enum tool_destination destination;
    int dry_run;
    const char *output_dir;
    const char *output_file;          /* --output, with a '/' ("./NAME" for a bare NAME) */
    const char *output_file_shown;    /* ... as given, for messages */
    mode_t new_file_mode;             /* --output of standard input: 0666 less the umask */
    const struct tool_backup *backup; /* --in-place=SUFFIX, --backup: NULL for none */
    int force; /* rewrite hard-linked and read-only files, and libvirt's own */
    /*
     * The output is in the explicit form, which no released libvirt reads:
     * libvirt's own files (libvirt_files.h) are not rewritten in it, and
     * `libvirt_to` names the --to that writes what libvirt reads.
     */
    int explicit_output;
    const char *libvirt_to;
    int sync; /* flush --output-dir copies to disk (in place always is) */
    int diff, color;
    int replacing; /* downgrade --replace: reports list the replacements */
    int json, quiet;
    int verbose;  /* -v: also list documents skipped while walking */
    int progress; /* show progress on standard error */
    unsigned jobs;
};

/*
 * Runs the batch over every input; returns the run's exit status (the
 * worst document's), or TOOL_STDOUT_CLOSED when standard output went away
 * (a pager quit): the run then stopped starting documents and said nothing.
 */
int tool_batch_run(const struct tool_batch *batch, const struct tool_inputs *inputs);

#define TOOL_STDOUT_CLOSED (-2)

#endif
