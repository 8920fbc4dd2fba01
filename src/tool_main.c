/*
 * domcompat, the command-line tool: argument handling and messages on top
 * of the public library API (domcompat.h) and tool_io.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domcompat.h"
#include "tool_io.h"

/* Exit statuses; documented in --help, the man page and the README. Never renumber. */
enum { EXIT_DONE = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_INVALID = 3, EXIT_FAILURE_IO = 4 };

static const char usage_text[] =
    "usage: domcompat upgrade [--assume KIND=IMPLEMENTATION]... [FILE]\n"
    "       domcompat downgrade [--to legacy] [--assume KIND=IMPLEMENTATION]... [FILE]\n"
    "       domcompat validate [--form auto|legacy|explicit|mixed] [-q] [FILE...]\n"
    "       domcompat --help | --version\n";

static const char help_text[] =
    "\n"
    "Convert the PCI controllers of libvirt domain XML between the legacy form\n"
    "(model='KIND') and the explicit form (subType='KIND' model='IMPLEMENTATION').\n"
    "Only the start tags of converted controllers change; every other byte stays.\n"
    "\n"
    "Commands:\n"
    "  upgrade     model-only controllers to the explicit form\n"
    "  downgrade   explicit controllers to the legacy form; refuses any whose\n"
    "              implementation the legacy form cannot express\n"
    "  validate    check documents against the schema of a form\n"
    "\n"
    "FILE is read (\"-\" or none: standard input) and the result written to\n"
    "standard output.\n"
    "\n"
    "Options:\n"
    "  --assume KIND=IMPLEMENTATION\n"
    "              model-only KIND controllers mean IMPLEMENTATION, not what\n"
    "              the legacy form implies (e.g. pcie-root-port=pcie-root-port);\n"
    "              repeatable, one per kind\n"
    "  --to legacy downgrade target (the default and only one in this version)\n"
    "  --form F    validate against form F; auto (default) detects it\n"
    "  -q, --quiet validate: print nothing for valid documents\n"
    "  -h, --help  show this help\n"
    "  --version   show versions of domcompat, libxml2 and libxslt\n"
    "\n"
    "Exit status:\n"
    "  0  done (changed, or nothing to change); valid\n"
    "  1  refused: a controller cannot be represented in the target form\n"
    "  2  usage error\n"
    "  3  invalid input: not well-formed, not a domain, or not valid in its form\n"
    "  4  I/O or internal error\n";

enum command { CMD_UPGRADE, CMD_DOWNGRADE, CMD_VALIDATE };

struct invocation {
    enum command command;
    domcompat_options *opts;
    domcompat_form form;
    int quiet;
    char **files;
    int file_count;
};

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void usage_error(const char *fmt, ...)
{
    va_list ap;

    fputs("domcompat: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n", stderr);
    fputs(usage_text, stderr);
}

/* FILE:LINE:COLUMN: message, leaving out what is unknown. */
static void report(const char *file, const char *prefix, const domcompat_error *err)
{
    if (err->line > 0 && err->column > 0)
        fprintf(stderr, "%s:%lu:%lu: %s%s\n", file, err->line, err->column, prefix, err->message);
    else if (err->line > 0)
        fprintf(stderr, "%s:%lu: %s%s\n", file, err->line, prefix, err->message);
    else
        fprintf(stderr, "%s: %s%s\n", file, prefix, err->message);
}

static int exit_status_of(int rc)
{
    switch (rc) {
    case DOMCOMPAT_OK: return EXIT_DONE;
    case DOMCOMPAT_EREFUSED: return EXIT_REFUSED;
    case DOMCOMPAT_EUSAGE: return EXIT_USAGE;
    case DOMCOMPAT_EINVALID: return EXIT_INVALID;
    default: return EXIT_FAILURE_IO;
    }
}

static void report_failure(const char *file, int rc, const domcompat_error *err)
{
    report(file, rc == DOMCOMPAT_EINTERNAL || rc == DOMCOMPAT_ENOMEM ? "internal error: " : "",
           err);
}

static void report_refusals(const char *file, const domcompat_result *result, domcompat_form target)
{
    char description[1024];
    size_t i;

    for (i = 0; i < domcompat_result_refusal_count(result); i++) {
        const domcompat_refusal *r = domcompat_result_refusal(result, i);

        domcompat_refusal_describe(r, target, description, sizeof(description));
        fprintf(stderr, "%s:%lu:%lu: %s\n", file, r->line, r->column, description);
        if (r->hint != NULL)
            fprintf(stderr, "%s:%lu:%lu: to convert it: %s\n", file, r->line, r->column, r->hint);
    }
}

