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
 *
 * What a model-only controller means depends on the libvirt and QEMU that
 * first read it.  A restore's XML was written on this host, so it is read
 * as this host's libvirt reads it (its version and its QEMU capabilities
 * cache), whatever the configuration says of a migration's source.  A
 * migration's source is another host: its model-only controllers are read
 * as the configuration's `from`, `source-caps` and `assume` say, and where
 * those leave the implementation to a QEMU the hook does not know, the
 * controller is refused rather than guessed.  Either way the hook never
 * gives a running or saved guest another device: `replace` is refused.
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
    "usage: domcompat hook [--config FILE] [--caps-cache DIR] GUEST OPERATION SUB-OPERATION "
    "[EXTRA...]\n";

static const char help_text[] =
    "\n"
    "libvirt's hook contract for /etc/libvirt/hooks/qemu.  For \"migrate begin\"\n"
    "and \"restore begin\", reads the domain XML on standard input and writes it\n"
    "converted for the peer FILE names on standard output, or nothing when\n"
    "nothing changes; a document it refuses or cannot read makes it exit\n"
    "non-zero, which cancels the migration or restore.  Any other operation\n"
    "exits 0 at once.  A restore's model-only controllers are read as this\n"
    "host's libvirt reads them (its version, its QEMU capabilities cache); a\n"
    "migration's as from, source-caps and assume say, those whose device\n"
    "depended on the source host's QEMU being refused until they do.\n"
    "\n"
    "Options:\n"
    "  --config FILE  the configuration (default " DEFAULT_CONFIG "):\n"
    "                   to = host|libvirt-X.Y.Z|legacy|explicit   required\n"
    "                   from = legacy|libvirt-X.Y.Z|host   a migration's source;\n"
    "                                  unset: any libvirt up to this host's\n"
    "                   source-caps = FILE   a migration's source QEMU (with from)\n"
    "                   target-caps = auto|FILE   this host's QEMU; auto: libvirt's\n"
    "                                  cache for the domain's emulator\n"
    "                   force = yes|no   let to = explicit write the explicit form,\n"
    "                                  which no released libvirt reads\n"
    "                   assume = KIND=IMPLEMENTATION   a migration's source, once per kind\n"
    "                   allow-loss = yes|no\n"
    "  --caps-cache DIR  where this host's libvirt keeps its QEMU capabilities\n"
    "                 (default " TOOL_CAPS_CACHE_DIR ")\n"
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
    /*
     * Where from, source-caps and assume go: the options converted with
     * for a migration; checked and set aside for a restore, whose source
     * is this host.
     */
    domcompat_options *source_opts;
    /* What a model-only controller the hook writes means: assume applies to it too. */
    domcompat_options *meant_opts;
};

static const char known_keys[] = "to, from, assume, allow-loss, source-caps, target-caps or force";

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
    else if (strcmp(key, "replace") == 0) {
        config_error(at, "replace gives the guest another device, and the hook sees only guests "
                         "that run (migrate begin) or were saved running (restore begin): QEMU "
                         "cannot load one device's state into another, and a guest that moves "
                         "would find other hardware; expected no replace line (convert a shut-off "
                         "guest's definition with domcompat downgrade --replace)");
        return -1;
    } else if (strcmp(key, "assume") != 0) {
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
            domcompat_options_set_source_caps(seen->source_opts, caps, NULL);
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
        if (strcmp(key, "from") == 0 &&
            domcompat_options_set_source(seen->source_opts, name, &err) != 0) {
            config_error(at, "from is '%s'; expected legacy, libvirt-X.Y.Z or host", value);
            return -1;
        }
        return 0;
    }
    if (domcompat_options_assume(seen->source_opts, value, &err) != 0 ||
        (seen->meant_opts != NULL &&
         domcompat_options_assume(seen->meant_opts, value, &err) != 0)) {
        config_error(at, "%s", err.message);
        return -1;
    }
    return 0;
}

