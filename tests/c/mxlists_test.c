/*
 * Exercises every function of include/mxlists.h against a real artifact.
 *
 * Usage: mxlists_test VERSION ARTIFACT NEXT_ARTIFACT CORRUPT_FILE [ITERATIONS]
 *
 * ARTIFACT is built by tests/tests/c_api.rs with the lists described there;
 * NEXT_ARTIFACT is a rebuild in which x.monster is no longer listed, and is
 * renamed over ARTIFACT near the end to check that an open handle follows the
 * file. Prints one line per failed check and exits 1 if any failed.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "mxlists.h"

static const char *artifact;
/* Lookups per thread in test_threads (a fifth argument sets it). */
static int iterations = 2000;

/* Looks value up in lists and checks status, list and entry. */
static void expect(mxlists_db *db, const char *lists, const char *value,
                   int status, const char *list, const char *entry, int line) {
    mxlists_result r;
    int got = mxlists_check(db, lists, value, &r);
    checks++;
    if (got != status || r.status != status ||
        (list && strcmp(r.list, list) != 0) ||
        (entry && strcmp(r.entry, entry) != 0)) {
        failures++;
        printf("FAILED line %d: %s in %s: status %d (struct %d) list \"%s\" "
               "entry \"%s\" reason \"%s\" error \"%s\"; expected %d %s %s\n",
               line, value, lists ? lists : "(all)", got, r.status, r.list,
               r.entry, r.reason, mxlists_last_error(), status,
               list ? list : "-", entry ? entry : "-");
    }
}
#define EXPECT(db, lists, value, status, list, entry) \
    expect(db, lists, value, status, list, entry, __LINE__)


static char *repeat(char c, size_t n, const char *suffix) {
    size_t s = strlen(suffix);
    char *p = malloc(n + s + 1);
    if (p == NULL) {
        abort();
    }
    memset(p, c, n);
    memcpy(p + n, suffix, s + 1);
    return p;
}

static void test_version(const char *want) {
    const char *v = mxlists_version();
    CHECK_STR(v, want);
    CHECK(mxlists_version() == v);
}

static void test_open_failures(const char *corrupt) {
    mxlists_db *db = mxlists_open(NULL);
    CHECK(db == NULL);
    CHECK(strstr(mxlists_last_error(), "NULL") != NULL);

    db = mxlists_open("/nonexistent/dir/lists.mxl");
    CHECK(db == NULL);
    CHECK(strstr(mxlists_last_error(), "/nonexistent/dir/lists.mxl") != NULL);

    db = mxlists_open(corrupt);
    CHECK(db == NULL);
    CHECK(strstr(mxlists_last_error(), "corrupt") != NULL);

    db = mxlists_open("\xff\xfe/not-utf8.mxl");
    CHECK(db == NULL);
    CHECK(mxlists_last_error()[0] != '\0');

    db = mxlists_open("");
    CHECK(db == NULL);
    CHECK(mxlists_last_error()[0] != '\0');

    db = mxlists_open("/");
    CHECK(db == NULL);
    CHECK(strstr(mxlists_last_error(), "not a regular file") != NULL);
}

