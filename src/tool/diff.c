/*
 * Unified diffs that read exactly like GNU diff's.
 *
 * Two texts usually have many shortest edit scripts, and a diff that picked another one would be
 * correct but would not read the same.  So this makes the choices GNU diff makes, in its order:
 *
 *  1. The window.  Identical leading and trailing bytes are set aside, except the 3 lines on
 *     either side of the difference, which stay in so that changes may slide into them.
 *  2. Equivalence classes.  Equal lines share a class; a last line without a newline equals only
 *     another last line without one.
 *  3. Discarding.  A line with no equal on the other side is changed without searching; a line
 *     with very many equals is left out of the search too when it sits among such lines.  The
 *     rewritten controllers this tool produces are unique lines, so the search below only sees
 *     the lines that stayed, and costs next to nothing however many controllers changed.
 *  4. The search, Myers' O(ND) middle-snake bisection, on the lines left.  A part whose cost
 *     passes about the square root of the input size (at least 4096) is split at the furthest
 *     point either direction reached, which bounds the time at the price of a longer script.
 *  5. Sliding.  A run of changed lines that could as well have started a line earlier or later
 *     slides to merge with other runs, then as far down as it goes, then back up to the last
 *     place where it faces a change on the other side.
 *  6. Hunks.  Changes fewer than 2 * 3 + 1 unchanged lines apart share a hunk.
 */
#include "diff.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Lines of context around each change, as diff -u. */
#define CONTEXT 3

#define COLOR_HEADER "\033[1m"
#define COLOR_HUNK "\033[36m"
#define COLOR_REMOVED "\033[31m"
#define COLOR_ADDED "\033[32m"
#define COLOR_RESET "\033[m"

/* One of the two texts, split into lines.  Line numbers are 0-based here. */
struct side {
    const char *bytes;
    size_t len;
    int incomplete; /* its last line has no newline */
    ptrdiff_t lines;
    size_t *starts; /* lines + 1 offsets: line i is bytes[starts[i], starts[i + 1]) */

    /* The window, lines [first, first + count), `first` being the same on both sides. */
    ptrdiff_t count;
    size_t *classes;        /* of each window line, from 1 */
    unsigned char *flags;   /* count + 2 */
    unsigned char *changed; /* flags + 1, so that changed[-1] and changed[count] are 0 */

    /* The window lines the search sees: their classes, and where each is in the window. */
    size_t *kept;
    ptrdiff_t *kept_at;
    ptrdiff_t kept_count;
};

/* A change: `removed` lines of the old text at old_line replaced by `added` at new_line. */
struct change {
    ptrdiff_t old_line, new_line, removed, added;
};

static void *alloc_array(size_t count, size_t size)
{
    void *p;

    if (count > SIZE_MAX / size) {
        errno = ENOMEM;
        return NULL;
    }
    p = malloc(count > 0 ? count * size : 1);
    if (p == NULL)
        errno = ENOMEM;
    return p;
}

static int floor_log2(size_t n)
{
    int bits = 0;

    while (n >>= 1)
        bits++;
    return bits;
}

/* --- lines ------------------------------------------------------------------------------------ */

static int split_lines(struct side *side, const char *bytes, size_t len)
{
    const char *p, *newline;
    ptrdiff_t line = 0;

    side->bytes = bytes;
    side->len = len;
    side->incomplete = len > 0 && bytes[len - 1] != '\n';
    for (p = bytes; len > 0 && (newline = memchr(p, '\n', len - (p - bytes))) != NULL;
         p = newline + 1)
        line++;
    side->lines = line + side->incomplete;
    side->starts = alloc_array(side->lines + 1, sizeof *side->starts);
    if (side->starts == NULL)
        return -1;
    side->starts[0] = 0;
    line = 0;
    for (p = bytes; len > 0 && (newline = memchr(p, '\n', len - (p - bytes))) != NULL;
         p = newline + 1)
        side->starts[++line] = newline + 1 - bytes;
    side->starts[side->lines] = len;
    return 0;
}

static const char *line_text(const struct side *side, ptrdiff_t line, size_t *length)
{
    *length = side->starts[line + 1] - side->starts[line];
    return side->bytes + side->starts[line];
}

/*
 * The text as diff reads it: a newline is added after an incomplete last line, and remembered
 * so that it never pairs with a real one.
 */
