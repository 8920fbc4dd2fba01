/*
 * The unified diffs behind --diff: byte for byte what GNU `diff -u` prints after its two header
 * lines, checked against diff itself on the same two inputs.
 */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "diff.h"

#define FIXTURES "tests/fixtures"

/* Bytes and their length: inputs, and what a diff printed. */
struct text {
    char *bytes;
    size_t len;
};

/* Where the inputs for diff are written. */
static char work_dir[] = "/tmp/domcompat-diff-XXXXXX";
static char old_path[sizeof(work_dir) + 8], new_path[sizeof(work_dir) + 8];

static int make_work_dir(void **state)
{
    (void)state;
    if (mkdtemp(work_dir) == NULL)
        return -1;
    snprintf(old_path, sizeof(old_path), "%s/old", work_dir);
    snprintf(new_path, sizeof(new_path), "%s/new", work_dir);
    return 0;
}

static int remove_work_dir(void **state)
{
    (void)state;
    unlink(old_path);
    unlink(new_path);
    return rmdir(work_dir);
}

static void text_free(struct text *t)
{
    free(t->bytes);
    t->bytes = NULL;
}

static void write_file(const char *path, const char *bytes, size_t len)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static struct text read_stream(FILE *f)
{
    struct text t = {NULL, 0};
    size_t capacity = 0, n;

    do {
        if (t.len == capacity) {
            capacity = capacity ? 2 * capacity : 4096;
            t.bytes = realloc(t.bytes, capacity);
            assert_non_null(t.bytes);
        }
        n = fread(t.bytes + t.len, 1, capacity - t.len, f);
        t.len += n;
    } while (n > 0);
    assert_false(ferror(f));
    return t;
}

static struct text read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    struct text t;

    assert_non_null(f);
    t = read_stream(f);
    fclose(f);
    return t;
}

/* What tool_diff_write() prints, labels "old" and "new". */
static struct text our_diff(const struct text *old, const struct text *new_, int color)
{
    struct text out = {NULL, 0};
    FILE *f = open_memstream(&out.bytes, &out.len);

    assert_non_null(f);
    assert_int_equal(
        tool_diff_write(f, "old", "new", old->bytes, old->len, new_->bytes, new_->len, color), 0);
    assert_int_equal(fclose(f), 0);
    return out;
}

/* What `diff -u OPTIONS old new` prints in the C locale, without its two header lines. */
static struct text gnu_diff(const struct text *old, const struct text *new_, const char *options)
{
    char command[256];
    struct text out;
    FILE *reader;
    int status;
    char *body;

    write_file(old_path, old->bytes, old->len);
    write_file(new_path, new_->bytes, new_->len);
    snprintf(command, sizeof(command), "LC_ALL=C diff -u %s '%s' '%s'", options, old_path,
             new_path);
    reader = popen(command, "r");
    assert_non_null(reader);
    out = read_stream(reader);
    status = pclose(reader);
    /* 0: no differences, 1: some; anything else means diff could not compare them. */
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) > 1) {
        print_error("`%s` failed (status %d): GNU diff is needed\n", command, status);
        fail();
    }
    assert_int_equal(WEXITSTATUS(status) == 0, out.len == 0);
    if (out.len > 0) {
        body = memchr(out.bytes, '\n', out.len);
        assert_non_null(body);
        assert_memory_equal(out.bytes, "--- ", 4);
        body = memchr(body + 1, '\n', out.len - (body + 1 - out.bytes));
        assert_non_null(body);
        body++;
        out.len -= body - out.bytes;
        memmove(out.bytes, body, out.len);
    }
    return out;
}

/* What a diff holds: its hunks, and the lines it removes and adds. */
struct shape {
    long hunks, removed, added;
};

