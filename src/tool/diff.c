/*
 * Unified diffs of a conversion, built from what the library says it changed.
 *
 * A conversion rewrites only its controllers' elements, and reports each one: where it starts
 * (line, column) and its bytes before and after (domcompat_change).  So the lines that differ
 * are known without searching the two texts: those each element's old and new bytes fall on.
 * Within one element, the lines both sides share (a <target> the rewrite kept, an end tag) are
 * context: the lines in common at both ends, then the longest run in common between them.  The
 * changed lines then slide along equal lines as diff slides them, changes with no unchanged line
 * between them are one change, written as its removed lines then its added ones, and changes
 * fewer than 2 * 3 + 1 unchanged lines apart share a hunk, as `diff -u` groups them.
 * tests/unit/test_diff.c holds the result to GNU diff's own on every fixture's conversion, and
 * tests/run-batch.sh applies it with `patch -p0`.
 */
#include "diff.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Lines of context around each change, as diff -u. */
#define CONTEXT 3
/* Lines of one element compared line by line at most: beyond, all of it is one change. */
#define MAX_COMPARED (1 << 20)

#define COLOR_HEADER "\033[1m"
#define COLOR_HUNK "\033[36m"
#define COLOR_REMOVED "\033[31m"
#define COLOR_ADDED "\033[32m"
#define COLOR_RESET "\033[m"

/* One of the two texts, split into lines.  Line numbers are 0-based here. */
struct side {
    const char *bytes;
    size_t len;
    size_t lines;
    size_t *starts; /* lines + 1 offsets: line i is bytes[starts[i], starts[i + 1]) */
};

/* A change: `removed` lines of the old text at old_line replaced by `added` at new_line. */
struct change {
    size_t old_line, new_line, removed, added;
};

struct changes {
    struct change *items;
    size_t count, capacity;
};

static int split_lines(struct side *side, const char *bytes, size_t len)
{
    size_t i, n = 0;

    side->bytes = bytes;
    side->len = len;
    for (i = 0; i < len; i++)
        n += bytes[i] == '\n';
    side->lines = n + (len > 0 && bytes[len - 1] != '\n');
    if ((side->starts = malloc((side->lines + 1) * sizeof(size_t))) == NULL) {
        errno = ENOMEM;
        return -1;
    }
    side->starts[0] = 0;
    for (i = 0, n = 1; i < len; i++)
        if (bytes[i] == '\n' && i + 1 < len)
            side->starts[n++] = i + 1;
    side->starts[side->lines] = len;
    return 0;
}

/* The line holding byte `offset` (the last line for the end). */
static size_t line_at(const struct side *side, size_t offset)
{
    size_t lo = 0, hi = side->lines;

    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;

        if (side->starts[mid] <= offset)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Where 1-based `line` and `column` (in characters) are, or len when past the end. */
static size_t offset_of(const struct side *side, unsigned long line, unsigned long column)
{
    size_t at;
    unsigned long n = 1;

    if (line == 0 || line > side->lines)
        return side->len;
    for (at = side->starts[line - 1]; at < side->len && n < column; at++)
        if (((unsigned char)side->bytes[at + 1] & 0xC0) != 0x80)
            n++;
    return at;
}

static int same_line(const struct side *a, size_t i, const struct side *b, size_t j)
{
    size_t la = a->starts[i + 1] - a->starts[i], lb = b->starts[j + 1] - b->starts[j];

    return la == lb && memcmp(a->bytes + a->starts[i], b->bytes + b->starts[j], la) == 0;
}

/* Appends a change, joined to the one before when no unchanged line separates them. */
static int add_change(struct changes *list, size_t old_line, size_t new_line, size_t removed,
                      size_t added)
{
    struct change *last = list->count ? &list->items[list->count - 1] : NULL;

    if (removed == 0 && added == 0)
        return 0;
    if (last != NULL && last->old_line + last->removed == old_line &&
        last->new_line + last->added == new_line) {
        last->removed += removed;
        last->added += added;
        return 0;
    }
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? 2 * list->capacity : 16;
        struct change *grown = realloc(list->items, capacity * sizeof(*grown));

        if (grown == NULL) {
            errno = ENOMEM;
            return -1;
        }
        list->items = grown;
        list->capacity = capacity;
    }
    list->items[list->count++] = (struct change){old_line, new_line, removed, added};
    return 0;
}