static size_t padded_len(const struct side *side)
{
    return side->len + side->incomplete;
}

static char padded_byte(const struct side *side, size_t at)
{
    return at < side->len ? side->bytes[at] : '\n';
}

/* The number of lines that end before `offset` of the padded text. */
static ptrdiff_t lines_before(const struct side *side, size_t offset)
{
    const char *p = side->bytes, *limit, *newline;
    ptrdiff_t lines = 0;

    if (offset > side->len)
        return side->lines;
    limit = side->bytes + offset;
    for (; p < limit && (newline = memchr(p, '\n', limit - p)) != NULL; p = newline + 1)
        lines++;
    return lines;
}

/* --- 1. the window ---------------------------------------------------------------------------- */

/*
 * Finds the lines worth comparing: *first, the same on both sides, and each side's count.  Only
 * bytes are compared here, so the first difference may be inside a line: the window starts at
 * that line, less CONTEXT lines.  It ends CONTEXT lines after the last difference, one more when
 * that is inside a line.  When one side lacks its final newline and the other does not, their
 * ends differ and nothing is set aside there.
 */
static void find_window(struct side *a, struct side *b, ptrdiff_t *first)
{
    size_t len_a = padded_len(a), len_b = padded_len(b);
    size_t shorter = len_a < len_b ? len_a : len_b;
    size_t same = 0, start, end_a = len_a, end_b = len_b;
    ptrdiff_t line;

    while (same < shorter && padded_byte(a, same) == padded_byte(b, same))
        same++;
    /* An added newline matched against a real one is a difference. */
    if ((len_a - a->incomplete < same) != (len_b - b->incomplete < same))
        same--;
    line = lines_before(a, same);
    *first = line > CONTEXT ? line - CONTEXT : 0;
    start = a->starts[*first];

    if (a->incomplete == b->incomplete) {
        /* The common suffix, not overlapping the common prefix on the longer side. */
        size_t stop = start + (len_a < len_b ? 0 : len_a - len_b), from;
        int at_line_start, keep;

        while (end_a != stop) {
            end_a--, end_b--;
            if (padded_byte(a, end_a) != padded_byte(b, end_b)) {
                end_a++, end_b++;
                break;
            }
        }
        at_line_start = (end_a == 0 || padded_byte(a, end_a - 1) == '\n') &&
                        (end_b == 0 || padded_byte(b, end_b - 1) == '\n');
        from = end_a;
        for (keep = CONTEXT + !at_line_start; keep > 0 && end_a != len_a; keep--)
            while (padded_byte(a, end_a++) != '\n')
                continue;
        end_b += end_a - from;
    }
    a->count = lines_before(a, end_a) - *first;
    b->count = lines_before(b, end_b) - *first;
}

/* --- 2. equivalence classes ------------------------------------------------------------------- */

/* Lines seen so far, in an open-addressing table of class numbers (0: empty slot). */
struct line_table {
    size_t *slots;
    size_t mask;
    const char **text; /* by class: one line of the class, its length and its hash */
    size_t *length;
    uint64_t *hash;
    size_t classes;
};

static uint64_t hash_line(const char *text, size_t length)
{
    uint64_t hash = 14695981039346656037u; /* FNV-1a */
    size_t i;

    for (i = 0; i < length; i++)
        hash = (hash ^ (unsigned char)text[i]) * 1099511628211u;
    return hash;
}

/*
 * The class of a line.  Lines are compared with their newline, so a last line without one never
 * equals a line that has one.
 */
static size_t class_of(struct line_table *table, const char *text, size_t length)
{
    uint64_t hash = hash_line(text, length);
    size_t at, class;

    for (at = (size_t)hash & table->mask;; at = (at + 1) & table->mask) {
        class = table->slots[at];
        if (class == 0)
            break;
        if (table->hash[class] == hash && table->length[class] == length &&
            memcmp(table->text[class], text, length) == 0)
            return class;
    }
    class = ++table->classes;
    table->slots[at] = class;
    table->text[class] = text;
    table->length[class] = length;
    table->hash[class] = hash;
    return class;
}

