/*
 * One document through the whole pipeline:
 *
 *   parse (hardened) -> validate in its form -> run the direction's rules
 *   -> render the changed start tags from the input's own bytes
 *   -> apply the same changes to the tree and validate it in the target form
 *   -> copy the input with the rendered tags spliced in.
 *
 * Validation and rules work on the document's skeleton (skeleton.h): the
 * only parts a schema can refuse or a rule can read.  The skeleton that is
 * validated after conversion holds exactly the attributes the rendered
 * tags spell, so the output is checked without parsing it a second time.
 */
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "context.h"
#include "controllers.h"
#include "error.h"
#include "options.h"
#include "parse.h"
#include "result.h"
#include "rules.h"
#include "schema.h"
#include "skeleton.h"
#include "sourcemap.h"
#include "splice.h"

/* A converted controller: where it is and what it becomes. */
struct edit {
    xmlNode *node; /* in the document */
    xmlNode *skeleton_node;
    size_t ordinal; /* of its start tag in the source map */
    const char *rule;
    struct splice_attr *want;
    size_t want_count;
    char *after; /* the rendered start tag */
    size_t after_len;
};

struct conversion {
    const domcompat_context *ctx;
    const domcompat_options *opts;
    const char *data;
    size_t len;
    xmlDocPtr doc;
    struct pci_controllers controllers;
    struct skeleton skeleton;
    size_t *ordinals; /* per controller, into map.tags */
    struct source_map map;
    struct rule_run run;
    struct edit *edits;
    size_t edit_count;
    domcompat_result *result;
};

/* Validates the tree in `form`; an invalid document gets the clearest message we can give. */
static int validate_tree(const struct conversion *c, domcompat_form form, domcompat_error *err)
{
    struct schema_failure failure;
    unsigned long line, column;
    int rc = schema_validate(context_schema(c->ctx, form), c->skeleton.doc, &failure);

    if (rc < 0)
        return error_nomem(err);
    if (rc == 0)
        return DOMCOMPAT_OK;
    if (controllers_diagnose(c->doc, &c->controllers, form, c->data, c->len, err))
        return DOMCOMPAT_EINVALID;
    if (failure.node != NULL && failure.node->type == XML_ELEMENT_NODE) {
        parse_element_position(c->data, c->len, skeleton_original(failure.node), &line, &column);
    } else {
        line = failure.line > 0 ? (unsigned long)failure.line : 0;
        column = 0;
    }
    return error_set(err, DOMCOMPAT_EINVALID, line, column, "not valid in the %s form: %s",
                     domcompat_form_name(form), failure.message);
}

static int parse_and_validate(struct conversion *c, domcompat_form form, domcompat_error *err)
{
    int rc = parse_document(&c->doc, c->data, c->len, err);

    if (rc != DOMCOMPAT_OK)
        return rc;
    if (controllers_collect(&c->controllers, c->doc) != 0 ||
        skeleton_build(&c->skeleton, c->doc, &c->controllers) != 0)
        return error_nomem(err);
    if (form == DOMCOMPAT_FORM_AUTO)
        form = controllers_form(&c->controllers);
    if ((rc = validate_tree(c, form, err)) != DOMCOMPAT_OK)
        return rc;
    return controllers_check_indexes(&c->controllers, c->data, c->len, err);
}

/* Finds every controller's start tag in the input bytes. */
static int map_controllers(struct conversion *c, domcompat_error *err)
{
    int rc = source_map_build(&c->map, c->data, c->len);

    if (rc == -1)
        return error_nomem(err);
    if (rc != 0)
        return error_set(err, DOMCOMPAT_EINTERNAL, 0, 0,
                         "cannot find the elements of a well-formed document in its bytes");
    c->ordinals = malloc((c->controllers.count ? c->controllers.count : 1) * sizeof(size_t));
    if (c->ordinals == NULL)
        return error_nomem(err);
    if (source_map_ordinals(xmlDocGetRootElement(c->doc), c->controllers.nodes,
                            c->controllers.count, c->ordinals) != 0 ||
        (c->controllers.count > 0 && c->ordinals[c->controllers.count - 1] >= c->map.count))
        return error_set(err, DOMCOMPAT_EINTERNAL, 0, 0,
                         "the document's bytes and its tree disagree on its elements");
    return DOMCOMPAT_OK;
}

