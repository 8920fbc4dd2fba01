#include "rules.h"

#include <libxslt/transform.h>
#include <libxslt/variables.h>
#include <libxslt/xsltutils.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "tree.h"
#include "libxml_compat.h"

#define RULES_NS "urn:domcompat:rules"

/*
 * Bounds on a transform, far above what the rules need (they visit each
 * PCI controller once, with a few dozen instructions and XPath steps) and
 * far below what a runaway would use; the operation budgets grow with the
 * number of controllers.
 *
 * libxslt before 1.1.39 does not hold its built-in templates to the
 * template depth ("transform: Check maximum depth when processing default
 * templates", 1.1.39's news; measured with xsltproc --maxdepth 10 and a
 * stylesheet of built-in templates only, over 60 nested elements: 1.1.35
 * recursed to the end without a word, 1.1.45 stopped with "Maximum
 * template depth exceeded").  Nothing here depends on that, on any
 * version: the rules never reach a built-in template (upgrade.xsl and
 * downgrade.xsl match the root themselves, and every PCI controller they
 * select matches a template of their mode), and the depth of the input,
 * through which a built-in template would recurse, is bounded before
 * parsing (--max-depth, at most 256).
 */
#define RULES_MAX_TEMPLATE_DEPTH 100
#define RULES_OPS_BASE 100000UL
#define RULES_OPS_PER_CONTROLLER 2000UL
#define RULES_XPATH_OPS_BASE 1000000UL
#define RULES_XPATH_OPS_PER_CONTROLLER 20000UL

struct transform_errors {
    bool libxml_error;
    xsltTransformContextPtr tctxt;
    char rule[64]; /* the rule whose template was running at the first error */
    char text[512];
};

/* The rule at work: the innermost named template, "NAME.upgrade" or "NAME.downgrade". */
static void note_rule(struct transform_errors *errors)
{
    int i;

    if (errors->rule[0] != '\0' || errors->tctxt == NULL)
        return;
    for (i = errors->tctxt->templNr - 1; i >= 0; i--) {
        const xsltTemplate *templ = errors->tctxt->templTab[i];

        if (templ != NULL && templ->name != NULL) {
            snprintf(errors->rule, sizeof(errors->rule), "%.*s",
                     (int)strcspn((const char *)templ->name, "."), (const char *)templ->name);
            return;
        }
    }
}

/* libxslt reports in printf-style pieces; keep the start of the first report. */
static void on_transform_error(void *state, const char *fmt, ...)
{
    struct transform_errors *errors = state;
    size_t used = strlen(errors->text);
    va_list ap;

    if (used >= sizeof(errors->text) - 1)
        return;
    note_rule(errors);
    va_start(ap, fmt);
    vsnprintf(errors->text + used, sizeof(errors->text) - used, fmt, ap);
    va_end(ap);
}

static void on_libxml_error(void *state, libxml_error error)
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

static const char *nonempty(const char *s)
{
    return s != NULL && *s != '\0' ? s : NULL;
}

static int read_loss(struct rule_outcome *outcome, const xmlNode *node, domcompat_error *err)
{
    struct rule_loss *grown, *loss;

    grown = realloc(outcome->losses, (outcome->loss_count + 1) * sizeof(*grown));
    if (grown == NULL)
        return error_nomem(err);
    outcome->losses = grown;
    loss = &grown[outcome->loss_count++];
    loss->kind = tree_attr(node, "kind");
    loss->element = tree_attr(node, "element");
    loss->attribute = nonempty(tree_attr(node, "attribute"));
    loss->value = tree_attr(node, "value");
    loss->since = tree_attr(node, "since");
    loss->reason = nonempty(tree_attr(node, "reason"));
    loss->why = nonempty(tree_attr(node, "why"));
    loss->unless_index = nonempty(tree_attr(node, "unless-index"));
    if (loss->kind == NULL || loss->element == NULL || loss->since == NULL)
        return error_set(err, DOMCOMPAT_EINTERNAL, 0, 0, "a rule reported an incomplete loss");
    return DOMCOMPAT_OK;
}