/*
 * Old lines [a0, a1) against new lines [b0, b1), which hold one element each side: the lines
 * both share at the ends are context, and between them the longest common run of lines.
 */
static int compare_lines(struct changes *list, const struct side *a, size_t a0, size_t a1,
                         const struct side *b, size_t b0, size_t b1)
{
    size_t n, m, i, j, *lcs;
    int rc = 0;

    while (a0 < a1 && b0 < b1 && same_line(a, a0, b, b0))
        a0++, b0++;
    while (a0 < a1 && b0 < b1 && same_line(a, a1 - 1, b, b1 - 1))
        a1--, b1--;
    n = a1 - a0;
    m = b1 - b0;
    if (n == 0 || m == 0 || (n + 1) * (m + 1) > MAX_COMPARED)
        return add_change(list, a0, b0, n, m);
    /* lcs[i * (m + 1) + j]: the longest common run of old lines from i and new lines from j. */
    if ((lcs = calloc((n + 1) * (m + 1), sizeof(*lcs))) == NULL) {
        errno = ENOMEM;
        return -1;
    }
    for (i = n; i-- > 0;)
        for (j = m; j-- > 0;)
            lcs[i * (m + 1) + j] = same_line(a, a0 + i, b, b0 + j)
                                       ? lcs[(i + 1) * (m + 1) + j + 1] + 1
                                   : lcs[(i + 1) * (m + 1) + j] >= lcs[i * (m + 1) + j + 1]
                                       ? lcs[(i + 1) * (m + 1) + j]
                                       : lcs[i * (m + 1) + j + 1];
    for (i = 0, j = 0; rc == 0 && (i < n || j < m);) {
        if (i < n && j < m && same_line(a, a0 + i, b, b0 + j) &&
            lcs[i * (m + 1) + j] == lcs[(i + 1) * (m + 1) + j + 1] + 1) {
            i++, j++;
        } else if (j == m || (i < n && lcs[(i + 1) * (m + 1) + j] >= lcs[i * (m + 1) + j + 1])) {
            rc = add_change(list, a0 + i, b0 + j, 1, 0);
            i++;
        } else {
            rc = add_change(list, a0 + i, b0 + j, 0, 1);
            j++;
        }
    }
    free(lcs);
    return rc;
}

/*
 * The changes, from the conversion's records: each element's old bytes at its position, its
 * new bytes as far along in the new text as everything before it has moved.  Elements that
 * share a line are compared together.
 */
static int find_changes(struct changes *list, const struct side *a, const struct side *b,
                        const domcompat_result *result)
{
    size_t i, n = domcompat_result_change_count(result);
    size_t a0 = 0, a1 = 0, b0 = 0, b1 = 0;
    ptrdiff_t moved = 0;
    int open = 0;

    for (i = 0; i < n; i++) {
        const domcompat_change *c = domcompat_result_change(result, i);
        size_t at = offset_of(a, c->line, c->column), before = strlen(c->before);
        size_t after = strlen(c->after), new_at = (size_t)((ptrdiff_t)at + moved);
        size_t first_a, last_a, first_b, last_b;

        if (at + before > a->len || new_at + after > b->len || before == 0 || after == 0) {
            errno = EINVAL; /* records that are not of these two texts */
            return -1;
        }
        first_a = line_at(a, at);
        last_a = line_at(a, at + before - 1) + 1;
        first_b = line_at(b, new_at);
        last_b = line_at(b, new_at + after - 1) + 1;
        moved += (ptrdiff_t)after - (ptrdiff_t)before;
        if (open && first_a < a1) {
            /* On a line of the element before: one comparison for both. */
            a1 = last_a;
            b1 = last_b;
            continue;
        }
        if (open && compare_lines(list, a, a0, a1, b, b0, b1) != 0)
            return -1;
        a0 = first_a, a1 = last_a, b0 = first_b, b1 = last_b;
        open = 1;
    }
    return open ? compare_lines(list, a, a0, a1, b, b0, b1) : 0;
}

