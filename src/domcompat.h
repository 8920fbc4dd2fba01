/*
 * domcompat: convert the PCI controllers of libvirt domain XML between the
 * legacy (model-only) form, libvirt's own form (model and a <model name>
 * child) and the explicit (subType + model) form, for peers of any
 * libvirt version.
 *
 * The library works on documents in memory and never touches files,
 * prints, or exits.  A conversion changes only the start tags of the PCI
 * controllers it converts; every other byte of the document comes back as
 * it was.
 *
 * Threads: create a context with domcompat_context_new() before starting
 * threads.  After that the context and any options object are read-only,
 * and any number of threads may call domcompat_convert() and
 * domcompat_validate() at the same time with the same context and options.
 * Results and error structs belong to the calling thread.
 *
 * Ownership: an object returned through an `out` parameter belongs to the
 * caller and is released with its *_free function.  Every *_free function
 * accepts NULL.
 */
#ifndef DOMCOMPAT_H
#define DOMCOMPAT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DOMCOMPAT_VERSION "0.1.0"

/*
 * Return codes.  Functions return DOMCOMPAT_OK or one of these negative
 * values, and fill the caller's domcompat_error when one is given.
 */
enum {
    DOMCOMPAT_OK = 0,
    /* A controller cannot be represented in the target form. */
    DOMCOMPAT_EREFUSED = -1,
    /* A bad argument: unknown target, malformed assumption, NULL input. */
    DOMCOMPAT_EUSAGE = -2,
    /* The document is not well-formed, not a domain, or not valid in its form. */
    DOMCOMPAT_EINVALID = -3,
    /* A rule or library failure; a bug in domcompat, never the input's fault. */
    DOMCOMPAT_EINTERNAL = -4,
    /* Out of memory. */
    DOMCOMPAT_ENOMEM = -5
};

/*
 * A setting that would let a refused or invalid document through.  The
 * library names no option of any program: a caller words each fix as its
 * users change that setting (the domcompat tool: --max-size, --assume...).
 */
typedef enum domcompat_fix {
    DOMCOMPAT_FIX_NONE = 0,
    DOMCOMPAT_FIX_MAX_SIZE,             /* a larger domcompat_limits.max_size */
    DOMCOMPAT_FIX_MAX_DEPTH,            /* ... max_depth */
    DOMCOMPAT_FIX_MAX_ATTRIBUTE_LENGTH, /* ... max_attribute_length */
    DOMCOMPAT_FIX_MAX_ATTRIBUTES,       /* ... max_attributes */
    DOMCOMPAT_FIX_ASSUME,               /* domcompat_options_assume() of a value */
    DOMCOMPAT_FIX_DROP_ASSUMPTION,      /* the assumption of a value, left out */
    DOMCOMPAT_FIX_ALLOW_LOSS            /* domcompat_options_allow_loss() */
} domcompat_fix;

/*
 * What went wrong, where.  `line` and `column` are 1-based positions in
 * the input document, 0 when the error has no position in it.  `message`
 * says what was found and what was expected; it never ends with a newline
 * and never repeats the position.  `fix`: the setting that would let the
 * document through (a limit it exceeds), or DOMCOMPAT_FIX_NONE.
 */
typedef struct domcompat_error {
    int code;
    unsigned long line;
    unsigned long column;
    char message[1024];
    domcompat_fix fix;
} domcompat_error;

/* How a document spells its PCI controllers. */
typedef enum domcompat_form {
    /* validate: detect the form of each document. */
    DOMCOMPAT_FORM_AUTO = 0,
    /* model='KIND' only. */
    DOMCOMPAT_FORM_LEGACY,
    /* subType='KIND' model='IMPLEMENTATION'. */
    DOMCOMPAT_FORM_EXPLICIT,
    /* Some controllers in each of the forms. */
    DOMCOMPAT_FORM_MIXED,
    /* No PCI controllers at all: the document is in every form. */
    DOMCOMPAT_FORM_ANY,
    /* model='KIND' with <model name='IMPLEMENTATION'/>, as libvirt writes. */
    DOMCOMPAT_FORM_LIBVIRT
} domcompat_form;