/*
 * Reads the configuration at `path` into `opts` and `seen`.  Returns -1
 * when it is complete and valid, else the exit status, after reporting.
 */
static int load_config(const char *path, domcompat_options *opts, domcompat_options *source_opts,
                       domcompat_options *meant_opts, struct config_seen *seen_out)
{
    char shown_path[1024], why[256];
    struct config_line at = {NULL, 0};
    struct config_seen seen;
    char *data = NULL, *line, *next, *end;
    size_t len;
    int status = -1;

    memset(&seen, 0, sizeof(seen));
    seen.source_opts = source_opts;
    seen.meant_opts = meant_opts;
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

/* What one migration or restore is converted with, beside the options. */
struct hook_run {
    const char *label;     /* GUEST (OPERATION begin) */
    const char *config;    /* the configuration, as shown */
    const char *cache_dir; /* this host's libvirt's QEMU capabilities */
    char host[32];         /* this host's libvirt, "libvirt-9.0.0", once known */
    int restore;           /* restore begin: the source is this host */
    int source_unknown;    /* migrate begin with no from line */
    int target_caps_auto;  /* target-caps = auto */
    int no_host_caps;      /* no capabilities in cache_dir fit the domain */
    int changed;           /* the hook writes the converted XML */
};

/* A model-only controller of the input, whose device the source's reading of it leaves open. */
static int is_source_reading(const domcompat_refusal *r)
{
    return r->rule != NULL && strcmp(r->rule, "implied-implementation") == 0 &&
           r->implementation == NULL;
}

/* A hint that proposes assume, from or source-caps, keys a restore does not take. */
static int names_source_key(const domcompat_refusal *r)
{
    return r->fix == DOMCOMPAT_FIX_ASSUME || r->fix == DOMCOMPAT_FIX_DROP_ASSUMPTION ||
           is_source_reading(r);
}

/*
 * The refusals, one line each, naming the settings they mention as the
 * configuration's keys.  A restore takes none of the keys that say what a
 * source meant, so its refusals of model-only controllers name none.
 */
static void report_hook_refusals(const struct hook_run *run, const domcompat_result *result)
{
    const domcompat_words keys = {"assume = %s", "no line 'assume = %s'", "allow-loss = yes",
                                  run->restore          ? "restoring host's libvirt"
                                  : run->source_unknown ? "unknown source's latest possible"
                                                        : "from",
                                  "source-caps = FILE"};
    char reason[1024], hint[1024], description[1200];
    size_t i;

    for (i = 0; i < domcompat_result_refusal_count(result); i++) {
        domcompat_refusal r = *domcompat_result_refusal(result, i);

        domcompat_word(r.reason_template, &keys, reason, sizeof(reason));
        r.reason = reason;
        domcompat_refusal_describe(&r, description, sizeof(description));
        if (r.line > 0 && r.column > 0)
            fprintf(stderr, "%s:%lu:%lu: ", run->label, r.line, r.column);
        else if (r.line > 0)
            fprintf(stderr, "%s:%lu: ", run->label, r.line);
        else
            fprintf(stderr, "%s: ", run->label);
        report_put_text(stderr, description);
        if (r.hint_template != NULL && !(run->restore && names_source_key(&r))) {
            domcompat_word(r.hint_template, &keys, hint, sizeof(hint));
            fputs("; to convert it: ", stderr);
            report_put_text(stderr, hint);
        }
        fputc('\n', stderr);
    }
}

/* The line that ends a refused document: that libvirt cancels it, and what to do. */
static void report_hook_cancelled(const struct hook_run *run, const domcompat_result *result)
{
    char shown[1024];
    int implied = 0, hint = 0;
    size_t i;

    for (i = 0; i < domcompat_result_refusal_count(result); i++) {
        const domcompat_refusal *r = domcompat_result_refusal(result, i);

        implied |= is_source_reading(r);
        /* A hint that names a setting (a mark such as {assume ...}) names a key. */
        hint |= r->hint_template != NULL && strchr(r->hint_template, '{') != NULL &&
                !(run->restore && names_source_key(r));
    }
    fprintf(stderr, "%s: not converted, so libvirt cancels it", run->label);
    if (run->restore && implied && run->no_host_caps)
        fprintf(stderr,
                "; this host's libvirt gives a model-only controller of such a kind the device "
                "its QEMU has, and none of the capabilities in %s are for the QEMU that runs "
                "this domain (its <emulator>, else its architecture), so the hook cannot know "
                "which device the guest was saved with (libvirtd writes them when it starts)",
                report_display_name(run->cache_dir, shown, sizeof(shown)));
    else if (!run->restore && implied && run->source_unknown)
        fprintf(stderr,
                "; with no 'from' line the source may run any libvirt up to this host's "
                "(%s), which gives such a controller the device its QEMU has: in %s, name the "
                "source with 'from = libvirt-X.Y.Z' and 'source-caps = FILE', or the device "
                "with 'assume = KIND=IMPLEMENTATION'",
                run->host + 8, run->config);
    else if (hint)
        fprintf(stderr, "; the settings named above go in %s", run->config);
    fputs("\n", stderr);
}

/*
 * The capabilities this host's libvirt keeps for the QEMU that runs the
 * domain `data`, in *host_caps (NULL when none fit): the source's for a
 * restore, the target's with target-caps = auto (where none fitting is an
 * error).  Returns -1 when done, else the exit status.
 */
static int set_host_caps(domcompat_options *opts, struct hook_run *run, const char *data,
                         size_t len, domcompat_caps **host_caps)
{
    domcompat_caps *caps = NULL;
    int status = tool_caps_for_domain(run->cache_dir, run->label, NULL, data, len, &caps);

    *host_caps = caps;
    run->no_host_caps = caps == NULL;
    if (run->restore)
        domcompat_options_set_source_caps(opts, caps, NULL);
    if (run->target_caps_auto) {
        /* Again, for the message that says where none was found. */
        if (status > 1)
            return tool_caps_for_domain(run->cache_dir, run->label, "target-caps = auto", data, len,
                                        &caps);
        domcompat_options_set_target_caps(opts, caps, NULL);
    }
    return -1;
}

/* `data` converted to the explicit form with `opts`, or NULL when it cannot be. */
static domcompat_result *read_explicit(const domcompat_context *ctx, domcompat_options *opts,
                                       const char *data, size_t len)
{
    domcompat_result *result = NULL;
    domcompat_error err;

    if (domcompat_options_set_target(opts, "explicit", &err) != 0 ||
        domcompat_convert(&result, ctx, opts, data, len, &err) != DOMCOMPAT_OK) {
        domcompat_result_free(result);
        return NULL;
    }
    return result;
}

/*
 * libvirt parses what the hook writes (or, when it writes nothing, the XML
 * it had) as this host's libvirt reads a model-only controller: by its
 * version and by what its QEMU has.  That reading must name the devices
 * the hook meant, each controller's, else the guest would get others.  The
 * two readings are conversions of the same document to the explicit form
 * that differ only in what a model-only controller means, so they agree
 * when they are the same bytes.  `meant` reads the document as the hook
 * wrote it.  Returns -1 when they agree, else the exit status.
 */
static int check_host_reading(const domcompat_context *ctx, const struct hook_run *run,
                              domcompat_options *meant, const domcompat_caps *host_caps,
                              const char *used, size_t used_len)
{
    domcompat_options *host_opts = NULL;
    domcompat_result *as_host = NULL, *as_meant = NULL;
    const char *a, *b;
    size_t a_len = 0, b_len = 0;
    int status = EXIT_REFUSED;

    if (domcompat_options_new(&host_opts) != DOMCOMPAT_OK ||
        domcompat_options_set_source(host_opts, run->host, NULL) != 0 ||
        (host_caps != NULL &&
         domcompat_options_set_source_caps(host_opts, host_caps, NULL) != DOMCOMPAT_OK)) {
        fputs("domcompat hook: out of memory\n", stderr);
        domcompat_options_free(host_opts);
        return EXIT_FAILURE_IO;
    }
    as_host = read_explicit(ctx, host_opts, used, used_len);
    as_meant = read_explicit(ctx, meant, used, used_len);
    if (as_host != NULL && as_meant != NULL) {
        a = domcompat_result_output(as_host, &a_len);
        b = domcompat_result_output(as_meant, &b_len);
        if (a_len == b_len && memcmp(a, b, a_len) == 0)
            status = -1;
    }
    if (status >= 0 && as_meant == NULL) {
        /* The hook's own output, or the input it converted: nothing here refuses it. */
        fprintf(stderr, "%s: internal error: cannot read back the XML for libvirt\n", run->label);
        status = EXIT_FAILURE_IO;
    } else if (status >= 0) {
        char shown[1024];

        fprintf(stderr, "%s: not converted, so libvirt cancels it: ", run->label);
        if (as_host == NULL && run->no_host_caps)
            fprintf(stderr,
                    "this host's libvirt %s gives a model-only controller of such a kind the "
                    "device its QEMU has, and none of the capabilities in %s are for the QEMU "
                    "that runs this domain (its <emulator>, else its architecture), so the hook "
                    "cannot know which device it would give (libvirtd writes them when it "
                    "starts)\n",
                    run->host + 8, report_display_name(run->cache_dir, shown, sizeof(shown)));
        else
            fprintf(stderr,
                    "this host's libvirt %s would read the model-only controllers of the XML "
                    "%s as other devices than the guest has, by what its QEMU has; expected a "
                    "'to' whose form this host reads as written (to = host) in %s\n",
                    run->host + 8, run->changed ? "written for the 'to' peer" : "it passes on",
                    run->config);
    }
    domcompat_result_free(as_host);
    domcompat_result_free(as_meant);
    domcompat_options_free(host_opts);
    return status;
}

/* Converts standard input for the configured peer. */
static int filter(domcompat_options *opts, domcompat_options *meant, struct hook_run *run)
{
    domcompat_caps *host_caps = NULL;
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
        fprintf(stderr, "%s: %s\n", run->label, why);
        status = EXIT_INVALID;
        goto out;
    default:
        fprintf(stderr, "domcompat hook: %s: cannot read standard input: %s\n", run->label, why);
        status = EXIT_FAILURE_IO;
        goto out;
    }

    status = set_host_caps(opts, run, data, len, &host_caps);
    if (status >= 0)
        goto out;
    rc = domcompat_convert(&result, ctx, opts, data, len, &err);
    if (rc == DOMCOMPAT_EREFUSED) {
        report_hook_refusals(run, result);
        report_hook_cancelled(run, result);
        status = EXIT_REFUSED;
    } else if (rc != DOMCOMPAT_OK) {
        report_failure(stderr, run->label, rc, &err);
        status = report_exit_status(rc);
    } else {
        output = domcompat_result_output(result, &out_len);
        run->changed = domcompat_result_changed(result);
        /* Unchanged, the input goes on as the configured source meant it. */
        status = run->changed ? check_host_reading(ctx, run, meant, host_caps, output, out_len)
                              : check_host_reading(ctx, run, opts, host_caps, data, len);
        if (status >= 0)
            goto out;
        report_losses(stderr, run->label, result);
        status = EXIT_DONE;
        /* Empty output tells libvirt to keep the XML it has. */
        if (run->changed && tool_write_stdout(output, out_len) != 0) {
            fprintf(stderr, "domcompat hook: cannot write to standard output: %s\n",
                    strerror(errno));
            status = EXIT_FAILURE_IO;
        }
    }
out:
    domcompat_caps_free(host_caps);
    domcompat_result_free(result);
    domcompat_context_free(ctx);
    free(data);
    return status;
}

