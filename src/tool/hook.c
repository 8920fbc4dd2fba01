/*
 * domcompat hook: libvirt's hook contract for /etc/libvirt/hooks/qemu.
 *
 * libvirt runs the script as `qemu GUEST OPERATION SUB-OPERATION EXTRA`
 * with the domain XML on standard input.  For "migrate begin" (on the host
 * receiving a migration) and "restore begin" it reads the script's
 * standard output as the XML to use instead, an empty one meaning "as it
 * was", and a non-zero exit status cancels the operation; libvirt puts the
 * script's standard error into the error it reports.  Every other
 * operation is only a notification here, and some of them must never
 * fail: a failing "reconnect begin" makes libvirt kill the running guest.
 * So those exit 0 without reading the configuration.
 */
#include "hook.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "domcompat.h"
#include "caps.h"
#include "host.h"
#include "io.h"
#include "report.h"

#ifndef DOMCOMPAT_SYSCONFDIR
#define DOMCOMPAT_SYSCONFDIR "/etc"
#endif

#define DEFAULT_CONFIG DOMCOMPAT_SYSCONFDIR "/domcompat/hook.conf"

/* The configuration is a few lines; anything larger is not one. */
#define MAX_CONFIG_SIZE (64 * 1024)

static const char usage_text[] =
    "usage: domcompat hook [--config FILE] GUEST OPERATION SUB-OPERATION [EXTRA...]\n";

static const char help_text[] =
    "\n"
    "libvirt's hook contract for /etc/libvirt/hooks/qemu.  For \"migrate begin\"\n"
    "and \"restore begin\", reads the domain XML on standard input and writes it\n"
    "converted for the peer FILE names on standard output, or nothing when\n"
    "nothing changes; a document it refuses or cannot read makes it exit\n"
    "non-zero, which cancels the migration or restore.  Any other operation\n"
    "exits 0 at once.\n"
    "\n"
    "Options:\n"
    "  --config FILE  the configuration (default " DEFAULT_CONFIG "):\n"
    "                   to = host|libvirt-X.Y.Z|legacy|explicit   required\n"
    "                   from = legacy|libvirt-X.Y.Z|host\n"
    "                   source-caps = FILE   the source host's QEMU (with from)\n"
    "                   target-caps = auto|FILE   this host's QEMU; auto: libvirt's\n"
    "                                  cache for the domain's emulator\n"
    "                   force = yes|no   let to = explicit write the explicit form,\n"
    "                                  which no released libvirt reads\n"
    "                   assume = KIND=IMPLEMENTATION         once per kind\n"
    "                   allow-loss = yes|no\n"
    "                   replace = IMPLEMENTATION=IMPLEMENTATION  once per implementation\n"
    "  --             the next argument is GUEST, even if it starts with '-'\n"
    "  -h, --help     show this help\n"
    "\n"
    "Exit status:\n"
    "  0  done (changed, or nothing to change), or not an operation to filter\n"
    "  1  refused: a controller cannot be represented for the peer, or would\n"
    "     lose something\n"
    "  2  usage or configuration error (a missing configuration file included)\n"
    "  3  invalid input: not well-formed, not a domain, or not valid in its form\n"
    "  4  I/O or internal error\n";

static void usage_error(const char *what)
{
    fprintf(stderr, "domcompat hook: %s\n", what);
    fputs(usage_text, stderr);
}

struct config_line {
    const char *file; /* as shown */
    unsigned long number;
};

