/*
 * One document through the whole pipeline:
 *
 *   parse (hardened) -> validate in its form
 *   -> read every controller into the explicit form (upgrade.xsl)
 *   -> for any other target, write it for that target (downgrade.xsl)
 *   -> validate the result in the target's form
 *   -> rewrite, in the input's own bytes, each controller the rules changed.
 *
 * The rules work on, and edit, the document's skeleton (skeleton.h): the
 * only parts a schema can refuse or a rule can read.  The bytes written are
 * derived from the edited skeleton (rewrite.h), so what is written is what
 * was validated, without parsing the output a second time.
 */
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "caps.h"
#include "context.h"
#include "controllers.h"
#include "error.h"
#include "memo.h"
#include "bounds.h"
#include "options.h"
#include "parse.h"
#include "reserve.h"
#include "result.h"
#include "rules.h"
#include "schema.h"
#include "skeleton.h"
#include "sourcemap.h"
#include "rewrite.h"
#include "libxml_compat.h"

struct conversion {
    const domcompat_context *ctx;
    const domcompat_options *opts; /* NULL: a validation only (domcompat_validate()) */
    const char *data;
    size_t len;
    xmlDocPtr doc;
    struct pci_controllers controllers;
    struct skeleton skeleton;
    struct source_map map;   /* made while the bounds are checked, for conversions */
    int map_status;          /* source_map_finish()'s */
    size_t *ordinals;        /* per controller, into map.tags */
    size_t *parent_ordinals; /* per controller, its <devices> */
    struct rule_run read;    /* upgrade.xsl: every spelling to explicit */
    struct rule_run write;   /* downgrade.xsl: explicit to the target */
    const char **rules;      /* per controller, the rule that last converted it */
    domcompat_result *result;
    /*
     * The skeleton is built lazily (skeleton.h) and each controller's
     * answer is applied, and its result validated, as it is written.  For
     * conversions that ask the memory of answers and have one pass of
     * rules, and for validation.
     */
    bool lazy;
};

/*
 * Whether the skeleton is valid in `form` (all of it but the PCI
 * controllers when `without_controllers`); `failure` says why not.
 */
static int check_skeleton(struct conversion *c, domcompat_form form, bool without_controllers,
                          bool *valid, struct schema_failure *failure, domcompat_error *err)
{
    xmlRelaxNGPtr schema;
    int rc;

    *valid = false;
    if ((rc = context_schema(c->ctx, form, &schema, err)) != DOMCOMPAT_OK)
        return rc;
    rc = skeleton_validate_memo(&c->skeleton, schema, c->ctx->memo, without_controllers, failure);
    if (rc < 0)
        return error_nomem(err);
    *valid = rc == 0;
    return DOMCOMPAT_OK;
}

/* "not valid in the FORM form: why", at the element libxml2 names. */
static int not_valid(const struct conversion *c, domcompat_form form,
                     const struct schema_failure *failure, domcompat_error *err)
{
    unsigned long line, column;

    if (failure->node != NULL && failure->node->type == XML_ELEMENT_NODE) {
        parse_element_position(c->data, c->len, skeleton_original(failure->node), &line, &column);
    } else {
        line = failure->line > 0 ? (unsigned long)failure->line : 0;
        column = 0;
    }
    return error_set(err, DOMCOMPAT_EINVALID, line, column, "not valid in the %s form: %s",
                     domcompat_form_name(form), failure->message);
}

/*
 * Validates the skeleton in `form` (without the PCI controllers: see
 * check_skeleton()); an invalid document gets the clearest message we can
 * give.
 */
static int validate_tree(struct conversion *c, domcompat_form form, bool without_controllers,
                         domcompat_error *err)
{
    struct schema_failure failure;
    bool valid;
    int rc = check_skeleton(c, form, without_controllers, &valid, &failure, err);

    if (rc != DOMCOMPAT_OK || valid)
        return rc;
    if (controllers_diagnose(c->doc, &c->controllers, form, c->data, c->len, err))
        return DOMCOMPAT_EINVALID;
    return not_valid(c, form, &failure, err);
}

/* Never: the rules wrote what the target's grammar refuses. */
static int rules_made_invalid(domcompat_form form, int rc, domcompat_error *err)
{
    char reason[sizeof(err->message)];

    if (rc != DOMCOMPAT_EINVALID)
        return rc; /* out of memory, or a schema that does not compile */
    snprintf(reason, sizeof(reason), "%s", err ? err->message : "");
    return error_set(err, DOMCOMPAT_EINTERNAL, err ? err->line : 0, err ? err->column : 0,
                     "the rules produced a document that is not in the %s form: %s",
                     domcompat_form_name(form), reason);
}

/*
 * Whether the skeleton is valid in the form its controllers are written
 * in: a narrower grammar than the mixed one, quicker to compile and to
 * check, that accepts nothing the mixed grammar refuses
 * (tests/run-fixtures.sh holds every fixture to that).  No PCI controller
 * at all: every form agrees, and the legacy grammar is the smallest.
 */
static int valid_in_own_form(struct conversion *c, bool *valid, domcompat_error *err)
{
    domcompat_form own = controllers_form(&c->controllers);
    struct schema_failure failure;

    *valid = false;
    if (own == DOMCOMPAT_FORM_MIXED)
        return DOMCOMPAT_OK;
    return check_skeleton(c, own == DOMCOMPAT_FORM_ANY ? DOMCOMPAT_FORM_LEGACY : own, false, valid,
                          &failure, err);
}