static void test_lookups(mxlists_db *db) {
    mxlists_result r;

    /* First hit in list order; exclusions; IPs; IDN; upper case. */
    EXPECT(db, NULL, "u@x.monster", MXLISTS_LISTED, "tld_bans", "monster");
    EXPECT(db, "*", "<U@X.MONSTER>", MXLISTS_LISTED, "tld_bans", "monster");
    EXPECT(db, NULL, "x@good.monster", MXLISTS_NOT_LISTED, "", "");
    EXPECT(db, NULL, "shop.bücher.example", MXLISTS_LISTED, "tld_bans",
           "xn--bcher-kva.example");
    EXPECT(db, NULL, "nobody@example.com", MXLISTS_LISTED, "invalid_rcpt",
           "nobody@example.com");
    EXPECT(db, NULL, "somebody@example.com", MXLISTS_NOT_LISTED, "", "");
    EXPECT(db, NULL, "51.68.0.1", MXLISTS_LISTED, "ovh", "51.68.0.0/16");
    EXPECT(db, NULL, "[::ffff:51.68.200.1]", MXLISTS_LISTED, "ovh",
           "51.68.0.0/16");
    EXPECT(db, NULL, "51.68.10.3", MXLISTS_NOT_LISTED, "", "");
    EXPECT(db, NULL, "2001:41D0::1", MXLISTS_LISTED, "ovh", "2001:41d0::/32");
    EXPECT(db, NULL, "2001:db8::1", MXLISTS_NOT_LISTED, "", "");
    EXPECT(db, NULL, "root@pop-os.localdomain", MXLISTS_LISTED, "tlds",
           "localdomain");

    /* Selections. */
    EXPECT(db, "ovh", "u@x.monster", MXLISTS_NOT_LISTED, "", "");
    EXPECT(db, " ovh , tld_bans ", "u@x.monster", MXLISTS_LISTED, "tld_bans",
           "monster");
    EXPECT(db, "tlds", "u@x.monster", MXLISTS_NOT_LISTED, "", "");

    /* The whole result. */
    CHECK(mxlists_check(db, "invalid_rcpt", "<NoBody@Example.com>", &r) ==
          MXLISTS_LISTED);
    CHECK_STR(r.list, "invalid_rcpt");
    CHECK_STR(r.kind, "email");
    CHECK_STR(r.entry, "nobody@example.com");
    CHECK_STR(r.reason, "Mailbox \"nobody\" does not exist \\ really");
    CHECK(r.truncated == 0);
    CHECK(mxlists_last_error()[0] == '\0');

    CHECK(mxlists_check(db, NULL, "x.monster", &r) == MXLISTS_LISTED);
    CHECK_STR(r.kind, "domain");
    CHECK_STR(r.reason, "mail from this TLD is not accepted here");

    /* A long reason is cut at a character boundary ("é" is two bytes). */
    CHECK(mxlists_check(db, NULL, "long.example", &r) == MXLISTS_LISTED);
    CHECK(r.truncated == 1);
    CHECK(strlen(r.reason) == MXLISTS_REASON_SIZE - 2);
    CHECK(memcmp(r.reason, "\xc3\xa9\xc3\xa9", 4) == 0);

    /* Invalid values are an answer, not an error. */
    CHECK(mxlists_check(db, NULL, "a@@b", &r) == MXLISTS_INVALID);
    CHECK(r.status == MXLISTS_INVALID);
    CHECK(r.reason[0] != '\0');
    CHECK(r.list[0] == '\0' && r.entry[0] == '\0');
    CHECK(mxlists_check(db, NULL, "", &r) == MXLISTS_INVALID);
    CHECK(mxlists_check(db, NULL, "\xff\xfe@x.monster", &r) == MXLISTS_INVALID);
    CHECK(strstr(r.reason, "UTF-8") != NULL);
    CHECK(mxlists_check(db, NULL, "x.mon\xc3ster", &r) == MXLISTS_INVALID);

    /* Errors. */
    CHECK(mxlists_check(db, "nope", "x.monster", &r) == MXLISTS_ERROR);
    CHECK(r.status == MXLISTS_ERROR);
    CHECK(strstr(mxlists_last_error(), "nope") != NULL);
    CHECK(mxlists_check(db, "", "x.monster", &r) == MXLISTS_ERROR);
    CHECK(mxlists_check(db, "ovh,,tlds", "x.monster", &r) == MXLISTS_ERROR);
    CHECK(mxlists_check(db, "\xff", "x.monster", &r) == MXLISTS_ERROR);
    /* A successful call clears the last error. */
    CHECK(mxlists_check(db, NULL, "x.monster", &r) == MXLISTS_LISTED);
    CHECK(mxlists_last_error()[0] == '\0');
}

