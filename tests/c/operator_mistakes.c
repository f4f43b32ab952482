/*
 * Operator mistakes through the C API and the Exim functions: an artifact path
 * that is a FIFO, a FIFO renamed over a live artifact, a file that is not an
 * artifact, list selections (empty, `*`, an empty name, a 50 MB name).
 *
 * Usage: operator_mistakes DIR
 *
 * DIR holds lists.mxl (built by tests/tests/c_api.rs: tld_bans lists
 * .monster, ovh lists 51.68.0.0/16) and badmagic.mxl (a file that is not an
 * artifact). The program makes its FIFOs in DIR and renames one over
 * lists.mxl at the end. It must never block: the test that runs it kills it
 * after a time limit. Prints one line per failed check and exits 1 if any
 * failed.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "check.h"
#include "mxlists.h"

static char *join(const char *dir, const char *name) {
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p == NULL) {
        abort();
    }
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static void pause_ms(long ms) {
    struct timespec t;
    t.tv_sec = ms / 1000;
    t.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&t, NULL);
}

/* Opening a FIFO fails at once, with the path and the reason. */
static void test_fifo_artifact(const char *dir) {
    char *fifo = join(dir, "fifo.mxl");
    const char *y;
    CHECK(mkfifo(fifo, 0644) == 0);
    CHECK(mxlists_open(fifo) == NULL);
    CONTAINS(mxlists_last_error(), fifo);
    CONTAINS(mxlists_last_error(), "not a regular file");
    CONTAINS(mxlists_last_error(), "FIFO");
    CHECK(exim_call(mxl_check, fifo, "*", "u@x.monster", &y) == EXIM_DEFER);
    CONTAINS(y, fifo);
    CONTAINS(y, "not a regular file");
    CHECK(exim_call(mxl_match, fifo, "*", "u@x.monster", &y) == EXIM_DEFER);
    CONTAINS(y, "FIFO");
    free(fifo);
}

/* A file that is not an artifact: the message names it. */
static void test_bad_magic(const char *dir) {
    char *bad = join(dir, "badmagic.mxl");
    const char *y;
    CHECK(mxlists_open(bad) == NULL);
    CONTAINS(mxlists_last_error(), bad);
    CONTAINS(mxlists_last_error(), "bad magic");
    CHECK(exim_call(mxl_check, bad, "*", "u@x.monster", &y) == EXIM_DEFER);
    CONTAINS(y, bad);
    CONTAINS(y, "bad magic");
    free(bad);
}

