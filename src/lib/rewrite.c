#include "rewrite.h"

#include <stdlib.h>
#include <string.h>

#include "splice.h"
#include "tree.h"

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_element(const xmlNode *node)
{
    return node->type == XML_ELEMENT_NODE;
}

/* Whether an attribute has this local name and namespace (NULL: none). */
static bool named(const xmlAttr *attr, const xmlChar *name, const xmlChar *ns)
{
    if (!xmlStrEqual(attr->name, name))
        return false;
    if (attr->ns == NULL || ns == NULL)
        return attr->ns == NULL && ns == NULL;
    return xmlStrEqual(attr->ns->href, ns);
}

static const xmlAttr *find_attr(const xmlNode *node, const xmlChar *name, const xmlChar *ns)
{
    const xmlAttr *attr;

    for (attr = node->properties; attr != NULL; attr = attr->next)
        if (named(attr, name, ns))
            return attr;
    return NULL;
}

/* Whether `attr`'s expanded value is `value`; false when out of memory. */
static bool has_value(const xmlAttr *attr, const xmlChar *value)
{
    xmlChar *joined;
    const xmlChar *own = tree_attr_value(attr, &joined);
    bool same = own != NULL && xmlStrEqual(own, value ? value : BAD_CAST "");

    xmlFree(joined);
    return same;
}

/* ---- what a copy changes ------------------------------------------------------------ */

static bool same_value(const xmlAttr *a, const xmlAttr *b)
{
    xmlChar *joined;
    const xmlChar *value = tree_attr_value(b, &joined);
    bool same = has_value(a, value ? value : BAD_CAST "");

    xmlFree(joined);
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
        match = find_attr(orig, attr->name, attr->ns ? attr->ns->href : NULL);
        if (match == NULL || !same_value(match, attr))
            return true;
    }
    return orig_count != copy_count;
}

/* The copy of `orig_child` among `copy`'s children, or NULL if it was dropped. */
static const xmlNode *copy_of(const xmlNode *copy, const xmlNode *orig_child)
{
    const xmlNode *node;

    for (node = copy->children; node != NULL; node = node->next)
        if (is_element(node) && node->_private == orig_child)
            return node;
    return NULL;
}

/* A child the rules added: it copies nothing. */
static const xmlNode *added_child(const xmlNode *copy)
{
    const xmlNode *node;

    for (node = copy->children; node != NULL; node = node->next)
        if (is_element(node) && node->_private == NULL)
            return node;
    return NULL;
}

static bool rewrite_needed(const xmlNode *orig, const xmlNode *copy);

static bool children_differ(const xmlNode *orig, const xmlNode *copy)
{
    const xmlNode *child, *child_copy;

    if (added_child(copy) != NULL)
        return true;
    for (child = orig->children; child != NULL; child = child->next) {
        if (!is_element(child))
            continue;
        child_copy = copy_of(copy, child);
        if (child_copy == NULL || rewrite_needed(child, child_copy))
            return true;
    }
    return false;
}

static bool rewrite_needed(const xmlNode *orig, const xmlNode *copy)
{
    return attributes_differ(orig, copy) || children_differ(orig, copy);
}

/* Records `element`'s attributes; the no-namespace index as "own" when `own_index`. */
static int record_attrs(struct edit_attr **out, size_t *count, struct arena *arena,
                        const xmlNode *element, bool own_index)
{
    const xmlAttr *attr;
    size_t n = 0;

    for (attr = element->properties; attr != NULL; attr = attr->next)
        n++;
    *count = n;
    if ((*out = arena_alloc(arena, (n ? n : 1) * sizeof(**out))) == NULL)
        return -1;
    for (attr = element->properties, n = 0; attr != NULL; attr = attr->next, n++) {
        struct edit_attr *a = &(*out)[n];
        const char *name = (const char *)attr->name;
        xmlChar *joined;
        const xmlChar *value;

        a->name = arena_strdup(arena, name, (size_t)-1);
        a->ns = attr->ns ? arena_strdup(arena, (const char *)attr->ns->href, (size_t)-1) : NULL;
        if (attr->ns != NULL && attr->ns->prefix != NULL) {
            size_t prefix_len = strlen((const char *)attr->ns->prefix);
            char *written = arena_alloc(arena, prefix_len + 1 + strlen(name) + 1);

            if (written != NULL) {
                memcpy(written, attr->ns->prefix, prefix_len);
                written[prefix_len] = ':';
                strcpy(written + prefix_len + 1, name);
            }
            a->written = written;
        } else {
            a->written = a->name;
        }
        if (own_index && attr->ns == NULL && strcmp(name, "index") == 0)
            continue; /* value NULL: the element's own */
        value = tree_attr_value(attr, &joined);
        a->value = value ? arena_strdup(arena, (const char *)value, (size_t)-1) : NULL;
        xmlFree(joined);
        if (a->value == NULL)
            return -1;
    }
    return arena->failed ? -1 : 0;
}

