#include "skeleton.h"

#include <stdlib.h>

static bool is_element(const xmlNode *node, const char *name)
{
    return node->type == XML_ELEMENT_NODE && node->ns == NULL &&
           xmlStrEqual(node->name, BAD_CAST name);
}

/* The namespace `ns` within `copy`'s scope, declared on `copy` when missing; NULL if out of memory.
 */
static xmlNs *namespace_in(xmlNode *copy, const xmlNs *ns)
{
    xmlNs *found = xmlSearchNsByHref(copy->doc, copy, ns->href);

    if (found != NULL && xmlStrEqual(found->prefix, ns->prefix))
        return found;
    return xmlNewNs(copy, ns->href, ns->prefix);
}

/*
 * Appends to `parent` a copy of `node`: its name, namespace and attributes
 * and, when `deep`, its elements below (text is read by neither schemas nor
 * rules).  Each copied element points at its original through `_private`.
 * Either the copy is complete or nothing is left: libxml2 2.9's own copy
 * functions return partial copies, and leak, when an allocation fails.
 */
static xmlNode *append_copy(xmlNode *parent, xmlNode *node, bool deep)
{
    xmlNode *copy = xmlNewDocNode(parent->doc, NULL, node->name, NULL), *child;
    const xmlAttr *attr;

    if (copy == NULL || copy->name == NULL || xmlAddChild(parent, copy) == NULL) {
        xmlFreeNode(copy);
        return NULL;
    }
    copy->_private = node;
    if (node->ns != NULL) {
        xmlNs *ns = namespace_in(copy, node->ns);

        if (ns == NULL)
            goto fail;
        xmlSetNs(copy, ns);
    }
    for (attr = node->properties; attr != NULL; attr = attr->next) {
        xmlChar *value = xmlNodeListGetString(node->doc, attr->children, 1);
        xmlNs *ns = attr->ns ? namespace_in(copy, attr->ns) : NULL;
        xmlAttr *made = NULL;

        if ((value != NULL || attr->children == NULL) && (ns != NULL || attr->ns == NULL))
            made = xmlNewNsProp(copy, ns, attr->name, value);
        /* libxml2 2.9 leaves a name or value out when copying it fails: a failure too. */
        if (made == NULL || made->name == NULL ||
            (value != NULL && value[0] != '\0' && made->children == NULL)) {
            xmlFree(value);
            goto fail;
        }
        xmlFree(value);
    }
    for (child = node->children; deep && child != NULL; child = child->next)
        if (child->type == XML_ELEMENT_NODE && append_copy(copy, child, true) == NULL)
            goto fail;
    return copy;
fail:
    xmlUnlinkNode(copy);
    xmlFreeNode(copy);
    return NULL;
}

static int copy_devices(xmlNode *devices_copy, xmlNode *devices, struct pci_controllers *pci,
                        const struct pci_controllers *original, size_t *next)
{
    xmlNode *node, *copy;

    for (node = devices->children; node != NULL; node = node->next) {
        if (!is_element(node, "controller"))
            continue;
        if (*next < original->count && node == original->nodes[*next]) {
            if ((copy = append_copy(devices_copy, node, true)) == NULL)
                return -1;
            pci->nodes[(*next)++] = copy;
        } else if (append_copy(devices_copy, node, false) == NULL) {
            return -1;
        }
    }
    return 0;
}

/* Copies every controller outside /domain/devices under the skeleton's root. */
static int copy_misplaced(xmlNode *skeleton_root, xmlNode *root)
{
    xmlNode *node = NULL;

    while ((node = controllers_next_misplaced(root, node)) != NULL)
        if (append_copy(skeleton_root, node, true) == NULL)
            return -1;
    return 0;
}