/* Reads FILE; on failure reports it and returns the exit status, else -1. */
static int read_input(const char *path, const char *name, char **data, size_t *len)
{
    char why[256];

    switch (tool_read_input(path, data, len, why, sizeof(why))) {
    case TOOL_READ_OK: return -1;
    case TOOL_READ_TOO_LARGE:
        fprintf(stderr, "%s: the document is %s; expected a domain of ordinary size\n", name, why);
        return EXIT_INVALID;
    default: fprintf(stderr, "domcompat: %s: %s\n", name, why); return EXIT_FAILURE_IO;
    }
}

static const char *display_name(const char *path)
{
    return strcmp(path, "-") == 0 ? "<stdin>" : path;
}

static int run_convert(const domcompat_context *ctx, const struct invocation *inv)
{
    const char *path = inv->file_count ? inv->files[0] : "-";
    const char *name = display_name(path);
    domcompat_result *result = NULL;
    domcompat_error err;
    char *data = NULL;
    size_t len, out_len;
    const char *output;
    int status, rc;

    if ((status = read_input(path, name, &data, &len)) >= 0)
        return status;
    rc = domcompat_convert(&result, ctx, inv->opts, data, len, &err);
    if (rc == DOMCOMPAT_EREFUSED) {
        report_refusals(name, result,
                        inv->command == CMD_DOWNGRADE ? DOMCOMPAT_FORM_LEGACY
                                                      : DOMCOMPAT_FORM_EXPLICIT);
        status = EXIT_REFUSED;
    } else if (rc != DOMCOMPAT_OK) {
        report_failure(name, rc, &err);
        status = exit_status_of(rc);
    } else {
        output = domcompat_result_output(result, &out_len);
        status = EXIT_DONE;
        if (tool_write_stdout(output, out_len) != 0) {
            fprintf(stderr, "domcompat: cannot write to standard output: %s\n", strerror(errno));
            status = EXIT_FAILURE_IO;
        }
    }
    domcompat_result_free(result);
    free(data);
    return status;
}

static void print_valid(const char *name, domcompat_form form)
{
    if (form == DOMCOMPAT_FORM_ANY)
        printf("%s: valid in every form (no PCI controllers)\n", name);
    else
        printf("%s: valid, %s form\n", name, domcompat_form_name(form));
}

static int run_validate(const domcompat_context *ctx, const struct invocation *inv)
{
    static char *standard_input[] = {"-"};
    char **files = inv->file_count ? inv->files : standard_input;
    int count = inv->file_count ? inv->file_count : 1;
    int i, worst = EXIT_DONE;

    for (i = 0; i < count; i++) {
        const char *name = display_name(files[i]);
        domcompat_form detected;
        domcompat_error err;
        char *data = NULL;
        size_t len;
        int status, rc;

        if ((status = read_input(files[i], name, &data, &len)) < 0) {
            rc = domcompat_validate(&detected, ctx, inv->form, data, len, &err);
            if (rc == DOMCOMPAT_OK) {
                status = EXIT_DONE;
                if (!inv->quiet)
                    print_valid(name, detected);
            } else {
                report_failure(name, rc, &err);
                status = exit_status_of(rc);
            }
        }
        free(data);
        if (status > worst)
            worst = status;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "domcompat: cannot write to standard output: %s\n", strerror(errno));
        worst = EXIT_FAILURE_IO;
    }
    return worst;
}

static void print_version(void)
{
    domcompat_versions v;

    domcompat_versions_get(&v);
    printf("domcompat %s\n", v.domcompat);
    printf("libxml2 %s (compiled against %s)\n", v.libxml2_running, v.libxml2_compiled);
    printf("libxslt %s (compiled against %s)\n", v.libxslt_running, v.libxslt_compiled);
}

static int parse_form(const char *name, domcompat_form *out)
{
    static const domcompat_form forms[] = {
        DOMCOMPAT_FORM_AUTO,
        DOMCOMPAT_FORM_LEGACY,
        DOMCOMPAT_FORM_EXPLICIT,
        DOMCOMPAT_FORM_MIXED,
    };
    size_t i;

    for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        if (strcmp(name, domcompat_form_name(forms[i])) == 0) {
            *out = forms[i];
            return 0;
        }
    }
    return -1;
}