int edit_build(struct edit *out, struct arena *arena, const xmlNode *orig, const xmlNode *copy,
               bool own_index)
{
    const xmlNode *child, *child_copy, *added = added_child(copy);
    size_t position, n = 0;

    memset(out, 0, sizeof(*out));
    out->attrs_differ = attributes_differ(orig, copy);
    for (child = orig->children; child != NULL; child = child->next)
        if (is_element(child) &&
            ((child_copy = copy_of(copy, child)) == NULL || rewrite_needed(child, child_copy)))
            n++;
    out->needed = out->attrs_differ || n > 0 || added != NULL;
    if (!out->needed)
        return 0;
    if (record_attrs(&out->attrs, &out->attr_count, arena, copy, own_index) != 0)
        return -1;
    if (n > 0 && (out->children = arena_alloc(arena, n * sizeof(*out->children))) == NULL)
        return -1;
    for (child = orig->children, position = 0; child != NULL; child = child->next) {
        struct edit_child *change;

        if (!is_element(child))
            continue;
        child_copy = copy_of(copy, child);
        if (child_copy == NULL || rewrite_needed(child, child_copy)) {
            change = &out->children[out->child_count++];
            change->position = position;
            change->removed = child_copy == NULL;
            if (child_copy != NULL &&
                edit_build(&change->edit, arena, child, child_copy, false) != 0)
                return -1;
        }
        position++;
    }
    if (added != NULL) {
        out->added = arena_strdup(arena, (const char *)added->name, (size_t)-1);
        if (out->added == NULL ||
            record_attrs(&out->added_attrs, &out->added_attr_count, arena, added, false) != 0)
            return -1;
    }
    return 0;
}

/* ---- writing it ---------------------------------------------------------------------- */

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

/* The change to the element child at `position`, or NULL. */
static const struct edit_child *change_at(const struct edit *edit, size_t position)
{
    size_t i;

    for (i = 0; i < edit->child_count; i++)
        if (edit->children[i].position == position)
            return &edit->children[i];
    return NULL;
}

/* The value `a` gives `orig`: the recorded one, or orig's own index (*joined to xmlFree). */
static const xmlChar *wanted_value(const xmlNode *orig, const struct edit_attr *a, xmlChar **joined)
{
    const xmlAttr *own;

    *joined = NULL;
    if (a->value != NULL)
        return BAD_CAST a->value;
    own = xmlHasNsProp(orig, BAD_CAST "index", NULL);
    return own ? tree_attr_value(own, joined) : NULL;
}

