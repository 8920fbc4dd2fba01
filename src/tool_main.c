/*
 * domcompat, the command-line tool: argument handling on top of the public
 * library API (domcompat.h), tool_io (files) and tool_report (messages).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domcompat.h"
#include "tool_hook.h"
#include "tool_io.h"
#include "tool_report.h"

/* Exit statuses; documented in --help, the man page and the README. Never renumber. */
enum { EXIT_DONE = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_INVALID = 3, EXIT_FAILURE_IO = 4 };

static const char usage_text[] =
    "usage: domcompat upgrade [--from SOURCE] [--assume KIND=IMPLEMENTATION]... [FILE]\n"
    "       domcompat downgrade [--to PEER] [--from SOURCE] [--assume KIND=IMPLEMENTATION]...\n"
    "                           [--allow-loss] [FILE]\n"
    "       domcompat check --to PEER [--from SOURCE] [--assume KIND=IMPLEMENTATION]...\n"
    "                       [--format text|json] [FILE...]\n"
    "       domcompat validate [--form auto|legacy|libvirt|explicit|mixed] [-q] [FILE...]\n"
    "       domcompat hook [--config FILE] GUEST OPERATION SUB-OPERATION [EXTRA...]\n"
    "       domcompat --help | --version\n";

static const char help_text[] =
    "\n"
    "Convert the PCI controllers of libvirt domain XML between the legacy form\n"
    "(model='KIND'), libvirt's form (model='KIND' with <model name='IMPLEMENTATION'/>)\n"
    "and the explicit form (subType='KIND' model='IMPLEMENTATION'), for peers of\n"
    "any libvirt version.  Only the converted controllers change; every other\n"
    "byte stays.\n"
    "\n"
    "Commands:\n"
    "  upgrade     every controller to the explicit form\n"
    "  downgrade   explicit controllers for an older peer; refuses any the peer\n"
    "              cannot represent\n"
    "  check       would each FILE mean the same hardware on PEER?  Converts\n"
    "              nothing; lists every problem\n"
    "  validate    check documents against the schema of a form\n"
    "\n"
    "FILE is read (\"-\" or none: standard input); upgrade and downgrade write the\n"
    "result to standard output.\n"
    "\n"
    "Options:\n"
    "  --to PEER   explicit, legacy (downgrade's default) or libvirt-X.Y.Z: the\n"
    "              form that libvirt version parses (<model name> from 1.2.19)\n"
    "  --from SOURCE\n"
    "              legacy (default) or libvirt-X.Y.Z: what the input's model-only\n"
    "              controllers meant, as defined by that libvirt version\n"
    "  --assume KIND=IMPLEMENTATION\n"
    "              model-only KIND controllers mean IMPLEMENTATION (e.g.\n"
    "              pcie-root-port=pcie-root-port); overrides --from; one per kind\n"
    "  --allow-loss\n"
    "              downgrade: drop <target> values and children the peer would\n"
    "              ignore, and report each, instead of refusing\n"
    "  --format F  check: text (default) or json\n"
    "  --max-size BYTES, --max-depth N, --max-attribute-length BYTES,\n"
    "  --max-attributes N\n"
    "              limits on one document (defaults 256 MiB, 64, 256 KiB, 256);\n"
    "              a document beyond one is invalid input\n"
    "  --form F    validate against form F; auto (default) detects it\n"
    "  -q, --quiet validate: print nothing for valid documents\n"
    "  -h, --help  show this help\n"
    "  --version   show versions of domcompat, libxml2 and libxslt\n"
    "\n"
    "Exit status:\n"
    "  0  done (changed, or nothing to change); valid; check: all convert losslessly\n"
    "  1  refused: a controller cannot be represented for the peer, or would lose\n"
    "     something\n"
    "  2  usage error\n"
    "  3  invalid input: not well-formed, not a domain, or not valid in its form\n"
    "  4  I/O or internal error\n";

enum command { CMD_UPGRADE, CMD_DOWNGRADE, CMD_CHECK, CMD_VALIDATE };

struct invocation {
    enum command command;
    domcompat_options *opts;
    domcompat_form form;
    int quiet;
    int json;
    int have_target;
    domcompat_limits limits;
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
    report_error(stderr, file,
                 rc == DOMCOMPAT_EINTERNAL || rc == DOMCOMPAT_ENOMEM ? "internal error: " : "",
                 err);
}

/* Reads FILE; on failure fills `err`, reports unless `quiet`, and returns the exit status; else -1.
 */