static void test_null_arguments(mxlists_db *db) {
    mxlists_result r;
    CHECK(mxlists_check(NULL, NULL, "x.monster", &r) == MXLISTS_ERROR);
    CHECK(r.status == MXLISTS_ERROR);
    CHECK(strstr(mxlists_last_error(), "db is NULL") != NULL);
    CHECK(mxlists_check(db, NULL, NULL, &r) == MXLISTS_ERROR);
    CHECK(strstr(mxlists_last_error(), "value is NULL") != NULL);
    CHECK(mxlists_check(NULL, NULL, NULL, NULL) == MXLISTS_ERROR);
    /* Only the status. */
    CHECK(mxlists_check(db, NULL, "x.monster", NULL) == MXLISTS_LISTED);
    CHECK(mxlists_check(db, NULL, "x.com", NULL) == MXLISTS_NOT_LISTED);
    CHECK(mxlists_check(db, NULL, "@@", NULL) == MXLISTS_INVALID);
    mxlists_close(NULL);
}

static void test_large_inputs(mxlists_db *db) {
    const size_t mib = 1024 * 1024;
    mxlists_result r;
    char *s;
    size_t i;

    /* 1 MiB of leading spaces: trimmed, then a hit. */
    s = repeat(' ', mib, "x.monster");
    EXPECT(db, NULL, s, MXLISTS_LISTED, "tld_bans", "monster");
    free(s);

    /* 1 MiB names: too long, so invalid. */
    s = repeat('a', mib, ".monster");
    CHECK(mxlists_check(db, NULL, s, &r) == MXLISTS_INVALID);
    free(s);
    s = repeat('a', mib, "@x.monster");
    CHECK(mxlists_check(db, NULL, s, &r) == MXLISTS_INVALID);
    free(s);
    s = repeat('\xff', mib, "");
    CHECK(mxlists_check(db, NULL, s, &r) == MXLISTS_INVALID);
    free(s);
    s = repeat('.', mib, "");
    CHECK(mxlists_check(db, NULL, s, &r) == MXLISTS_INVALID);
    free(s);

    /* A 1 MiB selection: the same name many times. */
    s = repeat('x', mib, "");
    for (i = 0; i + 9 <= mib; i += 9) {
        memcpy(s + i, "tld_bans,", 9);
    }
    memcpy(s + i, "ovh", 3);
    s[i + 3] = '\0';
    EXPECT(db, s, "u@x.monster", MXLISTS_LISTED, "tld_bans", "monster");
    /* A 1 MiB unknown name: an error, whose message shows the start of the
       name and its length, not the whole name. */
    memset(s, 'z', mib);
    s[mib] = '\0';
    CHECK(mxlists_check(db, s, "u@x.monster", &r) == MXLISTS_ERROR);
    CHECK(strlen(mxlists_last_error()) < 400);
    CHECK(strstr(mxlists_last_error(), "zzzz") != NULL);
    CHECK(strstr(mxlists_last_error(), "1048576 bytes") != NULL);
    free(s);

    /* Through Exim's interface too. */
    {
        const char *y = NULL;
        s = repeat(' ', mib, "x.monster");
        CHECK(exim_call(mxl_match, artifact, "*", s, &y) == EXIM_OK);
        CHECK_STR(y, "yes");
        free(s);
        s = repeat('a', mib, "@x.monster");
        CHECK(exim_call(mxl_match, artifact, "*", s, &y) == EXIM_OK);
        CHECK_STR(y, "no");
        free(s);
    }
}