static void config_error(const struct config_line *at, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void config_error(const struct config_line *at, const char *fmt, ...)
{
    char message[1024];
    va_list ap;

    if (at->number > 0)
        fprintf(stderr, "%s:%lu: ", at->file, at->number);
    else
        fprintf(stderr, "%s: ", at->file);
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    report_put_text(stderr, message);
    fputs("\n", stderr);
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* The line numbers where each single-valued key was set, 0 while unset. */
struct config_seen {
    unsigned long to, from, allow_loss, source_caps, target_caps, force;
    int to_explicit;      /* to = explicit */
    int from_libvirt;     /* from names a libvirt version (or host) */
    int force_explicit;   /* force = yes */
    int target_caps_auto; /* target-caps = auto: this host's cache for the domain's QEMU */
};

static const char known_keys[] =
    "to, from, assume, allow-loss, replace, source-caps, target-caps or force";

/*
 * Applies one `key = value` line (comment and surrounding blanks already
 * gone, NUL-terminated) to `opts`.  Returns 0, or -1 after reporting.
 */
static int apply_config_line(domcompat_options *opts, struct config_seen *seen,
                             const struct config_line *at, char *line)
{
    char *eq = strchr(line, '='), *key = line, *value, *end;
    unsigned long *once = NULL;
    domcompat_error err;
    const char *p;

    for (p = line; *p != '\0'; p++) {
        if ((*p < 0x20 && *p != '\t') || (unsigned char)*p >= 0x7F) {
            config_error(at,
                         "found the byte 0x%02x; expected key = value in plain ASCII "
                         "(a '#' starts a comment)",
                         (unsigned char)*p);
            return -1;
        }
    }
    if (eq == NULL || eq == line) {
        config_error(at, "found '%s'; expected key = value, the key one of %s", line, known_keys);
        return -1;
    }
    for (end = eq; end > key && is_blank(end[-1]); end--)
        ;
    *end = '\0';
    for (value = eq + 1; is_blank(*value); value++)
        ;

    if (strcmp(key, "to") == 0)
        once = &seen->to;
    else if (strcmp(key, "from") == 0)
        once = &seen->from;
    else if (strcmp(key, "allow-loss") == 0)
        once = &seen->allow_loss;
    else if (strcmp(key, "source-caps") == 0)
        once = &seen->source_caps;
    else if (strcmp(key, "target-caps") == 0)
        once = &seen->target_caps;
    else if (strcmp(key, "force") == 0)
        once = &seen->force;
    else if (strcmp(key, "assume") != 0 && strcmp(key, "replace") != 0) {
        config_error(at, "unknown key '%s'; expected %s", key, known_keys);
        return -1;
    }
    if (once != NULL && *once != 0) {
        config_error(at, "'%s' again (first on line %lu); expected it once", key, *once);
        return -1;
    }
    if (once != NULL)
        *once = at->number;

    if (*value == '\0') {
        config_error(at, "'%s' has no value; expected %s", key,
                     strcmp(key, "to") == 0     ? "libvirt-X.Y.Z, host, legacy or explicit"
                     : strcmp(key, "from") == 0 ? "legacy, libvirt-X.Y.Z or host"
                     : strcmp(key, "assume") == 0
                         ? "KIND=IMPLEMENTATION (for example pcie-root-port=pcie-root-port)"
                     : strcmp(key, "replace") == 0
                         ? "IMPLEMENTATION=IMPLEMENTATION (for example pcie-root-port=ioh3420)"
                     : strcmp(key, "source-caps") == 0 ? "a QEMU capabilities FILE"
                     : strcmp(key, "target-caps") == 0 ? "auto or a QEMU capabilities FILE"
                                                       : "yes or no");
        return -1;
    }
    if (strcmp(key, "allow-loss") == 0 || strcmp(key, "force") == 0) {
        if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0) {
            config_error(at, "%s is '%s'; expected yes or no", key, value);
            return -1;
        }
        if (strcmp(key, "force") == 0)
            seen->force_explicit = strcmp(value, "yes") == 0;
        else
            domcompat_options_allow_loss(opts, strcmp(value, "yes") == 0);
        return 0;
    }
    if (strcmp(key, "target-caps") == 0 && strcmp(value, "auto") == 0) {
        seen->target_caps_auto = 1;
        return 0;
    }
    if (strcmp(key, "source-caps") == 0 || strcmp(key, "target-caps") == 0) {
        char what[1200];
        domcompat_caps *caps = NULL;

        snprintf(what, sizeof(what), "%s (%s:%lu)", key, at->file, at->number);
        if (tool_caps_load(value, what, 0, &caps) != 0)
            return -1;
        if (strcmp(key, "source-caps") == 0)
            domcompat_options_set_source_caps(opts, caps, NULL);
        else
            domcompat_options_set_target_caps(opts, caps, NULL);
        domcompat_caps_free(caps);
        return 0;
    }
    /* "host": this machine's libvirt, read at each migration or restore, so never stale. */
    if (strcmp(key, "to") == 0 || strcmp(key, "from") == 0) {
        char peer[32], why[512];
        const char *name =
            tool_host_resolve(value, peer, sizeof(peer),
                              strcmp(key, "to") == 0 ? "to =" : "from =", why, sizeof(why));

        if (name == NULL) {
            config_error(at, "%s", why);
            return -1;
        }
        if (strcmp(key, "to") == 0)
            seen->to_explicit = strcmp(name, "explicit") == 0;
        else
            seen->from_libvirt = strcmp(name, "legacy") != 0;
        /* In the configuration's words: the library's do not know "host". */
        if (strcmp(key, "to") == 0 && domcompat_options_set_target(opts, name, &err) != 0) {
            config_error(at,
                         "to is '%s'; expected libvirt-X.Y.Z, host, legacy or explicit "
                         "(for example to = host)",
                         value);
            return -1;
        }
        if (strcmp(key, "from") == 0 && domcompat_options_set_source(opts, name, &err) != 0) {
            config_error(at, "from is '%s'; expected legacy, libvirt-X.Y.Z or host", value);
            return -1;
        }
        return 0;
    }
    if ((strcmp(key, "assume") == 0 && domcompat_options_assume(opts, value, &err) != 0) ||
        (strcmp(key, "replace") == 0 && domcompat_options_replace(opts, value, &err) != 0)) {
        config_error(at, "%s", err.message);
        return -1;
    }
    return 0;
}

/*
 * Reads the configuration at `path` into `opts` and `seen`.  Returns -1
 * when it is complete and valid, else the exit status, after reporting.
 */
static int load_config(const char *path, domcompat_options *opts, struct config_seen *seen_out)
{
    char shown_path[1024], why[256];
    struct config_line at = {NULL, 0};
    struct config_seen seen;
    char *data = NULL, *line, *next, *end;
    size_t len;
    int status = -1;

    memset(&seen, 0, sizeof(seen));
    at.file = report_display_name(path, shown_path, sizeof(shown_path));
    switch (tool_read_input(path, MAX_CONFIG_SIZE, &data, &len, why, sizeof(why))) {
    case TOOL_READ_OK: break;
    case TOOL_READ_TOO_LARGE:
        config_error(&at, "larger than %d KiB; expected the hook's few key = value lines",
                     MAX_CONFIG_SIZE / 1024);
        status = EXIT_USAGE;
        goto out;
    default:
        fprintf(stderr,
                "domcompat hook: %s: %s; expected the hook's configuration, with a line such "
                "as 'to = host'\n",
                at.file, why);
        status = EXIT_USAGE;
        goto out;
    }
    /* Room for the NUL that ends the last line. */
    if ((line = realloc(data, len + 1)) == NULL) {
        fputs("domcompat hook: out of memory\n", stderr);
        status = EXIT_FAILURE_IO;
        goto out;
    }
    data = line;

    for (line = data; status < 0 && line < data + len; line = next) {
        char *cut;

        at.number++;
        end = memchr(line, '\n', (size_t)(data + len - line));
        next = end != NULL ? end + 1 : data + len;
        if (end == NULL)
            end = data + len;
        /* A NUL would end the line early and hide what follows it. */
        if (memchr(line, '\0', (size_t)(end - line)) != NULL) {
            config_error(&at, "found the byte 0x00; expected key = value in plain ASCII "
                              "(a '#' starts a comment)");
            status = EXIT_USAGE;
            break;
        }
        cut = memchr(line, '#', (size_t)(end - line));
        if (cut != NULL)
            end = cut;
        while (end > line && is_blank(end[-1]))
            end--;
        while (line < end && is_blank(*line))
            line++;
        if (line == end)
            continue;
        *end = '\0';
        if (apply_config_line(opts, &seen, &at, line) != 0)
            status = EXIT_USAGE;
    }
    if (status < 0 && seen.to == 0) {
        at.number = 0;
        config_error(&at, "no 'to' line; expected one naming the peer, such as "
                          "'to = host'");
        status = EXIT_USAGE;
    }
    /* libvirt parses what the hook writes, and no released libvirt reads the explicit form. */
    if (status < 0 && seen.to_explicit && !seen.force_explicit) {
        at.number = seen.to;
        config_error(&at, "to = explicit: libvirt reads what the hook writes, and no released "
                          "libvirt reads the explicit form; expected to = host (or the "
                          "libvirt-X.Y.Z this host runs), or force = yes for a libvirt that "
                          "reads it");
        status = EXIT_USAGE;
    }
    if (status < 0 && seen.source_caps != 0 && !seen.from_libvirt) {
        at.number = seen.source_caps;
        config_error(&at, "source-caps says which devices the source host's QEMU had, which "
                          "decides only what a libvirt version chose by it; expected a 'from' "
                          "line naming that version (from = libvirt-X.Y.Z)");
        status = EXIT_USAGE;
    }
    *seen_out = seen;
out:
    free(data);
    return status;
}

/*
 * Reads standard input to its end, whatever its size, and drops it.
 * libvirt writes the whole document to it; a hook that exits before reading
 * it all makes that write fail with EPIPE (or kills a writer that does not
 * ignore SIGPIPE), and libvirt's versions from before it ignored EPIPE
 * there fail the operation.  So every way out of the hook comes through
 * here (a document already read leaves nothing to read).  A terminal is
 * left alone.
 */
static void drain_stdin(void)
{
    static char buf[64 * 1024];

    if (isatty(STDIN_FILENO))
        return;
    for (;;) {
        ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
    }
}

static int any_hint(const domcompat_result *result)
{
    size_t i;

    for (i = 0; i < domcompat_result_refusal_count(result); i++)
        if (domcompat_result_refusal(result, i)->hint != NULL)
            return 1;
    return 0;
}

/*
 * Converts standard input for the configured peer; `label` names it in
 * messages.  With `caps_auto`, the target's QEMU is the one this host's
 * libvirt runs the domain with, from its capabilities cache.
 */
static int filter(domcompat_options *opts, int caps_auto, const char *label, const char *config)
{
    domcompat_context *ctx = NULL;
    domcompat_result *result = NULL;
    domcompat_limits limits;
    domcompat_error err;
    char *data = NULL, why[512];
    const char *output;
    size_t len, out_len;
    int rc, status;

    domcompat_limits_default(&limits);
    if (domcompat_context_new(&ctx, &err) != DOMCOMPAT_OK ||
        domcompat_context_set_limits(ctx, &limits, &err) != DOMCOMPAT_OK) {
        fprintf(stderr, "domcompat hook: internal error: %s\n", err.message);
        status = EXIT_FAILURE_IO;
        goto out;
    }
    domcompat_forbid_external_loading();

    switch (tool_read_input("-", domcompat_limits_size_cap(limits.max_size), &data, &len, why,
                            sizeof(why))) {
    case TOOL_READ_OK: break;
    case TOOL_READ_TOO_LARGE:
        tool_explain_size_cap(limits.max_size, why, sizeof(why));
        fprintf(stderr, "%s: %s\n", label, why);
        status = EXIT_INVALID;
        goto out;
    default:
        fprintf(stderr, "domcompat hook: %s: cannot read standard input: %s\n", label, why);
        status = EXIT_FAILURE_IO;
        goto out;
    }

    if (caps_auto) {
        domcompat_caps *caps = NULL;

        status = tool_caps_for_domain(TOOL_CAPS_CACHE_DIR, label, data, len, &caps);
        if (status > 1)
            goto out;
        domcompat_options_set_target_caps(opts, caps, NULL);
        domcompat_caps_free(caps);
    }
    rc = domcompat_convert(&result, ctx, opts, data, len, &err);
    if (rc == DOMCOMPAT_EREFUSED) {
        report_refusals(stderr, label, result);
        fprintf(stderr, "%s: not converted, so libvirt cancels it", label);
        if (any_hint(result))
            fprintf(stderr,
                    "; in %s the options named above are 'assume = KIND=IMPLEMENTATION', "
                    "'from = SOURCE', 'source-caps = FILE' and 'allow-loss = yes'",
                    config);
        fputs("\n", stderr);
        status = EXIT_REFUSED;
    } else if (rc != DOMCOMPAT_OK) {
        report_failure(stderr, label, rc, &err);
        status = report_exit_status(rc);
    } else {
        report_losses(stderr, label, result);
        report_replacements(stderr, label, result);
        status = EXIT_DONE;
        /* Empty output tells libvirt to keep the XML it has. */
        output = domcompat_result_output(result, &out_len);
        if (domcompat_result_changed(result) && tool_write_stdout(output, out_len) != 0) {
            fprintf(stderr, "domcompat hook: cannot write to standard output: %s\n",
                    strerror(errno));
            status = EXIT_FAILURE_IO;
        }
    }
out:
    domcompat_result_free(result);
    domcompat_context_free(ctx);
    free(data);
    return status;
}

/* The hook: the operation libvirt names, then standard input read to its end. */
static int hook(int argc, char **argv);

int tool_hook_main(int argc, char **argv)
{
    int status = hook(argc, argv);

    drain_stdin();
    return status;
}

static int hook(int argc, char **argv)
{
    const char *config = DEFAULT_CONFIG;
    domcompat_options *opts = NULL;
    char shown_guest[512], shown_config[1024], label[600];
    const char *guest, *operation, *suboperation;
    struct config_seen seen;
    int i = 1, status;

    /* Options end at "--" or at the first argument that is not one (GUEST). */
    while (i < argc && argv[i][0] == '-' && argv[i][1] != '\0') {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(usage_text, stdout);
            fputs(help_text, stdout);
            return fflush(stdout) == 0 ? EXIT_DONE : EXIT_FAILURE_IO;
        } else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            config = argv[i + 1];
            i += 2;
        } else if (strncmp(argv[i], "--config=", 9) == 0) {
            config = argv[i] + 9;
            i++;
        } else if (strcmp(argv[i], "--config") == 0) {
            usage_error("--config needs a FILE");
            return EXIT_USAGE;
        } else {
            char shown_option[256], what[320];

            snprintf(what, sizeof(what),
                     "unknown option '%s' (before GUEST, use -- if its name "
                     "starts with '-')",
                     report_display_name(argv[i], shown_option, sizeof(shown_option)));
            usage_error(what);
            return EXIT_USAGE;
        }
    }
    if (argc - i < 3) {
        usage_error("expected GUEST OPERATION SUB-OPERATION, as libvirt passes them");
        return EXIT_USAGE;
    }
    if (*config == '\0') {
        usage_error("--config needs a FILE");
        return EXIT_USAGE;
    }
    guest = argv[i];
    operation = argv[i + 1];
    suboperation = argv[i + 2];

    if ((strcmp(operation, "migrate") != 0 && strcmp(operation, "restore") != 0) ||
        strcmp(suboperation, "begin") != 0)
        return EXIT_DONE;

    if (domcompat_options_new(&opts) != DOMCOMPAT_OK) {
        fputs("domcompat hook: out of memory\n", stderr);
        return EXIT_FAILURE_IO;
    }
    /* The configuration is checked before standard input is touched. */
    status = load_config(config, opts, &seen);
    if (status < 0) {
        snprintf(label, sizeof(label), "%s (%s begin)",
                 report_display_name(guest, shown_guest, sizeof(shown_guest)), operation);
        status = filter(opts, seen.target_caps_auto, label,
                        report_display_name(config, shown_config, sizeof(shown_config)));
    }
    domcompat_options_free(opts);
    return status;
}
