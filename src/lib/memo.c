#include "memo.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reserve.h"
#include "tree.h"

/*
 * Far more than the distinct controllers of any real fleet, and a small
 * part of what the documents that need that many cost to hold.
 */
#define MEMO_MAX_BYTES ((size_t)32 * 1024 * 1024)
#define MEMO_ENTRY_OVERHEAD 64

struct memo_entry {
    uint64_t hash;
    char *key; /* NULL: a free slot */
    size_t key_len;
    void *value;
    void (*free_value)(void *);
};

struct memo {
    pthread_mutex_t lock;
    bool enabled;
    struct memo_entry *slots;
    size_t capacity; /* a power of two, or 0 */
    size_t used;
    size_t bytes;
};

int memo_new(struct memo **out)
{
    struct memo *memo = calloc(1, sizeof(*memo));

    *out = NULL;
    if (memo == NULL)
        return -1;
    if (pthread_mutex_init(&memo->lock, NULL) != 0) {
        free(memo);
        return -1;
    }
    memo->enabled = true;
    *out = memo;
    return 0;
}

void memo_free(struct memo *memo)
{
    size_t i;

    if (memo == NULL)
        return;
    for (i = 0; i < memo->capacity; i++) {
        struct memo_entry *e = &memo->slots[i];

        if (e->key == NULL)
            continue;
        if (e->free_value != NULL)
            e->free_value(e->value);
        free(e->key);
    }
    free(memo->slots);
    pthread_mutex_destroy(&memo->lock);
    free(memo);
}

size_t memo_count(struct memo *memo)
{
    size_t used;

    pthread_mutex_lock(&memo->lock);
    used = memo->used;
    pthread_mutex_unlock(&memo->lock);
    return used;
}

bool memo_enabled(const struct memo *memo)
{
    return memo != NULL && memo->enabled;
}

void memo_enable(struct memo *memo, bool enabled)
{
    memo->enabled = enabled;
}

/* ---- keys ---------------------------------------------------------------------------- */

/*
 * A key is a sequence of tagged fields: '<' and '>' around an element,
 * '@' before an attribute, 'n' before a namespace and '-' for none, '#'
 * for a plain index, and 's' before a string, which ends with a NUL byte
 * (XML text holds none, and libxml2's strings end there anyway).  So a key
 * reads back one way only.
 */
/* buf_append(), inline while the buffer has room: keys are built a byte or a name at a time. */
static inline void put(struct buf *key, const char *data, size_t len)
{
    if (key->len + len < key->cap && !key->failed) {
        memcpy(key->data + key->len, data, len);
        key->len += len;
    } else {
        buf_append(key, data, len);
    }
}

static inline void put_char(struct buf *key, char c)
{
    put(key, &c, 1);
}

void memo_key_string(struct buf *key, const char *s, size_t len)
{
    put_char(key, 's');
    put(key, s, len);
    put_char(key, '\0');
}

static void key_cstring(struct buf *key, const xmlChar *s)
{
    if (s == NULL)
        put_char(key, '-');
    else {
        put_char(key, 's');
        put(key, (const char *)s, strlen((const char *)s) + 1);
    }
}

static void key_namespace(struct buf *key, const xmlNs *ns)
{
    if (ns == NULL) {
        put_char(key, '-');
        return;
    }
    put_char(key, 'n');
    key_cstring(key, ns->href);
    key_cstring(key, ns->prefix);
}

bool memo_plain_index(const char *value)
{
    size_t len = 0;
    unsigned long long n = 0;

    if (value == NULL)
        return false;
    for (; value[len] != '\0'; len++) {
        if (value[len] < '0' || value[len] > '9' || len == 10)
            return false;
        n = n * 10 + (unsigned)(value[len] - '0');
    }
    return len > 0 && n <= 4294967295ULL;
}

