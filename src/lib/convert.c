/*
 * One document through the whole pipeline:
 *
 *   read: bounds, parse (hardened), find the controllers
 *   -> an answer for every child of <devices> (question.h): valid in its
 *      form; read into the explicit form (upgrade.xsl); for any other
 *      target, written for it (downgrade.xsl); valid in the target's form.
 *      From the context's memory, or asked of a question document holding
 *      the distinct children not known yet;
 *   -> refusals and losses, from the answers;
 *   -> rewrite, in the input's own bytes, each controller its answer
 *      changes (rewrite.h).
 *
 * What is written is what was validated: each answer's edit was read off
 * the very copy the output grammar accepted, without parsing the output a
 * second time.  An invalid document is validated again whole, so its
 * message is that of one validation of everything.
 */
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "bounds.h"
#include "buf.h"
#include "caps.h"
#include "context.h"
#include "controllers.h"
#include "error.h"
#include "libxml_compat.h"
#include "memo.h"
#include "options.h"
#include "parse.h"
#include "question.h"
#include "reserve.h"
#include "result.h"
#include "rewrite.h"
#include "schema.h"
#include "skeleton.h"
#include "sourcemap.h"
#include "tree.h"

struct conversion {
    const domcompat_context *ctx;
    const domcompat_options *opts; /* NULL: a validation only (domcompat_validate()) */
    const char *data;
    size_t len;
    xmlDocPtr doc;
    struct pci_controllers controllers;   /* the PCI controllers */
    struct pci_controllers children;      /* every child of <devices> a grammar judges */
    struct source_map map;                /* made while the bounds are checked, for conversions */
    int map_status;                       /* source_map_finish()'s */
    size_t *ordinals;                     /* per PCI controller, into map.tags */
    size_t *parent_ordinals;              /* per PCI controller, its <devices> */
    struct question question;             /* owns the answers the memory does not keep */
    bool asking;                          /* `question` is set up */
    const struct answer **answers;        /* per child */
    const struct answer **pci_answers;    /* per PCI controller */
    struct schema_failure output_failure; /* what the output grammar refused first */
    char from_version[24], peer_version[24]; /* the rules' numeric parameters */
    domcompat_result *result;
};

