#include "rewrite.h"

#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "skeleton.h"
#include "splice.h"

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_element(const xmlNode *node)
{
    return node->type == XML_ELEMENT_NODE;
}

static bool same_name(const xmlAttr *a, const xmlAttr *b)
{
    if (!xmlStrEqual(a->name, b->name))
        return false;
    if (a->ns == NULL || b->ns == NULL)
        return a->ns == b->ns;
    return xmlStrEqual(a->ns->href, b->ns->href);
}

static const xmlAttr *find_attr(const xmlNode *node, const xmlAttr *like)
{
    const xmlAttr *attr;

    for (attr = node->properties; attr != NULL; attr = attr->next)
        if (same_name(attr, like))
            return attr;
    return NULL;
}

static bool same_value(const xmlAttr *a, const xmlAttr *b)
{
    xmlChar *joined_a, *joined_b;
    const xmlChar *x = parse_attribute_value(a, &joined_a),
                  *y = parse_attribute_value(b, &joined_b);
    bool same = xmlStrEqual(x ? x : BAD_CAST "", y ? y : BAD_CAST "");

    xmlFree(joined_a);
    xmlFree(joined_b);
    return same;
}

static bool attributes_differ(const xmlNode *orig, const xmlNode *copy)
{
    const xmlAttr *attr, *match;
    size_t orig_count = 0, copy_count = 0;

    for (attr = orig->properties; attr != NULL; attr = attr->next)
        orig_count++;
    for (attr = copy->properties; attr != NULL; attr = attr->next) {
        copy_count++;
        match = find_attr(orig, attr);
        if (match == NULL || !same_value(match, attr))
            return true;
    }
    return orig_count != copy_count;
}

/* The copy of `orig_child` among `copy`'s children, or NULL if it was dropped. */
static xmlNode *copy_of(const xmlNode *copy, const xmlNode *orig_child)
{
    xmlNode *node;

    for (node = copy->children; node != NULL; node = node->next)
        if (is_element(node) && node->_private == orig_child)
            return node;
    return NULL;
}

/* A child the rules added: it copies nothing. */
static xmlNode *added_child(const xmlNode *copy)
{
    xmlNode *node;

    for (node = copy->children; node != NULL; node = node->next)
        if (is_element(node) && node->_private == NULL)
            return node;
    return NULL;
}

/* A child of the original that the copy does not hold: gone, or never copied. */
static bool dropped(const xmlNode *orig_child, enum rewrite_copy extent)
{
    return extent == REWRITE_WHOLE_COPY || skeleton_answer_child(orig_child);
}

static bool children_differ(xmlNode *orig, xmlNode *copy, enum rewrite_copy extent)
{
    xmlNode *child, *child_copy;

    if (added_child(copy) != NULL)
        return true;
    for (child = orig->children; child != NULL; child = child->next) {
        if (!is_element(child))
            continue;
        child_copy = copy_of(copy, child);
        if (child_copy == NULL ? dropped(child, extent)
                               : rewrite_needed(child, child_copy, REWRITE_WHOLE_COPY))
            return true;
    }
    return false;
}

bool rewrite_needed(xmlNode *orig, xmlNode *copy, enum rewrite_copy extent)
{
    return attributes_differ(orig, copy) || children_differ(orig, copy, extent);
}

/* How many elements `node`'s subtree holds, itself included: its extent in the map. */
static size_t element_count(const xmlNode *node)
{
    const xmlNode *child;
    size_t count = 1;

    for (child = node->children; child != NULL; child = child->next)
        if (is_element(child))
            count += element_count(child);
    return count;
}

