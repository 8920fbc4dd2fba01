#include "sourcemap.h"

#include <stdlib.h>
#include <string.h>

static bool starts_with(const char *data, size_t len, size_t at, const char *prefix)
{
    size_t n = strlen(prefix);

    return n <= len - at && memcmp(data + at, prefix, n) == 0;
}

/* Offset one past `needle` at or after `from`, or 0 when absent. */
static size_t skip_past(const char *data, size_t len, size_t from, const char *needle)
{
    const char *hit;
    size_t n = strlen(needle);

    if (from > len)
        return 0;
    hit = memmem(data + from, len - from, needle, n);
    return hit ? (size_t)(hit - data) + n : 0;
}

/* Offset one past the '>' closing the start tag at `from`, or 0. */
static size_t start_tag_end(const char *data, size_t len, size_t from)
{
    size_t i = from;

    while (i < len) {
        char c = data[i];

        if (c == '"' || c == '\'') {
            const char *close = memchr(data + i + 1, c, len - i - 1);

            if (close == NULL)
                return 0;
            i = (size_t)(close - data) + 1;
        } else if (c == '>') {
            return i + 1;
        } else if (c == '<') {
            return 0;
        } else {
            i++;
        }
    }
    return 0;
}

size_t source_skip_markup(const char *data, size_t len, size_t at)
{
    /* Nearly every '<' opens a tag: only "<!" and "<?" can open anything else. */
    if (len - at < 2 || (data[at + 1] != '!' && data[at + 1] != '?'))
        return at;
    if (starts_with(data, len, at, "<!--"))
        return skip_past(data, len, at + 4, "-->");
    if (starts_with(data, len, at, "<![CDATA["))
        return skip_past(data, len, at + 9, "]]>");
    if (starts_with(data, len, at, "<?"))
        return skip_past(data, len, at + 2, "?>");
    return at;
}

static void push_tag(struct source_map_builder *b, size_t start, size_t end, bool closed)
{
    struct source_map *map = b->map;
    struct source_tag *tag;

    if (map->count == b->capacity) {
        size_t capacity = b->capacity ? b->capacity * 2 : 64;
        struct source_tag *tags = realloc(map->tags, capacity * sizeof(*tags));

        if (tags == NULL) {
            b->status = -1;
            return;
        }
        map->tags = tags;
        b->capacity = capacity;
    }
    tag = &map->tags[map->count++];
    tag->start = start;
    tag->end = end;
    tag->close = closed ? end : 0;
    tag->close_end = closed ? end : 0;
}

static void open_push(struct source_map_builder *b, size_t ordinal)
{
    if (b->depth == b->open_capacity) {
        size_t capacity = b->open_capacity ? b->open_capacity * 2 : 32;
        size_t *grown = realloc(b->open, capacity * sizeof(*grown));

        if (grown == NULL) {
            b->status = -1;
            return;
        }
        b->open = grown;
        b->open_capacity = capacity;
    }
    b->open[b->depth++] = ordinal;
}

void source_map_begin(struct source_map_builder *b, struct source_map *map)
{
    memset(b, 0, sizeof(*b));
    b->map = map;
    map->tags = NULL;
    map->count = 0;
}

void source_map_start_tag(struct source_map_builder *b, size_t start, size_t end, bool self_closing)
{
    if (b->status != 0)
        return;
    push_tag(b, start, end, self_closing);
    if (b->status == 0 && !self_closing)
        open_push(b, b->map->count - 1);
}

void source_map_end_tag(struct source_map_builder *b, size_t start, size_t end)
{
    struct source_tag *tag;

    if (b->status != 0)
        return;
    if (b->depth == 0) {
        b->status = -2;
        return;
    }
    tag = &b->map->tags[b->open[--b->depth]];
    tag->close = start;
    tag->close_end = end;
}

int source_map_finish(struct source_map_builder *b)
{
    int status = b->status != 0 ? b->status : b->depth != 0 ? -2 : 0;

    free(b->open);
    b->open = NULL;
    if (status != 0)
        source_map_free(b->map);
    return status;
}

int source_map_build(struct source_map *out, const char *data, size_t len)
{
    struct source_map_builder b;
    size_t i = 0, next;

    source_map_begin(&b, out);
    while (i < len && b.status == 0) {
        const char *lt = memchr(data + i, '<', len - i);

        if (lt == NULL)
            break;
        i = (size_t)(lt - data);
        if ((next = source_skip_markup(data, len, i)) != i) {
            /* a comment, CDATA section or processing instruction (0: it never ends) */
        } else if (starts_with(data, len, i, "</")) {
            next = skip_past(data, len, i + 2, ">");
            if (next != 0)
                source_map_end_tag(&b, i, next);
        } else if (starts_with(data, len, i, "<!")) {
            next = 0; /* a DOCTYPE: the parser refuses those before we get here */
        } else {
            next = start_tag_end(data, len, i + 1);
            if (next != 0)
                source_map_start_tag(&b, i, next, data[next - 2] == '/');
        }
        if (next == 0)
            b.status = -2;
        i = next;
    }
    return source_map_finish(&b);
}

