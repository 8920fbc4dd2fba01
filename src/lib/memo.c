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

/*
 * A key is kept as two parts: its prefix, the setting it was asked in,
 * which many keys share and the memo holds once, and the rest, its own.
 */
struct memo_prefix {
    struct memo_prefix *next; /* the prefix used before it */
    size_t len;
    char data[];
};

struct memo_entry {
    uint64_t hash;                    /* of the whole key */
    const struct memo_prefix *prefix; /* NULL: a free slot */
    char *rest;
    size_t rest_len;
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
    struct memo_prefix *prefixes; /* the one used last first */
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

        if (e->prefix == NULL)
            continue;
        if (e->free_value != NULL)
            e->free_value(e->value);
        free(e->rest);
    }
    while (memo->prefixes != NULL) {
        struct memo_prefix *next = memo->prefixes->next;

        free(memo->prefixes);
        memo->prefixes = next;
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

/* Whether entry `e` holds the key `key` of `len` bytes, whose first `prefix_len` are its prefix. */
static bool holds(const struct memo_entry *e, uint64_t hash, const char *key, size_t len,
                  size_t prefix_len)
{
    return e->hash == hash && e->prefix->len == prefix_len && e->rest_len == len - prefix_len &&
           memcmp(e->prefix->data, key, prefix_len) == 0 &&
           memcmp(e->rest, key + prefix_len, len - prefix_len) == 0;
}

/* The slot of the key, or the free slot where it would go. */
static struct memo_entry *find_slot(struct memo_entry *slots, size_t capacity, uint64_t hash,
                                    const char *key, size_t len, size_t prefix_len)
{
    size_t i = (size_t)hash & (capacity - 1);

    for (;; i = (i + 1) & (capacity - 1)) {
        struct memo_entry *e = &slots[i];

        if (e->prefix == NULL || holds(e, hash, key, len, prefix_len))
            return e;
    }
}

/* Whether `key` may be used: built in full, and at least as long as its prefix. */
static bool split_fits(const struct buf *key, size_t prefix_len)
{
    return !key->failed && prefix_len <= key->len;
}

const void *memo_lookup(struct memo *memo, const struct buf *key, size_t prefix_len)
{
    const void *value = NULL;
    uint64_t hash;

    if (!memo_enabled(memo) || !split_fits(key, prefix_len))
        return NULL;
    hash = memo_hash(key->data, key->len);
    pthread_mutex_lock(&memo->lock);
    if (memo->capacity > 0) {
        struct memo_entry *e =
            find_slot(memo->slots, memo->capacity, hash, key->data, key->len, prefix_len);

        value = e->prefix ? e->value : NULL;
    }
    pthread_mutex_unlock(&memo->lock);
    return value;
}

/*
 * Grows the table (from 0: 256 slots) when one more entry would fill more
 * than three quarters of it; false when out of memory.  A slot costs as
 * much as a small key, so a table kept half empty would add a good part of
 * what a domain of distinct controllers remembers.
 */
static bool make_room(struct memo *memo)
{
    size_t capacity = memo->capacity ? memo->capacity * 2 : 256, i;
    struct memo_entry *slots;

    if ((memo->used + 1) * 4 <= memo->capacity * 3)
        return true;
    if ((slots = calloc(capacity, sizeof(*slots))) == NULL)
        return false;
    for (i = 0; i < memo->capacity; i++) {
        const struct memo_entry *e = &memo->slots[i];
        size_t i_new;

        if (e->prefix == NULL)
            continue;
        /* Keys are distinct: the first free slot from its home is its place. */
        for (i_new = (size_t)e->hash & (capacity - 1); slots[i_new].prefix != NULL;
             i_new = (i_new + 1) & (capacity - 1))
            ;
        slots[i_new] = *e;
    }
    free(memo->slots);
    memo->slots = slots;
    memo->capacity = capacity;
    return true;
}

/*
 * The memo's copy of the first `len` bytes of `key`, made and counted in
 * `bytes` when new; NULL when out of memory or over `budget`.  The prefix
 * used last is found first: the keys of one question share theirs.
 */
static const struct memo_prefix *intern_prefix(struct memo *memo, const char *key, size_t len,
                                               size_t budget)
{
    struct memo_prefix **link, *p;

    for (link = &memo->prefixes; (p = *link) != NULL; link = &p->next)
        if (p->len == len && memcmp(p->data, key, len) == 0) {
            *link = p->next;
            break;
        }
    if (p == NULL) {
        if (memo->bytes + sizeof(*p) + len > budget || (p = malloc(sizeof(*p) + len)) == NULL)
            return NULL;
        p->len = len;
        memcpy(p->data, key, len);
        memo->bytes += sizeof(*p) + len;
    }
    p->next = memo->prefixes;
    memo->prefixes = p;
    return p;
}

bool memo_insert(struct memo *memo, const struct buf *key, size_t prefix_len, void *value,
                 size_t size, void (*free_value)(void *))
{
    const struct memo_prefix *prefix;
    struct memo_entry *e;
    uint64_t hash;
    size_t rest_len = key->len - prefix_len;
    char *rest = NULL;
    bool kept = false;

    /*
     * Nothing learnt in a call that ran short of memory is kept: libxml2
     * may have answered from an incomplete result (reserve.h).
     */
    if (!memo_enabled(memo) || !split_fits(key, prefix_len) || reserve_ran_out())
        return false;
    hash = memo_hash(key->data, key->len);
    size += rest_len + MEMO_ENTRY_OVERHEAD;
    pthread_mutex_lock(&memo->lock);
    /* A key already known allocates nothing: conversions that find everything leave no trace. */
    if (memo->capacity > 0 &&
        find_slot(memo->slots, memo->capacity, hash, key->data, key->len, prefix_len)->prefix !=
            NULL)
        goto unlock;
    if (memo->bytes + size > MEMO_MAX_BYTES || !make_room(memo) ||
        (prefix = intern_prefix(memo, key->data, prefix_len, MEMO_MAX_BYTES - size)) == NULL ||
        (rest = malloc(rest_len ? rest_len : 1)) == NULL)
        goto unlock;
    e = find_slot(memo->slots, memo->capacity, hash, key->data, key->len, prefix_len);
    memcpy(rest, key->data + prefix_len, rest_len);
    *e = (struct memo_entry){hash, prefix, rest, rest_len, value, free_value};
    memo->used++;
    memo->bytes += size;
    kept = true;
unlock:
    pthread_mutex_unlock(&memo->lock);
    return kept;
}