static int parse_and_validate(struct conversion *c, domcompat_form form, domcompat_error *err)
{
    struct source_map_builder tags;
    bool valid = false;
    int rc;

    /* A conversion writes, from the input's bytes: they are mapped as they are checked. */
    source_map_begin(&tags, &c->map);
    rc = bounds_check(&c->ctx->limits, c->data, c->len, c->opts != NULL ? &tags : NULL, err);
    c->map_status = source_map_finish(&tags);
    if (rc == DOMCOMPAT_OK)
        rc = parse_document(&c->doc, c->data, c->len, err);
    if (rc != DOMCOMPAT_OK)
        return rc;
    if (controllers_collect(&c->controllers, c->doc) != 0 ||
        skeleton_build(&c->skeleton, c->doc, &c->controllers, c->lazy) != 0)
        return error_nomem(err);
    if (form == DOMCOMPAT_FORM_AUTO)
        form = controllers_form(&c->controllers);
    /* Mixed input is checked in its own form first; the mixed grammar gives the verdict if not. */
    if (form == DOMCOMPAT_FORM_MIXED && (rc = valid_in_own_form(c, &valid, err)) != DOMCOMPAT_OK)
        return rc;
    if (!valid && (rc = validate_tree(c, form, false, err)) != DOMCOMPAT_OK)
        return rc;
    return controllers_check_indexes(&c->controllers, c->data, c->len, err);
}

/* Finds every controller, and its parent, in the input bytes. */
static int map_controllers(struct conversion *c, domcompat_error *err)
{
    size_t n = c->controllers.count ? c->controllers.count : 1, i;
    bool found = true;

    if (c->map_status == -1)
        return error_nomem(err);
    if (c->map_status != 0)
        return error_set(err, DOMCOMPAT_EINTERNAL, 0, 0,
                         "cannot find the elements of a well-formed document in its bytes");
    c->ordinals = malloc(n * sizeof(size_t));
    c->parent_ordinals = malloc(n * sizeof(size_t));
    c->rules = calloc(n, sizeof(*c->rules));
    if (c->ordinals == NULL || c->parent_ordinals == NULL || c->rules == NULL)
        return error_nomem(err);
    for (i = 0; i < c->controllers.count && found; i++) {
        xmlNode *node = c->controllers.nodes[i];

        found = parse_element_ordinal(node, &c->ordinals[i]) == 0 &&
                parse_element_ordinal(node->parent, &c->parent_ordinals[i]) == 0 &&
                c->ordinals[i] < c->map.count;
    }
    if (!found)
        return error_set(err, DOMCOMPAT_EINTERNAL, 0, 0,
                         "the document's bytes and its tree disagree on its elements");
    return DOMCOMPAT_OK;
}

/* The ordinal of an element of a controller (see parse_element_ordinal()). */
static size_t element_ordinal(const xmlNode *element, size_t fallback)
{
    size_t ordinal;

    return parse_element_ordinal(element, &ordinal) == 0 ? ordinal : fallback;
}

static void position_of(const struct conversion *c, size_t ordinal, unsigned long *line,
                        unsigned long *column)
{
    struct source_cursor cursor;

    source_cursor_init(&cursor);
    source_cursor_position(&cursor, c->data, c->map.tags[ordinal].start, line, column);
}

static domcompat_refusal *add_refusal(struct conversion *c, size_t i, size_t ordinal,
                                      const char *kind, const char *implementation,
                                      const char *rule, bool *failed)
{
    domcompat_refusal *refusal = result_add_refusal(c->result);

    if (refusal == NULL) {
        *failed = true;
        return NULL;
    }
    position_of(c, ordinal, &refusal->line, &refusal->column);
    refusal->index = result_keep(c->result, controllers_attr(c->controllers.nodes[i], "index"),
                                 (size_t)-1, failed);
    refusal->kind = result_keep(c->result, kind, (size_t)-1, failed);
    refusal->implementation = result_keep(c->result, implementation, (size_t)-1, failed);
    refusal->rule = result_keep(c->result, rule, (size_t)-1, failed);
    refusal->target = result_keep(c->result, c->opts->target_text, (size_t)-1, failed);
    return refusal;
}

static int record_refusals(struct conversion *c, const struct rule_run *run, domcompat_error *err)
{
    bool failed = false;
    size_t i;

    for (i = 0; i < run->count && !failed; i++) {
        const struct rule_outcome *o = &run->outcomes[i];
        domcompat_refusal *refusal;

        if (o->decision != RULE_REFUSED)
            continue;
        refusal = add_refusal(c, i, c->ordinals[i], o->kind, o->implementation, o->rule, &failed);
        if (refusal == NULL)
            break;
        refusal->reason = result_keep(c->result, o->reason, (size_t)-1, &failed);
        refusal->hint = result_keep(c->result, o->hint, (size_t)-1, &failed);
        refusal->since = result_keep(c->result, o->since, (size_t)-1, &failed);
    }
    return failed ? error_nomem(err) : DOMCOMPAT_OK;
}

/* Each controller the rules gave another implementation, as the user allowed. */
static int record_replacements(struct conversion *c, const struct rule_run *run,
                               domcompat_error *err)
{
    bool failed = false;
    size_t i;

    if (c->result->refusal_count > 0)
        return DOMCOMPAT_OK; /* nothing is written, so nothing is replaced */
    for (i = 0; i < run->count && !failed; i++) {
        const struct rule_outcome *o = &run->outcomes[i];
        domcompat_replacement *r;

        if (o->decision != RULE_CONVERTED || o->replaced_from == NULL)
            continue;
        if ((r = result_add_replacement(c->result)) == NULL)
            return error_nomem(err);
        position_of(c, c->ordinals[i], &r->line, &r->column);
        r->index = result_keep(c->result, controllers_attr(c->controllers.nodes[i], "index"),
                               (size_t)-1, &failed);
        r->kind = result_keep(c->result, o->replaced_kind, (size_t)-1, &failed);
        r->from = result_keep(c->result, o->replaced_from, (size_t)-1, &failed);
        r->to = result_keep(c->result, o->replaced_to, (size_t)-1, &failed);
        r->from_pci_id = result_keep(c->result, o->replaced_from_id, (size_t)-1, &failed);
        r->to_pci_id = result_keep(c->result, o->replaced_to_id, (size_t)-1, &failed);
    }
    return failed ? error_nomem(err) : DOMCOMPAT_OK;
}

static bool is_named(const xmlNode *node, const char *name)
{
    return node != NULL && node->type == XML_ELEMENT_NODE && node->ns == NULL &&
           xmlStrEqual(node->name, BAD_CAST name);
}

