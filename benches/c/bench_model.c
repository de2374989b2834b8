/*
 * Latency of scoring one customer from C: nb_model_predict_proba on one row of 50 features
 * (a logistic regression built here, or the 50-feature model document given as the argument,
 * e.g. the 100-tree gradient boosting that `cargo bench -p nextbest-benches --bench gbdt`
 * saves to target/gbdt_100_trees.json), and the throughput of a batch of 100,000 rows.
 * Medians over blocks of calls; one line per measurement.
 *
 * Build and run (from the repository root, after `cargo build --release -p nextbest-c`):
 *   cc -O2 -std=c11 -I bindings-c/include benches/c/bench_model.c \
 *      -L target/release -lnextbest -Wl,-rpath,$PWD/target/release -lm -o target/bench_model
 *   target/bench_model [target/gbdt_100_trees.json]
 */
#define _POSIX_C_SOURCE 199309L
#include "nextbest.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define P 50
#define ROWS 1024
#define BLOCK 1000
#define BLOCKS 2000
#define BATCH 100000

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static uint64_t state = 0x9E3779B97F4A7C15ull;
static double uniform(void) { /* xorshift64*, in [-2, 2) */
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return (double)((state * 2685821657736338717ull) >> 11) / 9007199254740992.0 * 4.0 - 2.0;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void fail(nb_status s, const char *what) {
    fprintf(stderr, "%s failed with status %d: %s\n", what, (int)s, nb_last_error_message());
    exit(1);
}

/* The whole file at `path`, NUL-terminated (exits on failure). */
static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    if (!text || fread(text, 1, (size_t)size, f) != (size_t)size) exit(1);
    text[size] = '\0';
    fclose(f);
    return text;
}

int main(int argc, char **argv) {
    /* A logistic_regression document of 50 coefficients. */
    char doc[8192];
    size_t len = (size_t)snprintf(doc, sizeof doc,
        "{\"format\":\"nextbest\",\"kind\":\"logistic_regression\",\"version\":1,\"payload\":{\"coef\":[");
    for (int j = 0; j < P; j++)
        len += (size_t)snprintf(doc + len, sizeof doc - len, "%s%.6f", j ? "," : "", 0.02 * (j - 25));
    len += (size_t)snprintf(doc + len, sizeof doc - len, "],\"intercept\":-1.0,\"reference\":[");
    for (int j = 0; j < P; j++)
        len += (size_t)snprintf(doc + len, sizeof doc - len, "%s0.0", j ? "," : "");
    snprintf(doc + len, sizeof doc - len,
        "],\"feature_names\":null,\"params\":{\"l2\":1.0,\"l1\":0.0,\"class_weight\":{\"type\":\"none\"},"
        "\"fit_intercept\":true,\"max_iter\":200,\"tol\":1e-8},\"report\":{\"converged\":true,\"n_iter\":5,"
        "\"objective\":1.0,\"gradient\":1e-10,\"solver\":\"newton\"}}}");
    nb_model *m = NULL;
    char *file = argc > 1 ? read_file(argv[1]) : NULL;
    nb_status s = nb_model_from_json(file ? file : doc, &m);
    free(file);
    if (s != NB_OK) fail(s, "nb_model_from_json");
    size_t n_features = 0;
    nb_model_n_features(m, &n_features);
    if (n_features != P) {
        fprintf(stderr, "the model has %zu features, not %d\n", n_features, P);
        return 1;
    }

    double *x = malloc(sizeof(double) * (size_t)BATCH * P);
    double *out = malloc(sizeof(double) * BATCH);
    double *per = malloc(sizeof(double) * BLOCKS);
    if (!x || !out || !per) return 1;
    for (size_t i = 0; i < (size_t)BATCH * P; i++) x[i] = uniform();

    /* One row at a time, cycling over 1,024 different rows. */
    double sink = 0.0;
    for (int b = 0; b < BLOCKS; b++) {
        double t0 = now_ns();
        for (int i = 0; i < BLOCK; i++) {
            double p;
            s = nb_model_predict_proba(m, x + (size_t)((b * BLOCK + i) % ROWS) * P, 1, P, &p, 1);
            if (s != NB_OK) fail(s, "nb_model_predict_proba");
            sink += p;
        }
        per[b] = (now_ns() - t0) / BLOCK;
    }
    qsort(per, BLOCKS, sizeof(double), cmp);
    printf("nb_model_predict_proba, 1 row x %d features: median %.1f ns per call (%d calls; sum %.3f)\n",
           P, per[BLOCKS / 2], BLOCKS * BLOCK, sink);

    /* A batch of 100,000 rows. */
    int reps = 21;
    for (int r = 0; r < reps; r++) {
        double t0 = now_ns();
        s = nb_model_predict_proba(m, x, BATCH, P, out, BATCH);
        if (s != NB_OK) fail(s, "nb_model_predict_proba");
        per[r] = now_ns() - t0;
    }
    qsort(per, (size_t)reps, sizeof(double), cmp);
    printf("nb_model_predict_proba, %d rows x %d features: median %.2f ms (%.1f M rows/s)\n", BATCH, P,
           per[reps / 2] / 1e6, BATCH / per[reps / 2] * 1e3);
    nb_model_free(m);
    free(x);
    free(out);
    free(per);
    return 0;
}