/*
 * Sliding, as diff does.  A run of changed lines may as well start a line earlier when the line
 * before it equals its last one, or a line later when its first line equals the line after it:
 * the same lines change either way.  Each run moves up until it cannot, merging with runs before
 * it, then down, merging with runs after it, until it stops growing; last, if on the way down it
 * passed places where a change on the other side faces its end, it goes back up to the lowest
 * of them, so that removed and added lines show together.  `j` is the other side's line that
 * pairs with this side's line i, the first unchanged line after a run: unchanged lines pair in
 * order.  Both arrays have a 0 before their first line and after their last.
 */
static ptrdiff_t next_unchanged(const unsigned char *changed, ptrdiff_t j)
{
    while (changed[j])
        j++;
    return j;
}

static ptrdiff_t previous_unchanged(const unsigned char *changed, ptrdiff_t j)
{
    while (changed[j])
        j--;
    return j;
}

static int equal_lines(const struct side *side, ptrdiff_t x, ptrdiff_t y)
{
    return same_line(side, (size_t)x, side, (size_t)y);
}

static void slide_changes(unsigned char *changed, const unsigned char *other_changed,
                          const struct side *side)
{
    ptrdiff_t i = 0, j = 0, count = (ptrdiff_t)side->lines;

    for (;;) {
        ptrdiff_t start, length, facing;

        for (; i < count && !changed[i]; i++)
            j = next_unchanged(other_changed, j) + 1;
        if (i == count)
            break;
        start = i;
        while (changed[++i])
            continue;
        j = next_unchanged(other_changed, j);

        do {
            length = i - start;
            while (start > 0 && equal_lines(side, start - 1, i - 1)) {
                changed[--start] = 1;
                changed[--i] = 0;
                while (changed[start - 1])
                    start--;
                j = previous_unchanged(other_changed, j - 1);
            }
            /* `facing`: the furthest-down end of the run that faced a change, or count. */
            facing = other_changed[j - 1] ? i : count;
            while (i != count && equal_lines(side, start, i)) {
                changed[start++] = 0;
                changed[i++] = 1;
                while (changed[i])
                    i++;
                if (other_changed[j + 1])
                    facing = i;
                j = next_unchanged(other_changed, j + 1);
            }
        } while (length != i - start);

        while (facing < i) {
            changed[--start] = 1;
            changed[--i] = 0;
            j = previous_unchanged(other_changed, j - 1);
        }
    }
}

/* The changes again, from each side's changed lines once slid. */
static void collect_changes(struct changes *list, const unsigned char *a_changed, size_t a_count,
                            const unsigned char *b_changed, size_t b_count)
{
    size_t i = 0, j = 0;

    list->count = 0;
    while (i < a_count || j < b_count) {
        if (a_changed[i] || b_changed[j]) {
            struct change *c = &list->items[list->count++];

            c->old_line = i;
            c->new_line = j;
            while (a_changed[i])
                i++;
            while (b_changed[j])
                j++;
            c->removed = i - c->old_line;
            c->added = j - c->new_line;
        }
        /* Past the pair of unchanged lines after the change. */
        i++, j++;
    }
}