/* Gives each window line of both sides its class, and says how many classes there are. */
static int classify_lines(struct side *a, struct side *b, ptrdiff_t first, size_t *classes)
{
    struct line_table table = {0};
    size_t lines = (size_t)a->count + (size_t)b->count, capacity = 2;
    struct side *side;
    ptrdiff_t i;
    int rc = -1;

    while (capacity < 2 * lines)
        capacity *= 2;
    table.mask = capacity - 1;
    table.slots = calloc(capacity, sizeof *table.slots);
    table.text = alloc_array(lines + 1, sizeof *table.text);
    table.length = alloc_array(lines + 1, sizeof *table.length);
    table.hash = alloc_array(lines + 1, sizeof *table.hash);
    a->classes = alloc_array(a->count, sizeof *a->classes);
    b->classes = alloc_array(b->count, sizeof *b->classes);
    if (table.slots == NULL || table.text == NULL || table.length == NULL || table.hash == NULL ||
        a->classes == NULL || b->classes == NULL) {
        errno = ENOMEM;
        goto cleanup;
    }
    for (side = a; side != NULL; side = side == a ? b : NULL)
        for (i = 0; i < side->count; i++) {
            size_t length;
            const char *text = line_text(side, first + i, &length);

            side->classes[i] = class_of(&table, text, length);
        }
    *classes = table.classes;
    rc = 0;
cleanup:
    free(table.slots);
    free(table.text);
    free(table.length);
    free(table.hash);
    return rc;
}

/* --- 3. discarding ---------------------------------------------------------------------------- */

enum { KEEP, DISCARD, PROVISIONAL };

/*
 * First marks: DISCARD for a line with no equal on the other side, PROVISIONAL for one with
 * more equals there than about 5 * sqrt(count / 64).
 */
static void mark_lines(unsigned char *marks, const struct side *side, const size_t *other_counts)
{
    size_t many = 5;
    ptrdiff_t i;

    if (side->count >= 64)
        many <<= floor_log2((size_t)side->count) / 2 - 3;
    for (i = 0; i < side->count; i++) {
        size_t equals = other_counts[side->classes[i]];

        marks[i] = equals == 0 ? DISCARD : equals > many ? PROVISIONAL : KEEP;
    }
}

/*
 * From one end of a run of `length` lines (`step` 1: from its first line, -1: from its last),
 * keeps provisional lines until three discarded lines in a row, or a discarded line at least 8
 * lines in.
 */
static void keep_run_edge(unsigned char *edge, ptrdiff_t step, ptrdiff_t length)
{
    ptrdiff_t j, streak = 0;

    for (j = 0; j < length; j++) {
        unsigned char *mark = edge + j * step;

        if (j >= 8 && *mark == DISCARD)
            break;
        if (*mark == PROVISIONAL)
            *mark = KEEP;
        streak = *mark == DISCARD ? streak + 1 : 0;
        if (streak == 3)
            break;
    }
}

/*
 * Keeps the provisional lines that are not well inside a run of discarded lines: those outside
 * such runs or at their ends, all of a run's when they make up more than a quarter of it, long
 * stretches of them, and those before three discarded lines in a row (or the first one at least
 * 8 lines in) from either end of the run.
 */
static void settle_provisional(unsigned char *marks, ptrdiff_t count)
{
    ptrdiff_t i, j;

    for (i = 0; i < count; i++) {
        ptrdiff_t end, length, provisional = 0, longest_kept, k;

        if (marks[i] == PROVISIONAL)
            marks[i] = KEEP;
        if (marks[i] != DISCARD)
            continue;
        for (end = i; end < count && marks[end] != KEEP; end++)
            provisional += marks[end] == PROVISIONAL;
        while (marks[end - 1] == PROVISIONAL) {
            marks[--end] = KEEP;
            provisional--;
        }
        length = end - i;
        if (length >> 2 < provisional) {
            for (j = i; j < end; j++)
                if (marks[j] == PROVISIONAL)
                    marks[j] = KEEP;
            i = end - 1;
            continue;
        }

        /* Stretches of provisional lines longer than about sqrt(length / 4) are kept. */
        longest_kept = length < 4 ? 1 : (ptrdiff_t)1 << (floor_log2((size_t)length) / 2 - 1);
        for (j = i; j < end; j = k + 1) {
            for (k = j; k < end && marks[k] == PROVISIONAL; k++)
                continue;
            if (k - j > longest_kept)
                while (j < k)
                    marks[j++] = KEEP;
        }

        keep_run_edge(&marks[i], 1, length);
        keep_run_edge(&marks[end - 1], -1, length);
        i = end - 1;
    }
}

