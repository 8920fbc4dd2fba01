/*
 * Where things are in the document's own bytes.
 *
 * libxml2's tree forgets quoting, attribute order, entity references and
 * everything between elements, so domcompat writes its output by copying
 * the input bytes and rewriting only the start tags that change.  This
 * module finds those start tags: it scans the raw bytes of a document that
 * libxml2 has already accepted as well-formed, so markup is unambiguous
 * (attribute values hold no '<', comments, CDATA sections and processing
 * instructions are skipped whole), and the n-th start tag found is the
 * n-th element of the tree in document order.
 */
#ifndef DOMCOMPAT_SOURCEMAP_H
#define DOMCOMPAT_SOURCEMAP_H

#include <stdbool.h>
#include <stddef.h>

/*
 * An element as written: its start tag is bytes [start, end), from '<' to
 * one past '>'; its end tag [close, close_end).  A self-closing element has
 * close == close_end == end.
 */
struct source_tag {
    size_t start;
    size_t end;
    size_t close;
    size_t close_end;
};

struct source_map {
    struct source_tag *tags; /* every element, in document order */
    size_t count;
};

/*
 * Scans `data`.  Returns 0, -1 when out of memory, or -2 when the bytes
 * do not have the shape of a well-formed document (a bug upstream: the
 * caller parsed them first).
 */
int source_map_build(struct source_map *out, const char *data, size_t len);
void source_map_free(struct source_map *map);

/*
 * The same map, built by a scan that reads every tag anyway (bounds.c), so
 * the bytes are read once: each start tag as it is met, each end tag as it
 * closes the innermost open element.  source_map_finish() ends it with
 * source_map_build()'s result (the map emptied unless 0).  Only for bytes
 * the parser then accepts: on others the map means nothing.
 */
struct source_map_builder {
    struct source_map *map;
    size_t capacity;
    size_t *open; /* open elements, innermost last, as ordinals into the map */
    size_t depth, open_capacity;
    int status; /* 0, or what source_map_finish() will return */
};

void source_map_begin(struct source_map_builder *b, struct source_map *map);
void source_map_start_tag(struct source_map_builder *b, size_t start, size_t end,
                          bool self_closing);
void source_map_end_tag(struct source_map_builder *b, size_t start, size_t end);
int source_map_finish(struct source_map_builder *b);

/*
 * At a '<' that opens a comment, a CDATA section or a processing
 * instruction, the offset one past its end (0 when it never ends);
 * elsewhere `at` itself.  The markup every raw scan must step over whole.
 */
size_t source_skip_markup(const char *data, size_t len, size_t at);

/*
 * Offset of the "<!DOCTYPE" that precedes the root element, skipping the
 * XML declaration, comments and processing instructions; `len` if none.
 */
size_t source_find_doctype(const char *data, size_t len);

/* One attribute of a start tag, as written. */
struct source_attr {
    size_t lead; /* the whitespace before the name starts here */
    size_t name; /* the name */
    size_t name_len;
    size_t value; /* the value, inside the quotes, unexpanded */
    size_t value_len;
    size_t end; /* one past the closing quote */
    char quote; /* ' or " */
};

struct source_start_tag {
    size_t name; /* the element name, after '<' */
    size_t name_len;
    size_t tail; /* whitespace before '>' or '/>' starts here */
    struct source_attr *attrs;
    size_t attr_count;
};

/* Whether the attribute is a namespace declaration (xmlns or xmlns:prefix), not in the tree's
 * attributes. */
bool source_attr_declares_namespace(const char *data, const struct source_attr *attr);

/* Splits a start tag into its parts.  Returns 0, -1 (memory) or -2 (shape). */
int source_start_tag_parse(struct source_start_tag *out, const char *data, struct source_tag tag);
void source_start_tag_free(struct source_start_tag *tag);

/*
 * Line and column (1-based; the column counts characters) of byte
 * offsets, computed incrementally: feed offsets in ascending order to
 * pay for each byte once.
 */
struct source_cursor {
    size_t offset;
    size_t line_start;
    unsigned long line;
};

void source_cursor_init(struct source_cursor *cursor);
void source_cursor_position(struct source_cursor *cursor, const char *data, size_t offset,
                            unsigned long *line, unsigned long *column);

#endif