static xmlNode *child_named(const xmlNode *parent, const char *name)
{
    xmlNode *node;

    for (node = parent ? parent->children : NULL; node != NULL; node = node->next)
        if (is_named(node, name))
            return node;
    return NULL;
}

/* The element a loss is about, under a controller: "target", "pcihole64", "target/node". */
static xmlNode *loss_element(xmlNode *controller, const char *path)
{
    const char *slash = strchr(path, '/');
    char first[64];

    if (slash == NULL)
        return child_named(controller, path);
    snprintf(first, sizeof(first), "%.*s", (int)(slash - path), path);
    return child_named(child_named(controller, first), slash + 1);
}

/* Drops what a loss names from the skeleton; an emptied <target> goes too. */
static void drop_from_skeleton(xmlNode *copy, const struct rule_loss *loss)
{
    xmlNode *element = loss_element(copy, loss->element), *target;

    if (element == NULL)
        return;
    target = element->parent;
    if (loss->attribute != NULL) {
        xmlUnsetProp(element, BAD_CAST loss->attribute);
        target = element;
    } else {
        xmlUnlinkNode(element);
        xmlFreeNode(element);
    }
    if (is_named(target, "target") && target->properties == NULL) {
        xmlNode *child;

        for (child = target->children; child != NULL; child = child->next)
            if (child->type == XML_ELEMENT_NODE)
                return;
        xmlUnlinkNode(target);
        xmlFreeNode(target);
    }
}

/* "<target hotplug='off'>" or "<pcihole64>": what a loss drops, as a person reads it. */
static void describe_loss(char *out, size_t size, const struct rule_loss *loss)
{
    const char *name = strrchr(loss->element, '/');

    name = name ? name + 1 : loss->element;
    if (loss->attribute != NULL)
        snprintf(out, size, "<%s %s='%s'>", name, loss->attribute, loss->value ? loss->value : "");
    else
        snprintf(out, size, "<%s>", name);
}

/* Whether a controller's index attribute is the plain decimal `number`. */
static bool same_plain_index(const char *index, const char *number)
{
    return index != NULL && memo_plain_index(index) && memo_plain_index(number) &&
           strtoul(index, NULL, 10) == strtoul(number, NULL, 10);
}

/* Losses are refused unless allowed; allowed ones are made in the skeleton and reported. */
static int handle_losses(struct conversion *c, domcompat_error *err)
{
    bool failed = false;
    size_t i, j;

    for (i = 0; i < c->write.count && !failed; i++) {
        const struct rule_outcome *o = &c->write.outcomes[i];
        xmlNode *orig = c->controllers.nodes[i];

        for (j = 0; j < o->loss_count && o->decision != RULE_REFUSED && !failed; j++) {
            const struct rule_loss *loss = &o->losses[j];
            xmlNode *element = loss_element(orig, loss->element);
            size_t ordinal = element ? element_ordinal(element, c->ordinals[i]) : c->ordinals[i];
            char what[256], text[1024];

            /* The peer's own value, the controller's index (the rules never read it). */
            if (loss->unless_index != NULL &&
                same_plain_index(controllers_attr(orig, "index"), loss->unless_index))
                continue;
            describe_loss(what, sizeof(what), loss);
            if (c->opts->allow_loss) {
                domcompat_loss *record = result_add_loss(c->result);

                if (record == NULL)
                    return error_nomem(err);
                position_of(c, ordinal, &record->line, &record->column);
                record->index =
                    result_keep(c->result, controllers_attr(orig, "index"), (size_t)-1, &failed);
                record->kind = result_keep(c->result, loss->kind, (size_t)-1, &failed);
                record->what = result_keep(c->result, what, (size_t)-1, &failed);
                record->since = result_keep(c->result, loss->since, (size_t)-1, &failed);
                if (loss->why != NULL)
                    record->why = result_keep(c->result, loss->why, (size_t)-1, &failed);
                drop_from_skeleton(c->skeleton.controllers.nodes[i], loss);
                continue;
            }
            {
                domcompat_refusal *refusal =
                    add_refusal(c, i, ordinal, loss->kind,
                                controllers_attr(c->skeleton.controllers.nodes[i], "model"),
                                "peer-support", &failed);

                if (refusal == NULL)
                    break;
                if (loss->reason != NULL)
                    snprintf(text, sizeof(text), "%s", loss->reason);
                else
                    snprintf(text, sizeof(text),
                             "libvirt %s does not parse %s (first in libvirt %s) and would ignore "
                             "it",
                             c->opts->peer, what, loss->since);
                refusal->reason = result_keep(c->result, text, (size_t)-1, &failed);
                snprintf(text, sizeof(text),
                         "drop it with --allow-loss, or convert for libvirt %s or later",
                         loss->since);
                refusal->hint = result_keep(c->result, text, (size_t)-1, &failed);
                refusal->since = result_keep(c->result, loss->since, (size_t)-1, &failed);
                refusal->loss = 1;
            }
        }
    }
    return failed ? error_nomem(err) : DOMCOMPAT_OK;
}

/* The attribute the memo may leave out of a key (MEMO_KEY_ANY_PLAIN_INDEX): index, no namespace. */
static bool is_index(const xmlAttr *attr)
{
    return attr->ns == NULL && xmlStrEqual(attr->name, BAD_CAST "index");
}

/*
 * Gives a skeleton controller the attributes and <model> child of the
 * rules' answer.  A <model> child that comes back after the read pass took
 * it away is linked to the original again, so an unchanged one is not
 * rewritten.
 */