/* The start tag of `orig` with the edit's attributes and the given ending. */
static int render_start(struct buf *out, const struct rewrite_source *src, const xmlNode *orig,
                        size_t ordinal, const struct edit *edit, enum tag_ending ending)
{
    const struct source_tag *tag = &src->map->tags[ordinal];
    struct source_start_tag parsed;
    /* Most tags have a handful of attributes: their arrays live here, others' are allocated. */
    struct splice_attr small_want[SPLICE_SMALL_TAG], *want = small_want;
    xmlChar *small_joined[SPLICE_SMALL_TAG], **joined = small_joined;
    bool small_changed[SPLICE_SMALL_TAG], *changed = small_changed;
    size_t i, j, n = edit->attr_count;
    int rc;

    if (ending == TAG_AS_WRITTEN && !edit->attrs_differ) {
        buf_append(out, src->data + tag->start, tag->end - tag->start);
        return 0;
    }
    rc = source_start_tag_parse(&parsed, src->data, *tag);
    if (rc != 0)
        return rc;
    if (n >= SPLICE_SMALL_TAG) {
        want = calloc(n + 1, sizeof(*want));
        joined = calloc(n + 1, sizeof(*joined));
    } else {
        memset(small_joined, 0, sizeof(small_joined));
    }
    if (parsed.attr_count >= SPLICE_SMALL_TAG)
        changed = calloc(parsed.attr_count + 1, sizeof(*changed));
    else
        memset(small_changed, 0, sizeof(small_changed));
    if (want == NULL || joined == NULL || changed == NULL) {
        rc = -1;
        goto out;
    }
    for (i = 0; i < n; i++) {
        want[i].name = edit->attrs[i].written;
        want[i].value = (const char *)wanted_value(orig, &edit->attrs[i], &joined[i]);
        if (want[i].name == NULL || want[i].value == NULL) {
            rc = -1;
            goto out;
        }
    }
    /* Source attributes are matched by their written, prefixed name. */
    for (i = 0; i < parsed.attr_count; i++) {
        const struct source_attr *written = &parsed.attrs[i];

        for (j = 0; j < n; j++) {
            if (strlen(want[j].name) == written->name_len &&
                memcmp(src->data + written->name, want[j].name, written->name_len) == 0) {
                const xmlAttr *orig_attr =
                    find_attr(orig, BAD_CAST edit->attrs[j].name, BAD_CAST edit->attrs[j].ns);

                changed[i] = orig_attr == NULL || !has_value(orig_attr, BAD_CAST want[j].value);
            }
        }
    }
    splice_render_tag(out, src->data, tag, &parsed, want, n, changed, ending);
    rc = out->failed ? -1 : 0;
out:
    for (i = 0; i < n && joined != NULL; i++)
        xmlFree(joined[i]);
    if (want != small_want) {
        free(want);
        free(joined);
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
                         const struct edit *edit)
{
    char quote = '\'';
    const char *q = memchr(data + tag->start, '=', tag->end - tag->start);
    size_t i;

    if (q != NULL && (q[1] == '"' || q[1] == '\''))
        quote = q[1];
    buf_append_char(out, '<');
    buf_append_str(out, edit->added);
    for (i = 0; i < edit->added_attr_count; i++) {
        buf_append_char(out, ' ');
        buf_append_str(out, edit->added_attrs[i].name);
        buf_append_char(out, '=');
        buf_append_char(out, quote);
        splice_escape_value(out, edit->added_attrs[i].value, quote);
        buf_append_char(out, quote);
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

int rewrite_element(struct buf *out, const struct rewrite_source *src, const xmlNode *orig,
                    size_t ordinal, const struct edit *edit, const struct source_tag *parent)
{
    const struct source_tag *tag = &src->map->tags[ordinal];
    const char *data = src->data;
    bool self_closing = tag->close == tag->end, removed = false, own_line;
    const xmlNode *child;
    size_t pos = tag->end, child_ordinal = ordinal + 1, indent_start, position = 0, i;
    struct buf inner;
    int rc = 0;

    if (edit->child_count == 0 && edit->added == NULL) {
        rc = render_start(out, src, orig, ordinal, edit, TAG_AS_WRITTEN);
        buf_append(out, data + tag->end, tag->close_end - tag->end);
        return rc;
    }
    buf_init(&inner);
    own_line = line_indent(data, tag->start, &indent_start);

    if (edit->added != NULL) {
        const xmlNode *first = NULL;

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
        render_added(&inner, data, tag, edit);
    }

    for (child = orig->children; child != NULL && rc == 0; child = child->next) {
        const struct source_tag *child_tag;
        const struct edit_child *change;

        if (!is_element(child))
            continue;
        child_tag = &src->map->tags[child_ordinal];
        change = change_at(edit, position++);
        if (change != NULL && change->removed) {
            /* Gone, with the whitespace it stood on. */
            buf_append(&inner, data + pos, whitespace_before(data, child_tag->start, pos) - pos);
            pos = child_tag->close_end;
            removed = true;
        } else if (change != NULL) {
            buf_append(&inner, data + pos, child_tag->start - pos);
            rc = rewrite_element(&inner, src, child, child_ordinal, &change->edit, tag);
            pos = child_tag->close_end;
        }
        child_ordinal += element_count(child);
    }
    if (!self_closing)
        buf_append(&inner, data + pos, tag->close - pos);
    /* A failed append leaves `inner` short: it must not pass for an emptied element. */
    if (rc == 0 && inner.failed)
        rc = -1;

    if (rc == 0 && removed && edit->added == NULL) {
        for (i = 0; i < inner.len && is_space(inner.data[i]); i++)
            ;
        if (i == inner.len) {
            /* Nothing but whitespace is left: an empty-element tag again. */
            rc = render_start(out, src, orig, ordinal, edit, TAG_EMPTY);
            buf_free(&inner);
            return rc;
        }
    }
    if (rc == 0 && self_closing) {
        rc = render_start(out, src, orig, ordinal, edit, TAG_OPEN);
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
        rc = render_start(out, src, orig, ordinal, edit, TAG_AS_WRITTEN);
        buf_append(out, inner.data, inner.len);
        buf_append(out, data + tag->close, tag->close_end - tag->close);
    }
    if (rc == 0 && (inner.failed || out->failed))
        rc = -1;
    buf_free(&inner);
    return rc;
}
