/*
 * Running a direction's rules (xslt/upgrade.xsl or xslt/downgrade.xsl)
 * over a document and reading what they decided for each PCI controller.
 */
#ifndef DOMCOMPAT_RULES_H
#define DOMCOMPAT_RULES_H

#include <libxml/tree.h>
#include <libxslt/security.h>
#include <libxslt/xsltInternals.h>
#include <stdbool.h>
#include <stddef.h>

#include "domcompat.h"

enum rule_decision { RULE_UNCHANGED, RULE_CONVERTED, RULE_REFUSED };

/*
 * Something a peer would not parse: an attribute of the controller's
 * <target> (element "target", attribute set) or a child ("pcihole64",
 * "target/node").
 */
struct rule_loss {
    const char *kind;
    const char *element;
    const char *attribute; /* NULL for a whole element */
    const char *value;
    const char *since;
    const char *reason;       /* the refusal's reason, or NULL */
    const char *why;          /* after "dropped X from the controller, ", or NULL */
    const char *unless_index; /* no loss for the controller with this index, or NULL */
};

/* What the rules decided for one PCI controller; strings point into the rules' output. */
struct rule_outcome {
    enum rule_decision decision;
    const char *rule;
    xmlNode *converted; /* RULE_CONVERTED: the new <controller>: attributes, <model> child */
    const char *kind;   /* RULE_REFUSED: the refusal's parts */
    const char *implementation;
    const char *reason;
    const char *hint;
    const char *since;
    struct rule_loss *losses; /* what writing it for the peer would drop */
    size_t loss_count;
    /* The implementation replaced (option replace) and its replacement, or NULL. */
    const char *replaced_kind, *replaced_from, *replaced_to;
    const char *replaced_from_id, *replaced_to_id; /* their PCI IDs, or NULL */
};

struct rule_run {
    xmlDocPtr output;              /* owns every string in outcomes */
    struct rule_outcome *outcomes; /* one per PCI controller, in document order */
    size_t count;
};

/* A stylesheet parameter, always passed as a string (never evaluated as XPath). */
struct rule_param {
    const char *name;
    const char *value;
};

/*
 * Applies `sheet` to `doc` with every file and network access forbidden.
 * `controller_count` is how many PCI controllers the caller found; the
 * rules must answer for each.  Returns DOMCOMPAT_OK, DOMCOMPAT_EINTERNAL
 * (with the rule's or libxslt's message) or DOMCOMPAT_ENOMEM.
 */
int rules_run(struct rule_run *out, xsltStylesheetPtr sheet, xsltSecurityPrefsPtr security,
              xmlDocPtr doc, const struct rule_param *params, size_t param_count,
              size_t controller_count, domcompat_error *err);
void rules_run_free(struct rule_run *run);

#endif
