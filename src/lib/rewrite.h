/*
 * Rewriting one element of the input so it says what the rules made of
 * it, touching nothing else.
 *
 * The rules edit a copy of the element (skeleton.h): attributes change, a
 * <model name> child comes or goes, an ignored <target> attribute or child
 * is dropped.  edit_build() compares the copy with the element it was
 * copied from and records the difference; rewrite_element() writes that
 * difference into the bytes of an element equal to that one (the same
 * element, or another the memory of answers gives the same answer):
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

#include "arena.h"
#include "buf.h"
#include "sourcemap.h"

/* An attribute an element ends up with. */
struct edit_attr {
    const char *written; /* the name as written: prefix:name when it has a prefix */
    const char *name;    /* its local name */
    const char *ns;      /* its namespace URI, or NULL */
    const char *value;   /* expanded; NULL: the element's own index, whatever it is */
};

struct edit_child;

/* What changes in an element (all of it relative to the element's own bytes). */
struct edit {
    bool needed;             /* anything changes */
    bool attrs_differ;       /* the attributes do */
    struct edit_attr *attrs; /* when needed: the attributes afterwards, in order */
    size_t attr_count;
    struct edit_child *children; /* the element children that change, in order */
    size_t child_count;
    const char *added; /* the name of a new first child, or NULL */
    struct edit_attr *added_attrs;
    size_t added_attr_count;
};

struct edit_child {
    size_t position; /* among the element's element children, from 0 */
    bool removed;    /* gone; else changed as `edit` says */
    struct edit edit;
};

/*
 * Records in `out` (allocated from `arena`) what `copy` says that its
 * original (`orig`, which the copy's elements point at through `_private`)
 * does not.  With `own_index`, the element's no-namespace index attribute
 * is recorded as "the element's own", so that the edit applies to any
 * element equal to `orig` but for that index (which the caller checked the
 * copy kept).  Returns 0, or -1 when out of memory.
 */
int edit_build(struct edit *out, struct arena *arena, const xmlNode *orig, const xmlNode *copy,
               bool own_index);

struct rewrite_source {
    const char *data;
    size_t len;
    const struct source_map *map;
};

/*
 * Appends to `out` the whole original element `orig` (the `ordinal`-th
 * element of the map, from its '<' to the end of its end tag) rewritten as
 * `edit` (needed) says.  `parent` is the start tag of orig's parent, whose
 * indentation tells how deep a new child goes; NULL for the root.
 * Returns 0, -1 when out of memory, -2 when the bytes do not have the
 * expected shape.
 */
int rewrite_element(struct buf *out, const struct rewrite_source *src, const xmlNode *orig,
                    size_t ordinal, const struct edit *edit, const struct source_tag *parent);

#endif
