#include <libxml/parser.h>
#include <libxml/xmlversion.h>
#include <libxslt/xslt.h>
#include <libxslt/xsltconfig.h>
#include <stdio.h>
#include <stdlib.h>

#include "domcompat.h"

/* Both libraries report running versions encoded, e.g. 20914; show 2.9.14. */
static void dotted(char *out, size_t size, long encoded)
{
    snprintf(out, size, "%d.%d.%d", (int)(encoded / 10000 % 100), (int)(encoded / 100 % 100),
             (int)(encoded % 100));
}

void domcompat_versions_get(domcompat_versions *out)
{
    snprintf(out->domcompat, sizeof(out->domcompat), "%s", DOMCOMPAT_VERSION);
    snprintf(out->libxml2_compiled, sizeof(out->libxml2_compiled), "%s", LIBXML_DOTTED_VERSION);
    dotted(out->libxml2_running, sizeof(out->libxml2_running), strtol(xmlParserVersion, NULL, 10));
    snprintf(out->libxslt_compiled, sizeof(out->libxslt_compiled), "%s", LIBXSLT_DOTTED_VERSION);
    dotted(out->libxslt_running, sizeof(out->libxslt_running), xsltLibxsltVersion);
}

const char *domcompat_form_name(domcompat_form form)
{
    switch (form) {
    case DOMCOMPAT_FORM_AUTO: return "auto";
    case DOMCOMPAT_FORM_LEGACY: return "legacy";
    case DOMCOMPAT_FORM_EXPLICIT: return "explicit";
    case DOMCOMPAT_FORM_MIXED: return "mixed";
    case DOMCOMPAT_FORM_ANY: return "any";
    case DOMCOMPAT_FORM_LIBVIRT: return "libvirt";
    }
    return "unknown";
}