/* Marks the discarded lines changed and lists the others for the search. */
static int discard_lines(struct side *a, struct side *b, size_t classes)
{
    size_t *counts = calloc(2 * (classes + 1), sizeof *counts);
    unsigned char *marks = alloc_array((size_t)a->count + (size_t)b->count, 1);
    struct side *side;
    ptrdiff_t i;
    int rc = -1;

    if (counts == NULL || marks == NULL) {
        errno = ENOMEM;
        goto cleanup;
    }
    for (i = 0; i < a->count; i++)
        counts[a->classes[i]]++;
    for (i = 0; i < b->count; i++)
        counts[classes + 1 + b->classes[i]]++;
    mark_lines(marks, a, counts + classes + 1);
    mark_lines(marks + a->count, b, counts);
    settle_provisional(marks, a->count);
    settle_provisional(marks + a->count, b->count);

    for (side = a; side != NULL; side = side == a ? b : NULL) {
        const unsigned char *mark = side == a ? marks : marks + a->count;

        side->kept = alloc_array(side->count, sizeof *side->kept);
        side->kept_at = alloc_array(side->count, sizeof *side->kept_at);
        if (side->kept == NULL || side->kept_at == NULL)
            goto cleanup;
        side->kept_count = 0;
        for (i = 0; i < side->count; i++)
            if (mark[i] == KEEP) {
                side->kept[side->kept_count] = side->classes[i];
                side->kept_at[side->kept_count++] = i;
            } else {
                side->changed[i] = 1;
            }
    }
    rc = 0;
cleanup:
    free(counts);
    free(marks);
    return rc;
}

/* --- 4. the search ---------------------------------------------------------------------------- */

/*
 * Both directions of the search, over the kept lines x (old) and y (new).  The arrays are
 * indexed by diagonal x - y, from -(y count + 1) to x count + 1.
 */
struct search {
    const size_t *x, *y;
    ptrdiff_t *forward;  /* the furthest x reached on each diagonal from the top */
    ptrdiff_t *backward; /* the smallest x reached on each diagonal from the bottom */
    ptrdiff_t too_expensive;
};

/* A part of the edit grid still to compare, and whether its script must be shortest. */
struct part {
    ptrdiff_t x_start, x_end, y_start, y_end;
    int minimal;
};

/* Where a part is split, and whether each half must be compared minimally. */
struct split {
    ptrdiff_t x, y;
    int low_minimal, high_minimal;
};

/*
 * Where to split a part whose search costs too much: at the point the forward search took
 * furthest (largest x + y) or the one the backward search did, whichever got further.  Only the
 * half that search has covered is known to be minimal.
 */
static void give_up(const struct search *s, const struct part *p, ptrdiff_t fmin, ptrdiff_t fmax,
                    ptrdiff_t bmin, ptrdiff_t bmax, struct split *split)
{
    ptrdiff_t d, forward_best = -1, forward_x = 0, backward_best = PTRDIFF_MAX, backward_x = 0;

    for (d = fmax; d >= fmin; d -= 2) {
        ptrdiff_t x = s->forward[d] < p->x_end ? s->forward[d] : p->x_end, y = x - d;

        if (y > p->y_end) {
            x = p->y_end + d;
            y = p->y_end;
        }
        if (x + y > forward_best) {
            forward_best = x + y;
            forward_x = x;
        }
    }
    for (d = bmax; d >= bmin; d -= 2) {
        ptrdiff_t x = s->backward[d] > p->x_start ? s->backward[d] : p->x_start, y = x - d;

        if (y < p->y_start) {
            x = p->y_start + d;
            y = p->y_start;
        }
        if (x + y < backward_best) {
            backward_best = x + y;
            backward_x = x;
        }
    }
    if ((p->x_end + p->y_end) - backward_best < forward_best - (p->x_start + p->y_start)) {
        split->x = forward_x;
        split->y = forward_best - forward_x;
        split->low_minimal = 1;
        split->high_minimal = 0;
    } else {
        split->x = backward_x;
        split->y = backward_best - backward_x;
        split->low_minimal = 0;
        split->high_minimal = 1;
    }
}

/*
 * Finds where a shortest edit script of the part crosses its middle, searching from both corners
 * one edit at a time until the searches meet.  The part's first lines differ, and so do its last.
 */
