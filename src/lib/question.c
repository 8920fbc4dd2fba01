#include "question.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "controllers.h"
#include "error.h"
#include "memo.h"
#include "parse.h"
#include "skeleton.h"
#include "tree.h"

int question_init(struct question *q)
{
    q->owned = NULL;
    q->owned_count = q->owned_capacity = 0;
    buf_init(&q->prefix);
    question_key_prefix(&q->prefix, q);
    if (controllers_collect_misplaced(&q->misplaced, q->doc) != 0)
        return -1;
    return q->prefix.failed ? -1 : 0;
}

void question_free(struct question *q)
{
    size_t i;

    for (i = 0; i < q->owned_count; i++)
        answer_free(q->owned[i]);
    free(q->owned);
    q->owned = NULL;
    q->owned_count = q->owned_capacity = 0;
    buf_free(&q->prefix);
    controllers_free(&q->misplaced);
}

void question_key_prefix(struct buf *key, const struct question *q)
{
    xmlNode *root = xmlDocGetRootElement(q->doc), *os, *type;
    size_t i, j;

    key->len = 0;
    key->failed = false;
    /* A compiled grammar lives, at its address, as long as the context: see context.h. */
    buf_append_char(key, q->output != NULL ? 'C' : 'V');
    buf_append(key, (const char *)&q->input, sizeof(q->input));
    if (q->output != NULL) {
        buf_append(key, (const char *)&q->output, sizeof(q->output));
        buf_append_char(key, q->allow_loss ? 'l' : '-');
        for (i = 0; i < q->pass_count; i++) {
            const struct question_pass *pass = &q->passes[i];

            buf_append_char(key, pass->direction == RULES_UPGRADE ? 'u' : 'd');
            for (j = 0; j < pass->param_count; j++) {
                memo_key_string(key, pass->params[j].name, strlen(pass->params[j].name));
                memo_key_string(key, pass->params[j].value, strlen(pass->params[j].value));
            }
            buf_append_char(key, ';');
        }
    }
    memo_key_string(key, (const char *)root->name, strlen((const char *)root->name));
    buf_append_char(key, root->ns ? 'n' : '-');
    for (os = root->children; os != NULL; os = os->next)
        if (tree_is(os, "os"))
            for (type = os->children; type != NULL; type = type->next)
                if (tree_is(type, "type"))
                    memo_key_element(key, type, MEMO_KEY_SHALLOW);
    buf_append_char(key, '|');
}

/* The key of child `node`: the prefix, then the child as the skeleton copies it. */
static void child_key(struct buf *key, const struct question *q, const xmlNode *node)
{
    key->len = 0;
    key->failed = q->prefix.failed;
    buf_append(key, q->prefix.data, q->prefix.len);
    memo_key_element(key, node,
                     MEMO_KEY_ANY_PLAIN_INDEX | (controllers_is_pci(node) ? 0 : MEMO_KEY_SHALLOW));
}

/* Keeps `answer` till question_free(); frees it at once when out of memory. */
static bool own(struct question *q, struct answer *answer)
{
    if (q->owned_count == q->owned_capacity) {
        size_t capacity = q->owned_capacity ? q->owned_capacity * 2 : 16;
        struct answer **grown = realloc(q->owned, capacity * sizeof(*grown));

        if (grown == NULL) {
            answer_free(answer);
            return false;
        }
        q->owned = grown;
        q->owned_capacity = capacity;
    }
    q->owned[q->owned_count++] = answer;
    return true;
}

/* ---- asking a question document ----------------------------------------------------- */

bool question_same_index(const char *index, const char *number)
{
    return index != NULL && number != NULL && memo_plain_index(index) && memo_plain_index(number) &&
           strtoul(index, NULL, 10) == strtoul(number, NULL, 10);
}

/* Drops what a loss names from a copy; an emptied <target> goes too. */
static void drop_loss(xmlNode *copy, const struct rule_loss *loss)
{
    xmlNode *element = tree_path(copy, loss->element), *target, *child;

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
    if (tree_is(target, "target") && target->properties == NULL) {
        for (child = target->children; child != NULL; child = child->next)
            if (child->type == XML_ELEMENT_NODE)
                return;
        xmlUnlinkNode(target);
        xmlFreeNode(target);
    }
}

