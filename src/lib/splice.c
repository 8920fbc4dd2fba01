#include "splice.h"

#include <stdlib.h>
#include <string.h>

static bool name_is(const char *data, const struct source_attr *attr, const char *name)
{
    return strlen(name) == attr->name_len && memcmp(data + attr->name, name, attr->name_len) == 0;
}

void splice_escape_value(struct buf *out, const char *value, char quote)
{
    const char *p;

    for (p = value; *p != '\0'; p++) {
        /* A run of plain bytes goes in one append. */
        size_t plain = strcspn(p, "&<\t\n\r'\"");

        if (plain > 0) {
            buf_append(out, p, plain);
            p += plain - 1;
            continue;
        }
        switch (*p) {
        case '&': buf_append_str(out, "&amp;"); break;
        case '<': buf_append_str(out, "&lt;"); break;
        /* Literal whitespace in a value would be normalised to a space on reading. */
        case '\t': buf_append_str(out, "&#9;"); break;
        case '\n': buf_append_str(out, "&#10;"); break;
        case '\r': buf_append_str(out, "&#13;"); break;
        case '\'': buf_append_str(out, quote == '\'' ? "&apos;" : "'"); break;
        case '"': buf_append_str(out, quote == '"' ? "&quot;" : "\""); break;
        default: buf_append_char(out, *p); break;
        }
    }
}

/*
 * Writes a new attribute spelled like `like`, the source attribute whose
 * place or neighbourhood it takes: the same whitespace before it, the same
 * bytes between name and value (" = '" as much as "='"), the same quote.
 */
static void emit_new(struct buf *out, const char *data, const struct source_attr *like,
                     const struct splice_attr *attr)
{
    if (like != NULL) {
        buf_append(out, data + like->lead, like->name - like->lead);
        buf_append_str(out, attr->name);
        buf_append(out, data + like->name + like->name_len,
                   like->value - like->name - like->name_len);
    } else {
        buf_append_str(out, " ");
        buf_append_str(out, attr->name);
        buf_append_str(out, "='");
    }
    splice_escape_value(out, attr->value, like ? like->quote : '\'');
    buf_append_char(out, like ? like->quote : '\'');
}

enum placement { PLACE_BEFORE_MODEL, PLACE_DROPPED_SLOT, PLACE_END };

void splice_render_tag(struct buf *out, const char *data, const struct source_tag *tag,
                       const struct source_start_tag *parsed, const struct splice_attr *want,
                       size_t want_count, const bool *value_changed, enum tag_ending ending)
{
    /*
     * Per source attribute, the wanted one of its name (or -1); per wanted
     * one, whether the source has it.
     */
    long small_match[SPLICE_SMALL_TAG], *match = small_match;
    bool small_written[SPLICE_SMALL_TAG], *written = small_written;
    long model = -1, first_dropped = -1;
    bool model_kept;
    size_t i, j;

    if (parsed->attr_count > SPLICE_SMALL_TAG || want_count > SPLICE_SMALL_TAG) {
        match = malloc((parsed->attr_count + 1) * sizeof(*match));
        written = calloc(want_count + 1, sizeof(*written));
        if (match == NULL || written == NULL) {
            out->failed = true;
            goto out;
        }
    } else {
        memset(small_written, 0, sizeof(small_written));
    }
    for (i = 0; i < parsed->attr_count; i++) {
        const struct source_attr *attr = &parsed->attrs[i];

        match[i] = -1;
        for (j = 0; j < want_count && match[i] < 0; j++)
            if (name_is(data, attr, want[j].name)) {
                match[i] = (long)j;
                written[j] = true;
            }
        if (model < 0 && name_is(data, attr, "model"))
            model = (long)i;
        /* Namespace declarations are not attributes of the tree: always kept as written. */
        if (first_dropped < 0 && match[i] < 0 && !source_attr_declares_namespace(data, attr))
            first_dropped = (long)i;
    }
    model_kept = model >= 0 &&
                 (match[model] >= 0 || source_attr_declares_namespace(data, &parsed->attrs[model]));

    /* '<name' */
    buf_append(out, data + tag->start, parsed->name + parsed->name_len - tag->start);

    for (i = 0; i < parsed->attr_count; i++) {
        const struct source_attr *attr = &parsed->attrs[i];
        bool keep = match[i] >= 0 || source_attr_declares_namespace(data, attr);

        /* New attributes that go here, before this source attribute or in its place. */
        for (j = 0; j < want_count; j++) {
            enum placement place;

            if (written[j])
                continue;
            if (strcmp(want[j].name, "subType") == 0 && model_kept)
                place = PLACE_BEFORE_MODEL;
            else if (first_dropped >= 0)
                place = PLACE_DROPPED_SLOT;
            else
                place = PLACE_END;
            if ((place == PLACE_BEFORE_MODEL && (long)i == model) ||
                (place == PLACE_DROPPED_SLOT && (long)i == first_dropped))
                emit_new(out, data, attr, &want[j]);
        }
        if (!keep)
            continue;

        /* Kept: everything up to the value as written, then the value. */
        buf_append(out, data + attr->lead, attr->value - attr->lead);
        if (match[i] >= 0 && value_changed[i])
            splice_escape_value(out, want[match[i]].value, attr->quote);
        else
            buf_append(out, data + attr->value, attr->value_len);
        buf_append_char(out, attr->quote);
    }

    /* New attributes with nowhere else to go follow the last one written. */
    for (j = 0; j < want_count; j++) {
        if (written[j])
            continue;
        if ((strcmp(want[j].name, "subType") == 0 && model_kept) || first_dropped >= 0)
            continue;
        emit_new(out, data, parsed->attr_count ? &parsed->attrs[parsed->attr_count - 1] : NULL,
                 &want[j]);
    }

    /* Whitespace as written, then '/>' or '>' as written or as asked. */
    if (ending == TAG_AS_WRITTEN) {
        buf_append(out, data + parsed->tail, tag->end - parsed->tail);
    } else {
        size_t close = data[tag->end - 2] == '/' ? tag->end - 2 : tag->end - 1;

        buf_append(out, data + parsed->tail, close - parsed->tail);
        buf_append_str(out, ending == TAG_OPEN ? ">" : "/>");
    }
out:
    if (match != small_match)
        free(match);
    if (written != small_written)
        free(written);
}
