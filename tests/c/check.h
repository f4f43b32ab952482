/*
 * What the C test programs share: the failure count, the checks that print
 * one line per failure, Exim's return codes and a call of an Exim ${dlfunc}
 * function as Exim makes it.
 */
#ifndef MXLISTS_TEST_CHECK_H
#define MXLISTS_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

/* Exim's return codes (local_scan.h). */
#define EXIM_OK 0
#define EXIM_DEFER 1
#define EXIM_ERROR 3

static int failures = 0;
static int checks = 0;

#define CHECK(cond)                                                        \
    do {                                                                   \
        checks++;                                                          \
        if (!(cond)) {                                                     \
            failures++;                                                    \
            printf("FAILED %s:%d: %s\n", __FILE__, __LINE__, #cond);       \
        }                                                                  \
    } while (0)

#define CHECK_STR(got, want)                                               \
    do {                                                                   \
        const char *g_ = (got), *w_ = (want);                              \
        checks++;                                                          \
        if (g_ == NULL || strcmp(g_, w_) != 0) {                           \
            failures++;                                                    \
            printf("FAILED %s:%d: %s is \"%s\", expected \"%s\"\n",        \
                   __FILE__, __LINE__, #got, g_ ? g_ : "(null)", w_);      \
        }                                                                  \
    } while (0)

#define CONTAINS(text, part)                                               \
    do {                                                                   \
        const char *t_ = (text), *p_ = (part);                             \
        checks++;                                                          \
        if (t_ == NULL || strstr(t_, p_) == NULL) {                        \
            failures++;                                                    \
            printf("FAILED %s:%d: %s is \"%.300s\", without \"%s\"\n",     \
                   __FILE__, __LINE__, #text, t_ ? t_ : "(null)", p_);     \
        }                                                                  \
    } while (0)

/* Calls an Exim function as ${dlfunc{LIB}{f}{artifact}{lists}{value}} does,
 * with {allow} as a fourth argument when allow is not NULL. */
static inline int exim_call_with(int (*f)(unsigned char **, int, unsigned char **),
                                 const char *artifact, const char *lists,
                                 const char *value, const char *allow,
                                 const char **yield) {
    unsigned char *argv[4];
    unsigned char *y = NULL;
    int rc;
    argv[0] = (unsigned char *)artifact;
    argv[1] = (unsigned char *)lists;
    argv[2] = (unsigned char *)value;
    argv[3] = (unsigned char *)allow;
    rc = f(&y, allow ? 4 : 3, argv);
    *yield = (const char *)y;
    return rc;
}

/* Calls an Exim function with three arguments. */
static inline int exim_call(int (*f)(unsigned char **, int, unsigned char **),
                            const char *artifact, const char *lists,
                            const char *value, const char **yield) {
    return exim_call_with(f, artifact, lists, value, NULL, yield);
}

#endif
