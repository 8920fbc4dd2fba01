#include "report.h"

#include <stdint.h>
#include <string.h>

#include "words.h"

/*
 * The character `p` starts with, if it is well-formed UTF-8 (no overlong
 * form, no surrogate, nothing past U+10FFFF): its length, and its code
 * point in *cp; 0 when it is not.
 */
static size_t utf8_char(const unsigned char *p, uint32_t *cp)
{
    size_t n, i;

    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    if (p[0] >= 0xC2 && p[0] <= 0xDF)
        n = 2, *cp = p[0] & 0x1F;
    else if (p[0] >= 0xE0 && p[0] <= 0xEF)
        n = 3, *cp = p[0] & 0x0F;
    else if (p[0] >= 0xF0 && p[0] <= 0xF4)
        n = 4, *cp = p[0] & 0x07;
    else
        return 0;
    for (i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        *cp = (*cp << 6) | (p[i] & 0x3F);
    }
    if ((n == 3 && *cp < 0x800) || (n == 4 && *cp < 0x10000) || *cp > 0x10FFFF ||
        (*cp >= 0xD800 && *cp <= 0xDFFF))
        return 0;
    return n;
}

/*
 * Characters that would break a one-line message or change how a terminal
 * shows it: C0 controls and DEL, C1 controls (U+0080 to U+009F, among them
 * the 8-bit CSI, U+009B), the bidirectional controls (U+061C, U+200E,
 * U+200F, U+202A to U+202E, U+2066 to U+2069) and the line and paragraph
 * separators (U+2028, U+2029).
 */
static int is_disruptive(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C || cp == 0x200E ||
           cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
           cp == 0x2028 || cp == 0x2029;
}

void report_put_text(FILE *to, const char *text)
{
    const unsigned char *p = (const unsigned char *)text;

    while (*p != '\0') {
        uint32_t cp;
        size_t n = utf8_char(p, &cp);

        if (n == 0)
            fprintf(to, "\\x%02x", *p);
        else if (!is_disruptive(cp))
            fwrite(p, 1, n, to);
        else if (cp == '\n' || cp == '\r' || cp == '\t')
            fputs(cp == '\n' ? "\\n" : cp == '\r' ? "\\r" : "\\t", to);
        else
            fprintf(to, cp < 0x80 ? "\\x%02x" : "\\u%04x", (unsigned)cp);
        p += n > 0 ? n : 1;
    }
}

/* "FILE:LINE:COLUMN: ", leaving out what is unknown. */
static void put_position(FILE *to, const char *file, unsigned long line, unsigned long column)
{
    if (line > 0 && column > 0)
        fprintf(to, "%s:%lu:%lu: ", file, line, column);
    else if (line > 0)
        fprintf(to, "%s:%lu: ", file, line);
    else
        fprintf(to, "%s: ", file);
}

void report_error(FILE *to, const char *file, const char *prefix, const domcompat_error *err)
{
    char worded[sizeof(err->message) + 64];

    put_position(to, file, err->line, err->column);
    fputs(prefix, to);
    report_put_text(to, words_error(err, worded, sizeof(worded)));
    fputc('\n', to);
}

int report_exit_status(int rc)
{
    switch (rc) {
    case DOMCOMPAT_OK: return EXIT_DONE;
    case DOMCOMPAT_EREFUSED: return EXIT_REFUSED;
    case DOMCOMPAT_EUSAGE: return EXIT_USAGE;
    case DOMCOMPAT_EINVALID: return EXIT_INVALID;
    default: return EXIT_FAILURE_IO;
    }
}

void report_failure(FILE *to, const char *file, int rc, const domcompat_error *err)
{
    report_error(to, file,
                 rc == DOMCOMPAT_EINTERNAL || rc == DOMCOMPAT_ENOMEM ? "internal error: " : "",
                 err);
}