/* Compares our diff of old and new with GNU diff's, and says what it holds. */
static struct shape assert_like_gnu_diff_with(const char *what, const struct text *old,
                                              const struct text *new_, const char *options)
{
    static const char header[] = "--- old\n+++ new\n";
    struct text ours = our_diff(old, new_, 0), theirs = gnu_diff(old, new_, options);
    size_t skip = ours.len > 0 ? strlen(header) : 0, i;
    struct shape shape = {0, 0, 0};

    if (ours.len > 0)
        assert_true(ours.len >= skip && memcmp(ours.bytes, header, skip) == 0);
    if (ours.len - skip != theirs.len || memcmp(ours.bytes + skip, theirs.bytes, theirs.len) != 0) {
        print_error("%s: diff -u printed:\n%.*s--- but tool_diff_write printed:\n%.*s---\n", what,
                    (int)theirs.len, theirs.bytes, (int)ours.len, ours.bytes);
        fail();
    }
    for (i = 0; i < theirs.len; i++)
        if (i == 0 || theirs.bytes[i - 1] == '\n') {
            shape.hunks += theirs.bytes[i] == '@';
            shape.removed += theirs.bytes[i] == '-';
            shape.added += theirs.bytes[i] == '+';
        }
    text_free(&ours);
    text_free(&theirs);
    return shape;
}

static struct shape assert_like_gnu_diff(const char *what, const char *old, const char *new_)
{
    struct text a = {(char *)old, strlen(old)}, b = {(char *)new_, strlen(new_)};

    return assert_like_gnu_diff_with(what, &a, &b, "");
}

/* Asserts that our diff of old and new is exactly `expected`, header lines included. */
static void assert_diff(const char *old, const char *new_, int color, const char *expected)
{
    struct text a = {(char *)old, strlen(old)}, b = {(char *)new_, strlen(new_)};
    struct text ours = our_diff(&a, &b, color);

    if (ours.len != strlen(expected) || memcmp(ours.bytes, expected, ours.len) != 0) {
        print_error("expected:\n%s--- got:\n%.*s---\n", expected, (int)ours.len, ours.bytes);
        fail();
    }
    text_free(&ours);
}

/* A domain with `count` PCI controllers, each written by `controller`. */
static struct text domain_with(size_t count, void (*controller)(FILE *, size_t))
{
    struct text t = {NULL, 0};
    FILE *f = open_memstream(&t.bytes, &t.len);
    size_t i;

    assert_non_null(f);
    fputs("<domain type='kvm'>\n  <name>guest</name>\n  <devices>\n", f);
    for (i = 0; i < count; i++)
        controller(f, i);
    fputs("  </devices>\n</domain>\n", f);
    assert_int_equal(fclose(f), 0);
    return t;
}

/* Legacy controllers, and what upgrades and downgrades make of them. */
static void legacy_controller(FILE *f, size_t i)
{
    switch (i % 4) {
    case 0:
        fprintf(f, "    <controller type='pci' index='%zu' model='pcie-root-port'>\n", i);
        fputs("      <model name='ioh3420'/>\n    </controller>\n", f);
        break;
    case 1: fprintf(f, "    <controller type='pci' index='%zu' model='pci-bridge'/>\n", i); break;
    case 2:
        fprintf(f, "    <controller type='pci' index='%zu' model='pcie-root-port'>\n", i);
        fprintf(f, "      <target chassis='%zu' port='0x10'/>\n    </controller>\n", i % 7);
        break;
    default: fprintf(f, "    <controller type='usb' index='%zu'/>\n", i); break;
    }
}

static void converted_controller(FILE *f, size_t i)
{
    switch (i % 4) {
    case 0: /* three lines collapse into one */
        fprintf(f,
                "    <controller type='pci' index='%zu' subType='pcie-root-port' "
                "model='ioh3420'/>\n",
                i);
        break;
    case 1: /* one line expands into three */
        fprintf(f, "    <controller type='pci' index='%zu' model='pci-bridge'>\n", i);
        fputs("      <model name='pci-bridge'/>\n    </controller>\n", f);
        break;
    case 2: /* one line replaced, its children kept */
        fprintf(f, "    <controller type='pci' index='%zu' subType='pcie-root-port'>\n", i);
        fprintf(f, "      <target chassis='%zu' port='0x10'/>\n    </controller>\n", i % 7);
        break;
    default: legacy_controller(f, i); break;
    }
}