static int record_refusals(struct conversion *c, domcompat_error *err)
{
    const domcompat_refusal *first;
    char description[sizeof(err->message)];
    struct source_cursor cursor;
    bool failed = false;
    size_t i;

    source_cursor_init(&cursor);
    for (i = 0; i < c->run.count; i++) {
        const struct rule_outcome *o = &c->run.outcomes[i];
        domcompat_refusal *refusal;

        if (o->decision != RULE_REFUSED)
            continue;
        refusal = result_add_refusal(c->result);
        if (refusal == NULL)
            return error_nomem(err);
        source_cursor_position(&cursor, c->data, c->map.tags[c->ordinals[i]].start, &refusal->line,
                               &refusal->column);
        refusal->index = result_keep(c->result, controllers_attr(c->controllers.nodes[i], "index"),
                                     (size_t)-1, &failed);
        refusal->kind = result_keep(c->result, o->kind, (size_t)-1, &failed);
        refusal->implementation = result_keep(c->result, o->implementation, (size_t)-1, &failed);
        refusal->rule = result_keep(c->result, o->rule, (size_t)-1, &failed);
        refusal->reason = result_keep(c->result, o->reason, (size_t)-1, &failed);
        refusal->hint = result_keep(c->result, o->hint, (size_t)-1, &failed);
        if (failed)
            return error_nomem(err);
    }
    if (c->result->refusal_count == 0)
        return DOMCOMPAT_OK;
    first = &c->result->refusals[0];
    domcompat_refusal_describe(first, c->opts->target, description, sizeof(description));
    return error_set(err, DOMCOMPAT_EREFUSED, first->line, first->column, "%s%s%s", description,
                     first->hint ? "; to convert it: " : "", first->hint ? first->hint : "");
}

/* The converted controller's attributes, as the splicer wants them. */
static int collect_wanted(struct edit *edit, const xmlNode *converted, domcompat_error *err)
{
    const xmlAttr *attr;
    size_t n = 0;

    for (attr = converted->properties; attr != NULL; attr = attr->next)
        n++;
    edit->want = calloc(n ? n : 1, sizeof(*edit->want));
    if (edit->want == NULL)
        return error_nomem(err);
    for (attr = converted->properties; attr != NULL; attr = attr->next) {
        if (attr->ns != NULL || attr->children == NULL || attr->children->next != NULL)
            return error_set(err, DOMCOMPAT_EINTERNAL, 0, 0,
                             "rule %s produced an attribute domcompat cannot write", edit->rule);
        edit->want[edit->want_count].name = (const char *)attr->name;
        edit->want[edit->want_count].value = (const char *)attr->children->content;
        edit->want_count++;
    }
    return DOMCOMPAT_OK;
}

/* Renders one edit's new start tag from the input bytes, before the tree changes. */
static int render_edit(const struct conversion *c, struct edit *edit, domcompat_error *err)
{
    const struct source_tag *tag = &c->map.tags[edit->ordinal];
    struct source_start_tag parsed;
    size_t i, j, dom_attrs = 0, source_attrs = 0;
    bool *changed = NULL;
    struct buf out;
    xmlAttr *attr;
    int rc = DOMCOMPAT_OK;

    buf_init(&out);
    i = (size_t)source_start_tag_parse(&parsed, c->data, *tag);
    if ((int)i == -1)
        return error_nomem(err);
    if ((int)i != 0)
        return error_set(err, DOMCOMPAT_EINTERNAL, 0, 0, "cannot read a controller's start tag");

    /* The bytes and the tree must agree before the bytes are rewritten. */
    for (attr = edit->node->properties; attr != NULL; attr = attr->next)
        dom_attrs++;
    for (i = 0; i < parsed.attr_count; i++)
        if (!source_attr_declares_namespace(c->data, &parsed.attrs[i]))
            source_attrs++;
    if (dom_attrs != source_attrs || parsed.name_len != 10 ||
        memcmp(c->data + parsed.name, "controller", 10) != 0) {
        rc = error_set(err, DOMCOMPAT_EINTERNAL, 0, 0,
                       "a controller's start tag does not match its element");
        goto out;
    }

    changed = calloc(parsed.attr_count ? parsed.attr_count : 1, sizeof(*changed));
    if (changed == NULL) {
        rc = error_nomem(err);
        goto out;
    }
    for (i = 0; i < parsed.attr_count; i++) {
        for (j = 0; j < edit->want_count; j++) {
            const char *name = edit->want[j].name;
            xmlChar *old;

            if (strlen(name) != parsed.attrs[i].name_len ||
                memcmp(c->data + parsed.attrs[i].name, name, parsed.attrs[i].name_len) != 0)
                continue;
            old = xmlGetNoNsProp(edit->node, BAD_CAST name);
            changed[i] = old == NULL || strcmp((const char *)old, edit->want[j].value) != 0;
            xmlFree(old);
        }
    }
    splice_render_tag(&out, c->data, tag, &parsed, edit->want, edit->want_count, changed);
    edit->after = buf_steal(&out, &edit->after_len);
    if (edit->after == NULL)
        rc = error_nomem(err);
out:
    free(changed);
    buf_free(&out);
    source_start_tag_free(&parsed);
    return rc;
}