/*
 * Gives a copy the attributes and <model> child of the rules' answer.  A
 * <model> child that comes back after the reading pass took it away is
 * linked to the original again, so an unchanged one is not rewritten.
 */
static int apply_converted(xmlNode *copy, const xmlNode *converted)
{
    xmlNode *want_model = tree_child(converted, "model"), *have_model = tree_child(copy, "model");
    xmlAttr *attr, *next;

    for (attr = copy->properties; attr != NULL; attr = next) {
        next = attr->next;
        if (xmlHasNsProp(converted, attr->name, NULL) == NULL)
            xmlRemoveProp(attr);
    }
    for (attr = converted->properties; attr != NULL; attr = attr->next) {
        xmlChar *joined;
        const xmlChar *value = tree_attr_value(attr, &joined);
        bool ok = value != NULL && xmlSetProp(copy, attr->name, value) != NULL;

        xmlFree(joined);
        if (!ok)
            return -1;
    }
    if (want_model == NULL && have_model != NULL) {
        xmlUnlinkNode(have_model);
        xmlFreeNode(have_model);
    } else if (want_model != NULL) {
        const char *name = tree_attr(want_model, "name");

        if (have_model == NULL) {
            have_model = xmlNewDocNode(copy->doc, NULL, BAD_CAST "model", NULL);
            if (have_model != NULL && copy->children != NULL)
                xmlAddPrevSibling(copy->children, have_model);
            else if (have_model != NULL)
                xmlAddChild(copy, have_model);
            if (have_model != NULL)
                have_model->_private = tree_child(skeleton_original(copy), "model");
        }
        if (have_model == NULL || name == NULL ||
            xmlSetProp(have_model, BAD_CAST "name", BAD_CAST name) == NULL)
            return -1;
    }
    return 0;
}

/* What one pass of rules answered for controller `k` of a batch, kept in its answer. */
static int take_outcome(struct answer *answer, const struct rule_outcome *o, xmlNode *copy,
                        bool writing, bool allow_loss)
{
    struct answer_refusal refusal = {o->rule,   o->kind, o->implementation,
                                     o->reason, o->hint, o->since};
    struct arena *arena = &answer->arena;
    size_t j;

    if (o->decision == RULE_REFUSED) {
        const struct answer_refusal *kept = answer_keep_refusal(answer, &refusal);

        if (writing)
            answer->write_refused = kept;
        else
            answer->read_refused = kept;
        return kept != NULL ? 0 : -1;
    }
    if (writing && o->loss_count > 0) {
        const char *index = tree_attr(skeleton_original(copy), "index");

        answer->losses = arena_alloc(arena, o->loss_count * sizeof(*answer->losses));
        answer->loss_count = answer->losses ? o->loss_count : 0;
        answer->losses_refused = !allow_loss;
        /* A refused loss names the implementation the reading pass gave. */
        answer->loss_implementation = arena_strdup(arena, tree_attr(copy, "model"), (size_t)-1);
        for (j = 0; j < answer->loss_count; j++) {
            const struct rule_loss *loss = &o->losses[j];

            answer->losses[j] =
                (struct rule_loss){arena_strdup(arena, loss->kind, (size_t)-1),
                                   arena_strdup(arena, loss->element, (size_t)-1),
                                   arena_strdup(arena, loss->attribute, (size_t)-1),
                                   arena_strdup(arena, loss->value, (size_t)-1),
                                   arena_strdup(arena, loss->since, (size_t)-1),
                                   arena_strdup(arena, loss->reason, (size_t)-1),
                                   arena_strdup(arena, loss->why, (size_t)-1),
                                   arena_strdup(arena, loss->unless_index, (size_t)-1)};
            if (!allow_loss)
                continue;
            /*
             * A loss for every index but one is made in this copy when it is
             * one for this controller, and the edit is then this index's only.
             */
            if (loss->unless_index != NULL) {
                answer->index_specific = arena_strdup(arena, index ? index : "", (size_t)-1);
                if (question_same_index(index, loss->unless_index))
                    continue;
            }
            drop_loss(copy, loss);
        }
    }
    if (o->decision == RULE_CONVERTED) {
        if (apply_converted(copy, o->converted) != 0)
            return -1;
        answer->rule = arena_strdup(arena, o->rule, (size_t)-1);
        if (o->replaced_from != NULL) {
            answer->replaced_kind = arena_strdup(arena, o->replaced_kind, (size_t)-1);
            answer->replaced_from = arena_strdup(arena, o->replaced_from, (size_t)-1);
            answer->replaced_to = arena_strdup(arena, o->replaced_to, (size_t)-1);
            answer->replaced_from_id = arena_strdup(arena, o->replaced_from_id, (size_t)-1);
            answer->replaced_to_id = arena_strdup(arena, o->replaced_to_id, (size_t)-1);
        }
    }
    return arena->failed ? -1 : 0;
}

