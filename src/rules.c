#include "rules.h"

#include <libxslt/transform.h>
#include <libxslt/variables.h>
#include <libxslt/xsltutils.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

#define RULES_NS "urn:domcompat:rules"

/*
 * Bounds on a transform, far above what the rules need (they visit each
 * PCI controller once) and far below what a runaway would use.
 */
#define RULES_MAX_TEMPLATE_DEPTH 100

struct transform_errors {
    bool libxml_error;
    char text[512];
};

/* libxslt reports in printf-style pieces; keep the start of the first report. */
static void on_transform_error(void *state, const char *fmt, ...)
{
    struct transform_errors *errors = state;
    size_t used = strlen(errors->text);
    va_list ap;

    if (used >= sizeof(errors->text) - 1)
        return;
    va_start(ap, fmt);
    vsnprintf(errors->text + used, sizeof(errors->text) - used, fmt, ap);
    va_end(ap);
}

static void on_libxml_error(void *state, xmlErrorPtr error)
{
    struct transform_errors *errors = state;

    if (error->level >= XML_ERR_ERROR) {
        errors->libxml_error = true;
        if (errors->text[0] == '\0' && error->message != NULL)
            snprintf(errors->text, sizeof(errors->text), "%s", error->message);
    }
}

static bool is_rules_element(const xmlNode *node, const char *name)
{
    return node->type == XML_ELEMENT_NODE && node->ns != NULL &&
           xmlStrEqual(node->ns->href, BAD_CAST RULES_NS) && xmlStrEqual(node->name, BAD_CAST name);
}

static const char *attr(const xmlNode *node, const char *name)
{
    xmlAttr *a = xmlHasNsProp(node, BAD_CAST name, NULL);

    if (a == NULL || a->children == NULL)
        return NULL;
    return (const char *)a->children->content;
}

static const char *nonempty(const char *s)
{
    return s != NULL && *s != '\0' ? s : NULL;
}

static int read_outcome(struct rule_outcome *outcome, const xmlNode *decision, domcompat_error *err)
{
    xmlNode *child;

    outcome->rule = attr(decision, "rule");
    if (is_rules_element(decision, "refused")) {
        outcome->decision = RULE_REFUSED;
        outcome->kind = attr(decision, "kind");
        outcome->implementation = nonempty(attr(decision, "implementation"));
        outcome->reason = attr(decision, "reason");
        outcome->hint = nonempty(attr(decision, "hint"));
        if (outcome->rule && outcome->kind && outcome->reason)
            return DOMCOMPAT_OK;
    } else if (is_rules_element(decision, "converted")) {
        outcome->decision = RULE_CONVERTED;
        for (child = decision->children; child != NULL; child = child->next)
            if (child->type == XML_ELEMENT_NODE)
                break;
        outcome->converted = child;
        if (outcome->rule && child && child->ns == NULL &&
            xmlStrEqual(child->name, BAD_CAST "controller"))
            return DOMCOMPAT_OK;
    }
    return error_set(err, DOMCOMPAT_EINTERNAL, 0, 0, "rule %s answered with an unexpected <%s>",
                     outcome->rule ? outcome->rule : "(unnamed)", (const char *)decision->name);
}

static int read_outcomes(struct rule_run *run, size_t controller_count, domcompat_error *err)
{
    xmlNode *root = xmlDocGetRootElement(run->output);
    xmlNode *node, *decision;
    size_t position = 0;
    int rc;

    run->outcomes = calloc(controller_count ? controller_count : 1, sizeof(*run->outcomes));
    if (run->outcomes == NULL)
        return error_nomem(err);
    if (root == NULL || !is_rules_element(root, "conversion"))
        return error_set(err, DOMCOMPAT_EINTERNAL, 0, 0, "the rules produced no conversion");

    for (node = root->children; node != NULL; node = node->next) {
        if (!is_rules_element(node, "controller"))
            continue;
        if (position == controller_count)
            return error_set(err, DOMCOMPAT_EINTERNAL, 0, 0,
                             "the rules answered for more PCI controllers than the document has");
        for (decision = node->children; decision != NULL; decision = decision->next)
            if (decision->type == XML_ELEMENT_NODE)
                break;
        if (decision != NULL && (rc = read_outcome(&run->outcomes[position], decision, err)) != 0)
            return rc;
        position++;
    }
    run->count = position;
    if (position != controller_count)
        return error_set(err, DOMCOMPAT_EINTERNAL, 0, 0,
                         "the rules answered for %zu of %zu PCI controllers", position,
                         controller_count);
    return DOMCOMPAT_OK;
}

int rules_run(struct rule_run *out, xsltStylesheetPtr sheet, xsltSecurityPrefsPtr security,
              xmlDocPtr doc, const char *assume, size_t controller_count, domcompat_error *err)
{
    struct transform_errors errors = {false, ""};
    xmlStructuredErrorFunc saved = xmlStructuredError;
    void *saved_ctx = xmlStructuredErrorContext;
    xsltTransformContextPtr tctxt = NULL;
    int rc = DOMCOMPAT_OK;

    memset(out, 0, sizeof(*out));
    tctxt = xsltNewTransformContext(sheet, doc);
    if (tctxt == NULL)
        return error_nomem(err);
    xsltSetTransformErrorFunc(tctxt, &errors, on_transform_error);
    xmlSetStructuredErrorFunc(&errors, on_libxml_error);
    if (xsltSetCtxtSecurityPrefs(security, tctxt) != 0) {
        rc = error_set(err, DOMCOMPAT_EINTERNAL, 0, 0, "cannot lock down the transform");
        goto out;
    }
    tctxt->maxTemplateDepth = RULES_MAX_TEMPLATE_DEPTH;
    /* A string, never evaluated as XPath: the value cannot inject an expression. */
    if (xsltQuoteOneUserParam(tctxt, BAD_CAST "assume", BAD_CAST assume) != 0) {
        rc = error_set(err, DOMCOMPAT_EINTERNAL, 0, 0, "cannot pass the assumptions to the rules");
        goto out;
    }

    out->output = xsltApplyStylesheetUser(sheet, doc, NULL, NULL, NULL, tctxt);
    /* xsl:message terminate and errors set the state; libxml2 errors do not. */
    if (out->output == NULL || tctxt->state != XSLT_STATE_OK || errors.libxml_error) {
        size_t len = strlen(errors.text);

        while (len > 0 && (errors.text[len - 1] == '\n' || errors.text[len - 1] == ' '))
            errors.text[--len] = '\0';
        rc = error_set(err, DOMCOMPAT_EINTERNAL, 0, 0, "the conversion rules failed: %s",
                       errors.text[0] ? errors.text : "no result");
        goto out;
    }
    rc = read_outcomes(out, controller_count, err);
out:
    xmlSetStructuredErrorFunc(saved_ctx, saved);
    xsltFreeTransformContext(tctxt);
    if (rc != DOMCOMPAT_OK)
        rules_run_free(out);
    return rc;
}

void rules_run_free(struct rule_run *run)
{
    xmlFreeDoc(run->output);
    free(run->outcomes);
    memset(run, 0, sizeof(*run));
}