/* --- tests ------------------------------------------------------------------------------------ */

static void test_diff__identical_inputs_print_nothing(void **state)
{
    struct text doc = domain_with(50, legacy_controller), copy, empty = {NULL, 0}, out;

    (void)state;
    copy.len = doc.len;
    copy.bytes = malloc(copy.len);
    assert_non_null(copy.bytes);
    memcpy(copy.bytes, doc.bytes, copy.len);
    out = our_diff(&doc, &copy, 1);
    assert_int_equal(out.len, 0);
    text_free(&out);
    text_free(&copy);
    out = our_diff(&empty, &empty, 0);
    assert_int_equal(out.len, 0);
    text_free(&out);
    text_free(&doc);
}

/* The first line GNU `diff -u NAME new` prints in the C locale, run in the work directory, without
 * its timestamp: "--- " and NAME as diff writes it. */
static char *gnu_header(const char *name)
{
    int pipe_fds[2], status;
    struct text out;
    FILE *reader;
    pid_t pid;
    char *tab;

    assert_int_equal(pipe(pipe_fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(pipe_fds[1], STDOUT_FILENO);
        close(pipe_fds[0]);
        if (chdir(work_dir) == 0 && setenv("LC_ALL", "C", 1) == 0)
            execlp("diff", "diff", "-u", name, "new", (char *)NULL);
        _exit(127);
    }
    close(pipe_fds[1]);
    reader = fdopen(pipe_fds[0], "r");
    assert_non_null(reader);
    out = read_stream(reader);
    fclose(reader);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 1);
    tab = memchr(out.bytes, '\t', out.len);
    assert_non_null(tab);
    *tab = '\0';
    return out.bytes;
}

/*
 * Header labels are file names, written as GNU diff writes them so that
 * patch reads them back: quoted, with C escapes, when a name holds a
 * space, a control character, a quote, a backslash or a byte beyond ASCII
 * ("a b.xml" unquoted would be the file "a" to patch).  GNU diff on files
 * of those names is the oracle.
 */
static void test_diff__labels_are_quoted_as_gnu_diff_quotes_them(void **state)
{
    static const char *const names[] = {
        "plain.xml",         "a b.xml",
        "tab\tname.xml",     "new\nline.xml",
        "quote\".xml",       "it's.xml",
        "back\\slash.xml",   "latin1-\xe9.xml",
        "utf8-\xc3\xa9.xml", "bidi-\xe2\x80\xae.xml",
        "c0-\x01\x1f.xml",   "bell\a\b\f\v\r.xml",
        "del-\x7f.xml",      "$dollar*?[x].xml",
        "what??.xml",
    };
    size_t i;

    (void)state;
    write_file(new_path, "y\n", 2);
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char path[sizeof(work_dir) + 64], *expected;
        struct text out = {NULL, 0};
        FILE *f = open_memstream(&out.bytes, &out.len);

        snprintf(path, sizeof(path), "%s/%s", work_dir, names[i]);
        write_file(path, "x\n", 2);
        expected = gnu_header(names[i]);
        assert_non_null(f);
        assert_int_equal(tool_diff_write(f, names[i], "new", "x\n", 2, "y\n", 2, 0), 0);
        assert_int_equal(fclose(f), 0);
        assert_non_null(strchr(out.bytes, '\n'));
        *strchr(out.bytes, '\n') = '\0';
        assert_string_equal(out.bytes, expected);
        unlink(path);
        free(expected);
        text_free(&out);
    }
}