/*
 * The rules copy the index as it is: that is what lets one answer serve
 * every controller that differs from another only by a plain index.
 * Checked on every answer, so it never has to be argued.
 */
static bool index_kept(const struct rule_outcome *o, const xmlNode *copy)
{
    const char *index = tree_attr(copy, "index");

    if (o->decision != RULE_CONVERTED || !memo_plain_index(index))
        return true;
    return xmlStrEqual(BAD_CAST tree_attr(o->converted, "index"), BAD_CAST index);
}

/* Runs one pass over the batch's PCI controllers and keeps what it answered. */
static int run_pass(const struct question *q, const struct question_pass *pass, struct skeleton *s,
                    const size_t *pci, struct answer **made, size_t pci_count, domcompat_error *err)
{
    xsltStylesheetPtr sheet;
    struct rule_run run;
    size_t k;
    int rc;

    if ((rc = context_rules(q->ctx, pass->direction, &sheet, err)) != DOMCOMPAT_OK ||
        (rc = rules_run(&run, sheet, q->ctx->security, s->doc, pass->params, pass->param_count,
                        pci_count, err)) != DOMCOMPAT_OK)
        return rc;
    for (k = 0; k < pci_count && rc == DOMCOMPAT_OK; k++) {
        const struct rule_outcome *o = &run.outcomes[k];
        xmlNode *copy = s->copies[pci[k]];

        if (!index_kept(o, copy))
            rc = error_set(err, DOMCOMPAT_EINTERNAL, 0, 0,
                           "rule %s changed the index of a PCI controller", o->rule);
        else if (take_outcome(made[k], o, copy, pass->direction == RULES_DOWNGRADE,
                              q->allow_loss) != 0)
            rc = error_nomem(err);
    }
    rules_run_free(&run);
    return rc;
}

/*
 * Asks one question document about `children`: answers[i] for each; the
 * PCI controllers' are new, in fresh[i] (NULL for the others), the
 * caller's to keep or free, whatever this returns.  See question_answer().
 */
static int ask(const struct question *q, xmlNode *const *children, size_t count,
               const struct answer **answers, struct answer **fresh, bool *all_valid,
               struct schema_failure *output_failure, domcompat_error *err)
{
    struct skeleton s;
    struct schema_failure failure;
    struct answer **made = NULL;
    size_t *pci = NULL, pci_count = 0, i, k;
    bool output_valid;
    int rc = DOMCOMPAT_OK, verdict;

    if (skeleton_build(&s, q->doc, &q->misplaced, children, count) != 0)
        return error_nomem(err);
    if ((verdict = skeleton_validate(&s, q->input, true, &failure)) != 0) {
        rc = verdict < 0 ? error_nomem(err) : DOMCOMPAT_EINVALID;
        goto out;
    }
    for (i = 0; i < count; i++)
        answers[i] = &answer_valid;
    if (q->output == NULL) {
        *all_valid = true;
        goto out;
    }
    pci = malloc((count ? count : 1) * sizeof(*pci));
    made = calloc(count ? count : 1, sizeof(*made));
    if (pci == NULL || made == NULL) {
        rc = error_nomem(err);
        goto out;
    }
    for (i = 0; i < count; i++)
        if (controllers_is_pci(children[i])) {
            pci[pci_count] = i;
            if ((made[pci_count++] = fresh[i] = answer_new()) == NULL) {
                rc = error_nomem(err);
                goto out;
            }
            answers[i] = fresh[i];
        }
    for (i = 0; i < q->pass_count && pci_count > 0 && rc == DOMCOMPAT_OK; i++)
        rc = run_pass(q, &q->passes[i], &s, pci, made, pci_count, err);
    if (rc != DOMCOMPAT_OK)
        goto out;