static void test_exim_functions(void) {
    const char *y = NULL;
    unsigned char *argv[4];
    unsigned char *yield = NULL;

    CHECK(exim_call(mxl_check, artifact, "*", "u@x.monster", &y) == EXIM_OK);
    CHECK_STR(y, "list=tld_bans entry=monster "
                 "reason=\"mail from this TLD is not accepted here\"");
    CHECK(exim_call(mxl_check, artifact, "invalid_rcpt", "NOBODY@example.com",
                    &y) == EXIM_OK);
    CHECK_STR(y, "list=invalid_rcpt entry=nobody@example.com "
                 "reason=\"Mailbox \\\"nobody\\\" does not exist \\\\ really\"");
    CHECK(exim_call(mxl_check, artifact, "*", "x@good.monster", &y) == EXIM_OK);
    CHECK_STR(y, "");
    CHECK(exim_call(mxl_check, artifact, "*", "\xff@@", &y) == EXIM_OK);
    CHECK_STR(y, "");
    CHECK(exim_call(mxl_match, artifact, "ovh", "51.68.1.1", &y) == EXIM_OK);
    CHECK_STR(y, "yes");
    CHECK(exim_call(mxl_match, artifact, "ovh", "51.68.10.1", &y) == EXIM_OK);
    CHECK_STR(y, "no");

    /* Failures: the message is the yield. */
    CHECK(exim_call(mxl_check, "/nonexistent.mxl", "*", "x.monster", &y) ==
          EXIM_DEFER);
    CHECK(y != NULL && strstr(y, "/nonexistent.mxl") != NULL);
    CHECK(exim_call(mxl_match, artifact, "nope", "x.monster", &y) == EXIM_ERROR);
    CHECK(y != NULL && strstr(y, "nope") != NULL);

    /* Wrong argument counts, NULL arguments. */
    argv[0] = (unsigned char *)artifact;
    argv[1] = (unsigned char *)"*";
    argv[2] = NULL;
    argv[3] = NULL;
    CHECK(mxl_check(&yield, 2, argv) == EXIM_ERROR);
    CHECK(yield != NULL && strstr((char *)yield, "three or four arguments") != NULL);
    CHECK(mxl_check(&yield, 3, argv) == EXIM_ERROR);
    CHECK(mxl_match(&yield, 4, argv) == EXIM_ERROR);
    CHECK(mxl_match(&yield, 5, argv) == EXIM_ERROR);
    CHECK(mxl_match(&yield, -1, argv) == EXIM_ERROR);
    CHECK(mxl_match(&yield, 3, NULL) == EXIM_ERROR);
    argv[2] = (unsigned char *)"x.monster";
    CHECK(mxl_match(NULL, 3, argv) == EXIM_ERROR);
    CHECK(mxl_match(&yield, 3, argv) == EXIM_OK);
    CHECK_STR((char *)yield, "yes");
}

/* Several threads share one handle; each checks its answers and its own last
 * error. */
struct worker {
    mxlists_db *db;
    int id;
    int failures;
};

static void *work(void *arg) {
    struct worker *w = arg;
    mxlists_result r;
    const char *y;
    int i;
    for (i = 0; i < iterations; i++) {
        if (mxlists_check(w->db, NULL, "u@x.monster", &r) != MXLISTS_LISTED ||
            strcmp(r.list, "tld_bans") != 0 || strcmp(r.entry, "monster") != 0) {
            w->failures++;
        }
        if (mxlists_check(w->db, "ovh", "51.68.10.9", &r) != MXLISTS_NOT_LISTED) {
            w->failures++;
        }
        if (mxlists_check(w->db, "tlds", "a@b.localdomain", &r) != MXLISTS_LISTED ||
            strcmp(r.entry, "localdomain") != 0) {
            w->failures++;
        }
        if (exim_call(mxl_check, artifact, "ovh", "2001:41d0::9", &y) != EXIM_OK ||
            strcmp(y, "list=ovh entry=2001:41d0::/32 reason=\"OVH network\"") != 0) {
            w->failures++;
        }
        /* The last error belongs to this thread. */
        if (w->id % 2 == 0) {
            if (mxlists_check(w->db, "nope", "x.com", &r) != MXLISTS_ERROR ||
                strstr(mxlists_last_error(), "nope") == NULL) {
                w->failures++;
            }
        } else if (mxlists_last_error()[0] != '\0') {
            w->failures++;
        }
    }
    return NULL;
}

/* Calls an Exim function with four arguments (the fourth: allow lists). */
static int exim_call4(int (*f)(unsigned char **, int, unsigned char **),
                      const char *lists, const char *value, const char *allow,
                      const char **yield) {
    return exim_call_with(f, artifact, lists, value, allow, yield);
}

/* mxlists_decide and the Exim functions' fourth argument: a value an allow
 * list lists is not listed, whatever the other lists say. */
