#include "tool_report.h"

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

static int json_first_document;

void report_json_begin(FILE *to)
{
    json_first_document = 1;
    fputs("[", to);
}

static const char *status_name(int status, const domcompat_result *result)
{
    size_t i;

    switch (status) {
    case 0: return "ok";
    case 1:
        for (i = 0; result && i < domcompat_result_refusal_count(result); i++)
            if (!domcompat_result_refusal(result, i)->loss)
                return "refused";
        return "lossy";
    case 3: return "invalid";
    default: return "error";
    }
}

void report_json_document(FILE *to, const char *file, int status, const domcompat_result *result,
                          const domcompat_error *err)
{
    size_t i;

    fputs(json_first_document ? "\n  {\"file\": " : ",\n  {\"file\": ", to);
    json_first_document = 0;
    json_string(to, file);
    fprintf(to, ", \"status\": \"%s\", \"findings\": [", status_name(status, result));
    for (i = 0; result != NULL && i < domcompat_result_refusal_count(result); i++) {
        const domcompat_refusal *r = domcompat_result_refusal(result, i);

        fprintf(to, "%s\n    {\"line\": %lu, \"column\": %lu, \"index\": ", i ? "," : "", r->line,
                r->column);
        json_string(to, r->index);
        fputs(", \"kind\": ", to);
        json_string(to, r->kind);
        fputs(", \"implementation\": ", to);
        json_string(to, r->implementation);
        fputs(", \"rule\": ", to);
        json_string(to, r->rule);
        fprintf(to, ", \"loss\": %s, \"what\": ", r->loss ? "true" : "false");
        json_string(to, r->reason);
        fputs(", \"since\": ", to);
        json_string(to, r->since);
        fputs(", \"hint\": ", to);
        json_string(to, r->hint);
        fputs("}", to);
    }
    fputs(result != NULL && domcompat_result_refusal_count(result) ? "\n  ]" : "]", to);
    if (status != 0 && status != 1 && err != NULL) {
        fputs(", \"error\": {\"line\": ", to);
        json_position(to, err->line);
        fputs(", \"column\": ", to);
        json_position(to, err->column);
        fputs(", \"message\": ", to);
        json_string(to, err->message);
        fputs("}", to);
    }
    fputs("}", to);
}

void report_json_end(FILE *to)
{
    fputs(json_first_document ? "]\n" : "\n]\n", to);
}