/* One dc:controller answer: a refusal, or losses and a conversion, or nothing. */
static int read_outcome(struct rule_outcome *outcome, const xmlNode *answer, domcompat_error *err)
{
    xmlNode *node, *child;
    int rc;

    for (node = answer->children; node != NULL; node = node->next) {
        if (node->type != XML_ELEMENT_NODE)
            continue;
        if (is_rules_element(node, "loss")) {
            if ((rc = read_loss(outcome, node, err)) != DOMCOMPAT_OK)
                return rc;
            continue;
        }
        if (is_rules_element(node, "replaced")) {
            outcome->replaced_kind = tree_attr(node, "kind");
            outcome->replaced_from = tree_attr(node, "from");
            outcome->replaced_to = tree_attr(node, "to");
            outcome->replaced_from_id = nonempty(tree_attr(node, "from-pci-id"));
            outcome->replaced_to_id = nonempty(tree_attr(node, "to-pci-id"));
            if (outcome->replaced_kind == NULL || outcome->replaced_from == NULL ||
                outcome->replaced_to == NULL)
                return error_set(err, DOMCOMPAT_EINTERNAL, 0, 0,
                                 "a rule reported an incomplete replacement");
            continue;
        }
        if (outcome->decision != RULE_UNCHANGED)
            return error_set(err, DOMCOMPAT_EINTERNAL, 0, 0,
                             "the rules answered twice for one controller");
        outcome->rule = tree_attr(node, "rule");
        if (is_rules_element(node, "refused")) {
            outcome->decision = RULE_REFUSED;
            outcome->kind = tree_attr(node, "kind");
            outcome->implementation = nonempty(tree_attr(node, "implementation"));
            outcome->reason = tree_attr(node, "reason");
            outcome->hint = nonempty(tree_attr(node, "hint"));
            outcome->since = nonempty(tree_attr(node, "since"));
            if (outcome->rule && outcome->kind && outcome->reason)
                continue;
        } else if (is_rules_element(node, "converted")) {
            outcome->decision = RULE_CONVERTED;
            for (child = node->children; child != NULL; child = child->next)
                if (child->type == XML_ELEMENT_NODE)
                    break;
            outcome->converted = child;
            if (outcome->rule && tree_is(child, "controller"))
                continue;
        }
        return error_set(err, DOMCOMPAT_EINTERNAL, 0, 0, "rule %s answered with an unexpected <%s>",
                         outcome->rule ? outcome->rule : "(unnamed)", (const char *)node->name);
    }
    return DOMCOMPAT_OK;
}

static int read_outcomes(struct rule_run *run, size_t controller_count, domcompat_error *err)
{
    xmlNode *root = xmlDocGetRootElement(run->output);
    xmlNode *node;
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
        run->count = position + 1; /* so rules_run_free releases what read_outcome grew */
        if ((rc = read_outcome(&run->outcomes[position], node, err)) != 0)
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
              xmlDocPtr doc, const struct rule_param *params, size_t param_count,
              size_t controller_count, domcompat_error *err)
{
    struct transform_errors errors = {false, NULL, "", ""};
    size_t i;
    struct libxml_handler saved;
    xsltTransformContextPtr tctxt = NULL;
    int rc = DOMCOMPAT_OK;

    memset(out, 0, sizeof(*out));
    tctxt = xsltNewTransformContext(sheet, doc);
    if (tctxt == NULL)
        return error_nomem(err);
    errors.tctxt = tctxt;
    xsltSetTransformErrorFunc(tctxt, &errors, on_transform_error);
    libxml_handler_install(&saved, &errors, on_libxml_error);
    if (xsltSetCtxtSecurityPrefs(security, tctxt) != 0) {
        rc = error_set(err, DOMCOMPAT_EINTERNAL, 0, 0, "cannot lock down the transform");
        goto out;
    }
    tctxt->maxTemplateDepth = RULES_MAX_TEMPLATE_DEPTH;
    tctxt->opLimit = RULES_OPS_BASE + RULES_OPS_PER_CONTROLLER * controller_count;
    if (tctxt->xpathCtxt != NULL)
        tctxt->xpathCtxt->opLimit =
            RULES_XPATH_OPS_BASE + RULES_XPATH_OPS_PER_CONTROLLER * controller_count;
    /* Strings, never evaluated as XPath: no value can inject an expression. */
    for (i = 0; i < param_count; i++) {
        if (xsltQuoteOneUserParam(tctxt, BAD_CAST params[i].name, BAD_CAST params[i].value) != 0) {
            rc = error_set(err, DOMCOMPAT_EINTERNAL, 0, 0, "cannot pass %s to the rules",
                           params[i].name);
            goto out;
        }
    }

    out->output = xsltApplyStylesheetUser(sheet, doc, NULL, NULL, NULL, tctxt);
    /* xsl:message terminate and errors set the state; libxml2 errors do not. */
    if (out->output == NULL || tctxt->state != XSLT_STATE_OK || errors.libxml_error) {
        size_t len = strlen(errors.text);

        while (len > 0 && (errors.text[len - 1] == '\n' || errors.text[len - 1] == ' '))
            errors.text[--len] = '\0';
        if (errors.rule[0] != '\0')
            rc = error_set(err, DOMCOMPAT_EINTERNAL, 0, 0, "rule %s failed: %s", errors.rule,
                           errors.text[0] ? errors.text : "no result");
        else
            rc = error_set(err, DOMCOMPAT_EINTERNAL, 0, 0, "the conversion rules failed: %s",
                           errors.text[0] ? errors.text : "no result");
        goto out;
    }
    rc = read_outcomes(out, controller_count, err);
out:
    libxml_handler_restore(&saved);
    xmlResetLastError();
    xsltFreeTransformContext(tctxt);
    if (rc != DOMCOMPAT_OK)
        rules_run_free(out);
    return rc;
}

void rules_run_free(struct rule_run *run)
{
    size_t i;

    for (i = 0; run->outcomes != NULL && i < run->count; i++)
        free(run->outcomes[i].losses);
    xmlFreeDoc(run->output);
    free(run->outcomes);
    memset(run, 0, sizeof(*run));
}