size_t source_find_doctype(const char *data, size_t len)
{
    size_t i = 0, next;

    while (i < len) {
        const char *lt = memchr(data + i, '<', len - i);

        if (lt == NULL)
            break;
        i = (size_t)(lt - data);
        next = source_skip_markup(data, len, i);
        if (next == i)
            return starts_with(data, len, i, "<!DOCTYPE") ? i : len;
        if (next == 0)
            break;
        i = next;
    }
    return len;
}

void source_map_free(struct source_map *map)
{
    free(map->tags);
    map->tags = NULL;
    map->count = 0;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_name_end(char c)
{
    return is_space(c) || c == '=' || c == '/' || c == '>';
}

int source_start_tag_parse(struct source_start_tag *out, const char *data, struct source_tag tag)
{
    size_t i = tag.start + 1, cap = 0;
    size_t close = tag.end - 1; /* the '>' */

    memset(out, 0, sizeof(*out));
    if (close > tag.start + 1 && data[close - 1] == '/')
        close--;
    out->name = i;
    while (i < close && !is_name_end(data[i]))
        i++;
    out->name_len = i - out->name;
    if (out->name_len == 0)
        return -2;

    for (;;) {
        size_t lead = i, name, name_len;
        const char *quote_end;
        struct source_attr *attr;

        while (i < close && is_space(data[i]))
            i++;
        if (i == close) {
            out->tail = lead;
            return 0;
        }
        if (i == lead)
            goto bad; /* attributes are separated by whitespace */
        name = i;
        while (i < close && !is_name_end(data[i]))
            i++;
        name_len = i - name;
        while (i < close && is_space(data[i]))
            i++;
        if (name_len == 0 || i >= close || data[i] != '=')
            goto bad;
        i++;
        while (i < close && is_space(data[i]))
            i++;
        if (i >= close || (data[i] != '\'' && data[i] != '"'))
            goto bad;
        quote_end = memchr(data + i + 1, data[i], close - i - 1);
        if (quote_end == NULL)
            goto bad;

        if (out->attr_count == cap) {
            size_t new_cap = cap ? cap * 2 : 8;
            struct source_attr *attrs = realloc(out->attrs, new_cap * sizeof(*attrs));

            if (attrs == NULL) {
                source_start_tag_free(out);
                return -1;
            }
            out->attrs = attrs;
            cap = new_cap;
        }
        attr = &out->attrs[out->attr_count++];
        attr->lead = lead;
        attr->name = name;
        attr->name_len = name_len;
        attr->quote = data[i];
        attr->value = i + 1;
        attr->value_len = (size_t)(quote_end - data) - attr->value;
        attr->end = (size_t)(quote_end - data) + 1;
        i = attr->end;
    }
bad:
    source_start_tag_free(out);
    return -2;
}

bool source_attr_declares_namespace(const char *data, const struct source_attr *attr)
{
    return attr->name_len >= 5 && memcmp(data + attr->name, "xmlns", 5) == 0 &&
           (attr->name_len == 5 || data[attr->name + 5] == ':');
}

void source_start_tag_free(struct source_start_tag *tag)
{
    free(tag->attrs);
    tag->attrs = NULL;
    tag->attr_count = 0;
}

void source_cursor_init(struct source_cursor *cursor)
{
    cursor->offset = 0;
    cursor->line_start = 0;
    cursor->line = 1;
}

void source_cursor_position(struct source_cursor *cursor, const char *data, size_t offset,
                            unsigned long *line, unsigned long *column)
{
    unsigned long col = 1;
    size_t i;

    if (offset < cursor->offset)
        source_cursor_init(cursor);
    for (i = cursor->offset; i < offset;) {
        const char *nl = memchr(data + i, '\n', offset - i);

        if (nl == NULL)
            break;
        cursor->line++;
        i = (size_t)(nl - data) + 1;
        cursor->line_start = i;
    }
    cursor->offset = offset;
    /* Count characters, not bytes: skip UTF-8 continuation bytes. */
    for (i = cursor->line_start; i < offset; i++)
        if (((unsigned char)data[i] & 0xC0) != 0x80)
            col++;
    *line = cursor->line;
    *column = col;
}