static void test_diff__matches_gnu_diff_on_every_fixture(void **state)
{
    DIR *dir = opendir(FIXTURES);
    struct dirent *entry;
    int pairs = 0;

    (void)state;
    assert_non_null(dir);
    while ((entry = readdir(dir)) != NULL) {
        char input_path[512], expected_path[512];
        struct stat input_stat, expected_stat;
        struct text input, expected;

        snprintf(input_path, sizeof(input_path), FIXTURES "/%s/input.xml", entry->d_name);
        snprintf(expected_path, sizeof(expected_path), FIXTURES "/%s/expected.xml", entry->d_name);
        /* Some cases have no input, or a directory in its place. */
        if (stat(input_path, &input_stat) != 0 || !S_ISREG(input_stat.st_mode) ||
            stat(expected_path, &expected_stat) != 0)
            continue;
        input = read_file(input_path);
        expected = read_file(expected_path);
        assert_like_gnu_diff_with(input_path, &input, &expected, "");
        assert_like_gnu_diff_with(expected_path, &expected, &input, "");
        text_free(&input);
        text_free(&expected);
        pairs++;
    }
    closedir(dir);
    /* Run from the top of the source tree, as make does, it sees every case. */
    assert_true(pairs >= 100);
}

static void test_diff__controllers_collapsing_expanding_and_replaced(void **state)
{
    struct shape shape;

    (void)state;
    /* Three lines into one, and back. */
    shape = assert_like_gnu_diff("collapse",
                                 Q35_DOMAIN("    <controller type='pci' index='1' model='x'>\n"
                                            "      <model name='y'/>\n"
                                            "    </controller>\n"
                                            "    <controller type='pci' index='2' model='x'>\n"
                                            "      <model name='y'/>\n"
                                            "    </controller>\n"),
                                 Q35_DOMAIN("    <controller type='pci' index='1' model='x'/>\n"
                                            "    <controller type='pci' index='2' model='x'>\n"
                                            "      <model name='y'/>\n"
                                            "    </controller>\n"));
    assert_int_equal(shape.hunks, 1);
    assert_int_equal(shape.removed, 3);
    assert_int_equal(shape.added, 1);
    assert_like_gnu_diff("expand",
                         Q35_DOMAIN("    <controller type='pci' index='1' model='x'/>\n"
                                    "    <controller type='pci' index='2' model='x'>\n"
                                    "      <model name='y'/>\n"
                                    "    </controller>\n"),
                         Q35_DOMAIN("    <controller type='pci' index='1' model='x'>\n"
                                    "      <model name='y'/>\n"
                                    "    </controller>\n"
                                    "    <controller type='pci' index='2' model='x'>\n"
                                    "      <model name='y'/>\n"
                                    "    </controller>\n"));
    /* Two lines into one: an empty controller written as a single tag. */
    assert_like_gnu_diff("two into one",
                         Q35_DOMAIN("    <controller type='pci' index='1' model='x'>\n"
                                    "    </controller>\n"
                                    "    <controller type='pci' index='2'>\n"
                                    "    </controller>\n"),
                         Q35_DOMAIN("    <controller type='pci' index='1' model='x'/>\n"
                                    "    <controller type='pci' index='2'>\n"
                                    "    </controller>\n"));
    /* Every line of a run replaced one for one. */
    assert_diff(Q35_DOMAIN("    <controller type='pci' index='0' subType='pcie-root'/>\n"),
                Q35_DOMAIN("    <controller type='pci' index='0' model='pcie-root'/>\n"), 0,
                "--- old\n+++ new\n"
                "@@ -5,6 +5,6 @@\n"
                "     <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>\n"
                "   </os>\n"
                "   <devices>\n"
                "-    <controller type='pci' index='0' subType='pcie-root'/>\n"
                "+    <controller type='pci' index='0' model='pcie-root'/>\n"
                "   </devices>\n"
                " </domain>\n");
}

static void test_diff__missing_final_newline_on_either_side(void **state)
{
    (void)state;
    assert_diff(
        "a\nb\nc", "a\nb\nc\n", 0,
        "--- old\n+++ new\n@@ -1,3 +1,3 @@\n a\n b\n-c\n\\ No newline at end of file\n+c\n");
    assert_like_gnu_diff("old without", "a\nb\nc", "a\nb\nc\n");
    assert_like_gnu_diff("new without", "a\nb\nc\n", "a\nb\nc");
    assert_like_gnu_diff("both without, last line differs", "a\nb\nc", "a\nb\nd");
    assert_like_gnu_diff("both without, same last line", "a\nx\nb\nc\nd\ne\nf\ng\nh",
                         "a\nb\nc\nd\ne\nf\ng\nh");
    assert_like_gnu_diff("a line added after one without", "a\nb", "a\nb\nc");
    assert_like_gnu_diff("one line each", "a", "b");
    assert_like_gnu_diff("empty last line", "a\n\n", "a\n");
}