static int read_input(const char *path, size_t max_size, const char *name, char **data, size_t *len,
                      domcompat_error *err, int quiet)
{
    char why[256];
    int status;

    switch (tool_read_input(path, max_size, data, len, why, sizeof(why))) {
    case TOOL_READ_OK: return -1;
    case TOOL_READ_TOO_LARGE:
        snprintf(err->message, sizeof(err->message),
                 "the document is %s; expected a domain of ordinary size", why);
        status = EXIT_INVALID;
        break;
    default:
        snprintf(err->message, sizeof(err->message), "%s", why);
        status = EXIT_FAILURE_IO;
        break;
    }
    err->line = err->column = 0;
    if (!quiet && status == EXIT_INVALID)
        fprintf(stderr, "%s: %s\n", name, err->message);
    else if (!quiet)
        fprintf(stderr, "domcompat: %s: %s\n", name, err->message);
    return status;
}

/*
 * A file name as messages show it: standard input as <stdin>, and a name
 * with control characters or bytes that are not UTF-8 quoted with C-style
 * escapes, so every message stays one line of valid UTF-8.
 */
static const char *display_name(const char *path, char *buf, size_t size)
{
    const unsigned char *p = (const unsigned char *)path;
    size_t used = 0;
    bool plain = true;

    if (strcmp(path, "-") == 0)
        return "<stdin>";
    for (; *p != '\0' && plain; p++) {
        size_t n = *p < 0x80             ? 1
                   : (*p & 0xE0) == 0xC0 ? 2
                   : (*p & 0xF0) == 0xE0 ? 3
                   : (*p & 0xF8) == 0xF0 ? 4
                                         : 0;
        size_t i;

        plain = *p >= 0x20 && *p != 0x7F && n > 0 && (n != 2 || *p >= 0xC2);
        for (i = 1; plain && i < n; i++)
            plain = (p[i] & 0xC0) == 0x80;
        if (plain)
            p += n - 1;
    }
    if (plain)
        return path;
    used = (size_t)snprintf(buf, size, "'");
    for (p = (const unsigned char *)path; *p != '\0' && used + 5 < size; p++) {
        if (*p == '\n')
            used += (size_t)snprintf(buf + used, size - used, "\\n");
        else if (*p == '\t')
            used += (size_t)snprintf(buf + used, size - used, "\\t");
        else if (*p == '\\' || *p == '\'')
            used += (size_t)snprintf(buf + used, size - used, "\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7F)
            used += (size_t)snprintf(buf + used, size - used, "\\x%02x", *p);
        else
            buf[used++] = (char)*p;
    }
    snprintf(buf + used, size - used, "'");
    return buf;
}

static int run_convert(const domcompat_context *ctx, const struct invocation *inv)
{
    const char *path = inv->file_count ? inv->files[0] : "-";
    char shown[1024];
    const char *name = display_name(path, shown, sizeof(shown));
    domcompat_result *result = NULL;
    domcompat_error err;
    char *data = NULL;
    size_t len, out_len;
    const char *output;
    int status, rc;

    if ((status = read_input(path, inv->limits.max_size, name, &data, &len, &err, 0)) >= 0)
        return status;
    rc = domcompat_convert(&result, ctx, inv->opts, data, len, &err);
    if (rc == DOMCOMPAT_EREFUSED) {
        report_refusals(stderr, name, result, 0);
        status = EXIT_REFUSED;
    } else if (rc != DOMCOMPAT_OK) {
        report_failure(name, rc, &err);
        status = exit_status_of(rc);
    } else {
        report_losses(stderr, name, result);
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

static char *standard_input[] = {"-"};

/* check: convert each FILE without writing it, and say what would go wrong. */
static int run_check(const domcompat_context *ctx, const struct invocation *inv)
{
    char **files = inv->file_count ? inv->files : standard_input;
    int count = inv->file_count ? inv->file_count : 1;
    int i, worst = EXIT_DONE;

    if (inv->json)
        report_json_begin(stdout);
    for (i = 0; i < count; i++) {
        char shown[1024];
        const char *name = display_name(files[i], shown, sizeof(shown));
        domcompat_result *result = NULL;
        domcompat_error err;
        char *data = NULL;
        size_t len;
        int status, rc;

        status = read_input(files[i], inv->limits.max_size, name, &data, &len, &err, inv->json);
        if (status < 0) {
            rc = domcompat_convert(&result, ctx, inv->opts, data, len, &err);
            status = exit_status_of(rc);
            if (rc == DOMCOMPAT_EREFUSED && !inv->json)
                report_refusals(stdout, name, result, 1);
            else if (rc != DOMCOMPAT_OK && rc != DOMCOMPAT_EREFUSED && !inv->json)
                report_failure(name, rc, &err);
        }
        if (inv->json)
            report_json_document(stdout, name, status, result, &err);
        domcompat_result_free(result);
        free(data);
        if (status > worst)
            worst = status;
    }
    if (inv->json)
        report_json_end(stdout);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "domcompat: cannot write to standard output: %s\n", strerror(errno));
        worst = EXIT_FAILURE_IO;
    }
    return worst;
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
    char **files = inv->file_count ? inv->files : standard_input;
    int count = inv->file_count ? inv->file_count : 1;
    int i, worst = EXIT_DONE;

    for (i = 0; i < count; i++) {
        char shown[1024];
        const char *name = display_name(files[i], shown, sizeof(shown));
        domcompat_form detected;
        domcompat_error err;
        char *data = NULL;
        size_t len;
        int status, rc;

        if ((status = read_input(files[i], inv->limits.max_size, name, &data, &len, &err, 0)) < 0) {
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
        DOMCOMPAT_FORM_AUTO,     DOMCOMPAT_FORM_LEGACY, DOMCOMPAT_FORM_LIBVIRT,
        DOMCOMPAT_FORM_EXPLICIT, DOMCOMPAT_FORM_MIXED,
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

static const char *command_name(enum command command)
{
    static const char *const names[] = {"upgrade", "downgrade", "check", "validate"};

    return names[command];
}

enum {
    OPT_ASSUME = 256,
    OPT_TO,
    OPT_FROM,
    OPT_ALLOW_LOSS,
    OPT_FORMAT,
    OPT_FORM,
    OPT_VERSION,
    OPT_MAX_SIZE,
    OPT_MAX_DEPTH,
    OPT_MAX_ATTRIBUTE_LENGTH,
    OPT_MAX_ATTRIBUTES
};

/* A limit's value: a positive number of bytes or items. */
static int parse_limit(const char *text, size_t *out)
{
    unsigned long long value;
    char *end;

    if (*text < '0' || *text > '9')
        return -1;
    errno = 0;
    value = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || value == 0 || value > (unsigned long long)SIZE_MAX)
        return -1;
    *out = (size_t)value;
    return 0;
}

/* Which options each command takes. */
static int takes(enum command command, int opt)
{
    switch (opt) {
    case OPT_ASSUME:
    case OPT_FROM:
    case OPT_TO: return command != CMD_VALIDATE;
    case OPT_ALLOW_LOSS: return command == CMD_DOWNGRADE;
    case OPT_FORMAT: return command == CMD_CHECK;
    case OPT_FORM:
    case 'q': return command == CMD_VALIDATE;
    default: return 1;
    }
}

static int set_target(struct invocation *inv, const char *target)
{
    domcompat_error err;

    if ((inv->command == CMD_UPGRADE && strcmp(target, "explicit") != 0) ||
        (inv->command == CMD_DOWNGRADE && strcmp(target, "explicit") == 0)) {
        usage_error("%s converts to %s; --to %s is not one of them", command_name(inv->command),
                    inv->command == CMD_UPGRADE ? "explicit" : "legacy or libvirt-X.Y.Z", target);
        return EXIT_USAGE;
    }
    if (domcompat_options_set_target(inv->opts, target, &err) != DOMCOMPAT_OK) {
        if (inv->command == CMD_DOWNGRADE)
            usage_error("unknown peer '%s'; downgrade converts to legacy or libvirt-X.Y.Z (for "
                        "example libvirt-9.0.0)",
                        target);
        else
            usage_error("%s", err.message);
        return EXIT_USAGE;
    }
    inv->have_target = 1;
    return -1;
}

/* Parses the command's options; returns -1 to go on, else an exit status. */
static int parse_arguments(struct invocation *inv, int argc, char **argv)
{
    static const struct option options[] = {
        {"assume", required_argument, NULL, OPT_ASSUME},
        {"to", required_argument, NULL, OPT_TO},
        {"from", required_argument, NULL, OPT_FROM},
        {"allow-loss", no_argument, NULL, OPT_ALLOW_LOSS},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"form", required_argument, NULL, OPT_FORM},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        {"max-size", required_argument, NULL, OPT_MAX_SIZE},
        {"max-depth", required_argument, NULL, OPT_MAX_DEPTH},
        {"max-attribute-length", required_argument, NULL, OPT_MAX_ATTRIBUTE_LENGTH},
        {"max-attributes", required_argument, NULL, OPT_MAX_ATTRIBUTES},
        {NULL, 0, NULL, 0},
    };
    domcompat_error err;
    int opt, status, which = -1;

    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+qh", options, &which)) != -1) {
        int long_index = which;

        if (opt != '?' && !takes(inv->command, opt)) {
            /* Name the option as the user wrote it, not its argument. */
            if (opt == 'q' && which < 0)
                usage_error("%s takes no -q", command_name(inv->command));
            else
                usage_error("%s takes no --%s", command_name(inv->command),
                            options[which >= 0 ? which : 0].name);
            return EXIT_USAGE;
        }
        which = -1;
        switch (opt) {
        case OPT_ASSUME:
            if (domcompat_options_assume(inv->opts, optarg, &err) != DOMCOMPAT_OK) {
                usage_error("%s", err.message);
                return EXIT_USAGE;
            }
            break;
        case OPT_TO:
            if ((status = set_target(inv, optarg)) >= 0)
                return status;
            break;
        case OPT_FROM:
            if (domcompat_options_set_source(inv->opts, optarg, &err) != DOMCOMPAT_OK) {
                usage_error("%s", err.message);
                return EXIT_USAGE;
            }
            break;
        case OPT_ALLOW_LOSS: domcompat_options_allow_loss(inv->opts, 1); break;
        case OPT_FORMAT:
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
                usage_error("unknown format '%s'; expected text or json", optarg);
                return EXIT_USAGE;
            }
            inv->json = strcmp(optarg, "json") == 0;
            break;
        case OPT_FORM:
            if (parse_form(optarg, &inv->form) != 0) {
                usage_error("unknown form '%s'; expected auto, legacy, libvirt, explicit or mixed",
                            optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_MAX_SIZE:
        case OPT_MAX_DEPTH:
        case OPT_MAX_ATTRIBUTE_LENGTH:
        case OPT_MAX_ATTRIBUTES: {
            size_t *limit = opt == OPT_MAX_SIZE               ? &inv->limits.max_size
                            : opt == OPT_MAX_DEPTH            ? &inv->limits.max_depth
                            : opt == OPT_MAX_ATTRIBUTE_LENGTH ? &inv->limits.max_attribute_length
                                                              : &inv->limits.max_attributes;

            if (parse_limit(optarg, limit) != 0 || (opt == OPT_MAX_DEPTH && *limit > 256)) {
                usage_error("--%s %s: expected a positive number%s", options[long_index].name,
                            optarg, opt == OPT_MAX_DEPTH ? " up to 256" : "");
                return EXIT_USAGE;
            }
            break;
        }
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
    if ((inv->command == CMD_UPGRADE || inv->command == CMD_DOWNGRADE) && inv->file_count > 1) {
        usage_error("%s converts one FILE to standard output; give one FILE", argv[0]);
        return EXIT_USAGE;
    }
    if (inv->command == CMD_CHECK && !inv->have_target) {
        usage_error("check needs --to PEER: explicit, legacy or libvirt-X.Y.Z");
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
    if (domcompat_context_set_limits(*ctx, &inv->limits, &err) != DOMCOMPAT_OK) {
        usage_error("%s", err.message);
        return EXIT_USAGE;
    }
    domcompat_forbid_external_loading();
    switch (inv->command) {
    case CMD_VALIDATE: return run_validate(*ctx, inv);
    case CMD_CHECK: return run_check(*ctx, inv);
    default: return run_convert(*ctx, inv);
    }
}

static int parse_command(const char *word, enum command *out)
{
    enum command command;

    for (command = CMD_UPGRADE; command <= CMD_VALIDATE; command++) {
        if (strcmp(word, command_name(command)) == 0) {
            *out = command;
            return 0;
        }
    }
    return -1;
}

int main(int argc, char **argv)
{
    struct invocation inv = {CMD_UPGRADE, NULL, DOMCOMPAT_FORM_AUTO, 0, 0, 0, {0, 0, 0, 0},
                             NULL,        0};
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
    if (strcmp(argv[1], "hook") == 0)
        return tool_hook_main(argc - 1, argv + 1);
    if (parse_command(argv[1], &inv.command) != 0) {
        usage_error("unknown command '%s'; expected upgrade, downgrade, check or validate",
                    argv[1]);
        return EXIT_USAGE;
    }
    domcompat_limits_default(&inv.limits);
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
