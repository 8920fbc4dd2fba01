/*
 * domcompat, the command-line tool: argument handling on top of the public
 * library API (domcompat.h); tool_walk finds the documents, tool_batch
 * works on them and reports, tool_write writes them.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domcompat.h"
#include "batch.h"
#include "caps.h"
#include "explain.h"
#include "hook.h"
#include "host.h"
#include "report.h"
#include "walk.h"
#include "write.h"

static const char usage_text[] =
    "usage: domcompat upgrade [--to PEER] [--from SOURCE] [--assume KIND=IMPLEMENTATION]...\n"
    "                         [CAPS] [OUTPUT] [FILE...]\n"
    "       domcompat downgrade [--to PEER] [--from SOURCE] [--assume KIND=IMPLEMENTATION]...\n"
    "                           [--allow-loss] [--replace IMPLEMENTATION=IMPLEMENTATION]...\n"
    "                           [CAPS] [OUTPUT] [FILE...]\n"
    "       domcompat check --to PEER [--from SOURCE] [--assume KIND=IMPLEMENTATION]...\n"
    "                       [CAPS] [FILE...]\n"
    "       domcompat explain [--to PEER] [--from SOURCE] [--assume KIND=IMPLEMENTATION]...\n"
    "                         [CAPS] [--tree] [FILE...]\n"
    "       domcompat validate [--form auto|legacy|libvirt|explicit|mixed] [FILE...]\n"
    "       domcompat hook [--config FILE] [--caps-cache DIR] GUEST OPERATION SUB-OPERATION [EXTRA...]\n"
    "       domcompat --help | --version\n"
    "CAPS: [--source-caps FILE] [--target-caps FILE]\n"
    "OUTPUT: -i, --in-place[=SUFFIX] [--backup[=CONTROL]] [--suffix=SUFFIX]\n"
    "        | -o, --output-dir DIR | --output FILE | -n, --dry-run | --diff\n"
    "every command: [-r [--exclude PATTERN]...] [--follow-symlinks] [-j N] [--format text|json]\n"
    "               [-q | -v] [--max-...] [--no-cache]\n";

static const char help_text[] =
    "\n"
    "Convert the PCI controllers of libvirt domain XML between the legacy form\n"
    "(model='KIND'), libvirt's form (model='KIND' with <model name='IMPLEMENTATION'/>)\n"
    "and the explicit form (subType='KIND' model='IMPLEMENTATION').  Only the\n"
    "converted controllers change; every other byte stays.\n"
    "\n"
    "The usual jobs:\n"
    "  domcompat upgrade --to host -r -i.orig /etc/libvirt/qemu   (libvirtd stopped)\n"
    "              pin the implementation of every controller of this host's\n"
    "              domains, in the spelling its libvirt reads\n"
    "  domcompat downgrade --to libvirt-6.2.0 guest.xml > for-old-host.xml\n"
    "              prepare a domain for an older host\n"
    "  domcompat check --to libvirt-6.2.0 --target-caps CACHE guest.xml\n"
    "              before migrating: the same hardware on that host?\n"
    "No released libvirt reads the explicit form (upgrade's default --to): it\n"
    "is the interchange and review form, for tools and for a libvirt that\n"
    "adopts it.  domcompat refuses to write it into libvirt's own files.\n"
    "\n"
    "Commands:\n"
    "  upgrade     pin every controller's implementation, in the spelling --to\n"
    "              PEER reads (the explicit form by default)\n"
    "  downgrade   explicit controllers for an older peer; refuses any the peer\n"
    "              cannot represent\n"
    "  check       would each FILE mean the same hardware on PEER?  Converts\n"
    "              nothing; lists every problem\n"
    "  explain     what each PCI controller gives the guest: implementation and\n"
    "              where it comes from, PCI ID, address, buses, and the QEMU\n"
    "              -device argument libvirt PEER writes for it (--tree: the\n"
    "              topology)\n"
    "  validate    check documents against the schema of a form\n"
    "  hook        run as libvirt's /etc/libvirt/hooks/qemu: convert the domain\n"
    "              of a migration or restore on standard input (see the README)\n"
    "\n"
    "FILE is read (\"-\" or none: standard input).  Without an OUTPUT option,\n"
    "upgrade and downgrade convert one FILE to standard output.\n"
    "\n";

/* C99 promises string literals of 4095 bytes, no more: the help is in parts. */
static const char help_text_conversion[] =
    "Conversion:\n"
    "  --to PEER   upgrade: explicit (default) or libvirt-X.Y.Z, every implementation\n"
    "              pinned in the spelling that version reads (<model name> from\n"
    "              1.2.19); downgrade: legacy (default) or libvirt-X.Y.Z; explain:\n"
    "              libvirt-X.Y.Z (default: the oldest that reads the document's PCI\n"
    "              controllers); host: the libvirt installed here.  libvirt-X.Y is\n"
    "              libvirt-X.Y.0\n"
    "  --from SOURCE\n"
    "              legacy (default), libvirt-X.Y.Z or host: what the input's\n"
    "              model-only controllers meant, as defined by that libvirt version\n"
    "  --assume KIND=IMPLEMENTATION\n"
    "              model-only KIND controllers mean IMPLEMENTATION (e.g.\n"
    "              pcie-root-port=pcie-root-port); overrides --from and\n"
    "              --source-caps; one per kind\n"
    "  --source-caps FILE\n"
    "              with --from: the QEMU of the host that defined the domain;\n"
    "              model-only controllers are read as its libvirt chose by it\n"
    "  --target-caps FILE\n"
    "              the QEMU of the host that will run the domain; refuses an\n"
    "              implementation it lacks (explain: and its version decides the\n"
    "              -device syntax).  FILE: libvirt's cache\n"
    "              (/var/cache/libvirt/qemu/capabilities/*.xml) or the output of\n"
    "              qemu-system-ARCH -device help\n"
    "  --allow-loss\n"
    "              downgrade: drop <target> values and children the peer would\n"
    "              ignore, and report each, instead of refusing\n"
    "  --tree      explain: the PCI topology instead: each root bus, what sits on\n"
    "              each port and bridge, and how many other devices each bus holds\n"
    "  --replace IMPLEMENTATION=IMPLEMENTATION\n"
    "              downgrade: where the peer lacks the first implementation,\n"
    "              write the second (of the same kind; e.g. pcie-root-port=ioh3420)\n"
    "              and report each: the guest sees another device (cold moves)\n"
    "\n"
    "Output (upgrade and downgrade):\n"
    "  -i, --in-place[=SUFFIX]\n"
    "              replace each FILE that changes, atomically, keeping its owner,\n"
    "              mode and extended attributes (SELinux label, ACL, user.*);\n"
    "              with SUFFIX keep the original as FILE+SUFFIX, refusing a FILE\n"
    "              whose FILE+SUFFIX exists.  Refuses hard-linked and read-only\n"
    "              files, and libvirt's own files in the explicit form\n"
    "  --backup[=CONTROL]\n"
    "              --in-place: keep each original, as cp --backup does: CONTROL\n"
    "              none (off), simple (never): FILE+SUFFIX, replacing an older\n"
    "              one; numbered (t): FILE.~N~; existing (nil, the default):\n"
    "              numbered if FILE has numbered backups, else simple.  Without\n"
    "              CONTROL, $VERSION_CONTROL says which\n"
    "  --suffix=SUFFIX\n"
    "              the suffix of simple backups (default: $SIMPLE_BACKUP_SUFFIX,\n"
    "              else ~); implies --backup\n"
    "  -o, --output-dir DIR\n"
    "              write every converted document under DIR instead: FILE as\n"
    "              DIR/NAME, a file found under a directory argument at its path\n"
    "              below that directory\n"
    "  --output FILE\n"
    "              write the one document to FILE, atomically; a refused one\n"
    "              leaves FILE as it was (or absent)\n"
    "  -n, --dry-run\n"
    "              write nothing; say on standard output what would change\n"
    "  --diff      show what changes as a unified diff on standard output; writes\n"
    "              nothing unless --in-place or --output-dir is given too\n"
    "  --color[=WHEN], --colour[=WHEN]\n"
    "              colour the diff: auto (default: when standard output is a\n"
    "              terminal), always or never\n"
    "  --force     --in-place: rewrite hard-linked and read-only files anyway,\n"
    "              and libvirt's own files in the explicit form\n"
    "  --sync      --output-dir: flush each copy to disk before going on, as\n"
    "              --in-place always does (copies are otherwise left to the\n"
    "              kernel, like cp's)\n"
    "\n";

