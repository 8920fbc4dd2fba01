/* The compiled rules and schemas behind a domcompat_context. */
#ifndef DOMCOMPAT_CONTEXT_H
#define DOMCOMPAT_CONTEXT_H

#include <libxml/relaxng.h>
#include <libxslt/security.h>
#include <libxslt/xsltInternals.h>
#include <pthread.h>

#include "domcompat.h"
#include "memo.h"

/*
 * Compiling the rules and schemas is most of a small conversion's cost, and
 * a conversion needs only some of them (an upgrade: the input and explicit
 * schemas and upgrade.xsl), so each is compiled when first asked for and
 * kept.  The lock makes that safe while threads share the context.
 */
enum schema_slot { SLOT_LEGACY, SLOT_EXPLICIT, SLOT_LIBVIRT, SLOT_MIXED, SLOT_COUNT };

struct compiled {
    pthread_mutex_t lock;
    xsltStylesheetPtr upgrade;
    xsltStylesheetPtr downgrade;
    xmlRelaxNGPtr schemas[SLOT_COUNT];
    unsigned compiles; /* grammars and stylesheets compiled: each once (test_threads counts) */
};

struct domcompat_context {
    struct compiled *compiled;
    /* Forbids every file and network access; set on each transform. */
    xsltSecurityPrefsPtr security;
    domcompat_limits limits;
    /* What the schemas and rules already answered (memo.h). */
    struct memo *memo;
};

enum rules_direction { RULES_UPGRADE, RULES_DOWNGRADE };

/*
 * The compiled schema of a form (the mixed schema, what conversions accept
 * as input, for DOMCOMPAT_FORM_AUTO and DOMCOMPAT_FORM_ANY), compiled now
 * if this is the first time.  Returns DOMCOMPAT_OK, DOMCOMPAT_ENOMEM or
 * DOMCOMPAT_EINTERNAL (a built-in schema that does not compile).
 */
int context_schema(const domcompat_context *ctx, domcompat_form form, xmlRelaxNGPtr *out,
                   domcompat_error *err);

/* The compiled rules of a direction, like context_schema(). */
int context_rules(const domcompat_context *ctx, enum rules_direction direction,
                  xsltStylesheetPtr *out, domcompat_error *err);

#endif