    /* A refused controller is never written: the output grammar is not asked about it. */
    for (k = 0; k < pci_count; k++)
        if (answer_refused(made[k]))
            skeleton_drop(&s, pci[k]);
    if ((verdict = skeleton_validate(&s, q->output, true, &failure)) < 0) {
        rc = error_nomem(err);
        goto out;
    }
    output_valid = verdict == 0;
    *all_valid = output_valid;
    if (!output_valid && output_failure != NULL && output_failure->message[0] == '\0') {
        *output_failure = failure;
        output_failure->node = skeleton_original(failure.node);
    }
    for (i = 0; i < count; i++)
        if (!controllers_is_pci(children[i]))
            answers[i] = output_valid ? &answer_valid : &answer_output_unknown;
    for (k = 0; k < pci_count && rc == DOMCOMPAT_OK; k++) {
        struct answer *a = made[k];
        xmlNode *copy = s.copies[pci[k]];
        const char *kind;

        a->output_valid = output_valid;
        if (copy == NULL)
            continue; /* refused */
        kind = tree_attr(copy, "subType");
        a->kind = arena_strdup(&a->arena, kind ? kind : tree_attr(copy, "model"), (size_t)-1);
        if (edit_build(&a->edit, &a->arena, children[pci[k]], copy,
                       memo_plain_index(tree_attr(children[pci[k]], "index"))) != 0 ||
            a->arena.failed)
            rc = error_nomem(err);
    }
out:
    free(pci);
    free(made);
    skeleton_free(&s);
    return rc;
}

/* ---- the stage ------------------------------------------------------------------------ */

/*
 * With the memory on, the first child of each key is asked and the others
 * take its answer; with it off, every child is asked, as itself.  The keys
 * of the children asked are kept without their common prefix (in
 * `records`, ending at `ends`), indexed by hash to find a child's equal,
 * and to remember their answers once known.
 */
struct plan {
    size_t *asked; /* the children asked, in order */
    size_t asked_count;
    size_t *same_as;    /* per child: (asked position + 1) of the child with its key, or 0 */
    struct buf records; /* the asked children's keys but the prefix, one after the other */
    size_t *ends;       /* where each ends in `records` */
    uint64_t *hashes;   /* each one's hash */
    size_t *slots;      /* open addressing over them: asked position + 1, or 0 */
    size_t slot_mask;
};

static void plan_free(struct plan *plan)
{
    free(plan->asked);
    free(plan->same_as);
    free(plan->ends);
    free(plan->hashes);
    free(plan->slots);
    buf_free(&plan->records);
}

/* The asked child whose record is `record` (hash `hash`), or where it would go: its slot. */
static size_t *find_asked(struct plan *plan, const char *record, size_t len, uint64_t hash)
{
    size_t i = (size_t)hash & plan->slot_mask, a, start;

    for (;; i = (i + 1) & plan->slot_mask) {
        if (plan->slots[i] == 0)
            return &plan->slots[i];
        a = plan->slots[i] - 1;
        start = a > 0 ? plan->ends[a - 1] : 0;
        if (plan->hashes[a] == hash && plan->ends[a] - start == len &&
            memcmp(plan->records.data + start, record, len) == 0)
            return &plan->slots[i];
    }
}