static const char help_text_inputs[] =
    "Inputs and reports (every command):\n"
    "  -r, --recursive\n"
    "              work on the *.xml files under each directory FILE, sorted by\n"
    "              name; symbolic links met on the way, and documents that are not\n"
    "              domains (networks/), are skipped and counted\n"
    "  --exclude PATTERN\n"
    "              --recursive: leave out the files and directories whose path\n"
    "              below the directory argument matches PATTERN (as the shell\n"
    "              matches; * stays within a name); repeatable\n"
    "  --follow-symlinks\n"
    "              --recursive: walk into symbolic links to directories too\n"
    "  -j, --jobs N\n"
    "              work on N documents at a time (default: one per processor);\n"
    "              output and report are the same for every N\n"
    "  --format F  text (default) or json: a JSON report on standard output of\n"
    "              every document and each change\n"
    "  --form F    validate against form F; auto (default) detects it\n"
    "  -q, --quiet print only errors: no summary, progress, per-file or loss lines\n"
    "  -v, --verbose\n"
    "              also list each document skipped while walking\n"
    "  --no-cache  ask the grammars and rules about every controller, as if it\n"
    "              were the first (the same results; for measuring)\n"
    "  --max-size BYTES, --max-depth N, --max-attribute-length BYTES,\n"
    "  --max-attributes N\n"
    "              limits on one document (defaults 32 MiB, 64, 256 KiB, 256);\n"
    "              a document beyond one is invalid input; what conversions\n"
    "              write in PCI controllers does not count against --max-size,\n"
    "              and a file over 4 times it is refused unread\n"
    "  -h, --help  show this help\n"
    "  --version   show versions of domcompat, libxml2 and libxslt\n"
    "\n"
    "With several documents, one that fails does not stop the others, and a\n"
    "summary line ends the run.  The exit status is the worst document's:\n"
    "  0  done (changed, or nothing to change); valid; check: all convert losslessly\n"
    "  1  refused: a controller cannot be represented for the peer, or would lose\n"
    "     something; explain: an implementation is unknown, or check finds a problem\n"
    "  2  usage error\n"
    "  3  invalid input: not well-formed, not a domain, or not valid in its form\n"
    "  4  I/O or internal error: a file could not be read or written (and was left\n"
    "     as it was)\n";

static void print_help(void)
{
    fputs(usage_text, stdout);
    fputs(help_text, stdout);
    fputs(help_text_conversion, stdout);
    fputs(help_text_inputs, stdout);
}

enum command { CMD_UPGRADE, CMD_DOWNGRADE, CMD_CHECK, CMD_VALIDATE, CMD_EXPLAIN };