static int apply_converted(xmlNode *copy, const xmlNode *converted, bool keep_index,
                           domcompat_error *err)
{
    xmlNode *want_model = child_named(converted, "model"), *have_model = child_named(copy, "model");
    xmlAttr *attr, *next;

    for (attr = copy->properties; attr != NULL; attr = next) {
        next = attr->next;
        if (keep_index && is_index(attr))
            continue;
        if (xmlHasNsProp(converted, attr->name, NULL) == NULL)
            xmlRemoveProp(attr);
    }
    for (attr = converted->properties; attr != NULL; attr = attr->next) {
        const xmlChar *value;
        xmlChar *joined;
        bool ok;

        if (keep_index && is_index(attr))
            continue;
        value = parse_attribute_value(attr, &joined);
        ok = value != NULL && xmlSetProp(copy, attr->name, value) != NULL;

        xmlFree(joined);
        if (!ok)
            return error_nomem(err);
    }
    if (want_model == NULL && have_model != NULL) {
        xmlUnlinkNode(have_model);
        xmlFreeNode(have_model);
    } else if (want_model != NULL) {
        xmlChar *name = xmlGetNoNsProp(want_model, BAD_CAST "name");

        if (have_model == NULL) {
            have_model = xmlNewDocNode(copy->doc, NULL, BAD_CAST "model", NULL);
            if (have_model != NULL && copy->children != NULL)
                xmlAddPrevSibling(copy->children, have_model);
            else if (have_model != NULL)
                xmlAddChild(copy, have_model);
            if (have_model != NULL)
                have_model->_private = child_named(skeleton_original(copy), "model");
        }
        if (have_model == NULL || name == NULL ||
            xmlSetProp(have_model, BAD_CAST "name", name) == NULL) {
            xmlFree(name);
            return error_nomem(err);
        }
        xmlFree(name);
    }
    return DOMCOMPAT_OK;
}

static int apply_run(struct conversion *c, const struct rule_run *run, domcompat_error *err)
{
    size_t i;
    int rc;

    for (i = 0; i < run->count; i++) {
        if (run->outcomes[i].decision != RULE_CONVERTED)
            continue;
        /* Lazily, the answer is applied as the controller is written (finish_copy()). */
        if (!c->lazy &&
            (rc = apply_converted(c->skeleton.controllers.nodes[i], run->outcomes[i].converted,
                                  run->outcomes[i].index_from_input, err)) != DOMCOMPAT_OK)
            return rc;
        c->rules[i] = run->outcomes[i].rule;
    }
    return DOMCOMPAT_OK;
}

static int by_position(const void *a, const void *b)
{
    const domcompat_refusal *x = a, *y = b;

    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->column < y->column ? -1 : x->column > y->column;
}

/* Refusals from both passes, in document order; the first one describes the whole. */
static int refuse(struct conversion *c, domcompat_error *err)
{
    char description[sizeof(err->message)];
    const domcompat_refusal *first;

    qsort(c->result->refusals, c->result->refusal_count, sizeof(*c->result->refusals), by_position);
    first = &c->result->refusals[0];
    domcompat_refusal_describe(first, description, sizeof(description));
    return error_set(err, DOMCOMPAT_EREFUSED, first->line, first->column, "%s%s%s", description,
                     first->hint ? "; to convert it: " : "", first->hint ? first->hint : "");
}

/*
 * A controller's skeleton copy, once written (or found unchanged): nothing
 * reads it again, and freeing the copies as the output grows keeps a large
 * domain's peak memory down.
 */
static void drop_copy(struct conversion *c, size_t i)
{
    xmlNode *copy = c->skeleton.controllers.nodes[i];

    c->skeleton.controllers.nodes[i] = NULL;
    xmlUnlinkNode(copy);
    xmlFreeNode(copy);
}

/*
 * Lazily, controllers are written one at a time: each copy is filled in
 * and given the rules' answer just before it is written, and freed just
 * after.  Those whose validity in the output form the memory does not
 * know are kept until a piece of them has been written, then validated
 * together (the rest of the skeleton was validated without the
 * controllers); the output is only handed back once all are.
 */
struct unchecked {
    size_t which[SKELETON_PIECE];
    size_t count;
};

/* The memory's key for an answered copy: 'A', the grammar, the answer (below). */
#define ANSWERED_KEY_SIZE (1 + sizeof(xmlRelaxNGPtr) + sizeof(const void *))

/*
 * Whether the memory knows controller `i`'s copy, once given its answer,
 * to be valid in `schema`, without making the copy: the answer's address
 * (rule_outcome.remembered) names it.  That answer is the one for the
 * controller's whole rules key (see run_rules() below), which holds all
 * of the controller but a plain index: so the answered copy is the same,
 * but for such an index, for every controller that answer is given to,
 * and a plain index does not change a verdict (skeleton.c).
 */
static bool answered_copy_key(struct buf *key, char bytes[ANSWERED_KEY_SIZE],
                              const struct conversion *c, size_t i, xmlRelaxNGPtr schema)
{
    const void *answer = c->read.outcomes[i].remembered;

    bytes[0] = 'A';
    memcpy(bytes + 1, &schema, sizeof(schema));
    memcpy(bytes + 1 + sizeof(schema), &answer, sizeof(answer));
    *key = (struct buf){bytes, ANSWERED_KEY_SIZE, 0, false}; /* a view: the memo copies keys */
    return answer != NULL;
}

static bool answered_copy_known(const struct conversion *c, size_t i, xmlRelaxNGPtr schema)
{
    char bytes[ANSWERED_KEY_SIZE];
    struct buf key;

    return answered_copy_key(&key, bytes, c, i, schema) && memo_lookup(c->ctx->memo, &key) != NULL;
}

/* Controller `i`'s answered copy, whole, was found valid in `schema`. */
static void remember_answered_copy(const struct conversion *c, size_t i, xmlRelaxNGPtr schema)
{
    char bytes[ANSWERED_KEY_SIZE];
    struct buf key;

    if (answered_copy_key(&key, bytes, c, i, schema))
        memo_insert(c->ctx->memo, &key, MEMO_PRESENT, 0, NULL);
}

/*
 * Fills in controller `i`'s copy and applies the answer; *known: the
 * memory knows it valid.  A copy known valid before it is made is made of
 * only what the answer can change (*extent).
 */
