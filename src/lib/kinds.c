#include "kinds.h"

#include <stdio.h>
#include <string.h>

const struct kind *kinds_find(const char *name)
{
    size_t i;

    if (name == NULL)
        return NULL;
    for (i = 0; i < kinds_count; i++)
        if (strcmp(kinds_table[i].name, name) == 0)
            return &kinds_table[i];
    return NULL;
}

bool kind_has_implementation(const struct kind *kind, const char *name)
{
    size_t i;

    for (i = 0; i < kind->implementation_count; i++)
        if (strcmp(kind->implementations[i].name, name) == 0)
            return true;
    return false;
}

static void list_append(char *out, size_t size, size_t *used, const char *name)
{
    int n;

    if (*used >= size)
        return;
    n = snprintf(out + *used, size - *used, "%s%s", *used ? ", " : "", name);
    if (n > 0)
        *used += (size_t)n;
}

void kinds_list_names(char *out, size_t size)
{
    size_t i, used = 0;

    if (size > 0)
        out[0] = '\0';
    for (i = 0; i < kinds_count; i++)
        list_append(out, size, &used, kinds_table[i].name);
}

void kind_list_implementations(const struct kind *kind, char *out, size_t size)
{
    size_t i, used = 0;

    if (size > 0)
        out[0] = '\0';
    for (i = 0; i < kind->implementation_count; i++)
        list_append(out, size, &used, kind->implementations[i].name);
}

const struct kind_target *kind_find_target(const struct kind *kind, const char *name)
{
    size_t i;

    for (i = 0; i < kind->target_count; i++)
        if (strcmp(kind->targets[i].name, name) == 0)
            return &kind->targets[i];
    return NULL;
}

/* Appends "a", ", b", " or c": `last` says whether this is the last item. */
static void list_append_last(char *out, size_t size, size_t *used, const char *name, bool last,
                             const char *conjunction)
{
    int n;

    if (*used >= size)
        return;
    n = snprintf(out + *used, size - *used, "%s%s",
                 *used == 0 ? ""
                 : last     ? conjunction
                            : ", ",
                 name);
    if (n > 0)
        *used += (size_t)n;
}

void kind_list_targets(const struct kind *kind, bool elements, char *out, size_t size)
{
    size_t i, j, used = 0;

    if (size > 0)
        out[0] = '\0';
    for (i = 0; i < kind->target_count; i++) {
        bool last = true;

        if (kind->targets[i].element != elements)
            continue;
        for (j = i + 1; j < kind->target_count; j++)
            if (kind->targets[j].element == elements)
                last = false;
        list_append_last(out, size, &used, kind->targets[i].name, last, ", ");
    }
}

void kinds_list_having_target(const char *name, char *out, size_t size)
{
    size_t i, j, used = 0;

    if (size > 0)
        out[0] = '\0';
    for (i = 0; i < kinds_count; i++) {
        bool last = true;

        if (kind_find_target(&kinds_table[i], name) == NULL)
            continue;
        for (j = i + 1; j < kinds_count; j++)
            if (kind_find_target(&kinds_table[j], name) != NULL)
                last = false;
        list_append_last(out, size, &used, kinds_table[i].name, last, " and ");
    }
}
