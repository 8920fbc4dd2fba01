#include "answer.h"

const struct answer answer_valid = {.output_valid = true};
const struct answer answer_output_unknown = {.output_valid = false};

/* An answer lives in its own arena: one allocation, for most. */
struct answer *answer_new(void)
{
    struct arena arena;
    struct answer *answer;

    arena_init(&arena);
    if ((answer = arena_alloc(&arena, sizeof(*answer))) != NULL)
        answer->arena = arena;
    return answer;
}

void answer_free(void *answer)
{
    struct answer *a = answer;
    struct arena arena;

    if (a == NULL || a == &answer_valid || a == &answer_output_unknown)
        return;
    arena = a->arena;
    arena_free(&arena);
}

bool answer_refused(const struct answer *answer)
{
    return answer->read_refused != NULL || answer->write_refused != NULL;
}

const struct answer_refusal *answer_keep_refusal(struct answer *answer,
                                                 const struct answer_refusal *refusal)
{
    struct arena *arena = &answer->arena;
    struct answer_refusal *kept = arena_alloc(arena, sizeof(*kept));

    if (kept == NULL)
        return NULL;
    kept->rule = arena_strdup(arena, refusal->rule, (size_t)-1);
    kept->kind = arena_strdup(arena, refusal->kind, (size_t)-1);
    kept->implementation = arena_strdup(arena, refusal->implementation, (size_t)-1);
    kept->reason = arena_strdup(arena, refusal->reason, (size_t)-1);
    kept->hint = arena_strdup(arena, refusal->hint, (size_t)-1);
    kept->since = arena_strdup(arena, refusal->since, (size_t)-1);
    return arena->failed ? NULL : kept;
}
