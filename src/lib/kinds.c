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