/*
 * This host's libvirt, which reads what the hook writes; and the source of
 * a restore, or of a migration with no from line.  A restore's XML was
 * written here.  A migration's was parsed here before the hook sees it, so
 * its model-only controllers are of kinds this host's libvirt knows, and
 * the source may run any libvirt up to this one: where that libvirt chose
 * the device by its QEMU, the controller is refused unless assume says
 * which.  Returns -1 when done, else the exit status.
 */
static int set_source(domcompat_options *opts, struct hook_run *run)
{
    char why[256];
    domcompat_error err;

    if (tool_host_libvirt_version(run->host, sizeof(run->host), why, sizeof(why)) != TOOL_HOST_OK) {
        fprintf(stderr, "%s: cannot tell which libvirt this host runs (%s), which decides what ",
                run->label, why);
        fputs("the model-only controllers of what the hook writes mean; expected libvirt's "
              "library, libvirt.so.0\n",
              stderr);
        return EXIT_USAGE;
    }
    if ((run->restore || run->source_unknown) &&
        domcompat_options_set_source(opts, run->host, &err) != 0) {
        fprintf(stderr, "%s: this host's %s: %s\n", run->label, run->host, err.message);
        return EXIT_USAGE;
    }
    return -1;
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
    const char *config = DEFAULT_CONFIG, *cache_dir = TOOL_CAPS_CACHE_DIR;
    domcompat_options *opts = NULL, *set_aside = NULL, *meant = NULL;
    char shown_guest[512], shown_config[1024], label[600];
    const char *guest, *operation, *suboperation;
    struct hook_run run;
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
        } else if (strcmp(argv[i], "--caps-cache") == 0 && i + 1 < argc) {
            cache_dir = argv[i + 1];
            i += 2;
        } else if (strncmp(argv[i], "--caps-cache=", 13) == 0) {
            cache_dir = argv[i] + 13;
            i++;
        } else if (strcmp(argv[i], "--caps-cache") == 0) {
            usage_error("--caps-cache needs a DIR");
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
    if (*cache_dir == '\0') {
        usage_error("--caps-cache needs a DIR");
        return EXIT_USAGE;
    }
    guest = argv[i];
    operation = argv[i + 1];
    suboperation = argv[i + 2];

    if ((strcmp(operation, "migrate") != 0 && strcmp(operation, "restore") != 0) ||
        strcmp(suboperation, "begin") != 0)
        return EXIT_DONE;

    memset(&run, 0, sizeof(run));
    run.restore = strcmp(operation, "restore") == 0;
    if (domcompat_options_new(&opts) != DOMCOMPAT_OK || domcompat_options_new(&meant) ||
        (run.restore && domcompat_options_new(&set_aside) != DOMCOMPAT_OK)) {
        fputs("domcompat hook: out of memory\n", stderr);
        domcompat_options_free(meant);
        domcompat_options_free(opts);
        return EXIT_FAILURE_IO;
    }
    snprintf(label, sizeof(label), "%s (%s begin)",
             report_display_name(guest, shown_guest, sizeof(shown_guest)), operation);
    run.label = label;
    run.config = report_display_name(config, shown_config, sizeof(shown_config));
    run.cache_dir = cache_dir;
    /* The configuration is checked before standard input is touched. */
    status = load_config(config, opts, run.restore ? set_aside : opts, run.restore ? NULL : meant,
                         &seen);
    if (status < 0) {
        run.target_caps_auto = seen.target_caps_auto;
        run.source_unknown = !run.restore && seen.from == 0;
        status = set_source(opts, &run);
    }
    if (status < 0)
        status = filter(opts, meant, &run);
    domcompat_options_free(meant);
    domcompat_options_free(set_aside);
    domcompat_options_free(opts);
    return status;
}