/* How --color was given. */
enum color_when { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

struct invocation {
    enum command command;
    domcompat_options *opts;
    domcompat_options *reading; /* explain: the upgrade to the explicit form that reads FILE */
    struct tool_explain explain;
    char **assumed_kinds; /* explain: the KIND of each --assume, room for every argument */
    char target_peer[32]; /* explain: --to as a peer */
    char source_peer[32]; /* explain: --from as a peer */
    char *target_qemu;    /* explain: --target-caps' QEMU version */
    domcompat_form form;
    int quiet, verbose;
    int json;
    int have_target;
    int from_libvirt; /* --from names a libvirt version (or host) */
    int to_explicit;  /* what is written is in the explicit form */
    const char *source_caps;
    domcompat_limits limits;
    int in_place, dry_run, diff, force, sync, no_cache;
    int replacing;
    const char *backup_suffix;  /* -i SUFFIX */
    const char *backup_control; /* --backup=CONTROL; "" for --backup alone */
    const char *suffix;         /* --suffix */
    struct tool_backup backup;
    const char *output_dir;
    const char *output_file; /* --output */
    char *output_path;       /* ... with a '/' for the writer */
    mode_t new_file_mode;    /* 0666 less the umask: --output of standard input */
    enum color_when color;
    struct tool_walk_options walk;
    char **excludes; /* --exclude, room for every argument */
    size_t exclude_count;
    unsigned jobs;
    char **files;
    int file_count;
};

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The arguments it names are the user's, and may hold anything: the message stays one line. */
static void usage_error(const char *fmt, ...)
{
    char message[2048];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    fputs("domcompat: ", stderr);
    report_put_text(stderr, message);
    fputs("\nTry 'domcompat --help' for more information.\n", stderr);
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
    static const char *const names[] = {"upgrade", "downgrade", "check", "validate", "explain"};

    return names[command];
}

enum {
    OPT_ASSUME = 256,
    OPT_TO,
    OPT_FROM,
    OPT_ALLOW_LOSS,
    OPT_REPLACE,
    OPT_FORMAT,
    OPT_FORM,
    OPT_VERSION,
    OPT_MAX_SIZE,
    OPT_MAX_DEPTH,
    OPT_MAX_ATTRIBUTE_LENGTH,
    OPT_MAX_ATTRIBUTES,
    OPT_DIFF,
    OPT_COLOR,
    OPT_FORCE,
    OPT_SYNC,
    OPT_FOLLOW_SYMLINKS,
    OPT_BACKUP,
    OPT_SUFFIX,
    OPT_EXCLUDE,
    OPT_OUTPUT,
    OPT_SOURCE_CAPS,
    OPT_TARGET_CAPS,
    OPT_NO_CACHE,
    OPT_TREE
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
    int converts = command == CMD_UPGRADE || command == CMD_DOWNGRADE;

