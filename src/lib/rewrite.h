/*
 * Rewriting one element of the input so it says what its edited skeleton
 * copy says (skeleton.h), touching nothing else.
 *
 * The rules edit copies: attributes change, a <model name> child comes or
 * goes, an ignored <target> attribute or child is dropped.  This module
 * compares each copy with the element it was copied from and writes the
 * difference into the original bytes:
 *   - a start tag whose attributes changed is rendered by splice.c;
 *   - a child that is gone leaves with the whitespace it stood on;
 *   - a new first child (only ever <model name>) is indented like its
 *     siblings, or one step deeper than its parent when it has none;
 *   - an element left with nothing but whitespace becomes an empty-element
 *     tag, and an empty-element tag that gains a child is opened.
 */
#ifndef DOMCOMPAT_REWRITE_H
#define DOMCOMPAT_REWRITE_H

#include <libxml/tree.h>
#include <stdbool.h>

#include "buf.h"
#include "sourcemap.h"

struct rewrite_source {
    const char *data;
    size_t len;
    const struct source_map *map;
};

/*
 * How much of its original a copy holds: all of it, or only what an
 * answer of the rules can change (skeleton_copy_controller_for_answer()),
 * every other child standing as it is in the original.
 */
enum rewrite_copy { REWRITE_WHOLE_COPY, REWRITE_ANSWER_COPY };

/* Whether `copy` says anything its original (`orig`) does not. */
bool rewrite_needed(xmlNode *orig, xmlNode *copy, enum rewrite_copy extent);

/*
 * Appends to `out` the whole original element `orig` (the `ordinal`-th
 * element of the map, from its '<' to the end of its end tag) rewritten to
 * match `copy`.  `parent` is the start tag of orig's parent, whose
 * indentation tells how deep a new child goes; NULL for the root.
 * Returns 0, -1 when out of memory, -2 when the bytes do not have the
 * expected shape.
 */
int rewrite_element(struct buf *out, const struct rewrite_source *src, xmlNode *orig,
                    size_t ordinal, xmlNode *copy, enum rewrite_copy extent,
                    const struct source_tag *parent);

#endif
