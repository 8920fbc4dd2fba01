/*
 * The unified diffs behind --diff, built from a conversion's change records: byte for byte what
 * GNU `diff -u` prints after its two header lines on the same input and output, checked against
 * diff itself on every fixture's conversions and on domains built for the edge cases.
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
static domcompat_context *ctx;

static int setup(void **state)
{
    domcompat_error err;

    (void)state;
    if (mkdtemp(work_dir) == NULL)
        return -1;
    snprintf(old_path, sizeof(old_path), "%s/old", work_dir);
    snprintf(new_path, sizeof(new_path), "%s/new", work_dir);
    return domcompat_context_new(&ctx, &err) == DOMCOMPAT_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    domcompat_context_free(ctx);
    unlink(old_path);
    unlink(new_path);
    return rmdir(work_dir);
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

/* A conversion of `input` for `target`: the result, or NULL when it did not convert. */
static domcompat_result *convert(const char *input, size_t len, const char *target, int allow_loss)
{
    domcompat_options *opts = NULL;
    domcompat_result *result = NULL;
    domcompat_error err;

    assert_int_equal(domcompat_options_new(&opts), DOMCOMPAT_OK);
    assert_int_equal(domcompat_options_set_target(opts, target, &err), DOMCOMPAT_OK);
    domcompat_options_allow_loss(opts, allow_loss);
    if (domcompat_convert(&result, ctx, opts, input, len, &err) != DOMCOMPAT_OK) {
        domcompat_result_free(result);
        result = NULL;
    }
    domcompat_options_free(opts);
    return result;
}

/* What tool_diff_write() prints of a conversion, labels "old" and "new". */
static struct text our_diff(const char *input, size_t len, const domcompat_result *result,
                            int color)
{
    struct text out = {NULL, 0};
    FILE *f = open_memstream(&out.bytes, &out.len);
    size_t out_len;
    const char *output = domcompat_result_output(result, &out_len);

    assert_non_null(f);
    assert_int_equal(tool_diff_write(f, "old", "new", input, len, output, out_len, result, color),
                     0);
    assert_int_equal(fclose(f), 0);
    return out;
}

/* What `diff -u old new` prints in the C locale, without its two header lines. */
static struct text gnu_diff(const char *old, size_t old_len, const char *new_, size_t new_len)
{
    char command[256];
    struct text out;
    FILE *reader;
    int status;
    char *body;