/* Slides the changes found as diff would, rewriting the list. */
static int slide(struct changes *list, const struct side *a, const struct side *b)
{
    unsigned char *flags_a = calloc(a->lines + 2, 1), *flags_b = calloc(b->lines + 2, 1);
    size_t k, n, most = 1;

    if (flags_a == NULL || flags_b == NULL) {
        free(flags_a);
        free(flags_b);
        errno = ENOMEM;
        return -1;
    }
    for (k = 0; k < list->count; k++) {
        for (n = 0; n < list->items[k].removed; n++)
            flags_a[1 + list->items[k].old_line + n] = 1;
        for (n = 0; n < list->items[k].added; n++)
            flags_b[1 + list->items[k].new_line + n] = 1;
    }
    slide_changes(flags_a + 1, flags_b + 1, a);
    slide_changes(flags_b + 1, flags_a + 1, b);
    /* Changes are separated by unchanged lines: never more than there were lines. */
    most = (a->lines < b->lines ? a->lines : b->lines) + 1;
    if (most > list->capacity) {
        struct change *grown = realloc(list->items, most * sizeof(*grown));

        if (grown == NULL) {
            free(flags_a);
            free(flags_b);
            errno = ENOMEM;
            return -1;
        }
        list->items = grown;
        list->capacity = most;
    }
    collect_changes(list, flags_a + 1, a->lines, flags_b + 1, b->lines);
    free(flags_a);
    free(flags_b);
    return 0;
}

/* --- output ----------------------------------------------------------------------------------- */

struct writer {
    FILE *to;
    int color;
    int error; /* the first write's errno, or 0 */
};

static void put(struct writer *w, const char *bytes, size_t length)
{
    if (w->error != 0 || length == 0)
        return;
    errno = 0;
    if (fwrite(bytes, 1, length, w->to) != length)
        w->error = errno != 0 ? errno : EIO;
}

static void put_string(struct writer *w, const char *s)
{
    put(w, s, strlen(s));
}

/* A line after its sign; `color` (or NULL) is reset before the newline. */
static void put_line(struct writer *w, char sign, const char *color, const struct side *side,
                     size_t line)
{
    const char *text = side->bytes + side->starts[line];
    size_t length = side->starts[line + 1] - side->starts[line];
    int complete = text[length - 1] == '\n';

    if (w->color && color != NULL)
        put_string(w, color);
    put(w, &sign, 1);
    put(w, text, length - complete);
    if (w->color && color != NULL)
        put_string(w, COLOR_RESET);
    put(w, "\n", 1);
    if (!complete)
        put_string(w, "\\ No newline at end of file\n");
}

/*
 * A hunk range of 0-based lines [first, first + count): "LINE" for one line, "FIRST,COUNT",
 * and for no lines the line before them with a count of 0, as diff writes it.
 */
static void format_range(char *out, size_t size, size_t first, size_t count)
{
    if (count == 0)
        snprintf(out, size, "%zu,0", first);
    else if (count == 1)
        snprintf(out, size, "%zu", first + 1);
    else
        snprintf(out, size, "%zu,%zu", first + 1, count);
}

/* One hunk: `changes` with the context around and between them. */
static void write_hunk(struct writer *w, const struct side *a, const struct side *b,
                       const struct change *changes, size_t count)
{
    const struct change *last = &changes[count - 1];
    size_t first_a = changes[0].old_line > CONTEXT ? changes[0].old_line - CONTEXT : 0;
    size_t first_b = changes[0].new_line > CONTEXT ? changes[0].new_line - CONTEXT : 0;
    size_t end_a = last->old_line + last->removed + CONTEXT;
    size_t end_b = last->new_line + last->added + CONTEXT;
    char range_a[64], range_b[64], header[160];
    size_t line = first_a, k, i;

    if (end_a > a->lines)
        end_a = a->lines;
    if (end_b > b->lines)
        end_b = b->lines;
    format_range(range_a, sizeof(range_a), first_a, end_a - first_a);
    format_range(range_b, sizeof(range_b), first_b, end_b - first_b);
    snprintf(header, sizeof(header), "@@ -%s +%s @@", range_a, range_b);
    if (w->color)
        put_string(w, COLOR_HUNK);
    put_string(w, header);
    if (w->color)
        put_string(w, COLOR_RESET);
    put(w, "\n", 1);

    for (i = 0; i < count; i++) {
        for (; line < changes[i].old_line; line++)
            put_line(w, ' ', NULL, a, line);
        for (k = 0; k < changes[i].removed; k++)
            put_line(w, '-', COLOR_REMOVED, a, changes[i].old_line + k);
        for (k = 0; k < changes[i].added; k++)
            put_line(w, '+', COLOR_ADDED, b, changes[i].new_line + k);
        line = changes[i].old_line + changes[i].removed;
    }
    for (; line < end_a; line++)
        put_line(w, ' ', NULL, a, line);
}