/* Gives the skeleton the attributes the rendered tag spells. */
static int apply_to_skeleton(struct edit *edit, domcompat_error *err)
{
    xmlAttr *attr, *next;
    size_t j;

    for (attr = edit->skeleton_node->properties; attr != NULL; attr = next) {
        bool keep = false;

        next = attr->next;
        for (j = 0; j < edit->want_count; j++)
            keep = keep || xmlStrEqual(attr->name, BAD_CAST edit->want[j].name);
        if (!keep)
            xmlRemoveProp(attr);
    }
    for (j = 0; j < edit->want_count; j++)
        if (xmlSetProp(edit->skeleton_node, BAD_CAST edit->want[j].name,
                       BAD_CAST edit->want[j].value) == NULL)
            return error_nomem(err);
    return DOMCOMPAT_OK;
}

static int prepare_edits(struct conversion *c, domcompat_error *err)
{
    size_t i;
    int rc;

    c->edits = calloc(c->run.count ? c->run.count : 1, sizeof(*c->edits));
    if (c->edits == NULL)
        return error_nomem(err);
    for (i = 0; i < c->run.count; i++) {
        const struct rule_outcome *o = &c->run.outcomes[i];
        struct edit *edit;

        if (o->decision != RULE_CONVERTED)
            continue;
        edit = &c->edits[c->edit_count++];
        edit->node = c->controllers.nodes[i];
        edit->skeleton_node = c->skeleton.controllers.nodes[i];
        edit->ordinal = c->ordinals[i];
        edit->rule = o->rule;
        if ((rc = collect_wanted(edit, o->converted, err)) != DOMCOMPAT_OK ||
            (rc = render_edit(c, edit, err)) != DOMCOMPAT_OK)
            return rc;
    }
    return DOMCOMPAT_OK;
}

static const char *wanted_value(const struct edit *edit, const char *name)
{
    size_t j;

    for (j = 0; j < edit->want_count; j++)
        if (strcmp(edit->want[j].name, name) == 0)
            return edit->want[j].value;
    return NULL;
}

static int record_changes(struct conversion *c, domcompat_error *err)
{
    struct source_cursor cursor;
    bool failed = false;
    size_t i;

    source_cursor_init(&cursor);
    for (i = 0; i < c->edit_count; i++) {
        const struct edit *edit = &c->edits[i];
        const struct source_tag *tag = &c->map.tags[edit->ordinal];
        domcompat_change *change = result_add_change(c->result);
        const char *kind = wanted_value(edit, "subType");

        if (change == NULL)
            return error_nomem(err);
        source_cursor_position(&cursor, c->data, tag->start, &change->line, &change->column);
        change->index = result_keep(c->result, wanted_value(edit, "index"), (size_t)-1, &failed);
        change->kind =
            result_keep(c->result, kind ? kind : wanted_value(edit, "model"), (size_t)-1, &failed);
        change->rule = result_keep(c->result, edit->rule, (size_t)-1, &failed);
        change->before =
            result_keep(c->result, c->data + tag->start, tag->end - tag->start, &failed);
        change->after = result_keep(c->result, edit->after, edit->after_len, &failed);
        if (failed)
            return error_nomem(err);
    }
    return DOMCOMPAT_OK;
}

/* The input with each edited start tag replaced. */
static int splice_output(struct conversion *c, domcompat_error *err)
{
    struct buf out;
    size_t i, copied = 0;

    buf_init(&out);
    for (i = 0; i < c->edit_count; i++) {
        const struct source_tag *tag = &c->map.tags[c->edits[i].ordinal];

        buf_append(&out, c->data + copied, tag->start - copied);
        buf_append(&out, c->edits[i].after, c->edits[i].after_len);
        copied = tag->end;
    }
    buf_append(&out, c->data + copied, c->len - copied);
    c->result->output = buf_steal(&out, &c->result->output_len);
    if (c->result->output == NULL)
        return error_nomem(err);
    c->result->changed = c->edit_count > 0;
    return DOMCOMPAT_OK;
}