/* The form's name as the command line spells it ("legacy", ...). */
const char *domcompat_form_name(domcompat_form form);

/*
 * Versions of domcompat and of the libraries it was compiled against and
 * is running with, for --version and bug reports.
 */
typedef struct domcompat_versions {
    char domcompat[16];
    char libxml2_compiled[16];
    char libxml2_running[16];
    char libxslt_compiled[16];
    char libxslt_running[16];
} domcompat_versions;

void domcompat_versions_get(domcompat_versions *out);

/*
 * The compiled rules and schemas.  Creating one compiles every stylesheet
 * and schema once; share it for the life of the process.
 *
 * Returns DOMCOMPAT_OK, DOMCOMPAT_ENOMEM or DOMCOMPAT_EINTERNAL.
 */
typedef struct domcompat_context domcompat_context;

/*
 * Bounds on one document, checked before it is parsed.  The defaults
 * (domcompat_limits_default) hold the largest real domains many times
 * over; a document beyond any of them is refused as invalid input, its
 * error's `fix` naming the limit.  What counts against max_size: see
 * domcompat_limits_size_cap().
 */
typedef struct domcompat_limits {
    size_t max_size;             /* bytes in the document; default 32 MiB (see above) */
    size_t max_depth;            /* elements inside elements; default 64, at most 256 */
    size_t max_attribute_length; /* bytes in one attribute value; default 256 KiB */
    size_t max_attributes;       /* attributes of one element; default 256 */
} domcompat_limits;

void domcompat_limits_default(domcompat_limits *out);

/*
 * What counts against max_size is the document's size less the bytes that
 * domcompat's own conversions write in PCI controllers (a subType
 * attribute, a longer model value, a <model name> child and the lines it
 * takes), so that the output of any document within the limit is read
 * back under it.  Those bytes never make a document more than this many
 * bytes: a document larger than domcompat_limits_size_cap(max_size) is
 * refused without being looked at, and a reader may stop reading there.
 */
size_t domcompat_limits_size_cap(size_t max_size);

/*
 * Makes running out of memory inside libxml2 and libxslt an error like any
 * other, for the whole process: routes libxml2's allocation functions
 * (xmlMemSetup) through the library's own, which call the ones installed
 * before and, during a domcompat call only, serve a failed allocation from
 * a small reserve.  libxml2's RelaxNG validator (2.9.14 and 2.15.4 alike)
 * and libxslt (1.1.35 and 1.1.45 alike) crash on some failed allocations;
 * with the reserve, the call
 * fails with DOMCOMPAT_ENOMEM instead.  Outside domcompat's calls nothing
 * changes.
 * Optional, and not done by anything else: call it once, at start-up, as
 * xmlMemSetup() asks, before any thread uses libxml2 and after installing
 * any allocation functions of your own.  The domcompat tool does.
 * Returns DOMCOMPAT_OK, or DOMCOMPAT_EINTERNAL when libxml2 refuses the
 * functions.
 */
int domcompat_use_memory_reserve(domcompat_error *err);

/*
 * Creates a context: the limits, the locked-down rules and the grammars
 * (compiled when a conversion first needs them).  Call it before other
 * threads use libxml2 (it initialises the parser).  Returns DOMCOMPAT_OK,
 * DOMCOMPAT_ENOMEM or DOMCOMPAT_EINTERNAL.
 */
int domcompat_context_new(domcompat_context **out, domcompat_error *err);
void domcompat_context_free(domcompat_context *ctx);

/*
 * Replaces the context's limits (see domcompat_limits).  Like creating the
 * context, do it before threads share it.  Returns DOMCOMPAT_EUSAGE when a
 * limit is 0 or max_depth exceeds 256 (libxml2's own bound).
 */