static void test_allow_lists(mxlists_db *db) {
    mxlists_result r;
    const char *y = NULL;
    CHECK(mxlists_decide(db, "tld_bans,invalid_rcpt", "tld_bans", "u@x.monster", &r) ==
          MXLISTS_ALLOWED);
    CHECK(r.status == MXLISTS_ALLOWED);
    CHECK_STR(r.list, "tld_bans");
    CHECK_STR(r.entry, "monster");
    CHECK(mxlists_decide(db, "tld_bans,invalid_rcpt", NULL, "u@x.monster", &r) ==
          MXLISTS_LISTED);
    CHECK_STR(r.list, "tld_bans");
    CHECK(mxlists_decide(db, "invalid_rcpt", "tld_bans", "nobody@example.com", &r) ==
          MXLISTS_LISTED);
    CHECK_STR(r.list, "invalid_rcpt");
    CHECK(mxlists_decide(db, NULL, "ovh", "51.68.1.1", &r) == MXLISTS_ALLOWED);
    CHECK(mxlists_decide(db, "ovh", "tld_bans", "51.68.10.1", &r) == MXLISTS_NOT_LISTED);
    CHECK(mxlists_decide(db, "ovh", "tld_bans", "a@@b", &r) == MXLISTS_INVALID);
    CHECK(mxlists_decide(db, "ovh", "", "51.68.1.1", &r) == MXLISTS_ERROR);
    CHECK(strstr(mxlists_last_error(), "empty list selection") != NULL);
    CHECK(mxlists_decide(db, "ovh", "nope", "51.68.1.1", &r) == MXLISTS_ERROR);

    CHECK(exim_call4(mxl_check, "*", "u@x.monster", "tld_bans", &y) == EXIM_OK);
    CHECK_STR(y, "");
    CHECK(exim_call4(mxl_check, "*", "u@x.monster", "ovh", &y) == EXIM_OK);
    CHECK_STR(y, "list=tld_bans entry=monster "
                 "reason=\"mail from this TLD is not accepted here\"");
    CHECK(exim_call4(mxl_match, "ovh", "51.68.1.1", "ovh", &y) == EXIM_OK);
    CHECK_STR(y, "no");
    CHECK(exim_call4(mxl_match, "ovh", "51.68.1.1", "tld_bans", &y) == EXIM_OK);
    CHECK_STR(y, "yes");
    CHECK(exim_call4(mxl_match, "ovh", "51.68.1.1", "", &y) == EXIM_ERROR);
    CHECK(y != NULL && strstr(y, "empty list selection") != NULL);
}

static void test_threads(mxlists_db *db) {
    enum { N = 6 };
    pthread_t t[N];
    struct worker w[N];
    int i;
    for (i = 0; i < N; i++) {
        w[i].db = db;
        w[i].id = i;
        w[i].failures = 0;
        CHECK(pthread_create(&t[i], NULL, work, &w[i]) == 0);
    }
    for (i = 0; i < N; i++) {
        CHECK(pthread_join(t[i], NULL) == 0);
        CHECK(w[i].failures == 0);
    }
}

static void test_reload(mxlists_db *db, const char *next) {
    struct timespec wait = {1, 300 * 1000 * 1000};
    EXPECT(db, NULL, "u@x.monster", MXLISTS_LISTED, "tld_bans", "monster");
    CHECK(rename(next, artifact) == 0);
    nanosleep(&wait, NULL);
    EXPECT(db, NULL, "u@x.monster", MXLISTS_NOT_LISTED, "", "");
    EXPECT(db, NULL, "u@x.fail", MXLISTS_LISTED, "tld_bans", "fail");
}

int main(int argc, char **argv) {
    mxlists_db *db;
    if (argc != 5 && argc != 6) {
        fprintf(stderr,
                "usage: %s VERSION ARTIFACT NEXT_ARTIFACT CORRUPT [ITERATIONS]\n",
                argv[0]);
        return 2;
    }
    artifact = argv[2];
    if (argc == 6) {
        iterations = atoi(argv[5]);
    }

    test_version(argv[1]);
    test_open_failures(argv[4]);
    db = mxlists_open(artifact);
    CHECK(db != NULL);
    if (db == NULL) {
        printf("FAILED: cannot open %s: %s\n", artifact, mxlists_last_error());
        return 1;
    }
    CHECK(mxlists_last_error()[0] == '\0');
    test_lookups(db);
    test_null_arguments(db);
    test_large_inputs(db);
    test_exim_functions();
    test_allow_lists(db);
    test_threads(db);
    test_reload(db, argv[3]);
    mxlists_close(db);

    printf("%d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
