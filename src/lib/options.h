/* What a conversion should do (behind domcompat_options). */
#ifndef DOMCOMPAT_OPTIONS_H
#define DOMCOMPAT_OPTIONS_H

#include "caps.h"
#include "domcompat.h"
#include "kinds.h"

struct assumption {
    const struct kind *kind;
    const char *implementation; /* points into the kinds table */
};

struct replacement {
    const struct kind *kind;
    const char *from, *to; /* point into the kinds table */
};

/* libvirt versions compare as numbers: 1.2.19 is 1002019, as in the rules' tables. */
#define OPTIONS_VERSION_TEXT 16

struct domcompat_options {
    domcompat_form target;           /* EXPLICIT, LEGACY or LIBVIRT */
    unsigned long peer_version;      /* LIBVIRT: the peer */
    char peer[OPTIONS_VERSION_TEXT]; /* the same, dotted */
    char target_text[32];            /* "the legacy form", "libvirt 6.2.0" */
    unsigned long from_version;      /* 0: what the legacy form implies */
    char from[OPTIONS_VERSION_TEXT];
    bool allow_loss;
    struct assumption *assumptions;
    size_t assumption_count;
    char *assume_param; /* the stylesheets' form: "|kind=implementation|..." */
    struct replacement *replacements;
    size_t replacement_count;
    char *replace_param;             /* the stylesheets' form: "|kind=from=to|..." */
    struct caps_summary source_caps; /* empty implementations: not given */
    struct caps_summary target_caps;
};

/* The form a conversion writes: LIBVIRT only for peers that parse <model name>. */
domcompat_form options_output_form(const domcompat_options *opts);

/*
 * Whether a conversion runs the writing pass (downgrade.xsl): for every
 * target but the explicit form, and for any target whose QEMU is known,
 * since that pass checks what the target's QEMU has.
 */
bool options_write_pass(const domcompat_options *opts);

#endif