/*
 * A file name in a header line as GNU diff writes it, so that patch reads
 * it back: as it is when every byte is printable ASCII other than a space,
 * '"' and '\\'; otherwise in double quotes, with \\a \\b \\t \\n \\v \\f \\r,
 * \\" and \\\\ for those, and \\ooo (octal) for any other byte below 0x20 or
 * above 0x7F.  (Unquoted, patch would take "a b.xml" for "a".)
 */
static void put_label(struct writer *w, const char *label)
{
    static const char named[] = "\a\b\t\n\v\f\r", letters[] = "abtnvfr";
    const unsigned char *p;
    char escape[5];

    for (p = (const unsigned char *)label; *p != '\0'; p++)
        if (*p <= ' ' || *p == '"' || *p == '\\' || *p >= 0x80)
            break;
    if (*p == '\0') {
        put_string(w, label);
        return;
    }
    put(w, "\"", 1);
    for (p = (const unsigned char *)label; *p != '\0'; p++) {
        const char *known = strchr(named, *p);

        if (*p == '"' || *p == '\\')
            snprintf(escape, sizeof(escape), "\\%c", *p);
        else if (known != NULL)
            snprintf(escape, sizeof(escape), "\\%c", letters[known - named]);
        else if (*p < ' ' || *p >= 0x80)
            snprintf(escape, sizeof(escape), "\\%03o", *p);
        else
            snprintf(escape, sizeof(escape), "%c", *p);
        put_string(w, escape);
    }
    put(w, "\"", 1);
}

/* "--- OLD_LABEL" and "+++ NEW_LABEL", quoted as GNU diff quotes file names, no timestamps. */
static void write_header(struct writer *w, const char *old_label, const char *new_label)
{
    put_string(w, w->color ? COLOR_HEADER "--- " : "--- ");
    put_label(w, old_label);
    put_string(w, w->color ? COLOR_RESET "\n" COLOR_HEADER "+++ " : "\n+++ ");
    put_label(w, new_label);
    put_string(w, w->color ? COLOR_RESET "\n" : "\n");
}

static void write_diff(struct writer *w, const struct side *a, const struct side *b,
                       const struct changes *list)
{
    size_t start = 0, end;

    for (; start < list->count; start = end) {
        for (end = start + 1; end < list->count; end++) {
            const struct change *before = &list->items[end - 1];

            if (list->items[end].old_line - (before->old_line + before->removed) > 2 * CONTEXT)
                break;
        }
        write_hunk(w, a, b, list->items + start, end - start);
    }
}

int tool_diff_write(FILE *to, const char *old_label, const char *new_label, const char *old,
                    size_t old_len, const char *new_, size_t new_len,
                    const domcompat_result *result, int color)
{
    struct side a = {0}, b = {0};
    struct changes list = {NULL, 0, 0};
    struct writer w = {to, color, 0};
    int rc = -1, saved;

    if (old_len == new_len && (old_len == 0 || memcmp(old, new_, old_len) == 0))
        return 0;
    if (split_lines(&a, old, old_len) != 0 || split_lines(&b, new_, new_len) != 0 ||
        find_changes(&list, &a, &b, result) != 0 || slide(&list, &a, &b) != 0)
        goto cleanup;
    write_header(&w, old_label, new_label);
    write_diff(&w, &a, &b, &list);
    errno = 0;
    if (fflush(to) != 0 && w.error == 0)
        w.error = errno != 0 ? errno : EIO;
    if (w.error != 0) {
        errno = w.error;
        goto cleanup;
    }
    rc = 0;
cleanup:
    saved = errno;
    free(list.items);
    free(a.starts);
    free(b.starts);
    errno = saved;
    return rc;
}