void memo_key_element(struct buf *key, const xmlNode *node, unsigned flags)
{
    const xmlAttr *attr;
    const xmlNode *child;

    put_char(key, '<');
    key_namespace(key, node->ns);
    key_cstring(key, node->name);
    for (attr = node->properties; attr != NULL; attr = attr->next) {
        xmlChar *joined;
        const xmlChar *value = tree_attr_value(attr, &joined);

        if (value == NULL)
            key->failed = true; /* out of memory: the key must not be used */
        put_char(key, '@');
        key_namespace(key, attr->ns);
        key_cstring(key, attr->name);
        if ((flags & MEMO_KEY_ANY_PLAIN_INDEX) && attr->ns == NULL &&
            xmlStrEqual(attr->name, BAD_CAST "index") && memo_plain_index((const char *)value))
            put_char(key, '#');
        else
            key_cstring(key, value ? value : BAD_CAST "");
        xmlFree(joined);
    }
    for (child = node->children; child != NULL && !(flags & MEMO_KEY_SHALLOW); child = child->next)
        if (child->type == XML_ELEMENT_NODE)
            memo_key_element(key, child, 0);
    put_char(key, '>');
}

/* ---- the table ----------------------------------------------------------------------- */

/* Eight bytes at a time: a key is hashed once per lookup, and keys run to hundreds of bytes. */
uint64_t memo_hash(const char *data, size_t len)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ len, word;

    for (; len >= 8; data += 8, len -= 8) {
        memcpy(&word, data, 8);
        h = (h ^ word) * 0xFF51AFD7ED558CCDULL;
        h ^= h >> 32;
    }
    word = 0;
    memcpy(&word, data, len);
    h = (h ^ word) * 0xC4CEB9FE1A85EC53ULL;
    return h ^ (h >> 29);
}

static struct memo_entry *find_slot(struct memo_entry *slots, size_t capacity, uint64_t hash,
                                    const char *key, size_t len)
{
    size_t i = (size_t)hash & (capacity - 1);

    for (;; i = (i + 1) & (capacity - 1)) {
        struct memo_entry *e = &slots[i];

        if (e->key == NULL ||
            (e->hash == hash && e->key_len == len && memcmp(e->key, key, len) == 0))
            return e;
    }
}

const void *memo_lookup(struct memo *memo, const struct buf *key)
{
    const void *value = NULL;
    uint64_t hash;

    if (!memo_enabled(memo) || key->failed)
        return NULL;
    hash = memo_hash(key->data, key->len);
    pthread_mutex_lock(&memo->lock);
    if (memo->capacity > 0) {
        struct memo_entry *e = find_slot(memo->slots, memo->capacity, hash, key->data, key->len);

        value = e->key ? e->value : NULL;
    }
    pthread_mutex_unlock(&memo->lock);
    return value;
}

/* Doubles the table (from 0: 256 slots); false when out of memory. */
static bool grow(struct memo *memo)
{
    size_t capacity = memo->capacity ? memo->capacity * 2 : 256, i;
    struct memo_entry *slots = calloc(capacity, sizeof(*slots));

    if (slots == NULL)
        return false;
    for (i = 0; i < memo->capacity; i++) {
        const struct memo_entry *e = &memo->slots[i];

        if (e->key != NULL)
            *find_slot(slots, capacity, e->hash, e->key, e->key_len) = *e;
    }
    free(memo->slots);
    memo->slots = slots;
    memo->capacity = capacity;
    return true;
}

bool memo_insert(struct memo *memo, const struct buf *key, void *value, size_t size,
                 void (*free_value)(void *))
{
    struct memo_entry *e;
    uint64_t hash;
    char *copy = NULL;
    bool kept = false;

    /*
     * Nothing learnt in a call that ran short of memory is kept: libxml2
     * may have answered from an incomplete result (reserve.h).
     */
    if (!memo_enabled(memo) || key->failed || reserve_ran_out())
        return false;
    hash = memo_hash(key->data, key->len);
    size += key->len + MEMO_ENTRY_OVERHEAD;
    pthread_mutex_lock(&memo->lock);
    /* A key already known allocates nothing: conversions that find everything leave no trace. */
    if (memo->capacity > 0 &&
        find_slot(memo->slots, memo->capacity, hash, key->data, key->len)->key != NULL)
        goto unlock;
    if (memo->bytes + size > MEMO_MAX_BYTES ||
        ((memo->used + 1) * 2 > memo->capacity && !grow(memo)) ||
        (copy = malloc(key->len ? key->len : 1)) == NULL)
        goto unlock;
    e = find_slot(memo->slots, memo->capacity, hash, key->data, key->len);
    memcpy(copy, key->data, key->len);
    *e = (struct memo_entry){hash, copy, key->len, value, free_value};
    memo->used++;
    memo->bytes += size;
    kept = true;
unlock:
    pthread_mutex_unlock(&memo->lock);
    return kept;
}