/* Looks every child up; returns 0, or -1 when out of memory. */
static int make_plan(struct plan *plan, struct question *q, xmlNode *const *children, size_t count,
                     const struct answer **answers)
{
    struct memo *memo = q->ctx->memo;
    size_t n = count ? count : 1, slots = 2, i;
    struct buf key;
    int rc = 0;

    memset(plan, 0, sizeof(*plan));
    buf_init(&plan->records);
    while (slots < 2 * n)
        slots *= 2;
    plan->slot_mask = slots - 1;
    plan->asked = malloc(n * sizeof(*plan->asked));
    plan->same_as = calloc(n, sizeof(*plan->same_as));
    plan->ends = malloc(n * sizeof(*plan->ends));
    plan->hashes = malloc(n * sizeof(*plan->hashes));
    plan->slots = calloc(slots, sizeof(*plan->slots));
    if (plan->asked == NULL || plan->same_as == NULL || plan->ends == NULL ||
        plan->hashes == NULL || plan->slots == NULL)
        return -1;
    buf_init(&key);
    for (i = 0; i < count && rc == 0; i++) {
        const char *record;
        size_t len, *slot;
        uint64_t hash;

        answers[i] = NULL;
        if (!memo_enabled(memo)) {
            plan->asked[plan->asked_count++] = i;
            continue;
        }
        child_key(&key, q, children[i]);
        if (key.failed) {
            rc = -1;
            break;
        }
        if ((answers[i] = memo_lookup(memo, &key, q->prefix.len)) != NULL)
            continue;
        record = key.data + q->prefix.len;
        len = key.len - q->prefix.len;
        hash = memo_hash(record, len);
        slot = find_asked(plan, record, len, hash);
        if (*slot != 0) {
            plan->same_as[i] = *slot;
            continue;
        }
        buf_append(&plan->records, record, len);
        plan->ends[plan->asked_count] = plan->records.len;
        plan->hashes[plan->asked_count] = hash;
        plan->asked[plan->asked_count++] = i;
        *slot = plan->asked_count;
        if (plan->records.failed)
            rc = -1;
    }
    buf_free(&key);
    return rc;
}

/*
 * Remembers an answer the run asked for, when it is a verdict on
 * everything (one that found the output invalid is asked again); a new
 * one the memory does not take stays the question's.  False when out of
 * memory.
 */
static bool remember(struct question *q, const struct plan *plan, size_t asked,
                     const struct answer *answer, struct answer *fresh, struct buf *key)
{
    size_t start;
    bool kept = false;

    if (memo_enabled(q->ctx->memo) && (answer->output_valid || answer_refused(answer)) &&
        answer->index_specific == NULL) {
        start = asked > 0 ? plan->ends[asked - 1] : 0;
        key->len = 0;
        key->failed = false;
        buf_append(key, q->prefix.data, q->prefix.len);
        buf_append(key, plan->records.data + start, plan->ends[asked] - start);
        kept = memo_insert(q->ctx->memo, key, q->prefix.len, fresh ? (void *)fresh : (void *)answer,
                           fresh ? fresh->arena.bytes : 0, fresh ? answer_free : NULL);
    }
    return kept || fresh == NULL || own(q, fresh);
}

/*
 * Whether an answer whose edit makes the losses of its own controller
 * (index_specific) makes the same ones for a controller with `index`:
 * each loss for every index but one holds for both, or for neither.
 */
static bool fits_index(const struct answer *answer, const char *index)
{
    size_t j;

    for (j = 0; answer->index_specific != NULL && j < answer->loss_count; j++) {
        const char *unless = answer->losses[j].unless_index;

        if (unless != NULL && question_same_index(index, unless) !=
                                  question_same_index(answer->index_specific, unless))
            return false;
    }
    return true;
}

/* Asks each of children[which[0..n)] on its own, no memory involved. */
static int ask_alone(struct question *q, xmlNode *const *children, const size_t *which, size_t n,
                     const struct answer **answers, domcompat_error *err)
{
    xmlNode *batch[1];
    const struct answer *answer;
    struct answer *fresh;
    bool valid;
    size_t i;
    int rc = DOMCOMPAT_OK;

    for (i = 0; i < n && rc == DOMCOMPAT_OK; i++) {
        batch[0] = children[which[i]];
        fresh = NULL;
        rc = ask(q, batch, 1, &answer, &fresh, &valid, NULL, err);
        if (rc != DOMCOMPAT_OK)
            answer_free(fresh);
        else if (fresh != NULL && !own(q, fresh))
            rc = error_nomem(err);
        else
            answers[which[i]] = answer;
    }
    return rc;
}