/* "not valid in the FORM form: why", at the (original) element libxml2 names. */
static int not_valid(const struct conversion *c, domcompat_form form,
                     const struct schema_failure *failure, domcompat_error *err)
{
    unsigned long line, column;

    if (failure->node != NULL && failure->node->type == XML_ELEMENT_NODE) {
        parse_element_position(c->data, c->len, failure->node, &line, &column);
    } else {
        line = failure->line > 0 ? (unsigned long)failure->line : 0;
        column = 0;
    }
    return error_set(err, DOMCOMPAT_EINVALID, line, column, "not valid in the %s form: %s",
                     domcompat_form_name(form), failure->message);
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

/* Bounds, then the tree and its controllers. */
static int read_document(struct conversion *c, domcompat_error *err)
{
    struct source_map_builder tags;
    int rc;

    /* A conversion writes, from the input's bytes: they are mapped as they are checked. */
    source_map_begin(&tags, &c->map);
    rc = bounds_check(&c->ctx->limits, c->data, c->len, c->opts != NULL ? &tags : NULL, err);
    c->map_status = source_map_finish(&tags);
    if (rc == DOMCOMPAT_OK)
        rc = parse_document(&c->doc, c->data, c->len, err);
    if (rc != DOMCOMPAT_OK)
        return rc;
    if (controllers_collect(&c->controllers, &c->children, c->doc) != 0)
        return error_nomem(err);
    return DOMCOMPAT_OK;
}

/*
 * The document, found invalid in `form`, validated whole: the clearest
 * message we can give, the same however its parts were asked.
 */
static int explain_invalid(struct conversion *c, domcompat_form form, domcompat_error *err)
{
    struct skeleton whole;
    struct schema_failure failure;
    xmlRelaxNGPtr schema;
    int rc;

    if ((rc = context_schema(c->ctx, form, &schema, err)) != DOMCOMPAT_OK)
        return rc;
    if (skeleton_build(&whole, c->doc, NULL, c->children.nodes, c->children.count) != 0)
        return error_nomem(err);
    rc = skeleton_validate(&whole, schema, false, &failure);
    failure.node = skeleton_original(failure.node);
    skeleton_free(&whole);
    if (rc < 0)
        return error_nomem(err);
    if (rc == 0)
        return error_set(err, DOMCOMPAT_EINTERNAL, 0, 0,
                         "the document is valid whole but not in parts");
    if (controllers_diagnose(c->doc, &c->controllers, form, c->data, c->len, err))
        return DOMCOMPAT_EINVALID;
    return not_valid(c, form, &failure, err);
}

/* The passes of rules a conversion runs, with every parameter each is given. */
static void set_passes(struct conversion *c, struct question *q)
{
    const domcompat_options *opts = c->opts;
    struct question_pass *read = &q->passes[0], *write = &q->passes[1];

    snprintf(c->from_version, sizeof(c->from_version), "%lu", opts->from_version);
    snprintf(c->peer_version, sizeof(c->peer_version), "%lu", opts->peer_version);
    read->direction = RULES_UPGRADE;
    read->params[0] = (struct rule_param){"assume", opts->assume_param};
    read->params[1] = (struct rule_param){"from-version", c->from_version};
    read->params[2] = (struct rule_param){"from", opts->from};
    read->params[3] = (struct rule_param){"source-caps", opts->source_caps.implementations};
    read->param_count = 4;
    q->pass_count = 1;
    if (!options_write_pass(opts))
        return;
    write->direction = RULES_DOWNGRADE;
    write->params[0] = (struct rule_param){"assume", opts->assume_param};
    write->params[1] =
        (struct rule_param){"target", opts->target == DOMCOMPAT_FORM_LIBVIRT    ? "libvirt"
                                      : opts->target == DOMCOMPAT_FORM_EXPLICIT ? "explicit"
                                                                                : "legacy"};
    write->params[2] = (struct rule_param){"peer-version", c->peer_version};
    write->params[3] = (struct rule_param){"peer", opts->peer};
    write->params[4] = (struct rule_param){"replace", opts->replace_param};
    write->params[5] = (struct rule_param){"target-caps", opts->target_caps.implementations};
    write->params[6] = (struct rule_param){"target-qemu", opts->target_caps.described};
    write->param_count = 7;
    q->pass_count = 2;
}

/* Sets up the question of the document's children in grammar `form`, and of a conversion. */
static int ask_in(struct conversion *c, domcompat_form form, bool convert, domcompat_error *err)
{
    struct question *q = &c->question;
    int rc;

    if (c->asking)
        question_free(q);
    c->asking = false;
    memset(q, 0, sizeof(*q));
    q->ctx = c->ctx;
    q->doc = c->doc;
    if ((rc = context_schema(c->ctx, form, &q->input, err)) != DOMCOMPAT_OK)
        return rc;
    if (convert) {
        if ((rc = context_schema(c->ctx, options_output_form(c->opts), &q->output, err)) !=
            DOMCOMPAT_OK)
            return rc;
        q->allow_loss = c->opts->allow_loss;
        set_passes(c, q);
    }
    if (question_init(q) != 0) {
        question_free(q);
        return error_nomem(err);
    }
    c->asking = true;
    return question_answer(q, c->children.nodes, c->children.count, c->answers, &c->output_failure,
                           err);
}

/*
 * Answers for every child, the input valid in `form`.  Mixed input is
 * checked in its own form first: a narrower grammar than the mixed one,
 * quicker to compile and to check, that accepts nothing the mixed grammar
 * refuses (tests/run-fixtures.sh holds every fixture to that); the mixed
 * grammar gives the verdict if not.  No PCI controller at all: every form
 * agrees, and the legacy grammar is the smallest.
 */
static int answer_all(struct conversion *c, domcompat_form form, bool convert, domcompat_error *err)
{
    domcompat_form own = controllers_form(&c->controllers);
    size_t i, k = 0;
    int rc;

    c->answers = calloc(c->children.count ? c->children.count : 1, sizeof(*c->answers));
    c->pci_answers =
        calloc(c->controllers.count ? c->controllers.count : 1, sizeof(*c->pci_answers));
    if (c->answers == NULL || c->pci_answers == NULL)
        return error_nomem(err);
    rc = DOMCOMPAT_EINVALID;
    if (form == DOMCOMPAT_FORM_MIXED && own != DOMCOMPAT_FORM_MIXED)
        rc = ask_in(c, own == DOMCOMPAT_FORM_ANY ? DOMCOMPAT_FORM_LEGACY : own, convert, err);
    if (rc == DOMCOMPAT_EINVALID)
        rc = ask_in(c, form, convert, err);
    if (rc == DOMCOMPAT_EINVALID)
        return explain_invalid(c, form, err);
    for (i = 0; i < c->children.count && rc == DOMCOMPAT_OK; i++)
        if (k < c->controllers.count && c->children.nodes[i] == c->controllers.nodes[k])
            c->pci_answers[k++] = c->answers[i];
    return rc;
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
    if (c->ordinals == NULL || c->parent_ordinals == NULL)
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
    refusal->index =
        result_keep(c->result, tree_attr(c->controllers.nodes[i], "index"), (size_t)-1, failed);
    refusal->kind = result_keep(c->result, kind, (size_t)-1, failed);
    refusal->implementation = result_keep(c->result, implementation, (size_t)-1, failed);
    refusal->rule = result_keep(c->result, rule, (size_t)-1, failed);
    refusal->target = result_keep(c->result, c->opts->target_text, (size_t)-1, failed);
    return refusal;
}

/* What a hint proposes, from the settings it marks (domcompat_refusal.fix). */
static void set_fix(struct conversion *c, domcompat_refusal *refusal, const char *hint,
                    bool *failed)
{
    static const struct {
        const char *mark;
        domcompat_fix fix;
    } marks[] = {{"{assume ", DOMCOMPAT_FIX_ASSUME},
                 {"{no-assume ", DOMCOMPAT_FIX_DROP_ASSUMPTION},
                 {"{allow-loss}", DOMCOMPAT_FIX_ALLOW_LOSS}};
    const char *at, *end;
    size_t k, values = 0;

    for (at = hint ? strchr(hint, '{') : NULL; at != NULL; at = strchr(at + 1, '{')) {
        for (k = 0; k < sizeof(marks) / sizeof(marks[0]); k++)
            if (strncmp(at, marks[k].mark, strlen(marks[k].mark)) == 0)
                break;
        if (k == sizeof(marks) / sizeof(marks[0]) ||
            (refusal->fix != DOMCOMPAT_FIX_NONE && refusal->fix != marks[k].fix))
            continue;
        refusal->fix = marks[k].fix;
        end = strchr(at, '}');
        if (marks[k].fix != DOMCOMPAT_FIX_ALLOW_LOSS && end != NULL && values < 2)
            refusal->fix_values[values++] =
                result_keep(c->result, at + strlen(marks[k].mark),
                            (size_t)(end - at - strlen(marks[k].mark)), failed);
    }
}

/*
 * A refusal's reason and hint as written, their settings marked; in the
 * library's own words; and what the hint proposes.
 */
static void set_texts(struct conversion *c, domcompat_refusal *refusal, const char *reason,
                      const char *hint, bool *failed)
{
    char worded[sizeof(((domcompat_error *)NULL)->message)];

    refusal->reason_template = result_keep(c->result, reason, (size_t)-1, failed);
    domcompat_word(reason, NULL, worded, sizeof(worded));
    refusal->reason = result_keep(c->result, worded, (size_t)-1, failed);
    if (hint != NULL) {
        refusal->hint_template = result_keep(c->result, hint, (size_t)-1, failed);
        domcompat_word(hint, NULL, worded, sizeof(worded));
        refusal->hint = result_keep(c->result, worded, (size_t)-1, failed);
    }
    set_fix(c, refusal, hint, failed);
}

/* A pass's refusal of controller `i`. */
static void record_refusal(struct conversion *c, size_t i, const struct answer_refusal *r,
                           bool *failed)
{
    domcompat_refusal *refusal =
        add_refusal(c, i, c->ordinals[i], r->kind, r->implementation, r->rule, failed);

    if (refusal == NULL)
        return;
    set_texts(c, refusal, r->reason, r->hint, failed);
    refusal->since = result_keep(c->result, r->since, (size_t)-1, failed);
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

/* Controller `i`'s losses: refused unless allowed; allowed ones are reported (and made). */
static void record_losses(struct conversion *c, size_t i, const struct answer *a, bool *failed)
{
    xmlNode *orig = c->controllers.nodes[i];
    size_t j;

    for (j = 0; j < a->loss_count && !*failed; j++) {
        const struct rule_loss *loss = &a->losses[j];
        xmlNode *element = tree_path(orig, loss->element);
        size_t ordinal = c->ordinals[i];
        char what[256], text[1024];

        /* The peer's own value, the controller's index (the rules never read it). */
        if (loss->unless_index != NULL &&
            question_same_index(tree_attr(orig, "index"), loss->unless_index))
            continue;
        if (element != NULL && parse_element_ordinal(element, &ordinal) != 0)
            ordinal = c->ordinals[i];
        describe_loss(what, sizeof(what), loss);
        if (!a->losses_refused) {
            domcompat_loss *record = result_add_loss(c->result);

            if (record == NULL) {
                *failed = true;
                return;
            }
            position_of(c, ordinal, &record->line, &record->column);
            record->index = result_keep(c->result, tree_attr(orig, "index"), (size_t)-1, failed);
            record->kind = result_keep(c->result, loss->kind, (size_t)-1, failed);
            record->what = result_keep(c->result, what, (size_t)-1, failed);
            record->since = result_keep(c->result, loss->since, (size_t)-1, failed);
            if (loss->why != NULL)
                record->why = result_keep(c->result, loss->why, (size_t)-1, failed);
        } else {
            domcompat_refusal *refusal = add_refusal(
                c, i, ordinal, loss->kind, a->loss_implementation, "peer-support", failed);

            if (refusal == NULL)
                return;
            char hint[256];

            if (loss->reason != NULL)
                snprintf(text, sizeof(text), "%s", loss->reason);
            else
                snprintf(text, sizeof(text),
                         "libvirt %s does not parse %s (first in libvirt %s) and would ignore it",
                         c->opts->peer, what, loss->since);
            snprintf(hint, sizeof(hint),
                     "drop it with {allow-loss}, or convert for libvirt %s or later", loss->since);
            set_texts(c, refusal, text, hint, failed);
            refusal->since = result_keep(c->result, loss->since, (size_t)-1, failed);
            refusal->loss = 1;
        }
    }
}

/* Controller `i` given another implementation by its answer, as the user allowed. */
static void record_replacement(struct conversion *c, size_t i, const struct answer *a, bool *failed)
{
    domcompat_replacement *r;

    if (a->replaced_from == NULL)
        return;
    if ((r = result_add_replacement(c->result)) == NULL) {
        *failed = true;
        return;
    }
    position_of(c, c->ordinals[i], &r->line, &r->column);
    r->index =
        result_keep(c->result, tree_attr(c->controllers.nodes[i], "index"), (size_t)-1, failed);
    r->kind = result_keep(c->result, a->replaced_kind, (size_t)-1, failed);
    r->from = result_keep(c->result, a->replaced_from, (size_t)-1, failed);
    r->to = result_keep(c->result, a->replaced_to, (size_t)-1, failed);
    r->from_pci_id = result_keep(c->result, a->replaced_from_id, (size_t)-1, failed);
    r->to_pci_id = result_keep(c->result, a->replaced_to_id, (size_t)-1, failed);
}

/* Every refusal and loss, as the passes made them: reading, writing, then losses. */
static int record_answers(struct conversion *c, domcompat_error *err)
{
    bool failed = false;
    size_t i;

    for (i = 0; i < c->controllers.count && !failed; i++)
        if (c->pci_answers[i]->read_refused != NULL)
            record_refusal(c, i, c->pci_answers[i]->read_refused, &failed);
    for (i = 0; i < c->controllers.count && !failed; i++)
        if (c->pci_answers[i]->write_refused != NULL)
            record_refusal(c, i, c->pci_answers[i]->write_refused, &failed);
    for (i = 0; i < c->controllers.count && !failed; i++)
        record_losses(c, i, c->pci_answers[i], &failed);
    /* Nothing is written when anything is refused, so nothing is replaced. */
    for (i = 0; i < c->controllers.count && !failed && c->result->refusal_count == 0; i++)
        record_replacement(c, i, c->pci_answers[i], &failed);
    return failed ? error_nomem(err) : DOMCOMPAT_OK;
}

static int by_position(const void *a, const void *b)
{
    const domcompat_refusal *x = a, *y = b;

    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->column < y->column ? -1 : x->column > y->column;
}
static int refuse(struct conversion *c, domcompat_error *err)
{
    char description[sizeof(err->message)];
    const domcompat_refusal *first;

    qsort(c->result->refusals, c->result->refusal_count, sizeof(*c->result->refusals), by_position);
    first = &c->result->refusals[0];
    domcompat_refusal_describe(first, description, sizeof(description));
    error_set(err, DOMCOMPAT_EREFUSED, first->line, first->column, "%s%s%s", description,
              first->hint ? "; to convert it: " : "", first->hint ? first->hint : "");
    if (err != NULL)
        err->fix = first->fix;
    return DOMCOMPAT_EREFUSED;
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

/* Whether every child, as written, is valid in the output grammar. */
static bool output_valid(const struct conversion *c)
{
    size_t i;

    for (i = 0; i < c->children.count; i++)
        if (!c->answers[i]->output_valid)
            return false;
    return true;
}

/* The input with every controller its answer changes rewritten. */
static int write_output(struct conversion *c, domcompat_error *err)
{
    struct rewrite_source src = {c->data, c->len, &c->map};
    struct source_cursor cursor;
    struct buf out, element;
    bool failed = false;
    size_t i, copied = 0;
    int rc = DOMCOMPAT_OK;

    buf_init(&out);
    /* Room for the input and what rewriting adds, about a tenth for an upgrade. */
    buf_reserve(&out, c->len + c->len / 4);
    source_cursor_init(&cursor);
    for (i = 0; i < c->controllers.count && rc == DOMCOMPAT_OK; i++) {
        const struct answer *a = c->pci_answers[i];
        xmlNode *orig = c->controllers.nodes[i];
        const struct source_tag *tag = &c->map.tags[c->ordinals[i]];
        domcompat_change *change;

        if (!a->edit.needed)
            continue;
        buf_init(&element);
        rc = rewrite_element(&element, &src, orig, c->ordinals[i], &a->edit,
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
        change->index = result_keep(c->result, tree_attr(orig, "index"), (size_t)-1, &failed);
        change->kind = result_keep(c->result, a->kind, (size_t)-1, &failed);
        change->rule =
            result_keep(c->result, a->rule ? a->rule : "peer-support", (size_t)-1, &failed);
        change->before =
            result_keep(c->result, c->data + tag->start, tag->close_end - tag->start, &failed);
        change->after = result_keep(c->result, element.data, element.len, &failed);
        buf_free(&element);
        if (failed)
            rc = error_nomem(err);
    }
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
    int rc;

    memset(&inner, 0, sizeof(inner));
    if (bounds_check(&c->ctx->limits, c->result->output, c->result->output_len, NULL, &inner) ==
        DOMCOMPAT_OK)
        return DOMCOMPAT_OK;
    rc = error_set(err, DOMCOMPAT_EINVALID, 0, 0,
                   "the converted document would be refused when read back under the same "
                   "limits, at its line %lu: %s",
                   inner.line, inner.message);
    if (err != NULL)
        err->fix = inner.fix; /* the limit to raise */
    return rc;
}

static int convert(struct conversion *c, domcompat_error *err)
{
    domcompat_form output_form = options_output_form(c->opts);
    bool rewrite;
    int rc;

    if ((rc = read_document(c, err)) != DOMCOMPAT_OK)
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
    /* A document already in the target form is only validated. */
    rewrite = !nothing_to_do(c->opts, c->result->input_form);
    if ((rc = answer_all(c, DOMCOMPAT_FORM_MIXED, rewrite, err)) != DOMCOMPAT_OK ||
        (rc = controllers_check_indexes(&c->controllers, c->data, c->len, err)) != DOMCOMPAT_OK)
        return rc;
    if (!rewrite)
        return keep_input_as_output(c, err);
    if ((rc = map_controllers(c, err)) != DOMCOMPAT_OK || (rc = record_answers(c, err)) != 0)
        return rc;
    if (c->result->refusal_count > 0)
        return refuse(c, err);
    if (!output_valid(c))
        return rules_made_invalid(output_form, not_valid(c, output_form, &c->output_failure, err),
                                  err);
    if ((rc = write_output(c, err)) != DOMCOMPAT_OK || !c->result->changed)
        return rc;
    return check_read_back(c, err);
}

static void conversion_free(struct conversion *c)
{
    if (c->asking)
        question_free(&c->question);
    free(c->answers);
    free(c->pci_answers);
    source_map_free(&c->map);
    free(c->ordinals);
    free(c->parent_ordinals);
    controllers_free(&c->controllers);
    controllers_free(&c->children);
    xmlFreeDoc(c->doc);
}

/*
 * Around each call the library installs its own libxml2 error handler, so
 * that failures libxml2 reports to whatever handler the thread has (out of
 * memory while copying a node, say) reach nobody's stderr, and runs
 * libxml2 on the memory reserve (reserve.h), because its RelaxNG validator
 * and libxslt crash on some failed allocations (libxml2 2.9.14 and libxslt
 * 1.1.35, and still 2.15.4 and 1.1.45).  Either way, a call in which memory ran out fails as out of
 * memory, on every version: whatever the reserve served is not to be
 * trusted, and libxml2 2.9.14's tree functions return incomplete nodes
 * rather than NULL when an allocation fails (an element or attribute
 * without its name or value, a partial deep copy: measured, see
 * skeleton.c; 2.15.4 returns NULL, and 2.13.0's news says most of the core
 * reports failed allocations from that release on).
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
    call_begin(&scope);
    rc = read_document(&c, err);
    if (rc == DOMCOMPAT_OK)
        rc = answer_all(&c, form == DOMCOMPAT_FORM_AUTO ? controllers_form(&c.controllers) : form,
                        false, err);
    if (rc == DOMCOMPAT_OK)
        rc = controllers_check_indexes(&c.controllers, c.data, c.len, err);
    if (detected_out != NULL)
        *detected_out =
            form != DOMCOMPAT_FORM_AUTO || c.doc == NULL ? form : controllers_form(&c.controllers);
    conversion_free(&c);
    if (call_end(&scope))
        rc = error_nomem(err);
    return rc;
}