int domcompat_context_set_limits(domcompat_context *ctx, const domcompat_limits *limits,
                                 domcompat_error *err);

/*
 * Turns the context's memory of answers on (the default) or off.
 *
 * The schemas and the rules answer for each PCI controller from what they
 * can observe: the controller itself, the conversion's options, and the
 * guest's <os><type>.  A context remembers those answers and reuses them
 * for the same controllers in later documents (and, as only the index
 * differs, for the many controllers of a large domain), so a conversion
 * pays libxml2's validator and libxslt only for what it has not seen.
 * Results are the same either way; turning it off is for tests and for
 * measuring.  The memory is bounded (32 MiB) and freed with the context.
 * Like the limits, set it before threads share the context.  Returns
 * DOMCOMPAT_OK, or DOMCOMPAT_EUSAGE for a NULL context.
 */
int domcompat_context_set_cache(domcompat_context *ctx, int enabled, domcompat_error *err);

/*
 * Refuses, for the whole process, every attempt by libxml2 to load an
 * external resource (entity, DTD, schema include, stylesheet import) from
 * a file or the network.  domcompat's own parsing never asks for one; this
 * is a second line of defence for programs that handle untrusted XML.
 * The built-in rules and schemas are compiled from memory (when a
 * conversion first needs them), so domcompat is not affected; other
 * libxml2 users in the process lose their loading too.  The domcompat
 * tool calls it.
 */
void domcompat_forbid_external_loading(void);

/*
 * What a conversion should do.  A new options object converts to the
 * explicit form (upgrade) with the legacy form's implied implementations.
 */
typedef struct domcompat_options domcompat_options;

int domcompat_options_new(domcompat_options **out);
void domcompat_options_free(domcompat_options *opts);

/*
 * Sets the peer to convert for: "explicit" (upgrade), "legacy" (model-only,
 * no version checks) or "libvirt-X.Y.Z" (what that libvirt version parses
 * and reads as the same hardware: the libvirt form from 1.2.19 on, the
 * legacy form before; kinds, implementations, <target> attributes and
 * children the version does not know are refused or, if losses are
 * allowed, dropped).  "libvirt-X.Y" is "libvirt-X.Y.0".  Returns
 * DOMCOMPAT_EUSAGE for any other name.
 */
int domcompat_options_set_target(domcompat_options *opts, const char *target, domcompat_error *err);

/*
 * Says what the input's model-only controllers meant: "legacy" (the
 * implementations the legacy form implies; the default) or "libvirt-X.Y.Z"
 * (what that version gave a new model-only controller; "libvirt-X.Y" is
 * "libvirt-X.Y.0").  Where the version alone does not decide, conversions
 * refuse and name the assumption that would.  Assumptions
 * (domcompat_options_assume) take precedence.  Returns DOMCOMPAT_EUSAGE
 * for any other name.
 */
int domcompat_options_set_source(domcompat_options *opts, const char *source, domcompat_error *err);

/*
 * Whether a conversion for a libvirt peer may drop what the peer would
 * ignore (guest-visible <target> values and children it cannot parse).
 * Off by default: each such loss refuses the document.  When on, the
 * result lists each loss performed (domcompat_result_loss).
 */
void domcompat_options_allow_loss(domcompat_options *opts, int allow);

/*
 * Says what a model-only controller of a kind means, overriding the
 * implementation the legacy form implies: "KIND=IMPLEMENTATION", for
 * example "pcie-root-port=pcie-root-port".  Applies to both directions.
 * Returns DOMCOMPAT_EUSAGE for a malformed assumption, an unknown kind, an
 * implementation the kind does not have, a root bus (whose implementation
 * the guest's machine decides), or a second, different assumption for the
 * same kind.
 */
int domcompat_options_assume(domcompat_options *opts, const char *assumption, domcompat_error *err);