void report_refusals(FILE *to, const char *file, const domcompat_result *result)
{
    char description[1024];
    size_t i;

    for (i = 0; i < domcompat_result_refusal_count(result); i++) {
        struct words_refusal worded;
        const domcompat_refusal *r = words_refusal(domcompat_result_refusal(result, i), &worded);

        domcompat_refusal_describe(r, description, sizeof(description));
        put_position(to, file, r->line, r->column);
        report_put_text(to, description);
        if (r->hint != NULL) {
            fputs("; to convert it: ", to);
            report_put_text(to, r->hint);
        }
        fputc('\n', to);
    }
}

void report_refused_document(FILE *to, const char *file, const domcompat_result *result,
                             const char *outcome, int nothing_written)
{
    size_t count = domcompat_result_refusal_count(result);
    const domcompat_refusal *first = domcompat_result_refusal(result, 0);

    fprintf(to, "%s: %s for %s: %zu problem%s%s\n", file, outcome,
            first != NULL && first->target != NULL ? first->target : "the peer", count,
            count == 1 ? "" : "s", nothing_written ? "; nothing written" : "");
}

void report_losses(FILE *to, const char *file, const domcompat_result *result)
{
    size_t i;

    for (i = 0; i < domcompat_result_loss_count(result); i++) {
        const domcompat_loss *loss = domcompat_result_loss(result, i);
        char text[2048];

        if (loss->why != NULL)
            snprintf(text, sizeof(text), "dropped %s from PCI controller %s%s (%s), %s", loss->what,
                     loss->index ? "index " : "", loss->index ? loss->index : "with no index",
                     loss->kind, loss->why);
        else
            snprintf(text, sizeof(text),
                     "dropped %s from PCI controller %s%s (%s), which the peer does not parse "
                     "(first in libvirt %s)",
                     loss->what, loss->index ? "index " : "",
                     loss->index ? loss->index : "with no index", loss->kind, loss->since);
        put_position(to, file, loss->line, loss->column);
        report_put_text(to, text);
        fputc('\n', to);
    }
}

void report_replacements(FILE *to, const char *file, const domcompat_result *result)
{
    size_t i;

    for (i = 0; i < domcompat_result_replacement_count(result); i++) {
        const domcompat_replacement *r = domcompat_result_replacement(result, i);
        char text[2048];

        snprintf(text, sizeof(text),
                 "replaced %s by %s in PCI controller %s%s (%s): the guest will see %s%s%s%s "
                 "instead of %s%s%s%s",
                 r->from, r->to, r->index ? "index " : "", r->index ? r->index : "with no index",
                 r->kind, r->to, r->to_pci_id ? " (PCI ID " : "", r->to_pci_id ? r->to_pci_id : "",
                 r->to_pci_id ? ")" : "", r->from, r->from_pci_id ? " (PCI ID " : "",
                 r->from_pci_id ? r->from_pci_id : "", r->from_pci_id ? ")" : "");
        put_position(to, file, r->line, r->column);
        report_put_text(to, text);
        fputc('\n', to);
    }
}

/*
 * A JSON string: quotes and backslashes escaped, and every character
 * report_put_text() escapes written \uXXXX (or \n, \r, \t), so that a
 * report read by a person shows what messages show; bytes that are not
 * UTF-8 replaced by U+FFFD.
 */
void report_json_string(FILE *to, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    if (s == NULL) {
        fputs("null", to);
        return;
    }
    fputc('"', to);
    while (*p != '\0') {
        uint32_t cp;
        size_t n = utf8_char(p, &cp);

        if (n == 0)
            fputs("\\ufffd", to);
        else if (cp == '"' || cp == '\\')
            fprintf(to, "\\%c", (char)cp);
        else if (cp == '\n' || cp == '\r' || cp == '\t')
            fputs(cp == '\n' ? "\\n" : cp == '\r' ? "\\r" : "\\t", to);
        else if (is_disruptive(cp))
            fprintf(to, "\\u%04x", (unsigned)cp);
        else
            fwrite(p, 1, n, to);
        p += n > 0 ? n : 1;
    }
    fputc('"', to);
}