/*
 * The key of the rest of the document (skeleton.h): the prefix, then the
 * skeleton that holds none of the children.  Every question document of
 * the document holds the rest, so once it is known valid, a document
 * whose children are all known asks nothing.
 */
static void rest_key(struct buf *key, const struct question *q)
{
    struct skeleton rest;

    key->len = 0;
    key->failed = q->prefix.failed;
    buf_append(key, q->prefix.data, q->prefix.len);
    buf_append_char(key, 'r');
    if (skeleton_build(&rest, q->doc, &q->misplaced, NULL, 0) != 0) {
        key->failed = true;
        return;
    }
    memo_key_element(key, xmlDocGetRootElement(rest.doc), 0);
    skeleton_free(&rest);
}

int question_answer(struct question *q, xmlNode *const *children, size_t count,
                    const struct answer **answers, struct schema_failure *output_failure,
                    domcompat_error *err)
{
    struct plan plan;
    xmlNode **batch = NULL;
    const struct answer **batch_answers = NULL;
    struct answer **fresh = NULL;
    struct buf rest, key;
    bool rest_known = false, all_valid = true, valid = false;
    size_t first, n, i;
    int rc = DOMCOMPAT_OK;

    if (output_failure != NULL)
        memset(output_failure, 0, sizeof(*output_failure));
    buf_init(&rest);
    buf_init(&key);
    if (memo_enabled(q->ctx->memo)) {
        rest_key(&rest, q);
        rest_known = memo_lookup(q->ctx->memo, &rest, q->prefix.len) != NULL;
    }
    if (make_plan(&plan, q, children, count, answers) != 0) {
        plan_free(&plan);
        buf_free(&rest);
        buf_free(&key);
        return error_nomem(err);
    }
    batch = malloc(QUESTION_BATCH * sizeof(*batch));
    batch_answers = malloc(QUESTION_BATCH * sizeof(*batch_answers));
    fresh = malloc(QUESTION_BATCH * sizeof(*fresh));
    if (batch == NULL || batch_answers == NULL || fresh == NULL)
        rc = error_nomem(err);
    /* At least one question document, unless the rest of the document is known too. */
    for (first = 0; rc == DOMCOMPAT_OK && (first < plan.asked_count || (first == 0 && !rest_known));
         first += QUESTION_BATCH) {
        n = plan.asked_count - first < QUESTION_BATCH ? plan.asked_count - first : QUESTION_BATCH;
        for (i = 0; i < n; i++) {
            batch[i] = children[plan.asked[first + i]];
            fresh[i] = NULL;
        }
        rc = ask(q, batch, n, batch_answers, fresh, &valid, output_failure, err);
        all_valid = all_valid && valid;
        for (i = 0; i < n; i++) {
            if (rc != DOMCOMPAT_OK) {
                answer_free(fresh[i]);
                continue;
            }
            answers[plan.asked[first + i]] = batch_answers[i];
            if (!remember(q, &plan, first + i, batch_answers[i], fresh[i], &key))
                rc = error_nomem(err);
        }
    }
    for (i = 0; i < count && rc == DOMCOMPAT_OK; i++)
        if (plan.same_as[i] != 0)
            answers[i] = answers[plan.asked[plan.same_as[i] - 1]];
    /* An answer that makes losses for some indexes only serves its own (fits_index()). */
    for (i = 0, n = 0; i < count && rc == DOMCOMPAT_OK; i++)
        if (!fits_index(answers[i], tree_attr(children[i], "index")))
            plan.asked[n++] = i; /* the plan is done with: its room is reused */
    if (rc == DOMCOMPAT_OK && n > 0)
        rc = ask_alone(q, children, plan.asked, n, answers, err);
    if (rc == DOMCOMPAT_OK && all_valid && !rest_known)
        memo_insert(q->ctx->memo, &rest, q->prefix.len, (void *)&answer_valid, 0, NULL);
    buf_free(&rest);
    buf_free(&key);
    free(batch);
    free(batch_answers);
    free(fresh);
    plan_free(&plan);
    return rc;
}
