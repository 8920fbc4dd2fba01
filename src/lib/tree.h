/*
 * Reading libxml2 trees: the two questions every module asks of an
 * element, answered once.
 */
#ifndef DOMCOMPAT_TREE_H
#define DOMCOMPAT_TREE_H

#include <libxml/tree.h>
#include <stdbool.h>

/* Whether `node` is an element named `name` in no namespace (false for NULL). */
bool tree_is(const xmlNode *node, const char *name);

/* The first child of `parent` that tree_is() `name`, or NULL (also for a NULL parent). */
xmlNode *tree_child(const xmlNode *parent, const char *name);

/*
 * The element a path of one or two names leads to from `parent`, each
 * step its first child of that name: "target", "target/node"; or NULL.
 */
xmlNode *tree_path(const xmlNode *parent, const char *path);

/*
 * The value of `node`'s attribute `name` in no namespace, expanded (what
 * `&amp;` and character references stand for), owned by the tree:
 *   - NULL when the element has no such attribute;
 *   - "" when the value is empty;
 *   - NULL too when the tree holds the value in several pieces, which
 *     only a document with entity declarations makes (parse.c refuses
 *     those, and the rules' output never has them): callers that must
 *     read any value use tree_attr_value().
 */
const char *tree_attr(const xmlNode *node, const char *name);

/*
 * The value of `attr`, whatever the tree holds: read in place when it is
 * one piece (*joined NULL), else joined into *joined, for the caller to
 * xmlFree.  "" when empty; NULL only when out of memory.
 */
const xmlChar *tree_attr_value(const xmlAttr *attr, xmlChar **joined);

#endif
