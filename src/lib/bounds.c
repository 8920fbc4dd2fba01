#include "bounds.h"

#include <stdio.h>
#include <string.h>

#include "error.h"
#include "sourcemap.h"

/* Offset one past the next '>' at or after `from`, or `len`. */
static size_t past_next_gt(const char *data, size_t len, size_t from)
{
    const char *gt = from < len ? memchr(data + from, '>', len - from) : NULL;

    return gt ? (size_t)(gt - data) + 1 : len;
}

static int exceeded(domcompat_error *err, const char *data, size_t at, const char *what,
                    size_t limit, const char *option)
{
    struct source_cursor cursor;
    unsigned long line, column;

    source_cursor_init(&cursor);
    source_cursor_position(&cursor, data, at, &line, &column);
    return error_set(err, DOMCOMPAT_EINVALID, line, column,
                     "%s exceeds the limit of %zu; expected a domain of ordinary size "
                     "(raise the limit with %s)",
                     what, limit, option);
}

/* The bytes of a start tag scan_start_tag() stops at; names and spaces are passed over. */
static const bool tag_stop[256] = {
    ['"'] = true, ['\''] = true, ['='] = true, ['>'] = true, ['<'] = true};

/*
 * Scans one start tag from `at` (its '<'): counts attributes and measures
 * values.  Returns the offset after it, or `len` when it does not end.
 */
static size_t scan_start_tag(const domcompat_limits *limits, const char *data, size_t len,
                             size_t at, bool *self_closing, int *rc, domcompat_error *err)
{
    size_t i = at + 1, attributes = 0;

    while (i < len) {
        char c;

        while (i < len && !tag_stop[(unsigned char)data[i]])
            i++;
        if (i == len)
            break;
        c = data[i];
        if (c == '"' || c == '\'') {
            const char *close = memchr(data + i + 1, c, len - i - 1);
            size_t value_len = close ? (size_t)(close - data) - i - 1 : len - i - 1;

            if (value_len > limits->max_attribute_length) {
                *rc = exceeded(err, data, i, "an attribute value's length",
                               limits->max_attribute_length, "--max-attribute-length");
                return len;
            }
            if (close == NULL)
                return len;
            i = (size_t)(close - data) + 1;
        } else if (c == '=') {
            if (++attributes > limits->max_attributes) {
                *rc = exceeded(err, data, at, "the number of attributes of one element",
                               limits->max_attributes, "--max-attributes");
                return len;
            }
            i++;
        } else if (c == '>') {
            *self_closing = i > at && data[i - 1] == '/';
            return i + 1;
        } else {
            return i; /* '<': not well-formed, the parser will say where */
        }
    }
    return len;
}

int bounds_check(const domcompat_limits *limits, const char *data, size_t len,
                 struct source_map_builder *tags, domcompat_error *err)
{
    size_t i = 0, depth = 0;
    int rc = DOMCOMPAT_OK;

    if (len > limits->max_size) {
        char what[64];

        snprintf(what, sizeof(what), "the document's size (%zu bytes)", len);
        return error_set(err, DOMCOMPAT_EINVALID, 0, 0,
                         "%s exceeds the limit of %zu bytes; expected a domain of ordinary size "
                         "(raise the limit with --max-size)",
                         what, limits->max_size);
    }
    while (i < len && rc == DOMCOMPAT_OK) {
        const char *lt = memchr(data + i, '<', len - i);
        bool self_closing = false;
        size_t next;

        if (lt == NULL)
            break;
        i = (size_t)(lt - data);
        if ((next = source_skip_markup(data, len, i)) != i) {
            i = next ? next : len; /* a comment, CDATA section or PI; 0: unterminated */
        } else if (i + 1 < len && data[i + 1] == '!') {
            i = past_next_gt(data, len, i + 2); /* a DOCTYPE: refused by the parser */
        } else if (i + 1 < len && data[i + 1] == '/') {
            size_t start = i;

            if (depth > 0)
                depth--;
            i = past_next_gt(data, len, i + 2);
            if (tags != NULL)
                source_map_end_tag(tags, start, i);
        } else {
            size_t start = i;

            i = scan_start_tag(limits, data, len, i, &self_closing, &rc, err);
            if (rc == DOMCOMPAT_OK && !self_closing && ++depth > limits->max_depth)
                rc = exceeded(err, data, start, "the nesting depth of elements", limits->max_depth,
                              "--max-depth");
            if (tags != NULL)
                source_map_start_tag(tags, start, i, self_closing);
        }
    }
    return rc;
}