enum { OPT_ASSUME = 256, OPT_TO, OPT_FORM, OPT_VERSION };

/* Parses the command's options; returns -1 to go on, else an exit status. */
static int parse_arguments(struct invocation *inv, int argc, char **argv)
{
    static const struct option options[] = {
        {"assume", required_argument, NULL, OPT_ASSUME},
        {"to", required_argument, NULL, OPT_TO},
        {"form", required_argument, NULL, OPT_FORM},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    domcompat_error err;
    int opt;

    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+qh", options, NULL)) != -1) {
        switch (opt) {
        case OPT_ASSUME:
            if (inv->command == CMD_VALIDATE) {
                usage_error("validate takes no --assume");
                return EXIT_USAGE;
            }
            if (domcompat_options_assume(inv->opts, optarg, &err) != DOMCOMPAT_OK) {
                usage_error("%s", err.message);
                return EXIT_USAGE;
            }
            break;
        case OPT_TO:
            if (inv->command != CMD_DOWNGRADE || strcmp(optarg, "legacy") != 0) {
                if (inv->command == CMD_DOWNGRADE)
                    usage_error("unknown target '%s'; downgrade converts to: legacy", optarg);
                else
                    usage_error("--to %s: only downgrade takes --to", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_FORM:
            if (inv->command != CMD_VALIDATE || parse_form(optarg, &inv->form) != 0) {
                if (inv->command == CMD_VALIDATE)
                    usage_error("unknown form '%s'; expected auto, legacy, explicit or mixed",
                                optarg);
                else
                    usage_error("--form %s: only validate takes --form", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'q': inv->quiet = 1; break;
        case 'h':
            fputs(usage_text, stdout);
            fputs(help_text, stdout);
            return EXIT_DONE;
        case OPT_VERSION: print_version(); return EXIT_DONE;
        default:
            usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
            return EXIT_USAGE;
        }
    }
    inv->files = argv + optind;
    inv->file_count = argc - optind;
    if (inv->command != CMD_VALIDATE && inv->file_count > 1) {
        usage_error("%s converts one FILE to standard output; give one FILE", argv[0]);
        return EXIT_USAGE;
    }
    return -1;
}

/* Compiles the rules, closes libxml2's door to files and network, runs the command. */
static int run(domcompat_context **ctx, const struct invocation *inv)
{
    domcompat_error err;

    if (domcompat_context_new(ctx, &err) != DOMCOMPAT_OK) {
        fprintf(stderr, "domcompat: internal error: %s\n", err.message);
        return EXIT_FAILURE_IO;
    }
    domcompat_forbid_external_loading();
    return inv->command == CMD_VALIDATE ? run_validate(*ctx, inv) : run_convert(*ctx, inv);
}

static int parse_command(const char *word, enum command *out)
{
    if (strcmp(word, "upgrade") == 0)
        *out = CMD_UPGRADE;
    else if (strcmp(word, "downgrade") == 0)
        *out = CMD_DOWNGRADE;
    else if (strcmp(word, "validate") == 0)
        *out = CMD_VALIDATE;
    else
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    struct invocation inv = {CMD_UPGRADE, NULL, DOMCOMPAT_FORM_AUTO, 0, NULL, 0};
    domcompat_context *ctx = NULL;
    int status;

    if (argc < 2) {
        usage_error("missing command");
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage_text, stdout);
        fputs(help_text, stdout);
        return fflush(stdout) == 0 ? EXIT_DONE : EXIT_FAILURE_IO;
    }
    if (strcmp(argv[1], "--version") == 0) {
        print_version();
        return fflush(stdout) == 0 ? EXIT_DONE : EXIT_FAILURE_IO;
    }
    if (parse_command(argv[1], &inv.command) != 0) {
        usage_error("unknown command '%s'; expected upgrade, downgrade or validate", argv[1]);
        return EXIT_USAGE;
    }
    if (domcompat_options_new(&inv.opts) != DOMCOMPAT_OK) {
        fputs("domcompat: out of memory\n", stderr);
        return EXIT_FAILURE_IO;
    }
    if (inv.command == CMD_DOWNGRADE)
        domcompat_options_set_target(inv.opts, "legacy", NULL);

    status = parse_arguments(&inv, argc - 1, argv + 1);
    if (status < 0)
        status = run(&ctx, &inv);
    domcompat_context_free(ctx);
    domcompat_options_free(inv.opts);
    return status;
}
