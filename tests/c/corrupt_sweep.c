/*
 * Exhaustive corruption through the C library: every single-byte flip (XOR
 * 0xFF and XOR 0x01) at every offset and every truncation length of an
 * artifact (or every STRIDE-th of them), each written to TRIAL and opened with
 * mxlists_open(). A damaged file must be refused (with a message from
 * mxlists_last_error()) or answer every query exactly as the intact file does;
 * lookups may fail with MXLISTS_ERROR, never with a crash.
 *
 *   corrupt_sweep ARTIFACT TRIAL STRIDE QUERY...
 *
 * Prints one line: trials=N refused=N opened=N lookups=N errors=N wrong=N,
 * and exits nonzero when an answer was wrong or a refusal had no message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mxlists.h"

static unsigned char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        perror(path);
        exit(2);
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void write_file(const char *path, const unsigned char *buf, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        exit(2);
    }
}

static int same(const mxlists_result *a, const mxlists_result *b) {
    return a->status == b->status && strcmp(a->list, b->list) == 0 &&
           strcmp(a->kind, b->kind) == 0 && strcmp(a->entry, b->entry) == 0 &&
           strcmp(a->reason, b->reason) == 0;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: %s ARTIFACT TRIAL STRIDE QUERY...\n", argv[0]);
        return 2;
    }
    const char *trial = argv[2];
    long stride = atol(argv[3]);
    if (stride < 1) stride = 1;
    char **queries = argv + 4;
    int nq = argc - 4;

    size_t len;
    unsigned char *intact = read_file(argv[1], &len);
    unsigned char *buf = malloc(len);
    mxlists_result *want = calloc((size_t)nq, sizeof *want);
    if (!buf || !want) return 2;

    write_file(trial, intact, len);
    mxlists_db *db = mxlists_open(trial);
    if (!db) {
        fprintf(stderr, "the intact artifact does not open: %s\n", mxlists_last_error());
        return 1;
    }
    for (int q = 0; q < nq; q++) {
        if (mxlists_check(db, NULL, queries[q], &want[q]) == MXLISTS_ERROR) {
            fprintf(stderr, "intact lookup of %s failed: %s\n", queries[q], mxlists_last_error());
            return 1;
        }
    }
    mxlists_close(db);

    unsigned long trials = 0, refused = 0, opened = 0, lookups = 0, errors = 0, wrong = 0,
                  silent = 0;
    /* Mutations 0..len-1 flip with 0xFF, len..2len-1 flip with 0x01, then
     * truncations to 0..len-1 bytes. */
    for (size_t m = 0; m < 3 * len; m += (size_t)stride) {
        size_t off = m % len, n = len;
        memcpy(buf, intact, len);
        if (m < len) {
            buf[off] ^= 0xFF;
        } else if (m < 2 * len) {
            buf[off] ^= 0x01;
        } else {
            n = off;
        }
        write_file(trial, buf, n);
        trials++;
        db = mxlists_open(trial);
        if (!db) {
            refused++;
            if (mxlists_last_error()[0] == '\0') silent++;
            continue;
        }
        opened++;
        for (int q = 0; q < nq; q++) {
            mxlists_result got;
            lookups++;
            int status = mxlists_check(db, NULL, queries[q], &got);
            if (status == MXLISTS_ERROR) {
                errors++;
            } else if (!same(&got, &want[q])) {
                wrong++;
                if (wrong <= 5)
                    fprintf(stderr, "mutation %zu: %s answered %d %s %s\n", m, queries[q], status,
                            got.list, got.entry);
            }
        }
        mxlists_close(db);
    }
    printf("trials=%lu refused=%lu opened=%lu lookups=%lu errors=%lu wrong=%lu silent=%lu\n",
           trials, refused, opened, lookups, errors, wrong, silent);
    free(buf);
    free(intact);
    free(want);
    return wrong == 0 && silent == 0 ? 0 : 1;
}