    write_file(old_path, old, old_len);
    write_file(new_path, new_, new_len);
    snprintf(command, sizeof(command), "LC_ALL=C diff -u '%s' '%s'", old_path, new_path);
    reader = popen(command, "r");
    assert_non_null(reader);
    out = read_stream(reader);
    status = pclose(reader);
    /* 0: no differences, 1: some; anything else means diff could not compare them. */
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) > 1) {
        print_error("`%s` failed (status %d): GNU diff is needed\n", command, status);
        fail();
    }
    if (out.len > 0) {
        body = memchr(out.bytes, '\n', out.len);
        assert_non_null(body);
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

/* Compares our diff of a conversion with GNU diff's of its input and output. */
static struct shape assert_like_gnu_diff(const char *what, const char *input, size_t len,
                                         const domcompat_result *result)
{
    static const char header[] = "--- old\n+++ new\n";
    size_t out_len, skip, i;
    const char *output = domcompat_result_output(result, &out_len);
    struct text ours = our_diff(input, len, result, 0),
                theirs = gnu_diff(input, len, output, out_len);
    struct shape shape = {0, 0, 0};

    skip = ours.len > 0 ? strlen(header) : 0;
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
    free(ours.bytes);
    free(theirs.bytes);
    return shape;
}

/* Converts `input` for `target` and compares the diffs; it must convert. */
static struct shape assert_conversion_like_gnu_diff(const char *what, const char *input,
                                                    const char *target)
{
    domcompat_result *result = convert(input, strlen(input), target, 1);
    struct shape shape;

    if (result == NULL)
        fail_msg("%s: did not convert for %s", what, target);
    shape = assert_like_gnu_diff(what, input, strlen(input), result);
    domcompat_result_free(result);
    return shape;
}

/* --- tests ------------------------------------------------------------------------------------ */

static void test_diff__an_unchanged_document_prints_nothing(void **state)
{
    static const char input[] =
        Q35_DOMAIN("    <controller type='pci' index='0' subType='pcie-root'/>\n");
    domcompat_result *result = convert(input, strlen(input), "explicit", 0);
    struct text ours;

    (void)state;
    assert_non_null(result);
    ours = our_diff(input, strlen(input), result, 1);
    assert_int_equal(ours.len, 0);
    free(ours.bytes);
    domcompat_result_free(result);
}

/* The file name a "--- " label gives patch: inside double quotes, C escapes decoded (as GNU
 * patch reads them); without quotes, the bytes as they are. */
static char *label_file_name(const char *label)
{
    const char *p = label + strlen("--- ");
    char *name = calloc(strlen(p) + 1, 1), *out = name;

    assert_non_null(name);
    if (*p != '"')
        return strcpy(name, p);
    for (p++; *p != '\0' && *p != '"'; p++) {
        const char *plain = "abfnrtv\\\"", *meant = "\a\b\f\n\r\t\v\\\"";
        if (*p != '\\') {
            *out++ = *p;
        } else if (p[1] >= '0' && p[1] <= '7') {
            *out++ = (char)(((p[1] - '0') << 6) | ((p[2] - '0') << 3) | (p[3] - '0'));
            p += 3;
        } else {
            assert_non_null(strchr(plain, p[1]));
            *out++ = meant[strchr(plain, p[1]) - plain];
            p++;
        }
    }
    assert_int_equal(*p, '"');
    return name;
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
/*
 * Header labels are file names, written as GNU diff writes them so that
 * patch reads them back: quoted, with C escapes, when a name holds a
 * space, a control character, a quote, a backslash or a byte beyond ASCII
 * ("a b.xml" unquoted would be the file "a" to patch).  GNU diff on files
 * of those names is the oracle; the hunks after the header come from the
 * conversion's change records as everywhere else.
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
    static const char input[] = "<domain>\n<devices>\n"
                                "<controller type='pci' index='0' model='pcie-root'/>\n"
                                "</devices>\n</domain>\n";
    domcompat_result *result = convert(input, strlen(input), "explicit", 0);
    size_t i, len;
    const char *output;

    (void)state;
    assert_non_null(result);
    output = domcompat_result_output(result, &len);
    write_file(new_path, output, len);
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char path[sizeof(work_dir) + 64], *expected;
        struct text out = {NULL, 0};
        FILE *f = open_memstream(&out.bytes, &out.len);

        snprintf(path, sizeof(path), "%s/%s", work_dir, names[i]);
        write_file(path, input, strlen(input));
        expected = gnu_header(names[i]);
        assert_non_null(f);
        assert_int_equal(
            tool_diff_write(f, names[i], "new", input, strlen(input), output, len, result, 0), 0);
        assert_int_equal(fclose(f), 0);
        assert_non_null(strchr(out.bytes, '\n'));
        *strchr(out.bytes, '\n') = '\0';
        /* GNU diffutils changed how it quotes two characters after 3.8 (Debian 12): 3.12
         * (Debian unstable) leaves a backslash bare and quotes DEL, 3.8 the reverse.  The
         * tool writes 3.8's labels; where this system's diff writes the other form, the two
         * must still name the same file as patch reads them. */
        if (strcmp(out.bytes, expected) != 0 &&
            (strchr(names[i], '\\') != NULL || strchr(names[i], '\x7f') != NULL)) {
            char *ours = label_file_name(out.bytes), *theirs = label_file_name(expected);
            assert_string_equal(ours, names[i]);
            assert_string_equal(theirs, names[i]);
            free(ours);
            free(theirs);
        } else {
            assert_string_equal(out.bytes, expected);
        }
        unlink(path);
        free(expected);
        free(out.bytes);
    }
    domcompat_result_free(result);
}

/* Every fixture document, converted every way it converts. */
static void test_diff__matches_gnu_diff_on_every_fixture(void **state)
{
    static const struct {
        const char *target;
        int allow_loss;
    } ways[] = {{"explicit", 0},
                {"legacy", 0},
                {"libvirt-9.0.0", 0},
                {"libvirt-6.2.0", 1},
                {"libvirt-1.2.18", 1}};
    static const char *const names[] = {"input.xml", "expected.xml"};
    const char *dir = getenv("DOMCOMPAT_TEST_FIXTURES");
    struct dirent *entry;
    DIR *d = opendir(dir ? dir : FIXTURES);
    long compared = 0;
    size_t n, w;

    (void)state;
    assert_non_null(d);
    while ((entry = readdir(d)) != NULL) {
        for (n = 0; n < 2; n++) {
            char path[4096], what[4200];
            size_t len;
            char *data;

            snprintf(path, sizeof(path), "%s/%s/%s", dir ? dir : FIXTURES, entry->d_name, names[n]);
            if ((data = read_whole_file(path, &len)) == NULL)
                continue;
            for (w = 0; w < sizeof(ways) / sizeof(ways[0]); w++) {
                domcompat_result *result = convert(data, len, ways[w].target, ways[w].allow_loss);

                if (result != NULL && domcompat_result_changed(result)) {
                    snprintf(what, sizeof(what), "%s for %s", path, ways[w].target);
                    assert_like_gnu_diff(what, data, len, result);
                    compared++;
                }
                domcompat_result_free(result);
            }
            free(data);
        }
    }
    closedir(d);
    assert_true(compared > 200);
}