static void test_diff__empty_old_or_new(void **state)
{
    (void)state;
    assert_diff("", "a\nb\nc\n", 0, "--- old\n+++ new\n@@ -0,0 +1,3 @@\n+a\n+b\n+c\n");
    assert_diff("a\nb\nc\n", "", 0, "--- old\n+++ new\n@@ -1,3 +0,0 @@\n-a\n-b\n-c\n");
    assert_like_gnu_diff("from empty", "", "a\nb\nc\n");
    assert_like_gnu_diff("to empty", "a\nb\nc\n", "");
    assert_like_gnu_diff("to empty, no newline", "a", "");
    assert_like_gnu_diff("to a newline", "", "\n");
}

static void test_diff__changes_on_the_first_and_last_lines(void **state)
{
    static const char lines[] = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n";

    (void)state;
    assert_diff("x\n", "y\n", 0, "--- old\n+++ new\n@@ -1 +1 @@\n-x\n+y\n");
    assert_diff(lines, "0\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", 0,
                "--- old\n+++ new\n@@ -1,4 +1,4 @@\n-1\n+0\n 2\n 3\n 4\n");
    assert_like_gnu_diff("first", lines, "0\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n");
    assert_like_gnu_diff("last", lines, "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n13\n");
    assert_like_gnu_diff("first and last", lines, "0\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n13\n");
    assert_like_gnu_diff("removed first", lines, "2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n");
    assert_like_gnu_diff("removed last", lines, "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n");
}

static void test_diff__changes_six_lines_apart_share_a_hunk(void **state)
{
    (void)state;
    /* Lines 2 and 9 change: 6 unchanged lines between them. */
    assert_int_equal(assert_like_gnu_diff("6 apart", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n",
                                          "1\nB\n3\n4\n5\n6\n7\n8\nI\n10\n11\n12\n")
                         .hunks,
                     1);
    assert_diff("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n",
                "1\nB\n3\n4\n5\n6\n7\n8\nI\n10\n11\n12\n", 0,
                "--- old\n+++ new\n@@ -1,12 +1,12 @@\n 1\n-2\n+B\n 3\n 4\n 5\n 6\n 7\n 8\n"
                "-9\n+I\n 10\n 11\n 12\n");
}

static void test_diff__changes_seven_lines_apart_get_two_hunks(void **state)
{
    (void)state;
    /* Lines 2 and 10 change: 7 unchanged lines between them. */
    assert_int_equal(assert_like_gnu_diff("7 apart", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n",
                                          "1\nB\n3\n4\n5\n6\n7\n8\n9\nJ\n11\n12\n")
                         .hunks,
                     2);
    assert_diff("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", "1\nB\n3\n4\n5\n6\n7\n8\n9\nJ\n11\n12\n",
                0,
                "--- old\n+++ new\n@@ -1,5 +1,5 @@\n 1\n-2\n+B\n 3\n 4\n 5\n"
                "@@ -7,6 +7,6 @@\n 7\n 8\n 9\n-10\n+J\n 11\n 12\n");
}

static void test_diff__lines_just_before_the_first_change_take_part(void **state)
{
    (void)state;
    /*
     * The identical first line takes part: the second "b" has an equal in it, so it is searched
     * rather than set aside, and the search keeps the second "a".
     */
    assert_diff("b\nb\na\na\nd\n", "b\ne\na\n", 0,
                "--- old\n+++ new\n@@ -1,5 +1,3 @@\n b\n-b\n-a\n+e\n a\n-d\n");
    assert_like_gnu_diff("repeated first line", "b\nb\na\na\nd\n", "b\ne\na\n");
    assert_like_gnu_diff("repeated pair", "b\na\na\n", "b\na\nb\na\nb\na\nc\nc\n");
}

