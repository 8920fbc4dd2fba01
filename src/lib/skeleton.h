/*
 * The part of a domain the rules and the schemas look at.
 *
 * The schemas are strict only about controllers and accept anything else
 * a domain holds, so validating the whole tree spends nearly all its time
 * confirming that "anything" is anything.  The skeleton keeps what the
 * schemas and rules can refuse or read, and nothing else:
 *   - <domain> with its attributes;
 *   - <os> and its <type> children (the rules read arch and machine);
 *   - <devices> with every PCI controller copied whole and every other
 *     controller with its attributes;
 *   - any <controller> anywhere else, which the schemas refuse (copied
 *     under <domain>).
 * A document is valid in a form exactly when its skeleton is.  Anything a
 * schema is made to check must be added here too, and to what the parser
 * keeps in the tree (parse.c) (tests/run-fixtures.sh cross-checks every
 * fixture against the full document with xmllint).
 */
#ifndef DOMCOMPAT_SKELETON_H
#define DOMCOMPAT_SKELETON_H

#include <libxml/tree.h>

#include "controllers.h"
#include "memo.h"
#include "schema.h"

/* The most children of <devices> given to libxml2's validator at a time (skeleton.c). */
#define SKELETON_PIECE 64

struct skeleton {
    xmlDocPtr doc;
    struct pci_controllers controllers; /* the copies, in the original's order */
    bool *copied; /* built lazily: per PCI controller, whether its copy is filled in yet */
    /* skeleton_controller_key()'s records, made at its first call; see there. */
    struct memo_keys *keys;
    bool keys_forgotten;
};

/*
 * Builds the skeleton of `doc`, whose PCI controllers are `original`.
 * Each element of the skeleton points at the element it copies through
 * its `_private` field.  Returns 0, or -1 when out of memory.
 *
 * `lazy`: each PCI controller is copied bare (its name only) and filled
 * in by skeleton_copy_controller() when something must read the copy
 * itself; until then skeleton_controller_view() gives the original, which
 * the copy would equal.  A bare copy must never be validated or
 * transformed: only the callers that ask the memory of answers first
 * (skeleton_validate_memo(), the rules) build lazily, and they fill in
 * every copy they do not hide.  A large domain's controllers are then
 * copied one at a time, as they are written, instead of all at once.
 */
int skeleton_build(struct skeleton *out, xmlDocPtr doc, const struct pci_controllers *original,
                   bool lazy);
void skeleton_free(struct skeleton *skeleton);

/* Fills in PCI controller `i`'s copy, once.  Returns 0, or -1 when out of memory. */
int skeleton_copy_controller(struct skeleton *skeleton, size_t i);
int skeleton_copy_all(struct skeleton *skeleton);

/*
 * Built lazily, fills in PCI controller `i`'s copy with only what an
 * answer of the rules can change (convert.c, apply_converted()): its
 * attributes, and its <model> children (skeleton_answer_child()) whole.
 * For a controller whose answered copy the memory knows to be valid, to
 * be given its answer, written and dropped at once: nothing may validate,
 * transform or fill in such a copy.  *whole: the copy was already filled
 * in whole, and is left so.  Returns 0, or -1 when out of memory.
 */
int skeleton_copy_controller_for_answer(struct skeleton *skeleton, size_t i, bool *whole);
bool skeleton_answer_child(const xmlNode *child);

/* PCI controller `i` as the memory's keys read it: its copy once filled in, else the original. */
const xmlNode *skeleton_controller_view(const struct skeleton *skeleton, size_t i);

/*
 * Makes `key` `prefix` followed by what memo_key_element(...,
 * MEMO_KEY_ANY_PLAIN_INDEX) writes of PCI controller `i`'s view, as
 * memo_key_prefixed() does.  Each controller is keyed for
 * both validations of the input and for the rules that read it, so the
 * first call records every controller once and later calls copy the
 * record.  Records hold only until a copy changes: skeleton_forget_keys()
 * must come before any answer is applied, and from then on each call
 * builds its key afresh.
 */
void skeleton_controller_key(struct skeleton *skeleton, size_t i, const struct buf *prefix,
                             struct buf *key);
void skeleton_forget_keys(struct skeleton *skeleton);

/*
 * Validates the skeleton against `schema`, as schema_validate() does, in
 * pieces that keep libxml2's time linear in the number of controllers.
 */
int skeleton_validate(const struct skeleton *skeleton, xmlRelaxNGPtr schema,
                      struct schema_failure *failure);

/*
 * Children of <devices> set aside: until skeleton_show_all(), each
 * <devices> of the skeleton holds only the children `keep` said yes to
 * (asked in document order), by relinking sibling pointers.
 */
struct skeleton_hidden {
    xmlNode **children; /* every child of every <devices>, grouped, in order */
    xmlNode **parents;  /* each <devices> with children */
    size_t *ends;       /* per parent, where its children end in `children` */
    size_t parent_count;
};

/* Returns 0, or -1 when out of memory (nothing is hidden then). */
int skeleton_hide(struct skeleton_hidden *out, const struct skeleton *skeleton,
                  bool (*keep)(xmlNode *child, void *arg), void *arg);
void skeleton_show_all(struct skeleton_hidden *hidden);

struct memo;

/*
 * skeleton_validate(), asking `memo` first: only the children of <devices>
 * not known to be valid in `schema`, and the rest of the skeleton unless
 * known, are given to libxml2.  An invalid skeleton is validated again
 * whole, so its failure is exactly skeleton_validate()'s.  Fills in the
 * copies of the PCI controllers it gives to libxml2 (all of them when the
 * skeleton is invalid).
 *
 * `without_controllers`: the verdict on everything but the PCI
 * controllers, to be completed by skeleton_validate_controllers() for them.
 */
int skeleton_validate_memo(struct skeleton *skeleton, xmlRelaxNGPtr schema, struct memo *memo,
                           bool without_controllers, struct schema_failure *failure);

/*
 * Whether `memo` knows PCI controller `i` (its copy filled in first) to be
 * valid in `schema` where it stands: 1 (known), 0 (not), or -1 when out of
 * memory.
 */
int skeleton_controller_known(struct skeleton *skeleton, size_t i, xmlRelaxNGPtr schema,
                              struct memo *memo);

/*
 * Whether the PCI controllers `which` (`count` of them, in document order,
 * at most SKELETON_PIECE) are valid in `schema` where they stand, the rest
 * of the skeleton being valid: validates the skeleton with them as the
 * only children of the <devices> elements, and remembers them in `memo`
 * when valid.  Returns 0 (valid), 1 (invalid, see `failure`) or -1 when
 * out of memory.
 */
int skeleton_validate_controllers(struct skeleton *skeleton, const size_t *which, size_t count,
                                  xmlRelaxNGPtr schema, struct memo *memo,
                                  struct schema_failure *failure);

/* The original element behind a skeleton element (itself if not a copy). */
xmlNode *skeleton_original(xmlNode *node);

#endif