static void find_split(const struct search *s, const struct part *p, struct split *split)
{
    const ptrdiff_t dmin = p->x_start - p->y_end, dmax = p->x_end - p->y_start;
    const ptrdiff_t fmid = p->x_start - p->y_start, bmid = p->x_end - p->y_end;
    const int odd = (fmid - bmid) % 2 != 0;
    ptrdiff_t *fd = s->forward, *bd = s->backward;
    ptrdiff_t fmin = fmid, fmax = fmid, bmin = bmid, bmax = bmid, cost, d;

    fd[fmid] = p->x_start;
    bd[bmid] = p->x_end;
    for (cost = 1;; cost++) {
        /* One more edit from the top: the band of diagonals widens where the grid allows. */
        if (fmin > dmin)
            fd[--fmin - 1] = -1;
        else
            fmin++;
        if (fmax < dmax)
            fd[++fmax + 1] = -1;
        else
            fmax--;
        for (d = fmax; d >= fmin; d -= 2) {
            ptrdiff_t x = fd[d - 1] < fd[d + 1] ? fd[d + 1] : fd[d - 1] + 1, y = x - d;

            while (x < p->x_end && y < p->y_end && s->x[x] == s->y[y])
                x++, y++;
            fd[d] = x;
            if (odd && bmin <= d && d <= bmax && bd[d] <= x) {
                split->x = x;
                split->y = y;
                split->low_minimal = split->high_minimal = 1;
                return;
            }
        }

        /* One more edit from the bottom. */
        if (bmin > dmin)
            bd[--bmin - 1] = PTRDIFF_MAX;
        else
            bmin++;
        if (bmax < dmax)
            bd[++bmax + 1] = PTRDIFF_MAX;
        else
            bmax--;
        for (d = bmax; d >= bmin; d -= 2) {
            ptrdiff_t x = bd[d - 1] < bd[d + 1] ? bd[d - 1] : bd[d + 1] - 1, y = x - d;

            while (x > p->x_start && y > p->y_start && s->x[x - 1] == s->y[y - 1])
                x--, y--;
            bd[d] = x;
            if (!odd && fmin <= d && d <= fmax && x <= fd[d]) {
                split->x = x;
                split->y = y;
                split->low_minimal = split->high_minimal = 1;
                return;
            }
        }

        if (!p->minimal && cost >= s->too_expensive) {
            give_up(s, p, fmin, fmax, bmin, bmax, split);
            return;
        }
    }
}

/* Marks changed the kept lines that a (near) shortest edit script removes or adds. */
static int search_changes(struct side *a, struct side *b)
{
    ptrdiff_t diagonals = a->kept_count + b->kept_count + 3;
    ptrdiff_t *space = alloc_array(2 * (size_t)diagonals, sizeof *space);
    struct part *stack = NULL;
    size_t depth = 0, capacity = 0;
    struct search s;
    int rc = -1;

    if (space == NULL)
        goto cleanup;
    s.x = a->kept;
    s.y = b->kept;
    s.forward = space + b->kept_count + 1;
    s.backward = space + diagonals + b->kept_count + 1;
    s.too_expensive = (ptrdiff_t)1 << (floor_log2((size_t)diagonals) / 2 + 1);
    if (s.too_expensive < 4096)
        s.too_expensive = 4096;

    /* Parts are independent, so a stack does what recursion would, without its depth. */
    capacity = 64;
    stack = alloc_array(capacity, sizeof *stack);
    if (stack == NULL)
        goto cleanup;
    stack[depth++] = (struct part){0, a->kept_count, 0, b->kept_count, 0};
    while (depth > 0) {
        struct part p = stack[--depth];
        struct split split;

        while (p.x_start < p.x_end && p.y_start < p.y_end && s.x[p.x_start] == s.y[p.y_start])
            p.x_start++, p.y_start++;
        while (p.x_start < p.x_end && p.y_start < p.y_end && s.x[p.x_end - 1] == s.y[p.y_end - 1])
            p.x_end--, p.y_end--;
        if (p.x_start == p.x_end) {
            for (; p.y_start < p.y_end; p.y_start++)
                b->changed[b->kept_at[p.y_start]] = 1;
            continue;
        }
        if (p.y_start == p.y_end) {
            for (; p.x_start < p.x_end; p.x_start++)
                a->changed[a->kept_at[p.x_start]] = 1;
            continue;
        }
        find_split(&s, &p, &split);
        if (depth + 2 > capacity) {
            struct part *grown = capacity > SIZE_MAX / 2 / sizeof *stack
                                     ? NULL
                                     : realloc(stack, 2 * capacity * sizeof *stack);

            if (grown == NULL) {
                errno = ENOMEM;
                goto cleanup;
            }
            stack = grown;
            capacity *= 2;
        }
        stack[depth++] = (struct part){p.x_start, split.x, p.y_start, split.y, split.low_minimal};
        stack[depth++] = (struct part){split.x, p.x_end, split.y, p.y_end, split.high_minimal};
    }
    rc = 0;
cleanup:
    free(space);
    free(stack);
    return rc;
}

