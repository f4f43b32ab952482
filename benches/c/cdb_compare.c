/*
 * mxlists_check() against tinycdb's cdb_find(), side by side in one process,
 * on the same keys and the same queries.
 *
 *   cdb_compare ARTIFACT LISTS CDB QUERIES [ROUNDS] [--chain]
 *
 * ARTIFACT and CDB hold the same keys; QUERIES has one value a line (a tab
 * and anything after it are ignored). Every query is first answered by both:
 * listed by mxlists must be found by cdb and the other way round, or the
 * program stops with status 1. Then each round times all queries through
 * mxlists_check (result struct filled: list, kind, entry, reason) and through
 * cdb_find, alternating which goes first; the best round of each is printed
 * in nanoseconds per lookup.
 *
 * With --chain, cdb answers as a policy check does with exact keys: the
 * value, then its domain (after '@') and each parent domain, until one is
 * found.
 */
#define _POSIX_C_SOURCE 200809L
#include <cdb.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mxlists.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static int cdb_answer(struct cdb *c, const char *q, int chain) {
    size_t len = strlen(q);
    if (cdb_find(c, q, (unsigned)len) > 0) return 1;
    if (!chain) return 0;
    const char *d = strrchr(q, '@');
    d = d ? d + 1 : q;
    for (;;) {
        if (d != q && cdb_find(c, d, (unsigned)strlen(d)) > 0) return 1;
        const char *dot = strchr(d, '.');
        if (!dot) return 0;
        d = dot + 1;
    }
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: %s ARTIFACT LISTS CDB QUERIES [ROUNDS] [--chain]\n", argv[0]);
        return 2;
    }
    int rounds = argc > 5 && argv[5][0] != '-' ? atoi(argv[5]) : 10;
    int chain = argc > 5 && strcmp(argv[argc - 1], "--chain") == 0;

    mxlists_db *db = mxlists_open(argv[1]);
    if (!db) {
        fprintf(stderr, "mxlists_open: %s\n", mxlists_last_error());
        return 2;
    }
    int fd = open(argv[3], O_RDONLY);
    struct cdb c;
    if (fd < 0 || cdb_init(&c, fd) != 0) {
        perror(argv[3]);
        return 2;
    }
    FILE *f = fopen(argv[4], "r");
    if (!f) {
        perror(argv[4]);
        return 2;
    }
    size_t cap = 1 << 16, n = 0;
    char **queries = malloc(cap * sizeof *queries);
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\t\r\n")] = 0;
        if (!line[0]) continue;
        if (n == cap) queries = realloc(queries, (cap *= 2) * sizeof *queries);
        queries[n++] = strdup(line);
    }
    fclose(f);

    mxlists_result r;
    size_t listed = 0;
    for (size_t i = 0; i < n; i++) {
        int a = mxlists_check(db, argv[2], queries[i], &r);
        if (a == MXLISTS_ERROR) {
            fprintf(stderr, "mxlists_check: %s\n", mxlists_last_error());
            return 2;
        }
        int b = cdb_answer(&c, queries[i], chain);
        if ((a == MXLISTS_LISTED) != b) {
            fprintf(stderr, "answers differ for %s: mxlists %d, cdb %d\n", queries[i], a, b);
            return 1;
        }
        listed += b;
    }

    double best_m = 1e30, best_c = 1e30;
    volatile long sink = 0;
    for (int round = 0; round < rounds; round++) {
        for (int order = 0; order < 2; order++) {
            int mx_first = (round + order) % 2 == 0;
            double t0 = now();
            long s = 0;
            if (mx_first) {
                for (size_t i = 0; i < n; i++) s += mxlists_check(db, argv[2], queries[i], &r);
                double t = (now() - t0) / n;
                if (t < best_m) best_m = t;
            } else {
                for (size_t i = 0; i < n; i++) s += cdb_answer(&c, queries[i], chain);
                double t = (now() - t0) / n;
                if (t < best_c) best_c = t;
            }
            sink += s;
        }
    }
    printf("queries %zu listed %zu rounds %d%s\n", n, listed, rounds, chain ? " (cdb: chain of exact keys)" : "");
    printf("mxlists_check %.0f ns  cdb_find %.0f ns  ratio %.2fx\n", best_m, best_c, best_m / best_c);
    mxlists_close(db);
    return 0;
}
