#include "report.h"

#include <string.h>

void report_error(FILE *to, const char *file, const char *prefix, const domcompat_error *err)
{
    if (err->line > 0 && err->column > 0)
        fprintf(to, "%s:%lu:%lu: %s%s\n", file, err->line, err->column, prefix, err->message);
    else if (err->line > 0)
        fprintf(to, "%s:%lu: %s%s\n", file, err->line, prefix, err->message);
    else
        fprintf(to, "%s: %s%s\n", file, prefix, err->message);
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

void report_refusals(FILE *to, const char *file, const domcompat_result *result, int one_line)
{
    char description[1024];
    size_t i;

    for (i = 0; i < domcompat_result_refusal_count(result); i++) {
        const domcompat_refusal *r = domcompat_result_refusal(result, i);

        domcompat_refusal_describe(r, description, sizeof(description));
        if (one_line && r->hint != NULL)
            fprintf(to, "%s:%lu:%lu: %s; to convert it: %s\n", file, r->line, r->column,
                    description, r->hint);
        else
            fprintf(to, "%s:%lu:%lu: %s\n", file, r->line, r->column, description);
        if (!one_line && r->hint != NULL)
            fprintf(to, "%s:%lu:%lu: to convert it: %s\n", file, r->line, r->column, r->hint);
    }
}

void report_losses(FILE *to, const char *file, const domcompat_result *result)
{
    size_t i;

    for (i = 0; i < domcompat_result_loss_count(result); i++) {
        const domcompat_loss *loss = domcompat_result_loss(result, i);

        if (loss->why != NULL)
            fprintf(to, "%s:%lu:%lu: dropped %s from PCI controller %s%s (%s), %s\n", file,
                    loss->line, loss->column, loss->what, loss->index ? "index " : "",
                    loss->index ? loss->index : "with no index", loss->kind, loss->why);
        else
            fprintf(to,
                    "%s:%lu:%lu: dropped %s from PCI controller %s%s (%s), which the peer "
                    "does not parse (first in libvirt %s)\n",
                    file, loss->line, loss->column, loss->what, loss->index ? "index " : "",
                    loss->index ? loss->index : "with no index", loss->kind, loss->since);
    }
}

/* A JSON string: quotes, backslashes and control characters escaped; bytes that are not UTF-8
 * replaced. */
static void json_string(FILE *to, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    if (s == NULL) {
        fputs("null", to);
        return;
    }
    fputc('"', to);
    while (*p != '\0') {
        size_t n = 0, i;

        if (*p == '"' || *p == '\\') {
            fprintf(to, "\\%c", *p++);
            continue;
        }
        if (*p == '\n' || *p == '\r' || *p == '\t') {
            fputs(*p == '\n' ? "\\n" : *p == '\r' ? "\\r" : "\\t", to);
            p++;
            continue;
        }
        if (*p < 0x20) {
            fprintf(to, "\\u%04x", *p++);
            continue;
        }
        if (*p < 0x80)
            n = 1;
        else if ((*p & 0xE0) == 0xC0 && *p >= 0xC2)
            n = 2;
        else if ((*p & 0xF0) == 0xE0)
            n = 3;
        else if ((*p & 0xF8) == 0xF0 && *p <= 0xF4)
            n = 4;
        for (i = 1; i < n; i++)
            if ((p[i] & 0xC0) != 0x80)
                n = 0;
        if (n == 0) {
            fputs("\\ufffd", to);
            p++;
            continue;
        }
        fwrite(p, 1, n, to);
        p += n;
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
    json_string(to, value);
}

static void json_loss(FILE *to, const domcompat_loss *loss)
{
    fprintf(to, "{\"line\": %lu, \"column\": %lu, ", loss->line, loss->column);
    json_member(to, 1, "what", loss->what);
    json_member(to, 0, "since", loss->since);
    json_member(to, 0, "why", loss->why);
    fputs("}", to);
}

static int same_index(const char *a, const char *b)
{
    return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

/* Each change, with the losses made in the same controller. */
static void json_changes(FILE *to, const domcompat_result *result)
{
    size_t count = result ? domcompat_result_change_count(result) : 0, i, j;

    fputs(", \"changes\": [", to);
    for (i = 0; i < count; i++) {
        const domcompat_change *c = domcompat_result_change(result, i);
        int first_loss = 1;

        fprintf(to, "%s\n    {\"line\": %lu, \"column\": %lu, ", i ? "," : "", c->line, c->column);
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
        fputs("]}", to);
    }
    fputs(count ? "\n  ]" : "]", to);
}

static void json_refusals(FILE *to, const domcompat_result *result)
{
    size_t count = result ? domcompat_result_refusal_count(result) : 0, i;

    fputs(", \"refusals\": [", to);
    for (i = 0; i < count; i++) {
        const domcompat_refusal *r = domcompat_result_refusal(result, i);

        fprintf(to, "%s\n    {\"line\": %lu, \"column\": %lu, ", i ? "," : "", r->line, r->column);
        json_member(to, 1, "index", r->index);
        json_member(to, 0, "kind", r->kind);
        json_member(to, 0, "implementation", r->implementation);
        json_member(to, 0, "rule", r->rule);
        fprintf(to, ", \"loss\": %s", r->loss ? "true" : "false");
        json_member(to, 0, "what", r->reason);
        json_member(to, 0, "since", r->since);
        json_member(to, 0, "hint", r->hint);
        fputs("}", to);
    }
    fputs(count ? "\n  ]" : "]", to);
}

void report_json_document(FILE *to, const struct report_document *doc)
{
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
        json_changes(to, doc->result);
    json_refusals(to, doc->result);
    if (doc->error != NULL) {
        fputs(", \"error\": {\"line\": ", to);
        json_position(to, doc->error->line);
        fputs(", \"column\": ", to);
        json_position(to, doc->error->column);
        json_member(to, 0, "message", doc->error->message);
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
    for (; *p != '\0' && plain; p++) {
        size_t n = *p < 0x80             ? 1
                   : (*p & 0xE0) == 0xC0 ? 2
                   : (*p & 0xF0) == 0xE0 ? 3
                   : (*p & 0xF8) == 0xF0 ? 4
                                         : 0;
        size_t i;

        plain = *p >= 0x20 && *p != 0x7F && n > 0 && (n != 2 || *p >= 0xC2);
        for (i = 1; plain && i < n; i++)
            plain = (p[i] & 0xC0) == 0x80;
        if (plain)
            p += n - 1;
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