/* Legacy and libvirt-form controllers, in every arrangement a rewrite can leave them. */
static void legacy_controller(FILE *f, size_t i)
{
    switch (i % 5) {
    case 0:
        fprintf(f, "    <controller type='pci' index='%zu' model='pcie-root-port'>\n", i + 1);
        fputs("      <model name='ioh3420'/>\n    </controller>\n", f);
        break;
    case 1:
        fprintf(f, "    <controller type='pci' index='%zu' model='pci-bridge'/>\n", i + 1);
        break;
    case 2:
        fprintf(f, "    <controller type='pci' index='%zu' model='pcie-root-port'>\n", i + 1);
        fprintf(f, "      <target chassis='%zu' port='0x10'/>\n    </controller>\n", i % 7);
        break;
    case 3:
        fprintf(f, "    <controller type='pci' index='%zu' model='pcie-root-port'>\n", i + 1);
        fputs("      <model name='ioh3420'/>\n", f);
        fprintf(f, "      <target chassis='%zu' port='0x10'/>\n    </controller>\n", i % 7);
        break;
    default: fprintf(f, "    <controller type='usb' index='%zu'/>\n", i); break;
    }
}

/* A domain with a root bus and `count` more controllers; `before` starts the root bus's line. */
static char *domain_with(size_t count, const char *before, const char *eol)
{
    struct text t = {NULL, 0};
    FILE *f = open_memstream(&t.bytes, &t.len);
    size_t i;

    assert_non_null(f);
    fprintf(f,
            "<domain type='kvm'>%s  <name>guest</name>%s  <os><type arch='x86_64' "
            "machine='q35'>hvm</type></os>%s  <devices>%s%s",
            eol, eol, eol, eol, before);
    fputs("    <controller type='pci' index='0' model='pcie-root'/>\n", f);
    for (i = 0; i < count; i++)
        legacy_controller(f, i);
    fprintf(f, "  </devices>%s</domain>%s", eol, eol);
    assert_int_equal(fclose(f), 0);
    return t.bytes;
}

static void test_diff__controllers_collapsing_expanding_and_replaced(void **state)
{
    char *input = domain_with(20, "", "\n");
    struct shape shape;

    (void)state;
    shape = assert_conversion_like_gnu_diff("upgrade", input, "explicit");
    assert_true(shape.removed > 20 && shape.added > 10);
    shape = assert_conversion_like_gnu_diff("to libvirt 9.0.0", input, "libvirt-9.0.0");
    assert_true(shape.added > 0);
    assert_conversion_like_gnu_diff("to the legacy form", input, "legacy");
    free(input);
}

static void test_diff__carriage_returns_and_characters_before_the_tag(void **state)
{
    char *input = domain_with(7, "    <!-- d\xc3\xa9j\xc3\xa0 vu -->", "\r\n");

    (void)state;
    assert_conversion_like_gnu_diff("CRLF", input, "explicit");
    free(input);
}

static void test_diff__several_controllers_on_one_line(void **state)
{
    static const char input[] =
        "<domain><os><type arch='x86_64' machine='q35'/></os><devices>"
        "<controller type='pci' index='0' model='pcie-root'/><controller type='pci' index='1' "
        "model='pcie-root-port'><model name='ioh3420'/></controller></devices></domain>\n";
    static const char two[] = "<domain><os><type arch='x86_64' machine='q35'/></os>\n<devices>"
                              "<controller type='pci' index='0' model='pcie-root'/>"
                              "<controller type='pci' index='1' model='pcie-root-port'>\n"
                              "<model name='ioh3420'/></controller>"
                              "<controller type='pci' index='2' model='pci-bridge'/>\n"
                              "</devices></domain>";
    struct shape shape;

    (void)state;
    shape = assert_conversion_like_gnu_diff("one line", input, "explicit");
    assert_int_equal(shape.removed, 1);
    assert_conversion_like_gnu_diff("one line, to libvirt 9.0.0", input, "libvirt-9.0.0");
    /* ...and a last line without a newline. */
    assert_conversion_like_gnu_diff("shared lines", two, "explicit");
    assert_conversion_like_gnu_diff("shared lines, to libvirt 9.0.0", two, "libvirt-9.0.0");
}