/* One selection rule, one error text, in the C API and the Exim functions. */
static void test_selections(mxlists_db *db, const char *artifact) {
    mxlists_result r;
    const char *y;
    char *huge;
    size_t len = 50u << 20;
    char c_error[512];

    CHECK(mxlists_check(db, NULL, "u@x.monster", &r) == MXLISTS_LISTED);
    CHECK(mxlists_check(db, "*", "u@x.monster", &r) == MXLISTS_LISTED);
    CHECK(mxlists_check(db, " * ", "u@x.monster", &r) == MXLISTS_LISTED);
    CHECK(mxlists_check(db, "ovh, tld_bans", "u@x.monster", &r) ==
          MXLISTS_LISTED);
    CHECK(mxlists_check(db, "ovh", "u@x.monster", &r) == MXLISTS_NOT_LISTED);

    CHECK(mxlists_check(db, "", "u@x.monster", &r) == MXLISTS_ERROR);
    CONTAINS(mxlists_last_error(), "empty list selection");
    snprintf(c_error, sizeof c_error, "%s", mxlists_last_error());
    CHECK(mxlists_check(db, " , ", "u@x.monster", &r) == MXLISTS_ERROR);
    CONTAINS(mxlists_last_error(), "empty list selection");
    CHECK(exim_call(mxl_check, artifact, "", "u@x.monster", &y) == EXIM_ERROR);
    CONTAINS(y, c_error);
    CHECK(exim_call(mxl_match, artifact, "", "u@x.monster", &y) == EXIM_ERROR);
    CONTAINS(y, c_error);

    CHECK(mxlists_check(db, "ovh,,tld_bans", "u@x.monster", &r) ==
          MXLISTS_ERROR);
    CONTAINS(mxlists_last_error(), "empty list name");
    CHECK(mxlists_check(db, "*,ovh", "u@x.monster", &r) == MXLISTS_ERROR);
    CONTAINS(mxlists_last_error(), "cannot be combined");
    CHECK(exim_call(mxl_check, artifact, "*,ovh", "u@x.monster", &y) ==
          EXIM_ERROR);
    CONTAINS(y, "cannot be combined");

    /* A 50 MB list name: the message shows a bounded part and the length. */
    huge = malloc(len + 1);
    if (huge == NULL) {
        abort();
    }
    memset(huge, 'n', len);
    huge[len] = '\0';
    CHECK(mxlists_check(db, huge, "u@x.monster", &r) == MXLISTS_ERROR);
    CONTAINS(mxlists_last_error(), "unknown list");
    CONTAINS(mxlists_last_error(), "52428800 bytes");
    CHECK(strlen(mxlists_last_error()) < 400);
    CHECK(exim_call(mxl_check, artifact, huge, "u@x.monster", &y) ==
          EXIM_ERROR);
    CONTAINS(y, "52428800 bytes");
    CHECK(y != NULL && strlen(y) < 1024);
    /* Not UTF-8: the same bounded message. */
    huge[10] = '\xff';
    CHECK(exim_call(mxl_match, artifact, huge, "u@x.monster", &y) ==
          EXIM_ERROR);
    CHECK(y != NULL && strlen(y) < 1024);
    free(huge);
}

/*
 * A FIFO renamed over a live artifact: the open handles (the C API's and the
 * Exim functions') keep answering from the file they have.
 */
static void test_fifo_renamed_over(mxlists_db *db, const char *dir,
                                   const char *artifact) {
    char *fifo = join(dir, "swap.fifo");
    mxlists_result r;
    const char *y;
    int i;

    CHECK(exim_call(mxl_check, artifact, "*", "u@x.monster", &y) == EXIM_OK);
    CONTAINS(y, "list=tld_bans");
    CHECK(mkfifo(fifo, 0644) == 0);
    CHECK(rename(fifo, artifact) == 0);
    /* The handles look at the path once a second: look several times. */
    for (i = 0; i < 3; i++) {
        pause_ms(1100);
        CHECK(mxlists_check(db, NULL, "u@x.monster", &r) == MXLISTS_LISTED);
        CHECK(strcmp(r.entry, "monster") == 0);
        CHECK(mxlists_check(db, "ovh", "51.68.0.1", &r) == MXLISTS_LISTED);
        CHECK(exim_call(mxl_check, artifact, "*", "u@x.monster", &y) ==
              EXIM_OK);
        CONTAINS(y, "list=tld_bans");
        CHECK(exim_call(mxl_match, artifact, "ovh", "51.68.0.1", &y) ==
              EXIM_OK);
        CONTAINS(y, "yes");
    }
    /* A new handle on the path is refused at once. */
    CHECK(mxlists_open(artifact) == NULL);
    CONTAINS(mxlists_last_error(), "FIFO");
    free(fifo);
}

int main(int argc, char **argv) {
    char *artifact;
    mxlists_db *db;
    if (argc != 2) {
        fprintf(stderr, "usage: operator_mistakes DIR\n");
        return 2;
    }
    artifact = join(argv[1], "lists.mxl");
    db = mxlists_open(artifact);
    if (db == NULL) {
        printf("FAILED: cannot open %s: %s\n", artifact, mxlists_last_error());
        return 1;
    }
    test_fifo_artifact(argv[1]);
    test_bad_magic(argv[1]);
    test_selections(db, artifact);
    test_fifo_renamed_over(db, argv[1], artifact);
    mxlists_close(db);
    free(artifact);
    printf("%d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