/* The start tag of `orig` with `copy`'s attributes and the given ending. */
static int render_start(struct buf *out, const struct rewrite_source *src, const xmlNode *orig,
                        size_t ordinal, const xmlNode *copy, enum tag_ending ending)
{
    const struct source_tag *tag = &src->map->tags[ordinal];
    struct source_start_tag parsed;
    /* Most tags have a handful of attributes: their arrays live here, others' are allocated. */
    struct splice_attr small_want[SPLICE_SMALL_TAG], *want = small_want;
    xmlChar *small_values[SPLICE_SMALL_TAG], *small_names[SPLICE_SMALL_TAG],
        **values = small_values, **names = small_names;
    const xmlAttr *small_wanted[SPLICE_SMALL_TAG], **wanted_attrs = small_wanted;
    bool small_changed[SPLICE_SMALL_TAG], *changed = small_changed;
    const xmlAttr *attr;
    size_t i, n = 0;
    int rc;

    if (ending == TAG_AS_WRITTEN && !attributes_differ(orig, copy)) {
        buf_append(out, src->data + tag->start, tag->end - tag->start);
        return 0;
    }
    rc = source_start_tag_parse(&parsed, src->data, *tag);
    if (rc != 0)
        return rc;
    for (attr = copy->properties; attr != NULL; attr = attr->next)
        n++;
    if (n >= SPLICE_SMALL_TAG) {
        want = calloc(n + 1, sizeof(*want));
        values = calloc(n + 1, sizeof(*values));
        names = calloc(n + 1, sizeof(*names));
        wanted_attrs = calloc(n + 1, sizeof(*wanted_attrs));
    } else {
        memset(small_values, 0, sizeof(small_values));
        memset(small_names, 0, sizeof(small_names));
    }
    if (parsed.attr_count >= SPLICE_SMALL_TAG)
        changed = calloc(parsed.attr_count + 1, sizeof(*changed));
    else
        memset(small_changed, 0, sizeof(small_changed));
    if (want == NULL || values == NULL || names == NULL || wanted_attrs == NULL ||
        changed == NULL) {
        rc = -1;
        goto out;
    }
    for (attr = copy->properties, i = 0; attr != NULL; attr = attr->next, i++) {
        /* Source attributes are matched by their written, prefixed name. */
        bool prefixed = attr->ns && attr->ns->prefix;
        const xmlChar *value = parse_attribute_value(attr, &values[i]);

        /* Copies only where the name or value is not already one string (names/values own them). */
        names[i] = prefixed ? xmlBuildQName(attr->name, attr->ns->prefix, NULL, 0) : NULL;
        if ((prefixed && names[i] == NULL) || value == NULL) {
            rc = -1;
            goto out;
        }
        want[i].name = (const char *)(prefixed ? names[i] : attr->name);
        want[i].value = (const char *)value;
        wanted_attrs[i] = attr;
    }
    for (i = 0; i < parsed.attr_count; i++) {
        const struct source_attr *written = &parsed.attrs[i];
        size_t j;

        for (j = 0; j < n; j++) {
            if (strlen(want[j].name) == written->name_len &&
                memcmp(src->data + written->name, want[j].name, written->name_len) == 0) {
                const xmlAttr *orig_attr = find_attr(orig, wanted_attrs[j]);

                changed[i] = orig_attr == NULL || !same_value(orig_attr, wanted_attrs[j]);
            }
        }
    }
    splice_render_tag(out, src->data, tag, &parsed, want, n, changed, ending);
    rc = out->failed ? -1 : 0;
out:
    for (i = 0; i < n && names != NULL && values != NULL; i++) {
        xmlFree(names[i]);
        xmlFree(values[i]);
    }
    if (want != small_want) {
        free(names);
        free(values);
        free(want);
        free(wanted_attrs);
    }
    if (changed != small_changed)
        free(changed);
    source_start_tag_free(&parsed);
    return rc;
}

/* Start of the whitespace run that ends at `at`, not before `floor`. */
static size_t whitespace_before(const char *data, size_t at, size_t floor)
{
    while (at > floor && is_space(data[at - 1]))
        at--;
    return at;
}

/*
 * The indentation of the line a tag starts: true with [*start, at) the
 * spaces and tabs before it, when nothing else precedes it on its line.
 */
static bool line_indent(const char *data, size_t at, size_t *start)
{
    size_t i = at;

    while (i > 0 && (data[i - 1] == ' ' || data[i - 1] == '\t'))
        i--;
    *start = i;
    return i == 0 || data[i - 1] == '\n';
}

/* `<model name='I'/>`, quoted like the element's own attributes. */
static void render_added(struct buf *out, const char *data, const struct source_tag *tag,
                         const xmlNode *added)
{
    const xmlAttr *attr;
    char quote = '\'';
    const char *q = memchr(data + tag->start, '=', tag->end - tag->start);

    if (q != NULL && (q[1] == '"' || q[1] == '\''))
        quote = q[1];
    buf_append_char(out, '<');
    buf_append_str(out, (const char *)added->name);
    for (attr = added->properties; attr != NULL; attr = attr->next) {
        xmlChar *joined;
        const xmlChar *value = parse_attribute_value(attr, &joined);

        if (value == NULL) {
            out->failed = true; /* out of memory: never an empty value instead */
            break;
        }
        buf_append_char(out, ' ');
        buf_append_str(out, (const char *)attr->name);
        buf_append_char(out, '=');
        buf_append_char(out, quote);
        splice_escape_value(out, (const char *)value, quote);
        buf_append_char(out, quote);
        xmlFree(joined);
    }
    buf_append_str(out, "/>");
}

/*
 * The line break and indentation a new first child of the element at
 * `tag` takes when it has no child to copy them from: one step deeper than
 * the element, a step being what separates the element from its parent.
 */
