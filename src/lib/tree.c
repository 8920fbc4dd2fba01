#include "tree.h"

#include <stdio.h>
#include <string.h>

bool tree_is(const xmlNode *node, const char *name)
{
    return node != NULL && node->type == XML_ELEMENT_NODE && node->ns == NULL &&
           xmlStrEqual(node->name, BAD_CAST name);
}

xmlNode *tree_child(const xmlNode *parent, const char *name)
{
    xmlNode *child;

    for (child = parent ? parent->children : NULL; child != NULL; child = child->next)
        if (tree_is(child, name))
            return child;
    return NULL;
}

xmlNode *tree_path(const xmlNode *parent, const char *path)
{
    const char *slash = strchr(path, '/');
    char first[64];

    if (slash == NULL)
        return tree_child(parent, path);
    snprintf(first, sizeof(first), "%.*s", (int)(slash - path), path);
    return tree_child(tree_child(parent, first), slash + 1);
}

const char *tree_attr(const xmlNode *node, const char *name)
{
    const xmlAttr *attr = xmlHasNsProp(node, BAD_CAST name, NULL);

    if (attr == NULL)
        return NULL;
    if (attr->children == NULL)
        return "";
    if (attr->children->next != NULL || attr->children->type != XML_TEXT_NODE)
        return NULL;
    return (const char *)attr->children->content;
}

const xmlChar *tree_attr_value(const xmlAttr *attr, xmlChar **joined)
{
    const xmlNode *text = attr->children;

    *joined = NULL;
    if (text == NULL)
        return BAD_CAST "";
    if (text->type == XML_TEXT_NODE && text->next == NULL && text->content != NULL)
        return text->content;
    *joined = xmlNodeListGetString(attr->doc, text, 1);
    return *joined;
}