static void test_diff__carriage_returns_belong_to_their_line(void **state)
{
    (void)state;
    assert_diff("a\r\nb\r\nc\r\n", "a\r\nB\r\nc\r\n", 0,
                "--- old\n+++ new\n@@ -1,3 +1,3 @@\n a\r\n-b\r\n+B\r\n c\r\n");
    assert_like_gnu_diff("crlf", Q35_DOMAIN("    <controller type='pci' index='0'/>\r\n"),
                         Q35_DOMAIN("    <controller type='pci' index='0' model='x'/>\r\n"));
    assert_like_gnu_diff("crlf to lf", "a\r\nb\r\nc\r\n", "a\nb\nc\n");
    assert_like_gnu_diff("crlf, no final newline", "a\r\nb\r", "a\r\nb\r\n");
}

static void test_diff__only_additions_or_only_deletions(void **state)
{
    static const char lines[] = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n";
    static const char fewer[] = "1\n2\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n15\n16\n";

    (void)state;
    assert_like_gnu_diff("only additions", fewer, lines);
    assert_like_gnu_diff("only deletions", lines, fewer);
    assert_diff("1\n2\n3\n4\n5\n", "1\n2\n3\n3\n4\n5\n", 0,
                "--- old\n+++ new\n@@ -1,5 +1,6 @@\n 1\n 2\n 3\n+3\n 4\n 5\n");
    /* A repeated line is added after the run it repeats, as diff prefers. */
    assert_like_gnu_diff("a repeated line", "a\nb\nb\nb\nc\n", "a\nb\nb\nb\nb\nc\n");
    assert_like_gnu_diff("a repeated pair", "x\nb\na\nb\ny\n", "x\nb\na\nb\na\nb\ny\n");
}

static void test_diff__nul_bytes_are_ordinary_bytes(void **state)
{
    static const char expected[] = "--- old\n+++ new\n@@ -1,3 +1,3 @@\n a\n-\0b\n+\0B\n c\n";
    struct text old = {"a\n\0b\nc\n", 7}, new_ = {"a\n\0B\nc\n", 7}, out;

    (void)state;
    /* diff -u alone would only say the files differ; --text compares them as we do. */
    assert_like_gnu_diff_with("nul", &old, &new_, "-a");
    out = our_diff(&old, &new_, 0);
    assert_int_equal(out.len, sizeof(expected) - 1);
    assert_memory_equal(out.bytes, expected, sizeof(expected) - 1);
    text_free(&out);
}

static void test_diff__colour_wraps_each_line_like_git(void **state)
{
    (void)state;
    assert_diff("a\nb\nc", "a\nB\nc\nd\n", 1,
                "\033[1m--- old\033[m\n"
                "\033[1m+++ new\033[m\n"
                "\033[36m@@ -1,3 +1,4 @@\033[m\n"
                " a\n"
                "\033[31m-b\033[m\n"
                "\033[31m-c\033[m\n"
                "\\ No newline at end of file\n"
                "\033[32m+B\033[m\n"
                "\033[32m+c\033[m\n"
                "\033[32m+d\033[m\n");
    assert_diff("a\r\n", "b\r\n", 1,
                "\033[1m--- old\033[m\n\033[1m+++ new\033[m\n\033[36m@@ -1 +1 @@\033[m\n"
                "\033[31m-a\r\033[m\n\033[32m+b\r\033[m\n");
}

static void test_diff__large_document_with_thousands_of_changes(void **state)
{
    struct text legacy = domain_with(100000, legacy_controller);
    struct text converted = domain_with(100000, converted_controller);
    struct shape shape;

    (void)state;
    /* Three controllers in four change, each its first line at least (it names its index). */
    shape = assert_like_gnu_diff_with("upgrade", &legacy, &converted, "");
    assert_true(shape.removed >= 75000 && shape.added >= 75000);
    shape = assert_like_gnu_diff_with("downgrade", &converted, &legacy, "");
    assert_true(shape.removed >= 75000 && shape.added >= 75000);
    text_free(&legacy);
    text_free(&converted);
}