/*
 * Lets a downgrade write implementation `to` where the peer lacks
 * implementation `from` of the same kind ("pcie-root-port=ioh3420"): a
 * different device for the guest, for a cold move the user accepts.  Each
 * replaced controller is reported (domcompat_result_replacement()); a
 * controller the peer can take as it is keeps its implementation.  One
 * replacement per `from`.  DOMCOMPAT_EUSAGE when the text is not
 * FROM=TO with two different implementations of one kind.
 */
int domcompat_options_replace(domcompat_options *opts, const char *replacement,
                              domcompat_error *err);

/*
 * What a QEMU binary can do, as far as PCI controllers go: which of their
 * implementations (QEMU devices) it has, its version and its architecture.
 * A conversion can be told the source host's QEMU (what a model-only
 * controller meant there) and the target host's (what it can run).
 */
typedef struct domcompat_caps domcompat_caps;

/*
 * Reads a description of a QEMU binary held in memory: libvirt's QEMU
 * capabilities cache (a file of /var/cache/libvirt/qemu/capabilities, root
 * <qemuCaps>, with <version>, <arch> and a <flag name='...'/> per
 * capability) or the output of `qemu-system-ARCH -device help`, whose CPU
 * devices name its architecture (it states no version).  `name` (the
 * file, say) is how messages and refusals name it.  The input is untrusted:
 * no DOCTYPE, no network, the default domcompat_limits.
 *
 * Returns DOMCOMPAT_OK with *out to free with domcompat_caps_free(),
 * DOMCOMPAT_EUSAGE (empty, neither description, not well-formed, another
 * root, no <version> or <arch>, a -device help whose architecture cannot
 * be told) with `err` holding the line (and column) in `data` and what was
 * expected, or DOMCOMPAT_ENOMEM.
 */
int domcompat_caps_parse(domcompat_caps **out, const char *name, const char *data, size_t len,
                         domcompat_error *err);
void domcompat_caps_free(domcompat_caps *caps);

/* QEMU's version, "7.2.22", or NULL when the description does not say (-device help). */
const char *domcompat_caps_qemu_version(const domcompat_caps *caps);

/* The architecture, as libvirt names it ("x86_64", "ppc64"). */
const char *domcompat_caps_arch(const domcompat_caps *caps);

/* The binary libvirt's cache describes, or NULL (-device help). */
const char *domcompat_caps_emulator(const domcompat_caps *caps);

/* 1 when the QEMU has the device `implementation` ("pcie-root-port"), else 0. */
int domcompat_caps_has(const domcompat_caps *caps, const char *implementation);

/*
 * Whether libvirt would run the domain in `data` with this QEMU: the
 * emulator the domain names (<devices><emulator>) is the one the cache
 * describes or, when either does not say, the QEMU serves the guest's
 * architecture (<os><type arch>, else this machine's).  Returns 1 or 0, or
 * DOMCOMPAT_EINVALID when `data` is not a domain, DOMCOMPAT_ENOMEM.
 */
int domcompat_caps_fits(const domcompat_caps *caps, const char *data, size_t len,
                        domcompat_error *err);

/*
 * The source host's QEMU (NULL: unknown, the default).  Where the libvirt
 * version that defined a domain chose a model-only controller's
 * implementation by what its QEMU had (domcompat_options_set_source; a
 * pcie-root-port from libvirt 3.2.0 on is the generic device when QEMU has
 * it, else ioh3420), the controller is read as that libvirt chose, instead
 * of refused.  An assumption still decides first.  The options keep what
 * they need: `caps` may be freed afterwards.  Returns DOMCOMPAT_OK or
 * DOMCOMPAT_ENOMEM.
 */
int domcompat_options_set_source_caps(domcompat_options *opts, const domcompat_caps *caps,
                                      domcompat_error *err);

/*
 * The target host's QEMU (NULL: unknown, the default).  A controller whose
 * implementation that QEMU lacks is refused, naming the device, the QEMU
 * version and the capabilities' name, whatever the target form.  A guest
 * of another architecture than the QEMU's is refused as DOMCOMPAT_EUSAGE
 * (as for the source's).  Returns DOMCOMPAT_OK or DOMCOMPAT_ENOMEM.
 */
