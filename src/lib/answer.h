/*
 * What the grammars and the rules answered for one child of <devices> (a
 * PCI controller, or another controller) in one setting (question.h):
 * everything a conversion needs to refuse it, report its losses, and write
 * it, for this child and for every other child with the same key.  Made
 * once by the question stage, never changed after.
 */
#ifndef DOMCOMPAT_ANSWER_H
#define DOMCOMPAT_ANSWER_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "rewrite.h"
#include "rules.h"

/* Why a pass of rules refused the controller. */
struct answer_refusal {
    const char *rule;
    const char *kind;
    const char *implementation; /* or NULL */
    const char *reason;
    const char *hint;  /* or NULL */
    const char *since; /* or NULL */
};

struct answer {
    /* Refused by the reading pass, by the writing pass; NULL: not. */
    const struct answer_refusal *read_refused, *write_refused;
    struct rule_loss *losses; /* what writing it for the peer drops (or would) */
    size_t loss_count;
    bool losses_refused;             /* not allowed: each loss refuses it */
    const char *loss_implementation; /* the implementation a refused loss names */
    const char *rule;                /* the rule that converted it last, or NULL */
    const char *kind;                /* what it says it is, as written: subType, else model */
    struct edit edit;                /* how it is written */
    bool output_valid;               /* as written, valid in the output grammar (if not refused) */
    /*
     * Its edit makes a loss that holds for some indexes only (unless_index),
     * allowed: it is for controllers with this index only.
     */
    const char *index_specific;
    /*
     * The implementation the rules replaced, as the user allowed (a rule
     * parameter, so in the key), its replacement, and their PCI IDs; NULL:
     * none replaced (the IDs also NULL when unknown).
     */
    const char *replaced_kind, *replaced_from, *replaced_to, *replaced_from_id, *replaced_to_id;
    struct arena arena; /* everything above points into it */
};

/* Valid, and valid as written, which is unchanged: another controller, or a validation's answer. */
extern const struct answer answer_valid;
/* Another controller whose output grammar's verdict is not known. */
extern const struct answer answer_output_unknown;

/* A new answer, all empty; NULL when out of memory. */
struct answer *answer_new(void);
/* Frees an answer made by answer_new() (void *: a memo's value); NULL and the constants are fine.
 */
void answer_free(void *answer);

/* Whether a pass of rules refused it (a loss, which is for its controller to decide, aside). */
bool answer_refused(const struct answer *answer);

/* Copies a refusal's strings into the answer; NULL when out of memory. */
const struct answer_refusal *answer_keep_refusal(struct answer *answer,
                                                 const struct answer_refusal *refusal);

#endif