static int finish_copy(struct conversion *c, size_t i, bool *known, enum rewrite_copy *extent,
                       domcompat_error *err)
{
    const struct rule_outcome *o = &c->read.outcomes[i];
    xmlRelaxNGPtr schema;
    bool whole = true;
    int rc;

    *extent = REWRITE_WHOLE_COPY;
    if ((rc = context_schema(c->ctx, options_output_form(c->opts), &schema, err)) != DOMCOMPAT_OK)
        return rc;
    *known = answered_copy_known(c, i, schema);
    if (*known ? skeleton_copy_controller_for_answer(&c->skeleton, i, &whole) != 0
               : skeleton_copy_controller(&c->skeleton, i) != 0)
        return error_nomem(err);
    if (!whole)
        *extent = REWRITE_ANSWER_COPY;
    if (o->decision == RULE_CONVERTED &&
        (rc = apply_converted(c->skeleton.controllers.nodes[i], o->converted, o->index_from_input,
                              err)) != DOMCOMPAT_OK)
        return rc;
    if (*known)
        return DOMCOMPAT_OK;
    if ((rc = skeleton_controller_known(&c->skeleton, i, schema, c->ctx->memo)) < 0)
        return error_nomem(err);
    *known = rc == 1;
    if (*known)
        remember_answered_copy(c, i, schema);
    return DOMCOMPAT_OK;
}

/* Validates the unchecked controllers, then frees their copies. */
static int check_unchecked(struct conversion *c, struct unchecked *unchecked, domcompat_error *err)
{
    domcompat_form form = options_output_form(c->opts);
    struct schema_failure failure;
    xmlRelaxNGPtr schema;
    size_t k;
    int rc;

    if (unchecked->count == 0)
        return DOMCOMPAT_OK;
    if ((rc = context_schema(c->ctx, form, &schema, err)) != DOMCOMPAT_OK)
        return rc;
    rc = skeleton_validate_controllers(&c->skeleton, unchecked->which, unchecked->count, schema,
                                       c->ctx->memo, &failure);
    for (k = 0; rc == 0 && k < unchecked->count; k++)
        remember_answered_copy(c, unchecked->which[k], schema);
    /* The failure names a copy: said before the copies go. */
    rc = rc < 0    ? error_nomem(err)
         : rc == 1 ? rules_made_invalid(form, not_valid(c, form, &failure, err), err)
                   : DOMCOMPAT_OK;
    for (k = 0; k < unchecked->count; k++)
        drop_copy(c, unchecked->which[k]);
    unchecked->count = 0;
    return rc;
}

/* A controller written (or found unchanged): its copy goes, at once or once checked. */
static int release_copy(struct conversion *c, size_t i, bool known, struct unchecked *unchecked,
                        domcompat_error *err)
{
    if (!c->lazy || known) {
        drop_copy(c, i);
        return DOMCOMPAT_OK;
    }
    unchecked->which[unchecked->count++] = i;
    return unchecked->count == SKELETON_PIECE ? check_unchecked(c, unchecked, err) : DOMCOMPAT_OK;
}

/* The input with every controller the rules changed rewritten. */
static int write_output(struct conversion *c, domcompat_error *err)
{
    struct rewrite_source src = {c->data, c->len, &c->map};
    struct source_cursor cursor;
    struct buf out, element;
    struct unchecked unchecked = {{0}, 0};
    bool failed = false;
    size_t i, copied = 0;
    int rc = DOMCOMPAT_OK;

    buf_init(&out);
    source_cursor_init(&cursor);
    for (i = 0; i < c->controllers.count && rc == DOMCOMPAT_OK; i++) {
        xmlNode *orig = c->controllers.nodes[i], *copy = c->skeleton.controllers.nodes[i];
        const struct source_tag *tag = &c->map.tags[c->ordinals[i]];
        domcompat_change *change;
        const char *kind;
        enum rewrite_copy extent = REWRITE_WHOLE_COPY;
        bool known = true;

        if (c->lazy && (rc = finish_copy(c, i, &known, &extent, err)) != DOMCOMPAT_OK)
            break;
        if (!rewrite_needed(orig, copy, extent)) {
            rc = release_copy(c, i, known, &unchecked, err);
            continue;
        }
        buf_init(&element);
        rc = rewrite_element(&element, &src, orig, c->ordinals[i], copy, extent,
                             &c->map.tags[c->parent_ordinals[i]]);
        if (rc != 0 || element.failed) {
            rc = rc == -1 || element.failed ? error_nomem(err)
                                            : error_set(err, DOMCOMPAT_EINTERNAL, 0, 0,
                                                        "cannot rewrite PCI controller %zu", i + 1);
            buf_free(&element);
            break;
        }
        buf_append(&out, c->data + copied, tag->start - copied);
        buf_append(&out, element.data, element.len);
        copied = tag->close_end;

        change = result_add_change(c->result);
        if (change == NULL) {
            buf_free(&element);
            rc = error_nomem(err);
            break;
        }
        source_cursor_position(&cursor, c->data, tag->start, &change->line, &change->column);
        kind = controllers_attr(copy, "subType");
        change->index =
            result_keep(c->result, controllers_attr(orig, "index"), (size_t)-1, &failed);
        change->kind = result_keep(c->result, kind ? kind : controllers_attr(copy, "model"),
                                   (size_t)-1, &failed);
        change->rule =
            result_keep(c->result, c->rules[i] ? c->rules[i] : "peer-support", (size_t)-1, &failed);
        change->before =
            result_keep(c->result, c->data + tag->start, tag->close_end - tag->start, &failed);
        change->after = result_keep(c->result, element.data, element.len, &failed);
        buf_free(&element);
        rc = failed ? error_nomem(err) : release_copy(c, i, known, &unchecked, err);
    }
    if (rc == DOMCOMPAT_OK)
        rc = check_unchecked(c, &unchecked, err);
    if (rc != DOMCOMPAT_OK) {
        buf_free(&out);
        return rc;
    }
    buf_append(&out, c->data + copied, c->len - copied);
    c->result->changed = c->result->change_count > 0;
    c->result->output = buf_steal(&out, &c->result->output_len);
    return c->result->output ? DOMCOMPAT_OK : error_nomem(err);
}

/*
 * Every output is one a later call with the same limits reads back.  What
 * a conversion writes is not counted against the size limit (bounds.c), so
 * this never fails for a document of ordinary layout; it is the guarantee
 * for the others (limits of a few bytes or elements, or whitespace copied
 * from an indentation of hundreds of bytes into new lines).
 */