static void new_line_indent(struct buf *out, const char *data, const struct source_tag *tag,
                            const struct source_tag *parent, bool deeper)
{
    size_t own, up = 0;
    bool own_ok = line_indent(data, tag->start, &own);
    bool up_ok = parent != NULL && line_indent(data, parent->start, &up);
    size_t own_len = tag->start - own;

    buf_append_str(out, own > 1 && data[own - 2] == '\r' ? "\r\n" : "\n");
    buf_append(out, data + own, own_len);
    if (!deeper)
        return;
    if (own_ok && up_ok && own_len > parent->start - up &&
        memcmp(data + up, data + own, parent->start - up) == 0)
        buf_append(out, data + own + (parent->start - up), own_len - (parent->start - up));
    else
        buf_append_str(out, "  ");
}

int rewrite_element(struct buf *out, const struct rewrite_source *src, xmlNode *orig,
                    size_t ordinal, xmlNode *copy, enum rewrite_copy extent,
                    const struct source_tag *parent)
{
    const struct source_tag *tag = &src->map->tags[ordinal];
    const char *data = src->data;
    bool self_closing = tag->close == tag->end, removed = false, own_line;
    xmlNode *added = added_child(copy), *child, *child_copy;
    size_t pos = tag->end, child_ordinal = ordinal + 1, indent_start, i;
    struct buf inner;
    int rc = 0;

    if (!children_differ(orig, copy, extent)) {
        rc = render_start(out, src, orig, ordinal, copy, TAG_AS_WRITTEN);
        buf_append(out, data + tag->end, tag->close_end - tag->end);
        return rc;
    }
    buf_init(&inner);
    own_line = line_indent(data, tag->start, &indent_start);

    if (added != NULL) {
        xmlNode *first = NULL;

        for (child = orig->children; child != NULL && first == NULL; child = child->next)
            if (is_element(child))
                first = child;
        if (first != NULL) {
            /* Indented like the first child, placed before it. */
            size_t first_start = src->map->tags[ordinal + 1].start;

            buf_append(&inner, data + whitespace_before(data, first_start, tag->end),
                       first_start - whitespace_before(data, first_start, tag->end));
        } else if (own_line &&
                   (self_closing || memchr(data + tag->end, '\n', tag->close - tag->end))) {
            new_line_indent(&inner, data, tag, parent, true);
        }
        render_added(&inner, data, tag, added);
    }

    for (child = orig->children; child != NULL && rc == 0; child = child->next) {
        const struct source_tag *child_tag;

        if (!is_element(child))
            continue;
        child_tag = &src->map->tags[child_ordinal];
        child_copy = copy_of(copy, child);
        if (child_copy == NULL && dropped(child, extent)) {
            /* Gone, with the whitespace it stood on. */
            buf_append(&inner, data + pos, whitespace_before(data, child_tag->start, pos) - pos);
            pos = child_tag->close_end;
            removed = true;
        } else if (child_copy != NULL && rewrite_needed(child, child_copy, REWRITE_WHOLE_COPY)) {
            buf_append(&inner, data + pos, child_tag->start - pos);
            rc = rewrite_element(&inner, src, child, child_ordinal, child_copy, REWRITE_WHOLE_COPY,
                                 tag);
            pos = child_tag->close_end;
        }
        child_ordinal += element_count(child);
    }
    if (!self_closing)
        buf_append(&inner, data + pos, tag->close - pos);
    /* A failed append leaves `inner` short: it must not pass for an emptied element. */
    if (rc == 0 && inner.failed)
        rc = -1;

    if (rc == 0 && removed && added == NULL) {
        for (i = 0; i < inner.len && is_space(inner.data[i]); i++)
            ;
        if (i == inner.len) {
            /* Nothing but whitespace is left: an empty-element tag again. */
            rc = render_start(out, src, orig, ordinal, copy, TAG_EMPTY);
            buf_free(&inner);
            return rc;
        }
    }
    if (rc == 0 && self_closing) {
        rc = render_start(out, src, orig, ordinal, copy, TAG_OPEN);
        buf_append(out, inner.data, inner.len);
        if (own_line)
            new_line_indent(out, data, tag, parent, false);
        buf_append_str(out, "</");
        if (orig->ns != NULL && orig->ns->prefix != NULL) {
            buf_append_str(out, (const char *)orig->ns->prefix);
            buf_append_char(out, ':');
        }
        buf_append_str(out, (const char *)orig->name);
        buf_append_char(out, '>');
    } else if (rc == 0) {
        rc = render_start(out, src, orig, ordinal, copy, TAG_AS_WRITTEN);
        buf_append(out, inner.data, inner.len);
        buf_append(out, data + tag->close, tag->close_end - tag->close);
    }
    if (rc == 0 && (inner.failed || out->failed))
        rc = -1;
    buf_free(&inner);
    return rc;
}
