#include "bounds.h"

#include <stdint.h>
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

/* A limit exceeded: said without naming any program's option, which `fix` stands for. */
static int exceeded(domcompat_error *err, const char *data, size_t at, const char *what,
                    size_t limit, domcompat_fix fix)
{
    struct source_cursor cursor;
    unsigned long line, column;
    int rc;

    source_cursor_init(&cursor);
    source_cursor_position(&cursor, data, at, &line, &column);
    rc = error_set(err, DOMCOMPAT_EINVALID, line, column,
                   "%s exceeds the limit of %zu; expected a domain of ordinary size", what, limit);
    if (err != NULL)
        err->fix = fix;
    return rc;
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
                               limits->max_attribute_length, DOMCOMPAT_FIX_MAX_ATTRIBUTE_LENGTH);
                return len;
            }
            if (close == NULL)
                return len;
            i = (size_t)(close - data) + 1;
        } else if (c == '=') {
            if (++attributes > limits->max_attributes) {
                *rc = exceeded(err, data, at, "the number of attributes of one element",
                               limits->max_attributes, DOMCOMPAT_FIX_MAX_ATTRIBUTES);
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

/*
 * What domcompat's own conversions write in PCI controllers does not count
 * against the size limit, so that every output of a document within the
 * limit is read back under it (a 32 MiB legacy document upgrades to more
 * than 32 MiB).  The bytes not counted are those that differ between a
 * controller's three spellings, measured so that the legacy spelling
 * counts what it takes and the other two count exactly as much:
 *
 *   - a subType attribute, from the whitespace before it, and the bytes by
 *     which the model value beside it is longer than the subType value (the
 *     legacy model value); without a model beside it (a root bus), the two
 *     bytes by which "subType" is longer than "model";
 *   - a controller's first <model> child, with the whitespace before it, up
 *     to the longest one a conversion writes;
 *   - the end tag of a controller without another child element, with the
 *     whitespace before it, less the byte its empty-element tag takes.
 *
 * A conversion writes nothing else, so the counted size of its output is
 * never more than its input's (tests/run-batch.sh holds it to that).  What
 * is not counted is bounded: a document whose bytes are more than
 * bounds_size_cap() is refused before anything else.
 */
struct growth {
    size_t uncounted;
    size_t controller_depth; /* depth inside the outermost open controller, 0: none */
    bool model_seen, other_seen;
};

/* `<model name='I'/>` for the longest implementation, with room to spare. */
#define MODEL_CHILD_MAX 64
/* `</controller>` */
#define CONTROLLER_END_TAG 13

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Whether the tag at `at` ('<' or "</") is named `name`. */
static bool tag_named(const char *data, size_t len, size_t at, const char *name)
{
    size_t n = strlen(name);
    char after;

    if (at + n >= len || memcmp(data + at, name, n) != 0)
        return false;
    after = data[at + n];
    return is_space(after) || after == '/' || after == '>';
}

/* The whitespace that ends at `at`. */
static size_t whitespace_before(const char *data, size_t at)
{
    size_t i = at;

    while (i > 0 && is_space(data[i - 1]))
        i--;
    return at - i;
}

/* The bytes of a controller's start tag [start, end) that its legacy spelling does not have. */
static size_t controller_tag_growth(const char *data, size_t start, size_t end)
{
    size_t i = start + 1 + strlen("controller"), sub_bytes = 0, sub_value = 0, model_value = 0;
    bool sub = false, model = false;

    while (i < end) {
        size_t lead = i, name, name_len, value;
        const char *close;

        while (i < end && is_space(data[i]))
            i++;
        for (name = i;
             i < end && !is_space(data[i]) && data[i] != '=' && data[i] != '/' && data[i] != '>';
             i++)
            ;
        name_len = i - name;
        while (i < end && is_space(data[i]))
            i++;
        if (name_len == 0 || i >= end || data[i] != '=')
            break;
        for (i++; i < end && is_space(data[i]); i++)
            ;
        if (i >= end || (data[i] != '\'' && data[i] != '"') ||
            (close = memchr(data + i + 1, data[i], end - i - 1)) == NULL)
            break;
        value = (size_t)(close - data) - i - 1;
        i = (size_t)(close - data) + 1;
        if (name_len == 7 && memcmp(data + name, "subType", 7) == 0) {
            sub = true;
            sub_bytes = i - lead;
            sub_value = value;
        } else if (name_len == 5 && memcmp(data + name, "model", 5) == 0) {
            model = true;
            model_value = value;
        }
    }
    if (!sub)
        return 0;
    if (!model)
        return strlen("subType") - strlen("model");
    /* sub_bytes holds sub_value and more: never negative. */
    return sub_bytes - sub_value + model_value;
}

/* A start tag [start, end) at `depth` (before it opens). */
static void grow_start(struct growth *g, const char *data, size_t len, size_t start, size_t end,
                       size_t depth, bool self_closing)
{
    if (tag_named(data, len, start + 1, "controller"))
        g->uncounted += controller_tag_growth(data, start, end);
    if (g->controller_depth != 0 && depth == g->controller_depth) {
        if (!g->model_seen && tag_named(data, len, start + 1, "model")) {
            size_t tag = end - start;

            g->model_seen = true;
            g->uncounted +=
                whitespace_before(data, start) + (tag < MODEL_CHILD_MAX ? tag : MODEL_CHILD_MAX);
        } else {
            g->other_seen = true;
        }
    } else if (g->controller_depth == 0 && !self_closing &&
               tag_named(data, len, start + 1, "controller")) {
        g->controller_depth = depth + 1;
        g->model_seen = g->other_seen = false;
    }
}

/* An end tag [start, end) at `depth` (before it closes). */
static void grow_end(struct growth *g, const char *data, size_t start, size_t end, size_t depth)
{
    size_t tag = end - start;

    if (g->controller_depth == 0 || depth != g->controller_depth)
        return;
    g->controller_depth = 0;
    if (!g->other_seen)
        g->uncounted += whitespace_before(data, start) +
                        (tag < CONTROLLER_END_TAG ? tag : CONTROLLER_END_TAG) - 1;
}

size_t bounds_size_cap(size_t max_size)
{
    return max_size > SIZE_MAX / BOUNDS_SIZE_CAP_FACTOR ? SIZE_MAX
                                                        : max_size * BOUNDS_SIZE_CAP_FACTOR;
}

/* The size limit exceeded; what would fix it (raising the limit) is err->fix. */
static int too_large(domcompat_error *err, const domcompat_limits *limits, size_t len,
                     size_t uncounted)
{
    int rc;

    if (uncounted == 0)
        rc = error_set(err, DOMCOMPAT_EINVALID, 0, 0,
                       "the document's size (%zu bytes) exceeds the limit of %zu bytes; expected "
                       "a domain of ordinary size",
                       len, limits->max_size);
    else
        rc = error_set(err, DOMCOMPAT_EINVALID, 0, 0,
                       "the document's size (%zu bytes, %zu of them counted: not the %zu that "
                       "domcompat's conversions write in PCI controllers) exceeds the limit of "
                       "%zu bytes; expected a domain of ordinary size",
                       len, len - uncounted, uncounted, limits->max_size);
    if (err != NULL)
        err->fix = DOMCOMPAT_FIX_MAX_SIZE;
    return rc;
}

int bounds_check(const domcompat_limits *limits, const char *data, size_t len,
                 struct source_map_builder *tags, domcompat_error *err)
{
    size_t i = 0, depth = 0;
    int rc = DOMCOMPAT_OK;
    /* Within the limit, whatever is not counted: no need to measure it. */
    bool measuring = len > limits->max_size;
    struct growth growth = {0, 0, false, false};

    if (len > bounds_size_cap(limits->max_size)) {
        rc = error_set(err, DOMCOMPAT_EINVALID, 0, 0,
                       "the document's size (%zu bytes) exceeds the limit of %zu bytes, even "
                       "without what domcompat's conversions write in PCI controllers, which "
                       "never makes a document %d times as large; expected a domain of "
                       "ordinary size",
                       len, limits->max_size, BOUNDS_SIZE_CAP_FACTOR);
        if (err != NULL)
            err->fix = DOMCOMPAT_FIX_MAX_SIZE;
        return rc;
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

            i = past_next_gt(data, len, i + 2);
            if (measuring)
                grow_end(&growth, data, start, i, depth);
            if (depth > 0)
                depth--;
            if (tags != NULL)
                source_map_end_tag(tags, start, i);
        } else {
            size_t start = i;

            i = scan_start_tag(limits, data, len, i, &self_closing, &rc, err);
            if (rc == DOMCOMPAT_OK && measuring)
                grow_start(&growth, data, len, start, i, depth, self_closing);
            if (rc == DOMCOMPAT_OK && !self_closing && ++depth > limits->max_depth)
                rc = exceeded(err, data, start, "the nesting depth of elements", limits->max_depth,
                              DOMCOMPAT_FIX_MAX_DEPTH);
            if (tags != NULL)
                source_map_start_tag(tags, start, i, self_closing);
        }
    }
    if (rc == DOMCOMPAT_OK && measuring &&
        len - (growth.uncounted < len ? growth.uncounted : len) > limits->max_size)
        rc = too_large(err, limits, len, growth.uncounted);
    return rc;
}