/* Small deterministic pseudo-random numbers, the same on every run. */
static unsigned long next_random(unsigned long *seed)
{
    *seed = *seed * 6364136223846793005u + 1442695040888963407u;
    return (*seed >> 33) % 1000000;
}

#define RANDOM_LINE "    <line n='%lu'/>\n"

/* Drops the final newline, one time in six. */
static void maybe_drop_final_newline(struct text *t, unsigned long *seed)
{
    if (t->len > 0 && next_random(seed) % 6 == 0)
        t->len--;
}

static void test_diff__random_edits_choose_the_lines_diff_chooses(void **state)
{
    unsigned long seed = 2026, old_lines[64];
    int round;

    (void)state;
    for (round = 0; round < 300; round++) {
        /* Few kinds of lines: many repeats, so many edit scripts of the same length. */
        unsigned long kinds = 2 + next_random(&seed) % 12;
        size_t count = next_random(&seed) % 64, i, added;
        struct text old = {NULL, 0}, new_ = {NULL, 0};
        FILE *o = open_memstream(&old.bytes, &old.len), *n = open_memstream(&new_.bytes, &new_.len);
        char what[32];

        assert_true(o != NULL && n != NULL);
        for (i = 0; i < count; i++) {
            old_lines[i] = next_random(&seed) % kinds;
            fprintf(o, RANDOM_LINE, old_lines[i]);
        }
        /* At about one place in eight, lines are added, and the old line there may go. */
        for (i = 0; i <= count; i++) {
            if (next_random(&seed) % 8 == 0) {
                for (added = next_random(&seed) % 4; added > 0; added--)
                    fprintf(n, RANDOM_LINE, next_random(&seed) % (kinds + 2));
                if (i < count && next_random(&seed) % 2)
                    continue;
            }
            if (i < count)
                fprintf(n, RANDOM_LINE, old_lines[i]);
        }
        assert_int_equal(fclose(o), 0);
        assert_int_equal(fclose(n), 0);
        maybe_drop_final_newline(&old, &seed);
        maybe_drop_final_newline(&new_, &seed);
        snprintf(what, sizeof(what), "round %d", round);
        assert_like_gnu_diff_with(what, &old, &new_, "");
        text_free(&old);
        text_free(&new_);
    }
}

/* Lines in a list that edits change: each is unique, or one of a few common ones. */
struct line_list {
    unsigned long lines[4096];
    size_t count;
};

static unsigned long random_line(unsigned long *seed, unsigned long *next_unique,
                                 unsigned long common, unsigned long unique_percent)
{
    if (next_random(seed) % 100 < unique_percent)
        return common + (*next_unique)++;
    return next_random(seed) % common;
}

static struct text print_lines(const struct line_list *list, unsigned long common)
{
    struct text t = {NULL, 0};
    FILE *f = open_memstream(&t.bytes, &t.len);
    size_t i;

    assert_non_null(f);
    for (i = 0; i < list->count; i++)
        if (list->lines[i] < common)
            fprintf(f, "    </controller common='%lu'>\n", list->lines[i]);
        else
            fprintf(f, "    <controller index='%lu'/>\n", list->lines[i]);
    assert_int_equal(fclose(f), 0);
    return t;
}