static int check_read_back(struct conversion *c, domcompat_error *err)
{
    domcompat_error inner;

    if (bounds_check(&c->ctx->limits, c->result->output, c->result->output_len, NULL, &inner) ==
        DOMCOMPAT_OK)
        return DOMCOMPAT_OK;
    return error_set(err, DOMCOMPAT_EINVALID, 0, 0,
                     "the converted document would be refused when read back under the same "
                     "limits (at its line %lu: %s)",
                     inner.line, inner.message);
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

/* Whether the document is already what the target wants, with nothing to read or check. */
static bool nothing_to_do(const domcompat_options *opts, domcompat_form form)
{
    if (form == DOMCOMPAT_FORM_ANY)
        return true;
    /* What the target's QEMU has is checked by the writing pass, in any form. */
    if (opts->target_caps.implementations[0] != '\0')
        return false;
    if (opts->target == DOMCOMPAT_FORM_EXPLICIT)
        return form == DOMCOMPAT_FORM_EXPLICIT;
    return opts->target == DOMCOMPAT_FORM_LEGACY && form == DOMCOMPAT_FORM_LEGACY &&
           opts->from_version == 0;
}

/*
 * Rules from memory.  Why a remembered answer is the answer: the rules
 * (xslt/upgrade.xsl and xslt/downgrade.xsl with all they include:
 * common.xsl, the generated pci-kinds.xsl, rules/ and checks/) select
 * /domain/devices/controller[@type='pci'] and answer for each with
 * templates that read only:
 *   - the controller: its attributes, its children (name(), prefix
 *     included) and their attributes, <target>'s children's names;
 *   - their stylesheet parameters;
 *   - $dc:guest-pseries, from the attributes of /domain/os/type;
 *   - constant tables (pci-kinds.xsl).
 * No template uses an axis that leaves the controller (no preceding or
 * following axis, no //, ancestor, key(), document(), count() or last()),
 * and position() is only written into dc:controller/@position, which the
 * engine does not read.  So the key (the direction, every parameter,
 * every /domain/os/type element whole, then the controller as
 * memo_key_element() records it) decides the answer, in any document and
 * beside any other controllers.
 *
 * The index is the one abstraction.  No stylesheet names @index: the only
 * expressions that read all of a controller's attributes are the
 * xsl:copy-of select="@*[...]" of the converted controller, whose
 * predicates test name() only, so the index is copied as it is and nothing
 * else depends on it.  A controller with a plain index (memo_plain_index())
 * takes the answer of one that differs only there and keeps its own index
 * (rule_outcome.index_from_input); a fresh answer that does not copy the
 * index is an internal error, never remembered.  A loss that depends on
 * the index (a peer's default that is the controller's index) comes as
 * "unless the index is N" and handle_losses() decides it.
 */
struct rules_plan {
    const struct conversion *c;
    const struct rule_answer **known; /* per controller: remembered, or NULL */
    size_t *fresh;                    /* otherwise: its answer in the fresh run */
    bool *first;                      /* the first controller with its key: in the fresh run */
    bool *plain_index;                /* its key leaves the index out */
    size_t cursor;                    /* skeleton_hide()'s walk over the copies */
};

/* keep: every child but the PCI controllers answered from memory or by an equal one. */
static bool needs_rules(xmlNode *child, void *arg)
{
    struct rules_plan *plan = arg;
    const struct pci_controllers *copies = &plan->c->skeleton.controllers;
    size_t i = plan->cursor;

    if (i >= copies->count || child != copies->nodes[i])
        return true;
    plan->cursor++;
    return plan->known[i] == NULL && plan->first[i];
}

/* What the rules' answers depend on besides the controller: see above. */
static void rules_key_prefix(struct buf *key, const struct conversion *c,
                             enum rules_direction direction, const struct rule_param *params,
                             size_t param_count)
{
    xmlNode *root = xmlDocGetRootElement(c->skeleton.doc), *os, *type;
    size_t i;

    buf_append_str(key, direction == RULES_UPGRADE ? "Ru" : "Rd");
    for (i = 0; i < param_count; i++) {
        memo_key_string(key, params[i].name, strlen(params[i].name));
        memo_key_string(key, params[i].value, strlen(params[i].value));
    }
    memo_key_string(key, (const char *)root->name, strlen((const char *)root->name));
    buf_append_char(key, root->ns ? 'n' : '-');
    for (os = root->children; os != NULL; os = os->next)
        if (is_named(os, "os"))
            for (type = os->children; type != NULL; type = type->next)
                if (is_named(type, "type"))
                    memo_key_element(key, type, 0);
    buf_append_char(key, '|');
}

/* Whether a fresh answer copied the index as the argument above says it must. */
static bool index_copied(const struct rule_outcome *o, const xmlNode *copy)
{
    if (o->decision != RULE_CONVERTED)
        return true;
    return xmlStrEqual(BAD_CAST controllers_attr(o->converted, "index"),
                       BAD_CAST controllers_attr(copy, "index"));
}

/* One pass of rules, from memory where it can be: see above. */
static int run_rules(struct conversion *c, enum rules_direction direction,
                     const struct rule_param *params, size_t param_count, struct rule_run *out,
                     domcompat_error *err)
{
    struct memo *memo = c->ctx->memo, *seen = NULL;
    size_t n = c->controllers.count, i, fresh_count = 0;
    struct rules_plan plan = {c, NULL, NULL, NULL, NULL, 0};
    struct rule_run fresh;
    struct skeleton_hidden hidden;
    struct buf prefix, key, fresh_key;
    struct memo_keys fresh_keys; /* the key of each answer in the fresh run, in order */
    xsltStylesheetPtr rules;
    int rc;

    memset(out, 0, sizeof(*out));
    memset(&fresh, 0, sizeof(fresh));
    if ((rc = context_rules(c->ctx, direction, &rules, err)) != DOMCOMPAT_OK)
        return rc;
    if (!memo_enabled(memo)) {
        /* Every controller is transformed: every copy must be filled in. */
        if (skeleton_copy_all(&c->skeleton) != 0)
            return error_nomem(err);
        return rules_run(out, rules, c->ctx->security, c->skeleton.doc, params, param_count, n,
                         err);
    }
    buf_init(&prefix);
    buf_init(&key);
    memo_keys_init(&fresh_keys);
    plan.known = calloc(n ? n : 1, sizeof(*plan.known));
    plan.fresh = calloc(n ? n : 1, sizeof(*plan.fresh));
    plan.first = calloc(n ? n : 1, sizeof(*plan.first));
    plan.plain_index = calloc(n ? n : 1, sizeof(*plan.plain_index));
    out->outcomes = calloc(n ? n : 1, sizeof(*out->outcomes));
    if (plan.known == NULL || plan.fresh == NULL || plan.first == NULL ||
        plan.plain_index == NULL || out->outcomes == NULL || memo_new(&seen) != 0) {
        rc = error_nomem(err);
        goto out;
    }
    rules_key_prefix(&prefix, c, direction, params, param_count);
    for (i = 0; i < n; i++) {
        const xmlNode *copy = skeleton_controller_view(&c->skeleton, i);
        const void *earlier;

        skeleton_controller_key(&c->skeleton, i, &prefix, &key);
        if (key.failed) {
            rc = error_nomem(err);
            goto out;
        }
        plan.plain_index[i] = memo_plain_index(controllers_attr(copy, "index"));
        if ((plan.known[i] = memo_lookup(memo, &key)) != NULL)
            continue;
        if ((earlier = memo_lookup(seen, &key)) != NULL) {
            plan.fresh[i] = *(const size_t *)earlier;
            continue;
        }
        plan.first[i] = true;
        plan.fresh[i] = fresh_count++;
        memo_keys_add(&fresh_keys, &key);
        /* The rules read this one's copy. */
        if (skeleton_copy_controller(&c->skeleton, i) != 0) {
            rc = error_nomem(err);
            goto out;
        }
        /* Later controllers with this key find their answer's place through it. */
        memo_insert(seen, &key, &plan.fresh[i], 0, NULL);
    }
    if (fresh_count > 0) {
        if (skeleton_hide(&hidden, &c->skeleton, needs_rules, &plan) != 0) {
            rc = error_nomem(err);
            goto out;
        }
        rc = rules_run(&fresh, rules, c->ctx->security, c->skeleton.doc, params, param_count,
                       fresh_count, err);
        skeleton_show_all(&hidden);
        if (rc != DOMCOMPAT_OK)
            goto out;
    }
    /* Every controller's outcome; the strings stay in the fresh output or in the memo. */
    out->output = fresh.output;
    fresh.output = NULL; /* now owned by out */
    out->count = n;
    for (i = 0; i < n && rc == DOMCOMPAT_OK; i++) {
        const struct rule_outcome *from =
            plan.known[i] ? &plan.known[i]->outcome : &fresh.outcomes[plan.fresh[i]];
        struct rule_outcome *to = &out->outcomes[i];

        *to = *from;
        to->index_from_input = plan.plain_index[i];
        to->remembered = plan.known[i];
        to->losses = NULL;
        if (from->loss_count > 0) {
            if ((to->losses = malloc(from->loss_count * sizeof(*to->losses))) == NULL) {
                rc = error_nomem(err);
                break;
            }
            memcpy(to->losses, from->losses, from->loss_count * sizeof(*to->losses));
        }
        if (plan.first[i] && plan.plain_index[i] &&
            !index_copied(from, c->skeleton.controllers.nodes[i]))
            rc = error_set(err, DOMCOMPAT_EINTERNAL, 0, 0,
                           "rule %s changed the index of a PCI controller", from->rule);
    }
    /* Remember the fresh answers, once each, and which of the memory's each controller has. */
    for (i = 0; i < n && rc == DOMCOMPAT_OK; i++) {
        struct rule_answer *answer;

        if (plan.first[i] && memo_keys_get(&fresh_keys, plan.fresh[i], &fresh_key) &&
            rules_answer_copy(&answer, fresh.outcomes[plan.fresh[i]].answer) == 0)
            memo_insert(memo, &fresh_key, answer, 1024, rules_answer_free);
    }
    for (i = 0; i < n && rc == DOMCOMPAT_OK; i++)
        if (plan.known[i] == NULL && memo_keys_get(&fresh_keys, plan.fresh[i], &fresh_key))
            out->outcomes[i].remembered = memo_lookup(memo, &fresh_key);
out:
    if (rc != DOMCOMPAT_OK)
        rules_run_free(out);
    rules_run_free(&fresh);
    memo_free(seen);
    free(plan.known);
    free(plan.fresh);
    free(plan.first);
    free(plan.plain_index);
    buf_free(&prefix);
    buf_free(&key);
    memo_keys_free(&fresh_keys);
    return rc;
}

static int run_read_pass(struct conversion *c, domcompat_error *err)
{
    char from_version[24];
    struct rule_param params[4];
    int rc;

    snprintf(from_version, sizeof(from_version), "%lu", c->opts->from_version);
    params[0] = (struct rule_param){"assume", c->opts->assume_param};
    params[1] = (struct rule_param){"from-version", from_version};
    params[2] = (struct rule_param){"from", c->opts->from};
    params[3] = (struct rule_param){"source-caps", c->opts->source_caps.implementations};
    rc = run_rules(c, RULES_UPGRADE, params, 4, &c->read, err);
    /* The controllers' keys were read for the last time: answers change copies from here on. */
    skeleton_forget_keys(&c->skeleton);
    if (rc != DOMCOMPAT_OK || (rc = record_refusals(c, &c->read, err)) != DOMCOMPAT_OK)
        return rc;
    return apply_run(c, &c->read, err);
}

static int run_write_pass(struct conversion *c, domcompat_error *err)
{
    char peer_version[24];
    struct rule_param params[7];
    int rc;

    snprintf(peer_version, sizeof(peer_version), "%lu", c->opts->peer_version);
    params[0] = (struct rule_param){"assume", c->opts->assume_param};
    params[1] =
        (struct rule_param){"target", c->opts->target == DOMCOMPAT_FORM_LIBVIRT    ? "libvirt"
                                      : c->opts->target == DOMCOMPAT_FORM_EXPLICIT ? "explicit"
                                                                                   : "legacy"};
    params[2] = (struct rule_param){"peer-version", peer_version};
    params[3] = (struct rule_param){"peer", c->opts->peer};
    params[4] = (struct rule_param){"replace", c->opts->replace_param};
    params[5] = (struct rule_param){"target-caps", c->opts->target_caps.implementations};
    params[6] = (struct rule_param){"target-qemu", c->opts->target_caps.described};
    if ((rc = run_rules(c, RULES_DOWNGRADE, params, 7, &c->write, err)) != DOMCOMPAT_OK ||
        (rc = record_refusals(c, &c->write, err)) != DOMCOMPAT_OK ||
        (rc = handle_losses(c, err)) != DOMCOMPAT_OK ||
        (rc = record_replacements(c, &c->write, err)) != DOMCOMPAT_OK)
        return rc;
    return apply_run(c, &c->write, err);
}

static int convert(struct conversion *c, domcompat_error *err)
{
    domcompat_form output_form = options_output_form(c->opts);
    int rc;

    if ((rc = parse_and_validate(c, DOMCOMPAT_FORM_MIXED, err)) != DOMCOMPAT_OK)
        return rc;
    /* Capabilities of a QEMU that cannot run this guest say nothing about it. */
    if ((rc = caps_check_guest(&c->opts->source_caps, "source", c->doc, c->data, c->len, err)) !=
            DOMCOMPAT_OK ||
        (rc = caps_check_guest(&c->opts->target_caps, "target", c->doc, c->data, c->len, err)) !=
            DOMCOMPAT_OK)
        return rc;
    c->result = result_new(controllers_form(&c->controllers));
    if (c->result == NULL)
        return error_nomem(err);
    if (nothing_to_do(c->opts, c->result->input_form))
        return keep_input_as_output(c, err);

    if ((rc = map_controllers(c, err)) != DOMCOMPAT_OK ||
        (rc = run_read_pass(c, err)) != DOMCOMPAT_OK ||
        (options_write_pass(c->opts) && (rc = run_write_pass(c, err)) != DOMCOMPAT_OK))
        return rc;
    if (c->result->refusal_count > 0)
        return refuse(c, err);

    /* Lazily, the PCI controllers are validated as they are written (check_unchecked()). */
    if ((rc = validate_tree(c, output_form, c->lazy, err)) != DOMCOMPAT_OK)
        return rules_made_invalid(output_form, rc, err);
    if ((rc = write_output(c, err)) != DOMCOMPAT_OK || !c->result->changed)
        return rc;
    return check_read_back(c, err);
}

static void conversion_free(struct conversion *c)
{
    rules_run_free(&c->read);
    rules_run_free(&c->write);
    source_map_free(&c->map);
    free(c->ordinals);
    free(c->parent_ordinals);
    free(c->rules);
    skeleton_free(&c->skeleton);
    controllers_free(&c->controllers);
    xmlFreeDoc(c->doc);
}

/*
 * Around each call the library installs its own libxml2 error handler, so
 * that failures libxml2 reports to whatever handler the thread has (out of
 * memory while copying a node, say) reach nobody's stderr, and runs
 * libxml2 on the memory reserve (reserve.h), because its validator and
 * libxslt crash on some failed allocations.  Either way, a call in which
 * memory ran out fails as out of memory: libxml2 2.9 may have returned an
 * incomplete copy, and whatever the reserve served is not to be trusted.
 */
struct call_scope {
    struct libxml_handler handler; /* the caller's, given back at the end */
    struct reserve_scope reserve;
    bool out_of_memory; /* libxml2 said so */
};

static void on_stray_error(void *scope, libxml_error error)
{
    if (error->code == XML_ERR_NO_MEMORY)
        ((struct call_scope *)scope)->out_of_memory = true;
}

static void call_begin(struct call_scope *scope)
{
    scope->out_of_memory = false;
    libxml_handler_install(&scope->handler, scope, on_stray_error);
    reserve_begin(&scope->reserve);
}

/*
 * Restores the caller's handler and drops libxml2's copy of the last
 * error; returns whether memory ran out during the call.
 */
static bool call_end(struct call_scope *scope)
{
    libxml_handler_restore(&scope->handler);
    xmlResetLastError();
    return reserve_end(&scope->reserve) || scope->out_of_memory;
}

int domcompat_convert(domcompat_result **out, const domcompat_context *ctx,
                      const domcompat_options *opts, const char *data, size_t len,
                      domcompat_error *err)
{
    struct call_scope scope;
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
    c.lazy = memo_enabled(ctx->memo) && !options_write_pass(opts);
    call_begin(&scope);
    rc = convert(&c, err);
    conversion_free(&c);
    if (call_end(&scope))
        rc = error_nomem(err);
    if (rc == DOMCOMPAT_OK || rc == DOMCOMPAT_EREFUSED) {
        *out = c.result;
        c.result = NULL; /* now owned by the caller */
    }
    domcompat_result_free(c.result);
    return rc;
}

int domcompat_validate(domcompat_form *detected_out, const domcompat_context *ctx,
                       domcompat_form form, const char *data, size_t len, domcompat_error *err)
{
    struct call_scope scope;
    struct conversion c;
    int rc;

    if (ctx == NULL || (data == NULL && len > 0) || form == DOMCOMPAT_FORM_ANY)
        return error_set(err, DOMCOMPAT_EUSAGE, 0, 0, "domcompat_validate: bad argument");
    memset(&c, 0, sizeof(c));
    c.ctx = ctx;
    c.data = data ? data : "";
    c.len = len;
    c.lazy = memo_enabled(ctx->memo);
    call_begin(&scope);
    rc = parse_and_validate(&c, form, err);
    if (detected_out != NULL)
        *detected_out =
            form != DOMCOMPAT_FORM_AUTO || c.doc == NULL ? form : controllers_form(&c.controllers);
    conversion_free(&c);
    if (call_end(&scope))
        rc = error_nomem(err);
    return rc;
}