/* Hunks: changes with 6 unchanged lines between share one; 7 lines apart, they do not. */
static void test_diff__hunks_join_and_part_as_diff_u_does(void **state)
{
    char *input;
    size_t gap;
    struct shape shape;

    (void)state;
    for (gap = 5; gap <= 8; gap++) {
        struct text t = {NULL, 0};
        FILE *f = open_memstream(&t.bytes, &t.len);
        size_t i;

        assert_non_null(f);
        fputs("<domain>\n<os><type arch='x86_64' machine='q35'/></os>\n<devices>\n"
              "<controller type='pci' index='0' model='pcie-root'/>\n",
              f);
        for (i = 0; i < gap; i++)
            fputs("<disk/>\n", f);
        fputs("<controller type='pci' index='1' model='pci-bridge'/>\n</devices>\n</domain>\n", f);
        assert_int_equal(fclose(f), 0);
        input = t.bytes;
        shape = assert_conversion_like_gnu_diff("gap", input, "explicit");
        assert_int_equal(shape.hunks, gap <= 6 ? 1 : 2);
        free(input);
    }
}

static void test_diff__thousands_of_controllers(void **state)
{
    char *input = domain_with(5000, "", "\n");
    struct shape shape;

    (void)state;
    shape = assert_conversion_like_gnu_diff("5000 controllers", input, "explicit");
    assert_true(shape.hunks >= 1 && shape.removed >= 5000);
    free(input);
}

static void test_diff__colour_wraps_each_line_like_git(void **state)
{
    static const char input[] = "<domain>\n<devices>\n"
                                "<controller type='pci' index='0' model='pcie-root'/>\n"
                                "</devices>\n</domain>";
    static const char expected[] = "\033[1m--- old\033[m\n\033[1m+++ new\033[m\n"
                                   "\033[36m@@ -1,5 +1,5 @@\033[m\n <domain>\n <devices>\n"
                                   "\033[31m-<controller type='pci' index='0' "
                                   "model='pcie-root'/>\033[m\n"
                                   "\033[32m+<controller type='pci' index='0' "
                                   "subType='pcie-root'/>\033[m\n"
                                   " </devices>\n </domain>\n\\ No newline at end of file\n";
    domcompat_result *result = convert(input, strlen(input), "explicit", 0);
    struct text ours;

    (void)state;
    assert_non_null(result);
    ours = our_diff(input, strlen(input), result, 1);
    assert_int_equal(ours.len, strlen(expected));
    assert_memory_equal(ours.bytes, expected, ours.len);
    free(ours.bytes);
    domcompat_result_free(result);
}

static void test_diff__write_errors_are_returned(void **state)
{
    static const char input[] =
        Q35_DOMAIN("    <controller type='pci' index='0' model='pcie-root'/>\n");
    domcompat_result *result = convert(input, strlen(input), "explicit", 0);
    FILE *full = fopen("/dev/full", "w");
    const char *output;
    size_t len;

    (void)state;
    assert_non_null(full);
    assert_non_null(result);
    output = domcompat_result_output(result, &len);
    errno = 0;
    assert_int_equal(
        tool_diff_write(full, "old", "new", input, strlen(input), output, len, result, 0), -1);
    assert_int_equal(errno, ENOSPC);
    fclose(full);
    /* Records that are not of these two texts are refused, not followed. */
    errno = 0;
    assert_int_equal(tool_diff_write(stdout, "old", "new", "<a/>\n", 5, "<b/>\n", 5, result, 0),
                     -1);
    assert_int_equal(errno, EINVAL);
    domcompat_result_free(result);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_diff__an_unchanged_document_prints_nothing),
        cmocka_unit_test(test_diff__labels_are_quoted_as_gnu_diff_quotes_them),
        cmocka_unit_test(test_diff__matches_gnu_diff_on_every_fixture),
        cmocka_unit_test(test_diff__controllers_collapsing_expanding_and_replaced),
        cmocka_unit_test(test_diff__carriage_returns_and_characters_before_the_tag),
        cmocka_unit_test(test_diff__several_controllers_on_one_line),
        cmocka_unit_test(test_diff__hunks_join_and_part_as_diff_u_does),
        cmocka_unit_test(test_diff__thousands_of_controllers),
        cmocka_unit_test(test_diff__colour_wraps_each_line_like_git),
        cmocka_unit_test(test_diff__write_errors_are_returned),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