static int keep_input_as_output(struct conversion *c, domcompat_error *err)
{
    c->result->output = malloc(c->len ? c->len : 1);
    if (c->result->output == NULL)
        return error_nomem(err);
    memcpy(c->result->output, c->data, c->len);
    c->result->output_len = c->len;
    return DOMCOMPAT_OK;
}

/* Whether every controller is already in the target form. */
static bool already_in(domcompat_form target, domcompat_form form)
{
    return form == DOMCOMPAT_FORM_ANY || form == target;
}

static int convert(struct conversion *c, domcompat_error *err)
{
    xsltStylesheetPtr sheet;
    size_t i;
    int rc;

    if ((rc = parse_and_validate(c, DOMCOMPAT_FORM_MIXED, err)) != DOMCOMPAT_OK)
        return rc;
    c->result = result_new(controllers_form(&c->controllers));
    if (c->result == NULL)
        return error_nomem(err);
    if (already_in(c->opts->target, c->result->input_form))
        return keep_input_as_output(c, err);

    sheet = c->opts->target == DOMCOMPAT_FORM_LEGACY ? c->ctx->downgrade : c->ctx->upgrade;
    if ((rc = rules_run(&c->run, sheet, c->ctx->security, c->skeleton.doc, c->opts->assume_param,
                        c->controllers.count, err)) != DOMCOMPAT_OK ||
        (rc = map_controllers(c, err)) != DOMCOMPAT_OK ||
        (rc = record_refusals(c, err)) != DOMCOMPAT_OK ||
        (rc = prepare_edits(c, err)) != DOMCOMPAT_OK)
        return rc;

    for (i = 0; i < c->edit_count; i++)
        if ((rc = apply_to_skeleton(&c->edits[i], err)) != DOMCOMPAT_OK)
            return rc;
    if (validate_tree(c, c->opts->target, err) != DOMCOMPAT_OK) {
        char reason[sizeof(err->message)];

        snprintf(reason, sizeof(reason), "%s", err ? err->message : "");
        return error_set(err, DOMCOMPAT_EINTERNAL, err ? err->line : 0, err ? err->column : 0,
                         "the rules produced a document that is not in the %s form: %s",
                         domcompat_form_name(c->opts->target), reason);
    }
    if ((rc = record_changes(c, err)) != DOMCOMPAT_OK)
        return rc;
    return splice_output(c, err);
}

static void conversion_free(struct conversion *c)
{
    size_t i;

    for (i = 0; i < c->edit_count; i++) {
        free(c->edits[i].want);
        free(c->edits[i].after);
    }
    free(c->edits);
    rules_run_free(&c->run);
    source_map_free(&c->map);
    free(c->ordinals);
    skeleton_free(&c->skeleton);
    controllers_free(&c->controllers);
    xmlFreeDoc(c->doc);
}

int domcompat_convert(domcompat_result **out, const domcompat_context *ctx,
                      const domcompat_options *opts, const char *data, size_t len,
                      domcompat_error *err)
{
    struct conversion c;
    int rc;

    if (out == NULL || ctx == NULL || opts == NULL || (data == NULL && len > 0))
        return error_set(err, DOMCOMPAT_EUSAGE, 0, 0, "domcompat_convert: missing argument");
    *out = NULL;
    memset(&c, 0, sizeof(c));
    c.ctx = ctx;
    c.opts = opts;
    c.data = data ? data : "";
    c.len = len;
    rc = convert(&c, err);
    if (rc == DOMCOMPAT_OK || rc == DOMCOMPAT_EREFUSED) {
        *out = c.result;
        c.result = NULL; /* now owned by the caller */
    }
    domcompat_result_free(c.result);
    conversion_free(&c);
    return rc;
}

int domcompat_validate(domcompat_form *detected_out, const domcompat_context *ctx,
                       domcompat_form form, const char *data, size_t len, domcompat_error *err)
{
    struct conversion c;
    int rc;

    if (ctx == NULL || (data == NULL && len > 0) || form == DOMCOMPAT_FORM_ANY)
        return error_set(err, DOMCOMPAT_EUSAGE, 0, 0, "domcompat_validate: bad argument");
    memset(&c, 0, sizeof(c));
    c.ctx = ctx;
    c.data = data ? data : "";
    c.len = len;
    rc = parse_and_validate(&c, form, err);
    if (detected_out != NULL)
        *detected_out =
            form != DOMCOMPAT_FORM_AUTO || c.doc == NULL ? form : controllers_form(&c.controllers);
    conversion_free(&c);
    return rc;
}
