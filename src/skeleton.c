#include "skeleton.h"

#include <stdlib.h>

static bool is_element(const xmlNode *node, const char *name)
{
    return node->type == XML_ELEMENT_NODE && node->ns == NULL &&
           xmlStrEqual(node->name, BAD_CAST name);
}

/* Points each copied element at its original, walking both trees together. */
static void link_originals(xmlNode *copy, xmlNode *original)
{
    while (copy != NULL && original != NULL) {
        if (copy->type == XML_ELEMENT_NODE) {
            copy->_private = original;
            link_originals(copy->children, original->children);
        }
        copy = copy->next;
        original = original->next;
    }
}

static size_t count_attributes(const xmlNode *node)
{
    const xmlAttr *attr;
    size_t n = 0;

    for (attr = node->properties; attr != NULL; attr = attr->next)
        n++;
    return n;
}

/*
 * Whether `copy` has every attribute (and, when `deep`, every element
 * below) of `node`: libxml2 2.9 returns a partial copy when an allocation
 * fails inside it, and a missing attribute would read as a removed one.
 */
static bool complete_copy(const xmlNode *node, const xmlNode *copy, bool deep)
{
    const xmlNode *a, *b;

    if (count_attributes(node) != count_attributes(copy))
        return false;
    if (!deep)
        return true;
    for (a = node->children, b = copy->children; a != NULL || b != NULL; a = a->next, b = b->next) {
        if (a == NULL || b == NULL || a->type != b->type)
            return false;
        if (a->type == XML_ELEMENT_NODE && !complete_copy(a, b, true))
            return false;
    }
    return true;
}

/*
 * Appends a copy of `node` to `parent`: with its subtree when `deep`,
 * else with its attributes and namespace declarations only.
 */
static xmlNode *append_copy(xmlNode *parent, xmlNode *node, bool deep)
{
    xmlNode *copy = xmlDocCopyNode(node, parent->doc, deep ? 1 : 2);

    if (copy == NULL)
        return NULL;
    if (!complete_copy(node, copy, deep)) {
        xmlFreeNode(copy);
        return NULL;
    }
    if (xmlAddChild(parent, copy) == NULL) {
        xmlFreeNode(copy);
        return NULL;
    }
    if (deep)
        link_originals(copy, node);
    else
        copy->_private = node;
    return copy;
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

/* Whether `node` is where controllers belong: a child of /domain/devices. */
static bool in_devices(const xmlNode *node)
{
    const xmlNode *devices = node->parent;

    return devices != NULL && is_element(devices, "devices") && devices->parent != NULL &&
           devices->parent->type == XML_ELEMENT_NODE && devices->parent->parent != NULL &&
           devices->parent->parent->type == XML_DOCUMENT_NODE;
}

/* Copies every controller outside /domain/devices under the skeleton's root. */
static int copy_misplaced(xmlNode *skeleton_root, xmlNode *root)
{
    xmlNode *node = root->children;

    /* Iterative walk: deep documents cannot overflow the stack. */
    while (node != NULL && node != root) {
        if (node->type == XML_ELEMENT_NODE && is_element(node, "controller") && !in_devices(node) &&
            append_copy(skeleton_root, node, true) == NULL)
            return -1;
        if (node->type == XML_ELEMENT_NODE && node->children != NULL) {
            node = node->children;
            continue;
        }
        while (node != root && node->next == NULL)
            node = node->parent;
        if (node != root)
            node = node->next;
    }
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
    skeleton_root = xmlDocCopyNode(root, out->doc, 2);
    if (skeleton_root == NULL)
        goto nomem;
    if (!complete_copy(root, skeleton_root, false)) {
        xmlFreeNode(skeleton_root);
        goto nomem;
    }
    xmlDocSetRootElement(out->doc, skeleton_root);
    skeleton_root->_private = root;

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