static void test_diff__lines_with_many_equals_are_set_aside_as_diff_does(void **state)
{
    static const size_t sizes[] = {20, 60, 200, 600, 2000}, edit_counts[] = {1, 3, 10, 50};
    static struct line_list old_list, new_list;
    unsigned long seed = 11, next_unique = 0;
    int round;

    (void)state;
    for (round = 0; round < 80; round++) {
        unsigned long common = 1 + next_random(&seed) % 5;
        unsigned long unique_percent = 30 + 20 * (next_random(&seed) % 4);
        size_t edits = edit_counts[next_random(&seed) % 4], i;
        struct text old, new_;
        char what[32];

        old_list.count = sizes[next_random(&seed) % 5];
        for (i = 0; i < old_list.count; i++)
            old_list.lines[i] = random_line(&seed, &next_unique, common, unique_percent);
        new_list = old_list;
        /* Each edit removes, adds or replaces up to 8 lines. */
        while (edits-- > 0) {
            size_t at = next_random(&seed) % (new_list.count + 1), gone = 0, added = 0;
            unsigned long kind = next_random(&seed) % 3, n = 1 + next_random(&seed) % 8;

            if (kind != 1)
                gone = at + n <= new_list.count ? n : new_list.count - at;
            if (kind != 0)
                added = kind == 2 ? 1 + next_random(&seed) % 8 : n;
            memmove(&new_list.lines[at + added], &new_list.lines[at + gone],
                    (new_list.count - at - gone) * sizeof(new_list.lines[0]));
            new_list.count += added - gone;
            for (i = 0; i < added; i++)
                new_list.lines[at + i] = random_line(&seed, &next_unique, common, unique_percent);
        }
        old = print_lines(&old_list, common);
        new_ = print_lines(&new_list, common);
        maybe_drop_final_newline(&old, &seed);
        maybe_drop_final_newline(&new_, &seed);
        snprintf(what, sizeof(what), "round %d", round);
        assert_like_gnu_diff_with(what, &old, &new_, "");
        text_free(&old);
        text_free(&new_);
    }
}

static void test_diff__unrelated_inputs_cut_the_search_short_where_diff_does(void **state)
{
    unsigned long seed = 7;
    struct text old = {NULL, 0}, new_ = {NULL, 0};
    FILE *o = open_memstream(&old.bytes, &old.len), *n = open_memstream(&new_.bytes, &new_.len);
    int i;

    (void)state;
    assert_true(o != NULL && n != NULL);
    /* Some 10 000 edits either way: past the cost at which the search settles for less. */
    for (i = 0; i < 20000; i++) {
        fprintf(o, RANDOM_LINE, next_random(&seed) % 40);
        fprintf(n, RANDOM_LINE, next_random(&seed) % 40);
    }
    assert_int_equal(fclose(o), 0);
    assert_int_equal(fclose(n), 0);
    assert_like_gnu_diff_with("unrelated", &old, &new_, "");
    text_free(&old);
    text_free(&new_);
}

static void test_diff__write_errors_are_returned(void **state)
{
    FILE *full = fopen("/dev/full", "w");

    (void)state;
    assert_non_null(full);
    errno = 0;
    assert_int_equal(tool_diff_write(full, "old", "new", "a\n", 2, "b\n", 2, 0), -1);
    assert_int_equal(errno, ENOSPC);
    fclose(full);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_diff__identical_inputs_print_nothing),
        cmocka_unit_test(test_diff__labels_are_quoted_as_gnu_diff_quotes_them),
        cmocka_unit_test(test_diff__matches_gnu_diff_on_every_fixture),
        cmocka_unit_test(test_diff__controllers_collapsing_expanding_and_replaced),
        cmocka_unit_test(test_diff__missing_final_newline_on_either_side),
        cmocka_unit_test(test_diff__empty_old_or_new),
        cmocka_unit_test(test_diff__changes_on_the_first_and_last_lines),
        cmocka_unit_test(test_diff__changes_six_lines_apart_share_a_hunk),
        cmocka_unit_test(test_diff__changes_seven_lines_apart_get_two_hunks),
        cmocka_unit_test(test_diff__lines_just_before_the_first_change_take_part),
        cmocka_unit_test(test_diff__carriage_returns_belong_to_their_line),
        cmocka_unit_test(test_diff__only_additions_or_only_deletions),
        cmocka_unit_test(test_diff__nul_bytes_are_ordinary_bytes),
        cmocka_unit_test(test_diff__colour_wraps_each_line_like_git),
        cmocka_unit_test(test_diff__large_document_with_thousands_of_changes),
        cmocka_unit_test(test_diff__random_edits_choose_the_lines_diff_chooses),
        cmocka_unit_test(test_diff__lines_with_many_equals_are_set_aside_as_diff_does),
        cmocka_unit_test(test_diff__unrelated_inputs_cut_the_search_short_where_diff_does),
        cmocka_unit_test(test_diff__write_errors_are_returned),
    };

    return cmocka_run_group_tests(tests, make_work_dir, remove_work_dir);
}
