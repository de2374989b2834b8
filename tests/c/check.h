/* Minimal assertions shared by the C tests: count failures, report them at exit. */
#ifndef NEXTBEST_TEST_CHECK_H
#define NEXTBEST_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nextbest.h"

static int check_failures = 0;
static int check_count = 0;

#define CHECK(cond)                                                              \
    do {                                                                         \
        check_count++;                                                           \
        if (!(cond)) {                                                           \
            check_failures++;                                                    \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                        \
    } while (0)

/* The call must succeed. */
#define OK(call) expect_status_at(__FILE__, __LINE__, #call, (call), NB_OK, NULL)

/* The call must fail with `status`, and the message must contain `needle`. */
#define FAILS(call, status, needle) \
    expect_status_at(__FILE__, __LINE__, #call, (call), (status), (needle))

static int expect_status_at(const char *file, int line, const char *what, nb_status got,
                            nb_status want, const char *needle) {
    const char *msg = nb_last_error_message();
    check_count++;
    if (msg == NULL) {
        check_failures++;
        fprintf(stderr, "%s:%d: %s: nb_last_error_message() is NULL\n", file, line, what);
        return 0;
    }
    if (got != want) {
        check_failures++;
        fprintf(stderr, "%s:%d: %s returned %d, expected %d (message: %s)\n", file, line, what,
                (int)got, (int)want, msg);
        return 0;
    }
    if (want != NB_OK && (msg[0] == '\0' || (needle != NULL && strstr(msg, needle) == NULL))) {
        check_failures++;
        fprintf(stderr, "%s:%d: %s: message \"%s\" does not mention \"%s\"\n", file, line, what,
                msg, needle ? needle : "");
        return 0;
    }
    return 1;
}

/* Prints the summary; the exit code of main. */
static int check_report(const char *name) {
    printf("%s: %d checks, %d failed\n", name, check_count, check_failures);
    fflush(stdout);
    return check_failures == 0 ? 0 : 1;
}


/* Small helpers of the fixture readers. */
static inline char *copy_string(const char *s) {
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (c != NULL) memcpy(c, s, n);
    return c;
}

/* Splits `s` in place into at most `max` whitespace-separated tokens. */
static inline size_t split(char *s, char **tok, size_t max) {
    size_t n = 0;
    for (char *t = strtok(s, " \t\r\n"); t != NULL && n < max; t = strtok(NULL, " \t\r\n")) tok[n++] = t;
    return n;
}

static inline char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)len + 1);
    if (s != NULL && fread(s, 1, (size_t)len, f) == (size_t)len) {
        s[len] = '\0';
    } else {
        free(s);
        s = NULL;
    }
    fclose(f);
    return s;
}

#endif