int skeleton_build(struct skeleton *out, xmlDocPtr doc, const struct pci_controllers *original)
{
    xmlNode *root = xmlDocGetRootElement(doc), *skeleton_root, *child, *copy, *type;
    size_t next = 0;

    out->controllers.count = original->count;
    out->controllers.nodes = calloc(original->count ? original->count : 1, sizeof(xmlNode *));
    out->doc = xmlNewDoc(BAD_CAST "1.0");
    if (out->doc == NULL || out->controllers.nodes == NULL)
        goto nomem;
    skeleton_root = xmlNewDocNode(out->doc, NULL, BAD_CAST "skeleton", NULL);
    if (skeleton_root == NULL)
        goto nomem;
    xmlDocSetRootElement(out->doc, skeleton_root);
    /* The root is copied like any element, then takes the placeholder's place. */
    {
        xmlNode *placeholder = skeleton_root;

        skeleton_root = append_copy(placeholder, root, false);
        if (skeleton_root == NULL)
            goto nomem;
        xmlUnlinkNode(skeleton_root);
        xmlDocSetRootElement(out->doc, skeleton_root);
        xmlFreeNode(placeholder);
    }

    if (copy_misplaced(skeleton_root, root) != 0)
        goto nomem;
    for (child = root->children; child != NULL; child = child->next) {
        if (is_element(child, "os")) {
            if ((copy = append_copy(skeleton_root, child, false)) == NULL)
                goto nomem;
            for (type = child->children; type != NULL; type = type->next)
                if (is_element(type, "type") && append_copy(copy, type, false) == NULL)
                    goto nomem;
        } else if (is_element(child, "devices")) {
            if ((copy = append_copy(skeleton_root, child, false)) == NULL ||
                copy_devices(copy, child, &out->controllers, original, &next) != 0)
                goto nomem;
        }
    }
    return 0;
nomem:
    skeleton_free(out);
    return -1;
}

void skeleton_free(struct skeleton *skeleton)
{
    xmlFreeDoc(skeleton->doc);
    free(skeleton->controllers.nodes);
    skeleton->doc = NULL;
    skeleton->controllers.nodes = NULL;
    skeleton->controllers.count = 0;
}

xmlNode *skeleton_original(xmlNode *node)
{
    return node != NULL && node->_private != NULL ? node->_private : node;
}

/*
 * Validation in pieces.  The grammar takes the children of <devices> one at
 * a time (a zeroOrMore of a choice: domain.rng), so a skeleton is valid
 * exactly when it is valid with each run of those children alone in place.
 * libxml2 2.9's validator spends time quadratic in the number of children
 * of such a pattern (measured: 31k instructions per controller at 100, 72k at
 * 3000, 700k at 100 000), so pieces of SKELETON_PIECE keep it linear.  The
 * pieces are cut and restored by relinking sibling pointers: nothing is
 * allocated, so nothing can fail half-way.
 */
#define SKELETON_PIECE 64

struct held_children {
    xmlNode *devices;
    xmlNode *first, *last;
};

/* Empties every <devices> copy, remembering its children in `held`; returns how many. */
static size_t hold_children(xmlNode *root, struct held_children *held)
{
    xmlNode *child;
    size_t n = 0;

    for (child = root->children; child != NULL; child = child->next) {
        if (!is_element(child, "devices") || child->children == NULL)
            continue;
        held[n++] = (struct held_children){child, child->children, child->last};
        child->children = child->last = NULL;
    }
    return n;
}

static void restore_children(const struct held_children *held, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        held[i].devices->children = held[i].first;
        held[i].devices->last = held[i].last;
    }
}

/* Validates with `first`..up to SKELETON_PIECE siblings as the only children of their parent. */
static int validate_piece(xmlRelaxNGPtr schema, xmlDocPtr doc, const struct held_children *held,
                          xmlNode *first, xmlNode **next, struct schema_failure *failure)
{
    xmlNode *last = first, *prev = first->prev, *after;
    size_t count = 1;
    int rc;

    while (count < SKELETON_PIECE && last->next != NULL) {
        last = last->next;
        count++;
    }
    after = last->next;
    first->prev = NULL;
    last->next = NULL;
    held->devices->children = first;
    held->devices->last = last;
    rc = schema_validate(schema, doc, failure);
    held->devices->children = held->devices->last = NULL;
    first->prev = prev;
    last->next = after;
    *next = after;
    return rc;
}

int skeleton_validate(const struct skeleton *skeleton, xmlRelaxNGPtr schema,
                      struct schema_failure *failure)
{
    xmlNode *root = xmlDocGetRootElement(skeleton->doc), *child, *piece;
    struct held_children *held;
    size_t n = 0, children = 0, i;
    int rc;

    for (child = root->children; child != NULL; child = child->next)
        if (is_element(child, "devices")) {
            n++;
            children += xmlChildElementCount(child);
        }
    if (children <= SKELETON_PIECE)
        return schema_validate(schema, skeleton->doc, failure);
    if ((held = malloc(n * sizeof(*held))) == NULL)
        return -1;
    n = hold_children(root, held);
    /* The rest of the skeleton, with every <devices> empty, is checked once on its own. */
    rc = schema_validate(schema, skeleton->doc, failure);
    for (i = 0; i < n && rc == 0; i++)
        for (piece = held[i].first; piece != NULL && rc == 0;)
            rc = validate_piece(schema, skeleton->doc, &held[i], piece, &piece, failure);
    restore_children(held, n);
    free(held);
    return rc;
}
