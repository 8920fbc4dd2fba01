/*
 * The distinct children of <devices> of one document, asked about at once.
 *
 * A question is a setting: the grammar the input must be valid in, and
 * for a conversion the passes of rules with their parameters, whether
 * losses are allowed, and the grammar of the output.  Each child of
 * <devices> (a PCI controller, or another controller) is keyed by the
 * setting, the guest's <os><type> and the child itself with a plain index
 * left out (question_key_prefix(), memo.h), and looked up in the context's
 * memory of answers.  The children whose keys are not known yet (one of
 * each key; all of them with the memory off) are copied into a skeleton
 * (skeleton.h), a question document, which is asked everything at once:
 * valid in the input grammar, the reading pass, the writing pass, valid in
 * the output grammar.  One answer (answer.h) per key comes back, and is
 * remembered.
 *
 * A large domain is asked QUESTION_BATCH children at a time, each batch a
 * question document of its own, so that it never holds a second copy of
 * every controller.
 */
#ifndef DOMCOMPAT_QUESTION_H
#define DOMCOMPAT_QUESTION_H

#include <libxml/relaxng.h>

#include "answer.h"
#include "buf.h"
#include "context.h"
#include "controllers.h"
#include "rules.h"
#include "schema.h"

/* Children per question document. */
#define QUESTION_BATCH 512
/* Parameters one pass of rules may be given. */
#define QUESTION_MAX_PARAMS 16

/* One pass of rules and every parameter it is given. */
struct question_pass {
    enum rules_direction direction;
    struct rule_param params[QUESTION_MAX_PARAMS];
    size_t param_count;
};

struct question {
    const domcompat_context *ctx;
    xmlDocPtr doc;        /* the parsed document the children are in */
    xmlRelaxNGPtr input;  /* the grammar the input must be valid in */
    xmlRelaxNGPtr output; /* a conversion's output grammar; NULL: a validation */
    bool allow_loss;      /* a conversion's: what the rules report lost is dropped */
    struct question_pass passes[2];
    size_t pass_count;
    struct buf prefix;                /* every key's start: question_key_prefix() */
    struct pci_controllers misplaced; /* the controllers out of place, found once */
    struct answer **owned;            /* answers the memory did not take, freed with the question */
    size_t owned_count, owned_capacity;
};

/*
 * Sets up a question about `doc` from the fields above (`owned`, `prefix`
 * and `misplaced` are its own).  Returns 0, or -1 when out of memory.
 */
int question_init(struct question *q);
void question_free(struct question *q);

/*
 * Makes `key` (emptied first) what an answer in this setting depends on
 * besides the child itself: whether it is a conversion, the grammars, for
 * a conversion whether losses are allowed and every pass with every
 * parameter, name and value, as given to the rules; and the attributes of
 * every /domain/os/type.  A parameter added to a pass joins the key with
 * nothing else to change.  This is the one place for a new input an answer
 * may depend on: one the rules read is best given to them as a parameter
 * (it then joins the key by itself); one the engine reads itself (a
 * description of the host, say) is appended here, whole, and the grammars
 * and rules must still read nothing else (make lint-rules).
 */
void question_key_prefix(struct buf *key, const struct question *q);

/* Whether a controller's index attribute is the plain decimal `number`. */
bool question_same_index(const char *index, const char *number);

/*
 * Answers for `children` (`count` of them: every <controller> child of
 * every <devices> of the root, in document order): answers[i] for each,
 * valid until question_free() (those the memory keeps, until the context
 * is freed).  Returns DOMCOMPAT_OK; DOMCOMPAT_EINVALID when the input is
 * not valid in q->input (with no message: the caller validates the whole
 * document for its message); DOMCOMPAT_ENOMEM or DOMCOMPAT_EINTERNAL
 * (a rule failed) with `err` filled.  `output_failure` says what the
 * output grammar refused first, when an answer is not output_valid.
 */
int question_answer(struct question *q, xmlNode *const *children, size_t count,
                    const struct answer **answers, struct schema_failure *output_failure,
                    domcompat_error *err);

#endif
