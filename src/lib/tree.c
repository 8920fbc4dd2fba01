#include "tree.h"

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
