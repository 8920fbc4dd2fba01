/* The compiled rules and schemas behind a domcompat_context. */
#ifndef DOMCOMPAT_CONTEXT_H
#define DOMCOMPAT_CONTEXT_H

#include <libxml/relaxng.h>
#include <libxslt/security.h>
#include <libxslt/xsltInternals.h>

#include "domcompat.h"

struct domcompat_context {
    xsltStylesheetPtr upgrade;
    xsltStylesheetPtr downgrade;
    xmlRelaxNGPtr legacy_schema;
    xmlRelaxNGPtr explicit_schema;
    xmlRelaxNGPtr libvirt_schema;
    xmlRelaxNGPtr mixed_schema; /* what conversions accept as input */
    /* Forbids every file and network access; set on each transform. */
    xsltSecurityPrefsPtr security;
    domcompat_limits limits;
};

/* The schema of a form; the mixed schema for DOMCOMPAT_FORM_ANY. */
xmlRelaxNGPtr context_schema(const domcompat_context *ctx, domcompat_form form);

#endif