int domcompat_options_set_target_caps(domcompat_options *opts, const domcompat_caps *caps,
                                      domcompat_error *err);

/* One PCI controller a conversion changed. */
typedef struct domcompat_change {
    unsigned long line; /* of the controller's start tag in the input */
    unsigned long column;
    const char *index; /* the index attribute as written, or NULL */
    const char *kind;
    const char *rule;   /* the rule that converted it */
    const char *before; /* the controller element as it was */
    const char *after;  /* the controller element as written */
} domcompat_change;

/*
 * One PCI controller a conversion refused to convert, or one loss it
 * refused to make.
 */
typedef struct domcompat_refusal {
    unsigned long line; /* of the element the refusal is about */
    unsigned long column;
    const char *index; /* the controller's, as written, or NULL */
    const char *kind;
    const char *implementation; /* NULL when the controller names none */
    const char *rule;
    const char *reason; /* why the target cannot represent it */
    const char *hint;   /* what would make it convertible, or NULL */
    const char *since;  /* first libvirt version that would accept it, or NULL */
    const char *target; /* what it was converted for: "the legacy form", "libvirt 6.2.0" */
    int loss;           /* 1: allowing losses would convert it */
    /*
     * `reason` and `hint` name the settings they mention in the library's
     * own words ("the assumption pcie-root-port=ioh3420").  These are the
     * same texts with each such setting marked, for domcompat_word() to
     * name as the caller's users change it: {assume KIND=IMPLEMENTATION},
     * {no-assume KIND=IMPLEMENTATION} (an assumption to leave out), {from}
     * (the source setting), {allow-loss}, {source-caps} (the source host's
     * QEMU capabilities).
     */
    const char *reason_template;
    const char *hint_template; /* NULL when there is no hint */
    /*
     * What the hint proposes, as data: DOMCOMPAT_FIX_ASSUME,
     * DOMCOMPAT_FIX_DROP_ASSUMPTION or DOMCOMPAT_FIX_ALLOW_LOSS, with its
     * values (one, or two alternatives, "KIND=IMPLEMENTATION"; NULL where
     * there is none), or DOMCOMPAT_FIX_NONE.
     */
    domcompat_fix fix;
    const char *fix_values[2];
} domcompat_refusal;

/*
 * How a caller names the settings a refusal mentions.  `assume` and
 * `no_assume` hold one "%s", the KIND=IMPLEMENTATION value: the domcompat
 * tool says "--assume %s", "leave out --assume %s", "--allow-loss",
 * "--from" and "--source-caps".
 */
typedef struct domcompat_words {
    const char *assume;
    const char *no_assume;
    const char *allow_loss;
    const char *source;
    const char *source_caps; /* {source-caps}: the source host's QEMU capabilities */
} domcompat_words;

/*
 * Writes `text` (a refusal's reason_template or hint_template) into `out`
 * (at most `size` bytes, NUL-terminated) with each setting it marks named
 * as `words` says (NULL: the library's own words, as in reason and hint).
 */
void domcompat_word(const char *text, const domcompat_words *words, char *out, size_t size);

/* Something a conversion dropped because losses were allowed. */
typedef struct domcompat_loss {
    unsigned long line; /* of the element dropped or changed */
    unsigned long column;
    const char *index; /* the controller's, as written, or NULL */
    const char *kind;
    const char *what;  /* what was dropped, e.g. "<target hotplug='off'>" */
    const char *since; /* first libvirt version that parses it */
    /* Why the peer would not take it and what it does without it, e.g. "which libvirt 6.2.0
     * does not parse (first in libvirt 6.3.0); without it, ...", or NULL. */
    const char *why;
} domcompat_loss;