/* A line or column: null when there is none (an I/O error, say), never 0. */
static void json_position(FILE *to, unsigned long value)
{
    if (value > 0)
        fprintf(to, "%lu", value);
    else
        fputs("null", to);
}

/* A JSON member "name": "string", after a comma unless it is the first. */
static void json_member(FILE *to, int first, const char *name, const char *value)
{
    fprintf(to, "%s\"%s\": ", first ? "" : ", ", name);
    report_json_string(to, value);
}

/* A record's position, its first members: "line": N, "column": N. */
static void json_record_position(FILE *to, unsigned long line, unsigned long column)
{
    fprintf(to, "\"line\": %lu, \"column\": %lu, ", line, column);
}

static void json_loss(FILE *to, const domcompat_loss *loss)
{
    fputs("{", to);
    json_record_position(to, loss->line, loss->column);
    json_member(to, 1, "what", loss->what);
    json_member(to, 0, "since", loss->since);
    json_member(to, 0, "why", loss->why);
    fputs("}", to);
}

static int same_index(const char *a, const char *b)
{
    return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

/* Change `i`, with the losses made in the same controller. */
static void json_change(FILE *to, const domcompat_result *result, size_t i)
{
    const domcompat_change *c = domcompat_result_change(result, i);
    int first_loss = 1;
    size_t j;

    json_record_position(to, c->line, c->column);
    json_member(to, 1, "index", c->index);
    json_member(to, 0, "kind", c->kind);
    json_member(to, 0, "rule", c->rule);
    json_member(to, 0, "before", c->before);
    json_member(to, 0, "after", c->after);
    fputs(", \"losses\": [", to);
    for (j = 0; j < domcompat_result_loss_count(result); j++) {
        const domcompat_loss *loss = domcompat_result_loss(result, j);

        if (!same_index(loss->index, c->index) || strcmp(loss->kind, c->kind) != 0)
            continue;
        fputs(first_loss ? "" : ", ", to);
        json_loss(to, loss);
        first_loss = 0;
    }
    fputs("]", to);
}

static void json_replacement(FILE *to, const domcompat_result *result, size_t i)
{
    const domcompat_replacement *r = domcompat_result_replacement(result, i);

    json_record_position(to, r->line, r->column);
    json_member(to, 1, "index", r->index);
    json_member(to, 0, "kind", r->kind);
    json_member(to, 0, "from", r->from);
    json_member(to, 0, "to", r->to);
    json_member(to, 0, "from_pci_id", r->from_pci_id);
    json_member(to, 0, "to_pci_id", r->to_pci_id);
}

static void json_refusal(FILE *to, const domcompat_result *result, size_t i)
{
    struct words_refusal worded;
    const domcompat_refusal *r = words_refusal(domcompat_result_refusal(result, i), &worded);

    json_record_position(to, r->line, r->column);
    json_member(to, 1, "index", r->index);
    json_member(to, 0, "kind", r->kind);
    json_member(to, 0, "implementation", r->implementation);
    json_member(to, 0, "rule", r->rule);
    fprintf(to, ", \"loss\": %s", r->loss ? "true" : "false");
    json_member(to, 0, "what", r->reason);
    json_member(to, 0, "since", r->since);
    json_member(to, 0, "hint", r->hint);
}

/* The member "name": [...] of a document, one record a line, each written by `record`. */
static void json_records(FILE *to, const char *name, size_t count, const domcompat_result *result,
                         void (*record)(FILE *, const domcompat_result *, size_t))
{
    size_t i;

    fprintf(to, ", \"%s\": [", name);
    for (i = 0; i < count; i++) {
        fputs(i ? ",\n    {" : "\n    {", to);
        record(to, result, i);
        fputs("}", to);
    }
    fputs(count ? "\n  ]" : "]", to);
}

void report_json_document(FILE *to, const struct report_document *doc)
{
    char worded[sizeof(doc->error->message) + 64];

    fputs("  {", to);
    json_member(to, 1, "path", doc->path);
    if (doc->has_output)
        json_member(to, 0, "output", doc->output);
    json_member(to, 0, "outcome", doc->outcome);
    fprintf(to, ", \"exit\": %d", doc->status);
    if (doc->has_output)
        fprintf(to, ", \"written\": %s", doc->written ? "true" : "false");
    if (doc->skipped != NULL)
        json_member(to, 0, "skipped", doc->skipped);
    if (doc->with_changes)
        json_records(to, "changes", doc->result ? domcompat_result_change_count(doc->result) : 0,
                     doc->result, json_change);
    if (doc->with_replacements)
        json_records(to, "replacements",
                     doc->result ? domcompat_result_replacement_count(doc->result) : 0, doc->result,
                     json_replacement);
    json_records(to, "refusals", doc->result ? domcompat_result_refusal_count(doc->result) : 0,
                 doc->result, json_refusal);
    if (doc->error != NULL) {
        fputs(", \"error\": {\"line\": ", to);
        json_position(to, doc->error->line);
        fputs(", \"column\": ", to);
        json_position(to, doc->error->column);
        json_member(to, 0, "message", words_error(doc->error, worded, sizeof(worded)));
        fputs("}", to);
    }
    if (doc->diff != NULL)
        json_member(to, 0, "diff", doc->diff);
    fputs("}", to);
}

void report_json_begin(FILE *to, const char *command)
{
    fputs("{", to);
    json_member(to, 1, "command", command);
    fputs(", \"documents\": [", to);
}

void report_json_end(FILE *to, size_t documents, const struct report_tally *tally, int status)
{
    size_t i;

    fputs(documents ? "\n  ],\n  \"summary\": {" : "],\n  \"summary\": {", to);
    fprintf(to, "\"documents\": %zu", documents);
    for (i = 0; i < tally->count; i++)
        fprintf(to, ", \"%s\": %zu", tally->names[i], tally->counts[i]);
    fprintf(to, ", \"exit\": %d}\n}\n", status);
}

void report_summary(FILE *to, size_t documents, const struct report_tally *tally, int dry_run)
{
    size_t i;
    int first = 1;

    fprintf(to, "domcompat: %zu document%s: ", documents, documents == 1 ? "" : "s");
    for (i = 0; i < tally->count; i++) {
        if (tally->counts[i] == 0 && !tally->always[i])
            continue;
        fprintf(to, "%s%zu %s", first ? "" : ", ", tally->counts[i], tally->names[i]);
        first = 0;
    }
    fputs(dry_run ? " (dry run: nothing written)\n" : "\n", to);
}

const char *report_display_name(const char *path, char *buf, size_t size)
{
    const unsigned char *p = (const unsigned char *)path;
    size_t used = 0;
    int plain = 1;

    if (strcmp(path, "-") == 0)
        return "<stdin>";
    while (*p != '\0' && plain) {
        uint32_t cp;
        size_t n = utf8_char(p, &cp);

        plain = n > 0 && !is_disruptive(cp);
        p += n;
    }
    if (plain)
        return path;
    used = (size_t)snprintf(buf, size, "'");
    for (p = (const unsigned char *)path; *p != '\0' && used + 5 < size; p++) {
        if (*p == '\n')
            used += (size_t)snprintf(buf + used, size - used, "\\n");
        else if (*p == '\t')
            used += (size_t)snprintf(buf + used, size - used, "\\t");
        else if (*p == '\\' || *p == '\'')
            used += (size_t)snprintf(buf + used, size - used, "\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7F)
            used += (size_t)snprintf(buf + used, size - used, "\\x%02x", *p);
        else
            buf[used++] = (char)*p;
    }
    snprintf(buf + used, size - used, "'");
    return buf;
}