    switch (opt) {
    case OPT_ASSUME:
    case OPT_FROM:
    case OPT_TO:
    case OPT_SOURCE_CAPS:
    case OPT_TARGET_CAPS: return command != CMD_VALIDATE;
    case OPT_ALLOW_LOSS:
    case OPT_REPLACE: return command == CMD_DOWNGRADE;
    case OPT_FORM: return command == CMD_VALIDATE;
    case OPT_TREE: return command == CMD_EXPLAIN;
    case 'i':
    case 'o':
    case OPT_OUTPUT:
    case 'n':
    case OPT_DIFF:
    case OPT_COLOR:
    case OPT_FORCE:
    case OPT_BACKUP:
    case OPT_SUFFIX:
    case OPT_SYNC: return converts;
    default: return 1;
    }
}

/* What --to may name for each command. */
static const char *peers_of(enum command command)
{
    switch (command) {
    case CMD_UPGRADE: return "explicit, libvirt-X.Y.Z or host";
    case CMD_DOWNGRADE: return "legacy, libvirt-X.Y.Z or host";
    case CMD_EXPLAIN: return "libvirt-X.Y.Z or host";
    default: return "explicit, legacy, libvirt-X.Y.Z or host";
    }
}

/*
 * --to: upgrade pins every implementation, in the explicit form or in what
 * a libvirt version parses; downgrade writes for a peer, never the explicit
 * form; check asks about any of them.  "host" is this machine's libvirt.
 */
static int set_target(struct invocation *inv, const char *target)
{
    char peer[32], why[512];
    const char *name = tool_host_resolve(target, peer, sizeof(peer), "--to", why, sizeof(why));

    if (name == NULL) {
        usage_error("%s", why);
        return EXIT_USAGE;
    }
    if ((inv->command == CMD_UPGRADE && strcmp(name, "legacy") == 0) ||
        (inv->command == CMD_DOWNGRADE && strcmp(name, "explicit") == 0)) {
        usage_error("%s converts to %s; --to %s is not one of them%s", command_name(inv->command),
                    peers_of(inv->command), name,
                    inv->command == CMD_UPGRADE
                        ? " (the legacy form cannot pin an implementation: downgrade writes it)"
                        : "");
        return EXIT_USAGE;
    }
    /* A form is no QEMU driver: explain needs a libvirt version's command line. */
    if (inv->command == CMD_EXPLAIN &&
        (strcmp(name, "legacy") == 0 || strcmp(name, "explicit") == 0)) {
        usage_error("explain shows what a libvirt version gives the guest: --to takes %s, not "
                    "the form '%s'",
                    peers_of(CMD_EXPLAIN), name);
        return EXIT_USAGE;
    }
    if (domcompat_options_set_target(inv->opts, name, NULL) != DOMCOMPAT_OK) {
        usage_error("unknown peer '%s'; %s %s %s (for example libvirt-9.0.0)", name,
                    command_name(inv->command),
                    inv->command == CMD_CHECK ? "asks about" : "converts to",
                    peers_of(inv->command));
        return EXIT_USAGE;
    }
    inv->have_target = 1;
    inv->to_explicit = strcmp(name, "explicit") == 0;
    snprintf(inv->target_peer, sizeof(inv->target_peer), "%s", name);
    return -1;
}

/* --from: "host" is this machine's libvirt. */
static int set_source(struct invocation *inv, const char *source)
{
    char peer[32], why[512];
    const char *name = tool_host_resolve(source, peer, sizeof(peer), "--from", why, sizeof(why));

    if (name == NULL) {
        usage_error("%s", why);
        return EXIT_USAGE;
    }
    if (domcompat_options_set_source(inv->opts, name, NULL) != DOMCOMPAT_OK) {
        usage_error("unknown source '%s'; expected legacy, libvirt-X.Y.Z or host (for example "
                    "libvirt-3.5.0)",
                    name);
        return EXIT_USAGE;
    }
    if (domcompat_options_set_source(inv->reading, name, NULL) != DOMCOMPAT_OK) {
        fputs("domcompat: out of memory\n", stderr);
        return EXIT_FAILURE_IO;
    }
    inv->from_libvirt = strcmp(name, "legacy") != 0;
    snprintf(inv->source_peer, sizeof(inv->source_peer), "%s", name);
    return -1;
}

/* --source-caps and --target-caps: the file is read and checked at once. */
static int set_caps(struct invocation *inv, int opt, const char *path)
{
    const char *what = opt == OPT_SOURCE_CAPS ? "--source-caps" : "--target-caps";
    domcompat_caps *caps = NULL;
    int status = tool_caps_load(path, what, 0, &caps);

    if (status != 0)
        return status;
    if (opt == OPT_SOURCE_CAPS) {
        domcompat_options_set_source_caps(inv->opts, caps, NULL);
        domcompat_options_set_source_caps(inv->reading, caps, NULL);
        inv->source_caps = path;
    } else {
        domcompat_options_set_target_caps(inv->opts, caps, NULL);
        free(inv->target_qemu);
        inv->target_qemu = domcompat_caps_qemu_version(caps) != NULL
                               ? strdup(domcompat_caps_qemu_version(caps))
                               : NULL;
        inv->explain.target_caps = path;
    }
    domcompat_caps_free(caps);
    return -1;
}

static int parse_jobs(const char *text, unsigned *out)
{
    size_t value;

    if (parse_limit(text, &value) != 0 || value > 256)
        return -1;
    *out = (unsigned)value;
    return 0;
}

/* The combinations of options and files that make no sense; -1 when all is well. */
static int check_combination(const struct invocation *inv)
{
    int converts = inv->command == CMD_UPGRADE || inv->command == CMD_DOWNGRADE;
    int i, stdin_named = inv->file_count == 0;

    for (i = 0; i < inv->file_count; i++)
        stdin_named |= strcmp(inv->files[i], "-") == 0;
    if (inv->in_place + (inv->output_dir != NULL) + (inv->output_file != NULL) > 1) {
        usage_error("%s and %s exclude each other", inv->in_place ? "--in-place" : "--output-dir",
                    inv->output_file != NULL ? "--output" : "--output-dir");
        return EXIT_USAGE;
    }
    if (inv->output_file != NULL && (inv->file_count > 1 || inv->walk.recursive)) {
        usage_error("--output writes one document; for several, choose --in-place or "
                    "--output-dir DIR");
        return EXIT_USAGE;
    }
    if (inv->output_file != NULL && *inv->output_file == '\0') {
        usage_error("--output needs a file name");
        return EXIT_USAGE;
    }
    if (inv->exclude_count > 0 && !inv->walk.recursive) {
        usage_error("--exclude applies to the files --recursive finds; add -r");
        return EXIT_USAGE;
    }
    if (inv->quiet && inv->verbose) {
        usage_error("--quiet and --verbose exclude each other");
        return EXIT_USAGE;
    }
    if ((inv->in_place || inv->output_dir != NULL) && stdin_named) {
        usage_error("--%s needs FILE arguments; standard input has no file to %s",
                    inv->in_place ? "in-place" : "output-dir",
                    inv->in_place ? "replace" : "name the copy after");
        return EXIT_USAGE;
    }
    if (inv->sync && inv->output_dir == NULL) {
        usage_error("--sync applies to --output-dir only (--in-place always flushes)");
        return EXIT_USAGE;
    }
    if (inv->force && !inv->in_place && inv->output_dir == NULL) {
        usage_error("--force applies to --in-place (and --output-dir) only");
        return EXIT_USAGE;
    }
    if (converts && !inv->in_place && inv->output_dir == NULL && inv->output_file == NULL &&
        !inv->dry_run && !inv->diff) {
        if (inv->file_count > 1 || inv->walk.recursive) {
            usage_error("%s writes one document to standard output; for several, choose "
                        "--in-place, --output-dir DIR, --dry-run or --diff",
                        command_name(inv->command));
            return EXIT_USAGE;
        }
        if (inv->json) {
            usage_error("--format json writes its report to standard output, where the "
                        "document would go; add --in-place, --output-dir DIR, --output FILE or "
                        "--dry-run");
            return EXIT_USAGE;
        }
    }
    if (inv->output_dir != NULL && *inv->output_dir == '\0') {
        usage_error("--output-dir needs a directory name");
        return EXIT_USAGE;
    }
    if (inv->backup_suffix != NULL &&
        (*inv->backup_suffix == '\0' || strchr(inv->backup_suffix, '/') != NULL)) {
        usage_error("--in-place=SUFFIX: '%s' is not a file name suffix (no '/', not empty)",
                    inv->backup_suffix);
        return EXIT_USAGE;
    }
    if ((inv->backup_control != NULL || inv->suffix != NULL) && !inv->in_place) {
        usage_error("--%s applies to --in-place only: the original is kept beside the file",
                    inv->backup_control != NULL ? "backup" : "suffix");
        return EXIT_USAGE;
    }
    if (inv->suffix != NULL && inv->backup_suffix != NULL) {
        usage_error("--in-place=%s and --suffix=%s: two suffixes; give one", inv->backup_suffix,
                    inv->suffix);
        return EXIT_USAGE;
    }
    /* What the source's QEMU had decides only what a libvirt version chose by it. */
    if (inv->source_caps != NULL && !inv->from_libvirt) {
        usage_error("--source-caps says which devices the source host's QEMU had, which decides "
                    "only what a libvirt version chose by it: add --from libvirt-X.Y.Z (or host), "
                    "the version that defined the domain");
        return EXIT_USAGE;
    }
    if (inv->command == CMD_CHECK && !inv->have_target) {
        usage_error("check needs --to PEER: %s", peers_of(CMD_CHECK));
        return EXIT_USAGE;
    }
    return -1;
}

/*
 * getopt_long returned '?': says which argument is wrong, and how.  An
 * unknown letter is in the argument getopt is in, or has just left when
 * the letter was its last.  A word that starts with '-' and is not an
 * option is most likely a file name: say how to give one.
 */
static void report_bad_option(enum command command, int argc, char **argv,
                              const struct option *options)
{
    const char *last = argv[optind - 1], *culprit, *culprit_shown;
    size_t i, matches = 0;
    char shown[256];

    if (optopt >= 256 || (optopt != 0 && strchr("oj", optopt) != NULL)) {
        if (strncmp(last, "--", 2) == 0)
            usage_error("option '%s' needs a value",
                        report_display_name(last, shown, sizeof(shown)));
        else
            usage_error("option '-%c' needs a value", optopt);
        return;
    }
    if (optopt == 0) {
        /* A long option getopt could not tell: none begins so, or several do. */
        for (i = 0; strncmp(last, "--", 2) == 0 && options[i].name != NULL; i++)
            matches += strncmp(options[i].name, last + 2, strcspn(last + 2, "=")) == 0;
        if (matches > 1)
            usage_error("ambiguous option '%s': %zu options begin so; write more of its name",
                        report_display_name(last, shown, sizeof(shown)), matches);
        else
            usage_error("unknown option '%s'", report_display_name(last, shown, sizeof(shown)));
        return;
    }
    culprit = optind < argc && argv[optind][0] == '-' && strchr(argv[optind] + 1, optopt) != NULL
                  ? argv[optind]
                  : last;
    culprit_shown = report_display_name(culprit, shown, sizeof(shown));
    if (strlen(culprit) <= 2)
        usage_error("unknown option '%s'", culprit_shown);
    else if (strpbrk(culprit, "./") == NULL)
        usage_error("unknown option '-%c' in '%s'", optopt, culprit_shown);
    else
        usage_error("unknown option '-%c' in '%s'; a file whose name starts with '-' goes after "
                    "'--': domcompat %s [OPTION...] -- %s",
                    optopt, culprit_shown, command_name(command), culprit_shown);
}

/* A CONTROL word of --backup or VERSION_CONTROL, whole or any unambiguous beginning, as GNU's. */
static int parse_backup_control(const char *word, enum tool_backup_control *out)
{
    static const struct {
        const char *name;
        enum tool_backup_control control;
    } words[] = {
        {"none", TOOL_BACKUP_NONE},         {"off", TOOL_BACKUP_NONE},
        {"simple", TOOL_BACKUP_SIMPLE},     {"never", TOOL_BACKUP_SIMPLE},
        {"existing", TOOL_BACKUP_EXISTING}, {"nil", TOOL_BACKUP_EXISTING},
        {"numbered", TOOL_BACKUP_NUMBERED}, {"t", TOOL_BACKUP_NUMBERED},
    };
    size_t i, len = strlen(word);
    int found = -1;

    for (i = 0; i < sizeof(words) / sizeof(words[0]) && len > 0; i++) {
        if (strcmp(word, words[i].name) == 0) {
            *out = words[i].control;
            return 0;
        }
        if (strncmp(word, words[i].name, len) == 0) {
            if (found >= 0 && words[found].control != words[i].control)
                return -1; /* ambiguous */
            found = (int)i;
        }
    }
    if (found < 0)
        return -1;
    *out = words[found].control;
    return 0;
}

/*
 * Which backups --in-place keeps: -i SUFFIX alone is a simple backup that
 * never replaces a file; --backup[=CONTROL] (or --suffix, which implies it)
 * follows GNU cp: CONTROL, else $VERSION_CONTROL, else existing; the suffix
 * of simple backups is SUFFIX, else $SIMPLE_BACKUP_SUFFIX, else "~".
 * Returns -1 to go on, else an exit status.
 */
static int resolve_backup(struct invocation *inv)
{
    const char *control = inv->backup_control, *from = "--backup";
    const char *env_suffix = getenv("SIMPLE_BACKUP_SUFFIX");

    /* As GNU's: a $SIMPLE_BACKUP_SUFFIX that is empty or holds a '/' is not used. */
    if (env_suffix == NULL || *env_suffix == '\0' || strchr(env_suffix, '/') != NULL)
        env_suffix = "~";
    inv->backup.control = TOOL_BACKUP_NONE;
    inv->backup.suffix = inv->backup_suffix != NULL ? inv->backup_suffix
                         : inv->suffix != NULL      ? inv->suffix
                                                    : env_suffix;
    if (inv->suffix != NULL && (*inv->suffix == '\0' || strchr(inv->suffix, '/') != NULL)) {
        usage_error("--suffix=%s: not a file name suffix (no '/', not empty)", inv->suffix);
        return EXIT_USAGE;
    }
    if (control == NULL && inv->suffix == NULL) {
        if (inv->backup_suffix != NULL) {
            inv->backup.control = TOOL_BACKUP_SIMPLE;
            inv->backup.keep_existing = 1;
        }
        return -1;
    }
    if (control == NULL || *control == '\0') {
        control = getenv("VERSION_CONTROL");
        from = "VERSION_CONTROL";
        if (control == NULL || *control == '\0')
            control = "existing";
    }
    if (parse_backup_control(control, &inv->backup.control) != 0) {
        usage_error("%s: '%s' is not a backup control; expected none (off), simple (never), "
                    "numbered (t) or existing (nil)",
                    from, control);
        return EXIT_USAGE;
    }
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
        {"replace", required_argument, NULL, OPT_REPLACE},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"form", required_argument, NULL, OPT_FORM},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        {"max-size", required_argument, NULL, OPT_MAX_SIZE},
        {"max-depth", required_argument, NULL, OPT_MAX_DEPTH},
        {"max-attribute-length", required_argument, NULL, OPT_MAX_ATTRIBUTE_LENGTH},
        {"max-attributes", required_argument, NULL, OPT_MAX_ATTRIBUTES},
        {"in-place", optional_argument, NULL, 'i'},
        {"output-dir", required_argument, NULL, 'o'},
        {"dry-run", no_argument, NULL, 'n'},
        {"diff", no_argument, NULL, OPT_DIFF},
        {"color", optional_argument, NULL, OPT_COLOR},
        {"colour", optional_argument, NULL, OPT_COLOR},
        {"sync", no_argument, NULL, OPT_SYNC},
        {"force", no_argument, NULL, OPT_FORCE},
        {"recursive", no_argument, NULL, 'r'},
        {"follow-symlinks", no_argument, NULL, OPT_FOLLOW_SYMLINKS},
        {"backup", optional_argument, NULL, OPT_BACKUP},
        {"suffix", required_argument, NULL, OPT_SUFFIX},
        {"exclude", required_argument, NULL, OPT_EXCLUDE},
        {"output", required_argument, NULL, OPT_OUTPUT},
        {"verbose", no_argument, NULL, 'v'},
        {"jobs", required_argument, NULL, 'j'},
        {"source-caps", required_argument, NULL, OPT_SOURCE_CAPS},
        {"target-caps", required_argument, NULL, OPT_TARGET_CAPS},
        {"no-cache", no_argument, NULL, OPT_NO_CACHE},
        {"tree", no_argument, NULL, OPT_TREE},
        {NULL, 0, NULL, 0},
    };
    domcompat_error err;
    int opt, status, which = -1;

    opterr = 0;
    while ((opt = getopt_long(argc, argv, "qvhi::o:nrj:", options, &which)) != -1) {
        int long_index = which;

        if (opt != '?' && !takes(inv->command, opt)) {
            /* Name the option as the user wrote it, not its argument. */
            if (which < 0)
                usage_error("%s takes no -%c", command_name(inv->command), opt);
            else
                usage_error("%s takes no --%s", command_name(inv->command), options[which].name);
            return EXIT_USAGE;
        }
        which = -1;
        switch (opt) {
        case OPT_ASSUME:
            if (domcompat_options_assume(inv->opts, optarg, &err) != DOMCOMPAT_OK ||
                domcompat_options_assume(inv->reading, optarg, &err) != DOMCOMPAT_OK) {
                usage_error("%s", err.message);
                return EXIT_USAGE;
            }
            inv->assumed_kinds[inv->explain.assumed_count++] = optarg;
            break;
        case OPT_TO:
            if ((status = set_target(inv, optarg)) >= 0)
                return status;
            break;
        case OPT_FROM:
            if ((status = set_source(inv, optarg)) >= 0)
                return status;
            break;
        case OPT_SOURCE_CAPS:
        case OPT_TARGET_CAPS:
            if ((status = set_caps(inv, opt, optarg)) >= 0)
                return status;
            break;
        case OPT_ALLOW_LOSS: domcompat_options_allow_loss(inv->opts, 1); break;
        case OPT_REPLACE:
            if (domcompat_options_replace(inv->opts, optarg, &err) != DOMCOMPAT_OK) {
                usage_error("%s", err.message);
                return EXIT_USAGE;
            }
            inv->replacing = 1;
            break;
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
        case 'i':
            inv->in_place = 1;
            inv->backup_suffix = optarg;
            break;
        case 'o': inv->output_dir = optarg; break;
        case OPT_OUTPUT: inv->output_file = optarg; break;
        case 'n': inv->dry_run = 1; break;
        case OPT_DIFF: inv->diff = 1; break;
        case OPT_COLOR:
            if (optarg == NULL || strcmp(optarg, "always") == 0)
                inv->color = optarg == NULL ? COLOR_AUTO : COLOR_ALWAYS;
            else if (strcmp(optarg, "auto") == 0)
                inv->color = COLOR_AUTO;
            else if (strcmp(optarg, "never") == 0)
                inv->color = COLOR_NEVER;
            else {
                usage_error("--color=%s: expected auto, always or never", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_FORCE: inv->force = 1; break;
        case OPT_BACKUP: inv->backup_control = optarg != NULL ? optarg : ""; break;
        case OPT_SUFFIX: inv->suffix = optarg; break;
        case OPT_SYNC: inv->sync = 1; break;
        case 'r': inv->walk.recursive = 1; break;
        case OPT_FOLLOW_SYMLINKS: inv->walk.follow_symlinks = 1; break;
        case OPT_EXCLUDE:
            if (*optarg == '\0') {
                usage_error("--exclude needs a pattern");
                return EXIT_USAGE;
            }
            inv->excludes[inv->exclude_count++] = optarg;
            break;
        case 'j':
            if (parse_jobs(optarg, &inv->jobs) != 0) {
                usage_error("--jobs %s: expected a number from 1 to 256", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'q': inv->quiet = 1; break;
        case 'v': inv->verbose = 1; break;
        case OPT_NO_CACHE: inv->no_cache = 1; break;
        case OPT_TREE: inv->explain.tree = 1; break;
        case 'h': print_help(); return EXIT_DONE;
        case OPT_VERSION: print_version(); return EXIT_DONE;
        default: report_bad_option(inv->command, argc, argv, options); return EXIT_USAGE;
        }
    }
    inv->files = argv + optind;
    inv->file_count = argc - optind;
    inv->walk.output_dir = inv->output_dir;
    inv->walk.excludes = inv->excludes;
    inv->walk.exclude_count = inv->exclude_count;
    if ((status = check_combination(inv)) >= 0)
        return status;
    return resolve_backup(inv);
}

/* --output's name with a '/', as the writer opens its directory: "./NAME" for a bare NAME. */
static int prepare_output_file(struct invocation *inv)
{
    mode_t mask;
    size_t len;

    if (inv->output_file == NULL)
        return 0;
    len = strlen(inv->output_file) + 3;
    if ((inv->output_path = malloc(len)) == NULL)
        return -1;
    snprintf(inv->output_path, len, "%s%s", strchr(inv->output_file, '/') ? "" : "./",
             inv->output_file);
    mask = umask(0);
    umask(mask);
    inv->new_file_mode = 0666 & ~mask;
    return 0;
}

/* One processor each, as sched_getaffinity allows; at least one. */
static unsigned processor_count(void)
{
    cpu_set_t set;
    long online;

    if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set) > 256 ? 256 : (unsigned)CPU_COUNT(&set);
    online = sysconf(_SC_NPROCESSORS_ONLN);
    return online < 1 ? 1 : online > 256 ? 256 : (unsigned)online;
}

static int color_wanted(enum color_when when)
{
    const char *term = getenv("TERM");

    if (when != COLOR_AUTO)
        return when == COLOR_ALWAYS;
    return isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL && term != NULL &&
           strcmp(term, "dumb") != 0;
}

static char *standard_input[] = {"-"};

/*
 * The --to that writes what this host's libvirt reads, for the refusal to
 * rewrite libvirt's own files in the explicit form.  Asked before threads
 * start: finding the version forks.
 */
static const char *libvirt_to(char *buf, size_t size)
{
    char peer[32], why[256];

    if (tool_host_libvirt_version(peer, sizeof(peer), why, sizeof(why)) == TOOL_HOST_OK)
        snprintf(buf, size, "--to host (%s here)", peer);
    else
        snprintf(buf, size, "--to libvirt-X.Y.Z, the version of the libvirt that reads it,");
    return buf;
}

/* Compiles the rules, closes libxml2's door to files and network, runs the command. */
static int run(domcompat_context **ctx, const struct invocation *inv)
{
    char libvirt_to_buf[80];
    static const enum tool_task tasks[] = {TOOL_TASK_CONVERT, TOOL_TASK_CONVERT, TOOL_TASK_CHECK,
                                           TOOL_TASK_VALIDATE, TOOL_TASK_EXPLAIN};
    struct tool_inputs inputs;
    struct tool_batch batch;
    domcompat_error err;
    int status;

    if (domcompat_context_new(ctx, &err) != DOMCOMPAT_OK) {
        fprintf(stderr, "domcompat: internal error: %s\n", err.message);
        return EXIT_FAILURE_IO;
    }
    if (domcompat_context_set_limits(*ctx, &inv->limits, &err) != DOMCOMPAT_OK) {
        usage_error("%s", err.message);
        return EXIT_USAGE;
    }
    if (inv->no_cache)
        domcompat_context_set_cache(*ctx, 0, NULL);
    domcompat_forbid_external_loading();

    memset(&batch, 0, sizeof(batch));
    batch.task = tasks[inv->command];
    batch.command = command_name(inv->command);
    batch.ctx = *ctx;
    batch.opts = inv->opts;
    batch.reading = inv->reading;
    batch.explain = &inv->explain;
    batch.explain_checks = inv->have_target;
    batch.form = inv->form;
    batch.max_size = inv->limits.max_size;
    /* A dry run still checks what --in-place or --output-dir would refuse. */
    batch.destination = inv->in_place               ? TOOL_IN_PLACE
                        : inv->output_dir != NULL   ? TOOL_TO_DIR
                        : inv->output_file != NULL  ? TOOL_TO_FILE
                        : inv->dry_run || inv->diff ? TOOL_TO_NOWHERE
                                                    : TOOL_TO_STDOUT;
    batch.dry_run = inv->dry_run || batch.destination == TOOL_TO_NOWHERE;
    batch.output_dir = inv->output_dir;
    batch.output_file = inv->output_path;
    batch.output_file_shown = inv->output_file;
    batch.new_file_mode = inv->new_file_mode;
    batch.backup = inv->backup.control != TOOL_BACKUP_NONE ? &inv->backup : NULL;
    batch.force = inv->force;
    batch.explicit_output = inv->command == CMD_UPGRADE && inv->to_explicit;
    if (batch.explicit_output && batch.destination == TOOL_IN_PLACE)
        batch.libvirt_to = libvirt_to(libvirt_to_buf, sizeof(libvirt_to_buf));
    batch.sync = inv->sync;
    batch.diff = inv->diff;
    batch.replacing = inv->replacing;
    batch.color = inv->diff && color_wanted(inv->color);
    batch.json = inv->json;
    batch.quiet = inv->quiet;
    batch.verbose = inv->verbose;
    batch.progress = !inv->quiet && isatty(STDERR_FILENO);
    batch.jobs = inv->jobs ? inv->jobs : processor_count();

    if (batch.task == TOOL_TASK_CONVERT)
        tool_write_handle_signals();
    if (tool_inputs_collect(&inputs, inv->file_count ? inv->files : standard_input,
                            inv->file_count ? (size_t)inv->file_count : 1, &inv->walk) != 0) {
        tool_inputs_free(&inputs);
        fprintf(stderr, "domcompat: internal error: %s\n", strerror(ENOMEM));
        return EXIT_FAILURE_IO;
    }
    status = tool_batch_run(&batch, &inputs);
    tool_inputs_free(&inputs);
    return status;
}

static int parse_command(const char *word, enum command *out)
{
    enum command command;

    for (command = CMD_UPGRADE; command <= CMD_EXPLAIN; command++) {
        if (strcmp(word, command_name(command)) == 0) {
            *out = command;
            return 0;
        }
    }
    return -1;
}

int main(int argc, char **argv)
{
    struct invocation inv;
    domcompat_context *ctx = NULL;
    int status;

    memset(&inv, 0, sizeof(inv));
    inv.form = DOMCOMPAT_FORM_AUTO;
    /* First, before anything uses libxml2: running out of memory in it is then an error. */
    if (domcompat_use_memory_reserve(NULL) != DOMCOMPAT_OK) {
        fputs("domcompat: internal error: cannot set up libxml2's allocation functions\n", stderr);
        return EXIT_FAILURE_IO;
    }

    if (argc < 2) {
        usage_error("missing command");
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        print_help();
        return fflush(stdout) == 0 ? EXIT_DONE : EXIT_FAILURE_IO;
    }
    if (strcmp(argv[1], "--version") == 0) {
        print_version();
        return fflush(stdout) == 0 ? EXIT_DONE : EXIT_FAILURE_IO;
    }
    if (strcmp(argv[1], "hook") == 0)
        return tool_hook_main(argc - 1, argv + 1);
    if (parse_command(argv[1], &inv.command) != 0) {
        usage_error(
            "unknown command '%s'; expected upgrade, downgrade, check, explain, validate or "
            "hook",
            argv[1]);
        return EXIT_USAGE;
    }
    domcompat_limits_default(&inv.limits);
    if (domcompat_options_new(&inv.opts) != DOMCOMPAT_OK ||
        domcompat_options_new(&inv.reading) != DOMCOMPAT_OK) {
        fputs("domcompat: out of memory\n", stderr);
        domcompat_options_free(inv.opts);
        return EXIT_FAILURE_IO;
    }
    if (inv.command == CMD_DOWNGRADE)
        domcompat_options_set_target(inv.opts, "legacy", NULL);
    inv.to_explicit = inv.command == CMD_UPGRADE;

    /* Every argument could be an --exclude, or an --assume. */
    if ((inv.excludes = calloc((size_t)argc, sizeof(*inv.excludes))) == NULL ||
        (inv.assumed_kinds = calloc((size_t)argc, sizeof(*inv.assumed_kinds))) == NULL) {
        fputs("domcompat: out of memory\n", stderr);
        domcompat_options_free(inv.opts);
        domcompat_options_free(inv.reading);
        free(inv.excludes);
        return EXIT_FAILURE_IO;
    }
    status = parse_arguments(&inv, argc - 1, argv + 1);
    inv.explain.assumed_kinds = (const char *const *)inv.assumed_kinds;
    inv.explain.source = inv.from_libvirt ? inv.source_peer : NULL;
    inv.explain.source_caps = inv.source_caps != NULL;
    inv.explain.target = inv.have_target ? inv.target_peer : NULL;
    inv.explain.target_qemu = inv.target_qemu;
    inv.explain.json = inv.json;
    if (status < 0 && prepare_output_file(&inv) != 0) {
        fputs("domcompat: out of memory\n", stderr);
        status = EXIT_FAILURE_IO;
    }
    if (status < 0)
        status = run(&ctx, &inv);
    domcompat_context_free(ctx);
    domcompat_options_free(inv.opts);
    domcompat_options_free(inv.reading);
    free(inv.excludes);
    free(inv.assumed_kinds);
    free(inv.target_qemu);
    free(inv.output_path);
    if (status == TOOL_STDOUT_CLOSED) {
        /* A reader that went away ends the run as it ends the standard tools: SIGPIPE. */
        fflush(stderr);
        signal(SIGPIPE, SIG_DFL);
        raise(SIGPIPE);
        status = EXIT_FAILURE_IO;
    }
    return status;
}
