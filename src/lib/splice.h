/*
 * Writing the output: the input's bytes with some start tags rewritten.
 */
#ifndef DOMCOMPAT_SPLICE_H
#define DOMCOMPAT_SPLICE_H

#include "buf.h"
#include "sourcemap.h"

/*
 * Attributes of a start tag whose working arrays fit on the stack, here and
 * in rewrite.c; a tag with more has them allocated.
 */
#define SPLICE_SMALL_TAG 32

/* An attribute a rewritten start tag must end up with. */
struct splice_attr {
    const char *name;
    const char *value; /* unescaped */
};

/*
 * Renders `tag` (parsed from `data`) with exactly the attributes `want`
 * (in their order of preference), appending it to `out`:
 *   - attributes kept keep their place, spacing and quotes, and their raw
 *     value bytes when the value did not change;
 *   - attributes dropped go with the whitespace before them;
 *   - new attributes take the quote of their neighbour and go, in order:
 *     subType immediately before a kept model; otherwise into the place of
 *     the first dropped attribute; otherwise at the end.
 * `value_changed[i]` says whether source attribute i is kept with a new
 * value (the caller compares expanded values, which the raw bytes are not).
 * The whitespace before the tag's end is kept whatever `ending` says.
 */
/* How a rendered start tag ends. */
enum tag_ending {
    TAG_AS_WRITTEN,
    TAG_OPEN, /* ">": the element gains content */
    TAG_EMPTY /* "/>": the element lost all its content */
};

void splice_render_tag(struct buf *out, const char *data, const struct source_tag *tag,
                       const struct source_start_tag *parsed, const struct splice_attr *want,
                       size_t want_count, const bool *value_changed, enum tag_ending ending);

/* Appends `value` escaped for an attribute quoted with `quote`. */
void splice_escape_value(struct buf *out, const char *value, char quote);

#endif