/* A PCI controller given another implementation, as domcompat_options_replace() allowed. */
typedef struct domcompat_replacement {
    unsigned long line; /* of the controller's start tag in the input */
    unsigned long column;
    const char *index; /* the controller's, as written, or NULL */
    const char *kind;
    const char *from;        /* the implementation the input named */
    const char *to;          /* the implementation written instead */
    const char *from_pci_id; /* vendor:device the guest saw (lspci), or NULL */
    const char *to_pci_id;   /* vendor:device it will see instead, or NULL */
} domcompat_replacement;

/*
 * Writes the one-line description of a refusal into `out` (at most `size`
 * bytes, NUL-terminated), without position or hint:
 * "cannot convert PCI controller index 3 (pcie-root-port implemented by
 * pcie-root-port) to the legacy form: the legacy form of ...".
 */
void domcompat_refusal_describe(const domcompat_refusal *refusal, char *out, size_t size);

typedef struct domcompat_result domcompat_result;

/*
 * Converts one document held in memory (`len` bytes, UTF-8, no NUL
 * terminator needed).
 *
 * The input is validated in its form before conversion and the result in
 * the target form after; nothing outside the converted controllers' start
 * tags changes.
 *
 * Returns:
 *   DOMCOMPAT_OK        *out holds the converted document (possibly
 *                       identical to the input).
 *   DOMCOMPAT_EREFUSED  *out holds no document but every refusal (and
 *                       every loss not allowed); `err` describes the first.
 *   DOMCOMPAT_EINVALID, DOMCOMPAT_EUSAGE, DOMCOMPAT_EINTERNAL,
 *   DOMCOMPAT_ENOMEM    *out is NULL; `err` says why.
 */
int domcompat_convert(domcompat_result **out, const domcompat_context *ctx,
                      const domcompat_options *opts, const char *data, size_t len,
                      domcompat_error *err);

/*
 * The converted document, `*len` bytes, not NUL-terminated; NULL when the
 * conversion was refused.  Owned by the result.
 */
const char *domcompat_result_output(const domcompat_result *result, size_t *len);

/* 1 when the output differs from the input, 0 otherwise. */
int domcompat_result_changed(const domcompat_result *result);

/* The form the input was in. */
domcompat_form domcompat_result_input_form(const domcompat_result *result);

size_t domcompat_result_change_count(const domcompat_result *result);
/* The i-th change in document order; NULL when i is out of range. */
const domcompat_change *domcompat_result_change(const domcompat_result *result, size_t i);

size_t domcompat_result_loss_count(const domcompat_result *result);
/* The i-th loss performed, in document order; NULL when i is out of range. */
const domcompat_loss *domcompat_result_loss(const domcompat_result *result, size_t i);

size_t domcompat_result_replacement_count(const domcompat_result *result);
/* The i-th replaced controller in document order; NULL when i is out of range. */
const domcompat_replacement *domcompat_result_replacement(const domcompat_result *result, size_t i);

size_t domcompat_result_refusal_count(const domcompat_result *result);
/* The i-th refusal in document order; NULL when i is out of range. */
const domcompat_refusal *domcompat_result_refusal(const domcompat_result *result, size_t i);

void domcompat_result_free(domcompat_result *result);

/*
 * Checks a document against the schema of `form`.  With
 * DOMCOMPAT_FORM_AUTO the form is detected from the document's own PCI
 * controllers.  `*detected_out` (which may be NULL) receives the form
 * checked against.
 *
 * Returns DOMCOMPAT_OK when the document is valid, DOMCOMPAT_EINVALID when
 * it is not, or DOMCOMPAT_EUSAGE, DOMCOMPAT_EINTERNAL, DOMCOMPAT_ENOMEM.
 */
int domcompat_validate(domcompat_form *detected_out, const domcompat_context *ctx,
                       domcompat_form form, const char *data, size_t len, domcompat_error *err);

#ifdef __cplusplus
}
#endif

#endif /* DOMCOMPAT_H */
