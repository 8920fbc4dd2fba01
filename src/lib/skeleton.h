/*
 * The part of a domain the rules and the schemas look at, holding the
 * children of <devices> a question is about.
 *
 * The schemas are strict only about controllers and accept anything else
 * a domain holds, so validating the whole tree spends nearly all its time
 * confirming that "anything" is anything.  A skeleton keeps what the
 * schemas and rules can refuse or read, and nothing else:
 *   - <domain> with its attributes;
 *   - <os> and its <type> children (the rules read arch and machine);
 *   - every <devices>, with copies of the chosen <controller> children:
 *     PCI controllers whole, others with their attributes;
 *   - any <controller> anywhere else, which the schemas refuse (copied
 *     under <domain>).
 * All but the chosen children is "the rest" of the document.  The grammar
 * takes the children of <devices> one at a time (a zeroOrMore of a
 * choice: schemas/domain.rng), so a document is valid exactly when its
 * rest is and each of its children is valid alone in its place; a
 * skeleton holding all the children is valid exactly when the document is.
 * Anything a schema is made to check must be added here too, and to what
 * the parser keeps in the tree (parse.c) (tests/run-fixtures.sh
 * cross-checks every fixture against the full document with xmllint).
 */
#ifndef DOMCOMPAT_SKELETON_H
#define DOMCOMPAT_SKELETON_H

#include <libxml/tree.h>

#include "controllers.h"
#include "schema.h"

/* The most children of <devices> given to libxml2's validator at a time (skeleton.c). */
#define SKELETON_PIECE 64

struct skeleton {
    xmlDocPtr doc;
    xmlNode **copies; /* the chosen children's copies, in their order; NULL once dropped */
    size_t count;
};

/*
 * Builds the skeleton of `doc` holding copies of `children` (`count` of
 * them, in document order, each a <controller> child of a <devices> of the
 * root).  `misplaced`: the document's controllers outside /domain/devices
 * (controllers_collect()), or NULL to find them now.  Each element of the
 * skeleton points at the element it copies through its `_private` field.
 * Returns 0, or -1 when out of memory.
 */
int skeleton_build(struct skeleton *out, xmlDocPtr doc, const struct pci_controllers *misplaced,
                   xmlNode *const *children, size_t count);
void skeleton_free(struct skeleton *skeleton);

/* Takes copy `i` out of the skeleton and frees it. */
void skeleton_drop(struct skeleton *skeleton, size_t i);

/*
 * Validates the skeleton against `schema`, as schema_validate() does, in
 * pieces that keep libxml2's time linear in the number of children.
 * `projected`: each PCI controller is validated holding only the children
 * its kind's grammar names (<model>, <target>, <pcihole64>), and every
 * controller without the attributes whose values the grammar is known to
 * accept, which gives the same verdict sooner (skeleton.c, "Projection"
 * and "Attributes held out");
 * not for messages, which come from the whole.
 */
int skeleton_validate(const struct skeleton *skeleton, xmlRelaxNGPtr schema, bool projected,
                      struct schema_failure *failure);

/* The original element behind a skeleton element (itself if not a copy). */
xmlNode *skeleton_original(xmlNode *node);

#endif