/* --- 5. sliding ------------------------------------------------------------------------------- */

/*
 * In the loop below, `j` is the other side's line that pairs with this side's line i, the first
 * unchanged line after a run.  Unchanged lines pair in order, so stepping over one unchanged line
 * on this side steps over one on the other, and over the changed lines around it.
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

/*
 * Slides each run of changed lines of one side along equal lines.  A run [start, i) may move up
 * a line when the line before it equals its last one, and down when its first line equals the
 * line after it: the same lines change either way.  Moving up until it cannot merges it with
 * runs before it, then moving down merges it with runs after it and leaves it as low as it goes;
 * this repeats until the run stops growing.  Last, if on the way down it passed a place where a
 * change on the other side faces its end, it goes back up to the lowest such place, so that
 * removed and added lines show together.
 */
static void slide_changes(unsigned char *changed, const unsigned char *other_changed,
                          const size_t *classes, ptrdiff_t count)
{
    ptrdiff_t i = 0, j = 0;

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
            while (start > 0 && classes[start - 1] == classes[i - 1]) {
                changed[--start] = 1;
                changed[--i] = 0;
                while (changed[start - 1])
                    start--;
                j = previous_unchanged(other_changed, j - 1);
            }
            /* `facing`: the furthest-down end of the run that faced a change, or count. */
            facing = other_changed[j - 1] ? i : count;
            while (i != count && classes[start] == classes[i]) {
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

/* --- 6. output -------------------------------------------------------------------------------- */

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
static void put_line(struct writer *w, char sign, const char *color, const char *text,
                     size_t length)
{
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

static void put_side_line(struct writer *w, char sign, const char *color, const struct side *side,
                          ptrdiff_t line)
{
    size_t length;
    const char *text = line_text(side, line, &length);

    put_line(w, sign, color, text, length);
}

/*
 * A hunk range of 0-based lines [first, last]: "LINE" for one line, "FIRST,COUNT", and for no
 * lines the line before them with a count of 0, as diff writes it.
 */
static void format_range(char *out, size_t size, ptrdiff_t first, ptrdiff_t last)
{
    if (last < first)
        snprintf(out, size, "%td,0", last + 1);
    else if (last == first)
        snprintf(out, size, "%td", last + 1);
    else
        snprintf(out, size, "%td,%td", first + 1, last - first + 1);
}

/* One hunk: `changes` with the context around and between them. */
static void write_hunk(struct writer *w, const struct side *a, const struct side *b,
                       const struct change *changes, size_t count)
{
    const struct change *last = &changes[count - 1];
    ptrdiff_t first_a = changes[0].old_line > CONTEXT ? changes[0].old_line - CONTEXT : 0;
    ptrdiff_t first_b = changes[0].new_line > CONTEXT ? changes[0].new_line - CONTEXT : 0;
    ptrdiff_t last_a = last->old_line + last->removed - 1 + CONTEXT;
    ptrdiff_t last_b = last->new_line + last->added - 1 + CONTEXT;
    char range_a[64], range_b[64], header[160];
    ptrdiff_t line = first_a, k;
    size_t i;

    if (last_a > a->lines - 1)
        last_a = a->lines - 1;
    if (last_b > b->lines - 1)
        last_b = b->lines - 1;
    format_range(range_a, sizeof(range_a), first_a, last_a);
    format_range(range_b, sizeof(range_b), first_b, last_b);
    snprintf(header, sizeof(header), "@@ -%s +%s @@", range_a, range_b);
    if (w->color)
        put_string(w, COLOR_HUNK);
    put_string(w, header);
    if (w->color)
        put_string(w, COLOR_RESET);
    put(w, "\n", 1);

    for (i = 0; i < count; i++) {
        for (; line < changes[i].old_line; line++)
            put_side_line(w, ' ', NULL, a, line);
        for (k = 0; k < changes[i].removed; k++)
            put_side_line(w, '-', COLOR_REMOVED, a, changes[i].old_line + k);
        for (k = 0; k < changes[i].added; k++)
            put_side_line(w, '+', COLOR_ADDED, b, changes[i].new_line + k);
        line = changes[i].old_line + changes[i].removed;
    }
    for (; line <= last_a; line++)
        put_side_line(w, ' ', NULL, a, line);
}

/* The changes, in order, from the changed flags of the window; returns how many. */
static size_t collect_changes(struct change *changes, const struct side *a, const struct side *b,
                              ptrdiff_t first)
{
    ptrdiff_t i = 0, j = 0;
    size_t count = 0;

    while (i < a->count || j < b->count) {
        if (a->changed[i] || b->changed[j]) {
            struct change *c = &changes[count++];

            c->old_line = first + i;
            c->new_line = first + j;
            while (a->changed[i])
                i++;
            while (b->changed[j])
                j++;
            c->removed = first + i - c->old_line;
            c->added = first + j - c->new_line;
        }
        /* Past the pair of unchanged lines after the change. */
        i++, j++;
    }
    return count;
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

static void write_diff(struct writer *w, const char *old_label, const char *new_label,
                       const struct side *a, const struct side *b, const struct change *changes,
                       size_t count)
{
    size_t start = 0, end;

    put_string(w, w->color ? COLOR_HEADER "--- " : "--- ");
    put_label(w, old_label);
    put_string(w, w->color ? COLOR_RESET "\n" COLOR_HEADER "+++ " : "\n+++ ");
    put_label(w, new_label);
    put_string(w, w->color ? COLOR_RESET "\n" : "\n");
    for (; start < count; start = end) {
        for (end = start + 1; end < count; end++) {
            ptrdiff_t gap =
                changes[end].old_line - (changes[end - 1].old_line + changes[end - 1].removed);

            if (gap > 2 * CONTEXT)
                break;
        }
        write_hunk(w, a, b, changes + start, end - start);
    }
}

/* --- the diff --------------------------------------------------------------------------------- */

static void free_side(struct side *side)
{
    free(side->starts);
    free(side->classes);
    free(side->flags);
    free(side->kept);
    free(side->kept_at);
}

int tool_diff_write(FILE *to, const char *old_label, const char *new_label, const char *old,
                    size_t old_len, const char *new_, size_t new_len, int color)
{
    struct side a = {0}, b = {0};
    struct change *changes = NULL;
    struct writer w = {to, color, 0};
    ptrdiff_t first;
    size_t classes, count;
    int rc = -1, saved;

    if (old_len == new_len && (old_len == 0 || memcmp(old, new_, old_len) == 0))
        return 0;
    if (split_lines(&a, old, old_len) != 0 || split_lines(&b, new_, new_len) != 0)
        goto cleanup;
    find_window(&a, &b, &first);
    if (classify_lines(&a, &b, first, &classes) != 0)
        goto cleanup;
    a.flags = calloc((size_t)a.count + 2, 1);
    b.flags = calloc((size_t)b.count + 2, 1);
    if (a.flags == NULL || b.flags == NULL) {
        errno = ENOMEM;
        goto cleanup;
    }
    a.changed = a.flags + 1;
    b.changed = b.flags + 1;
    if (discard_lines(&a, &b, classes) != 0 || search_changes(&a, &b) != 0)
        goto cleanup;
    slide_changes(a.changed, b.changed, a.classes, a.count);
    slide_changes(b.changed, a.changed, b.classes, b.count);

    /* Changes are separated by unchanged lines, so there are fewer than either side has. */
    changes = alloc_array((size_t)(a.count < b.count ? a.count : b.count) + 1, sizeof *changes);
    if (changes == NULL)
        goto cleanup;
    count = collect_changes(changes, &a, &b, first);
    write_diff(&w, old_label, new_label, &a, &b, changes, count);
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
    free(changes);
    free_side(&a);
    free_side(&b);
    errno = saved;
    return rc;
}
