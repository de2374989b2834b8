/* The feature functions of nextbest.h: nb_pipeline_* replays the shared fixture
 * (tests/fixtures/pipeline_small.json and pipeline_small_expected.txt, written by
 * bindings-c/tests/fixtures.rs) in batches, one row at a time and from 4 threads sharing one
 * pipeline, and checks every kind of bad input; nb_transaction_features* run on a small log
 * whose values are checked by hand.
 * Usage: test_features <pipeline_small.json> <pipeline_small_expected.txt> */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define MAX_IN 16
#define MAX_OUT 64
#define MAX_ROWS 32
#define SENTINEL_VALUE (-777.25)

/* ---- the fixture ------------------------------------------------------------------------ */

typedef struct {
    char *json;
    size_t n_num, n_cat, n_out, n_rows;
    const char *num_names[MAX_IN], *cat_names[MAX_IN], *out_names[MAX_OUT];
    double num[MAX_IN][MAX_ROWS];      /* num[column][row], NaN = missing */
    const char *cat[MAX_IN][MAX_ROWS]; /* cat[column][row], NULL = missing */
    double want[MAX_ROWS][MAX_OUT];
} fixture;

static fixture fx;
static char line[1 << 16];


/* Loads both fixture files; 0 on failure. */
static int load_fixture(const char *json_path, const char *expected_path) {
    fx.json = read_file(json_path);
    if (fx.json == NULL) {
        perror(json_path);
        return 0;
    }
    FILE *f = fopen(expected_path, "r");
    if (f == NULL) {
        perror(expected_path);
        return 0;
    }
    static char *tok[MAX_OUT + MAX_IN + 4];
    size_t row = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        if (line[0] == '#') continue;
        size_t n = split(line, tok, sizeof tok / sizeof tok[0]);
        if (n == 0) continue;
        if (strcmp(tok[0], "numeric") == 0) {
            fx.n_num = n - 1;
            for (size_t i = 1; i < n; i++) fx.num_names[i - 1] = copy_string(tok[i]);
        } else if (strcmp(tok[0], "categorical") == 0) {
            fx.n_cat = n - 1;
            for (size_t i = 1; i < n; i++) fx.cat_names[i - 1] = copy_string(tok[i]);
        } else if (strcmp(tok[0], "outputs") == 0) {
            fx.n_out = strtoul(tok[1], NULL, 10);
            CHECK(fx.n_out == n - 2 && fx.n_out <= MAX_OUT);
            for (size_t i = 2; i < n && i - 2 < MAX_OUT; i++) fx.out_names[i - 2] = copy_string(tok[i]);
        } else if (strcmp(tok[0], "rows") == 0) {
            fx.n_rows = strtoul(tok[1], NULL, 10);
            CHECK(fx.n_rows <= MAX_ROWS);
        } else if (strcmp(tok[0], "row") == 0 && row < MAX_ROWS) {
            CHECK(n == 1 + fx.n_num + fx.n_cat);
            for (size_t i = 0; i < fx.n_num && 1 + i < n; i++) fx.num[i][row] = strtod(tok[1 + i], NULL);
            for (size_t i = 0; i < fx.n_cat && 1 + fx.n_num + i < n; i++) {
                const char *t = tok[1 + fx.n_num + i];
                fx.cat[i][row] = strcmp(t, "~") == 0 ? NULL : copy_string(t);
            }
        } else if (strcmp(tok[0], "out") == 0 && row < MAX_ROWS) {
            CHECK(n == 1 + fx.n_out);
            for (size_t j = 0; j < fx.n_out && 1 + j < n; j++) fx.want[row][j] = strtod(tok[1 + j], NULL);
            row++;
        }
    }
    fclose(f);
    CHECK(row == fx.n_rows && row > 0 && fx.n_num > 0 && fx.n_cat > 0 && fx.n_out > 0);
    return row == fx.n_rows && row > 0;
}

static void free_fixture(void) {
    free(fx.json);
    for (size_t i = 0; i < fx.n_num; i++) free((void *)fx.num_names[i]);
    for (size_t i = 0; i < fx.n_cat; i++) {
        free((void *)fx.cat_names[i]);
        for (size_t r = 0; r < fx.n_rows; r++) free((void *)fx.cat[i][r]);
    }
    for (size_t j = 0; j < fx.n_out; j++) free((void *)fx.out_names[j]);
}

/* The index of output column `name` in the fixture. */
static size_t out_col(const char *name) {
    for (size_t j = 0; j < fx.n_out; j++)
        if (strcmp(fx.out_names[j], name) == 0) return j;
    fprintf(stderr, "no output column %s in the fixture\n", name);
    CHECK(0);
    return 0;
}

/* Transforms fixture rows r0 .. r0 + n with every input column. */
static nb_status transform_rows(const nb_pipeline *p, size_t r0, size_t n, double *out, size_t out_len) {
    const double *num[MAX_IN];
    const char *const *cat[MAX_IN];
    for (size_t i = 0; i < fx.n_num; i++) num[i] = &fx.num[i][r0];
    for (size_t i = 0; i < fx.n_cat; i++) cat[i] = &fx.cat[i][r0];
    return nb_pipeline_transform(p, n, fx.n_num, fx.num_names, num, fx.n_cat, fx.cat_names, cat, out, out_len);
}

static int close_to(double got, double want) { return fabs(got - want) <= 1e-12; }

/* Checks `n` rows of outputs against the fixture's rows r0 ..; reports the first difference. */
static void check_rows(const double *out, size_t r0, size_t n, const char *what) {
    for (size_t r = 0; r < n; r++) {
        for (size_t j = 0; j < fx.n_out; j++) {
            if (!close_to(out[r * fx.n_out + j], fx.want[r0 + r][j])) {
                fprintf(stderr, "%s: row %zu, column %s: %.17g, expected %.17g\n", what, r0 + r,
                        fx.out_names[j], out[r * fx.n_out + j], fx.want[r0 + r][j]);
                CHECK(0);
                return;
            }
        }
    }
    CHECK(1);
}

static nb_pipeline *load_pipeline(void) {
    nb_pipeline *p = NULL;
    OK(nb_pipeline_from_json(fx.json, &p));
    return p;
}

/* ---- pipeline: happy paths -------------------------------------------------------------- */

static void test_pipeline_fixture(void) {
    nb_pipeline *p = load_pipeline();
    if (p == NULL) return;
    size_t n_out = 0;
    OK(nb_pipeline_n_outputs(p, &n_out));
    CHECK(n_out == fx.n_out);
    for (size_t j = 0; j < fx.n_out; j++) {
        char *name = NULL;
        OK(nb_pipeline_output_name(p, j, &name));
        CHECK(name != NULL && strcmp(name, fx.out_names[j]) == 0);
        nb_string_free(name);
    }

    /* The batch, then each row alone. */
    double out[MAX_ROWS * MAX_OUT];
    OK(transform_rows(p, 0, fx.n_rows, out, fx.n_rows * fx.n_out));
    check_rows(out, 0, fx.n_rows, "batch");
    for (size_t r = 0; r < fx.n_rows; r++) {
        double one[MAX_OUT];
        OK(transform_rows(p, r, 1, one, fx.n_out));
        check_rows(one, r, 1, "one row");
    }

    /* By hand. Row 0 (seen values): region "south" and branch 102 one-hot, segment "mass" is
     * ordinal 1 (categories affluent, mass, __other__), tenure 3 in bin 1 (edges 0.5, 2.75, 5.5,
     * 9.5, 20), balance -300 is the fit minimum: min-max scaled to 0. */
    CHECK(out[out_col("region=south")] == 1.0 && out[out_col("region=north")] == 0.0);
    CHECK(out[out_col("branch=102")] == 1.0 && out[out_col("branch=__other__")] == 0.0);
    CHECK(out[out_col("segment")] == 1.0);
    CHECK(out[out_col("tenure")] == 1.0);
    CHECK(out[out_col("balance")] == 0.0 && out[out_col("income__missing")] == 0.0);
    /* Row 1 (all missing): NaN imputed (age by its mean, which robust scaling centres on: 0;
     * balance by the constant 0: (0 + 300) / 56300), indicators set, missing category. */
    const double *r1 = out + fx.n_out;
    CHECK(r1[out_col("income__missing")] == 1.0 && r1[out_col("balance__missing")] == 1.0);
    CHECK(r1[out_col("age")] == 0.0);
    CHECK(close_to(r1[out_col("balance")], 300.0 / 56300.0));
    CHECK(isfinite(r1[out_col("income")]) && r1[out_col("tenure")] == 2.0);
    CHECK(r1[out_col("region=__missing__")] == 1.0 && r1[out_col("region=__other__")] == 0.0);
    /* Row 2: unseen values go to __other__ (region "central", branch 999, segment "student"). */
    const double *r2 = out + 2 * fx.n_out;
    CHECK(r2[out_col("region=__other__")] == 1.0 && r2[out_col("region=__missing__")] == 0.0);
    CHECK(r2[out_col("branch=__other__")] == 1.0 && r2[out_col("segment")] == 2.0);
    for (size_t r = 0; r < fx.n_rows; r++) {
        double ones = 0; /* exactly one region column is set */
        for (size_t j = out_col("region=east"); j <= out_col("region=__other__"); j++) ones += out[r * fx.n_out + j];
        CHECK(ones == 1.0);
    }

    /* Columns in another order, with an extra column the pipeline does not use. */
    const char *names[MAX_IN + 1];
    const double *cols[MAX_IN + 1];
    const double extra[MAX_ROWS] = {0};
    names[0] = "not_in_the_pipeline";
    cols[0] = extra;
    for (size_t i = 0; i < fx.n_num; i++) {
        names[1 + i] = fx.num_names[fx.n_num - 1 - i];
        cols[1 + i] = fx.num[fx.n_num - 1 - i];
    }
    const char *const *cat[MAX_IN];
    for (size_t i = 0; i < fx.n_cat; i++) cat[i] = fx.cat[i];
    double again[MAX_ROWS * MAX_OUT];
    OK(nb_pipeline_transform(p, fx.n_rows, fx.n_num + 1, names, cols, fx.n_cat, fx.cat_names, cat, again,
                             fx.n_rows * fx.n_out));
    CHECK(memcmp(again, out, fx.n_rows * fx.n_out * sizeof(double)) == 0);

    /* 0 rows: column pointers may be NULL, and nothing is written. */
    const double *null_cols[MAX_IN] = {NULL};
    const char *const *null_cats[MAX_IN] = {NULL};
    OK(nb_pipeline_transform(p, 0, fx.n_num, fx.num_names, null_cols, fx.n_cat, fx.cat_names, null_cats, NULL, 0));

    /* Round trip through JSON, and the document's own text. */
    char *json = NULL;
    OK(nb_pipeline_to_json(p, &json));
    CHECK(json != NULL && strstr(json, "\"kind\":\"feature_pipeline\"") != NULL);
    CHECK(json != NULL && strncmp(json, fx.json, strlen(json)) == 0); /* the file adds a newline */
    nb_pipeline *q = NULL;
    OK(nb_pipeline_from_json(json, &q));
    double from_copy[MAX_ROWS * MAX_OUT];
    OK(transform_rows(q, 0, fx.n_rows, from_copy, fx.n_rows * fx.n_out));
    CHECK(memcmp(from_copy, out, fx.n_rows * fx.n_out * sizeof(double)) == 0);
    nb_string_free(json);
    nb_pipeline_free(q);
    nb_pipeline_free(p);
}

/* ---- pipeline: errors -------------------------------------------------------------------- */

static int untouched(const double *out, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (out[i] != SENTINEL_VALUE) return 0;
    return 1;
}

static void fill(double *out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = SENTINEL_VALUE;
}

static void test_pipeline_errors(void) {
    nb_pipeline *p = load_pipeline();
    if (p == NULL) return;
    const size_t rows = fx.n_rows, len = rows * fx.n_out;
    double out[MAX_ROWS * MAX_OUT];
    fill(out, len);
    const char *names[MAX_IN], *cat_names[MAX_IN];
    const double *cols[MAX_IN];
    const char *const *cats[MAX_IN];
    for (size_t i = 0; i < fx.n_num; i++) names[i] = fx.num_names[i], cols[i] = fx.num[i];
    for (size_t i = 0; i < fx.n_cat; i++) cat_names[i] = fx.cat_names[i], cats[i] = fx.cat[i];
    /* Index of "balance" among the numeric inputs. */
    size_t bal = 0;
    while (bal < fx.n_num && strcmp(fx.num_names[bal], "balance") != 0) bal++;
    CHECK(bal < fx.n_num && bal + 1 < fx.n_num);

    /* A missing column: the message names it. */
    FAILS(nb_pipeline_transform(p, rows, bal, names, cols, fx.n_cat, cat_names, cats, out, len), NB_NOT_FOUND,
          "\"balance\" is not in the input");
    FAILS(nb_pipeline_transform(p, rows, fx.n_num, names, cols, 0, NULL, NULL, out, len), NB_NOT_FOUND, "\"region\"");
    FAILS(nb_pipeline_transform(p, 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0), NB_NOT_FOUND, "its columns: none");
    /* A numeric column of the pipeline given as strings. */
    const char *income_strings[MAX_ROWS];
    for (size_t r = 0; r < rows; r++) income_strings[r] = "3100";
    const char *swapped_names[MAX_IN + 1];
    const char *const *swapped[MAX_IN + 1];
    swapped_names[0] = "income";
    swapped[0] = income_strings;
    for (size_t i = 0; i < fx.n_cat; i++) swapped_names[1 + i] = cat_names[i], swapped[1 + i] = cats[i];
    FAILS(nb_pipeline_transform(p, rows, fx.n_num - 1, names + 1, cols + 1, fx.n_cat + 1, swapped_names, swapped, out,
                                len),
          NB_INVALID_ARGUMENT, "column \"income\" is numeric in the pipeline but holds strings");
    /* The same column twice. */
    const char *twice[MAX_IN];
    memcpy(twice, names, sizeof twice);
    twice[1] = names[0];
    FAILS(nb_pipeline_transform(p, rows, fx.n_num, twice, cols, fx.n_cat, cat_names, cats, out, len),
          NB_INVALID_ARGUMENT, "given twice");
    /* The output buffer must hold n_rows * n_outputs values. */
    FAILS(nb_pipeline_transform(p, rows, fx.n_num, names, cols, fx.n_cat, cat_names, cats, out, len - 1),
          NB_SHAPE_MISMATCH, "output buffer");
    FAILS(nb_pipeline_transform(p, rows - 1, fx.n_num, names, cols, fx.n_cat, cat_names, cats, out, len),
          NB_SHAPE_MISMATCH, "output buffer");
    /* An infinite value. */
    double bad[MAX_ROWS];
    memcpy(bad, fx.num[0], sizeof bad);
    bad[3] = INFINITY;
    const double *bad_cols[MAX_IN];
    memcpy(bad_cols, cols, sizeof bad_cols);
    bad_cols[0] = bad;
    FAILS(nb_pipeline_transform(p, rows, fx.n_num, names, bad_cols, fx.n_cat, cat_names, cats, out, len),
          NB_NON_FINITE, "row 3 is inf");
    /* Names and labels must be UTF-8. */
    const char *bad_names[MAX_IN], *bad_cat_names[MAX_IN];
    memcpy(bad_names, names, sizeof bad_names);
    memcpy(bad_cat_names, cat_names, sizeof bad_cat_names);
    bad_names[2] = "bal\xff";
    FAILS(nb_pipeline_transform(p, rows, fx.n_num, bad_names, cols, fx.n_cat, cat_names, cats, out, len),
          NB_INVALID_ARGUMENT, "`numeric_names[2]` is not valid UTF-8");
    bad_cat_names[1] = "\xc3(";
    FAILS(nb_pipeline_transform(p, rows, fx.n_num, names, cols, fx.n_cat, bad_cat_names, cats, out, len),
          NB_INVALID_ARGUMENT, "`categorical_names[1]` is not valid UTF-8");
    const char *bad_labels[MAX_ROWS];
    memcpy(bad_labels, fx.cat[0], sizeof bad_labels);
    bad_labels[4] = "nor\xe9th"; /* Latin-1, not UTF-8 */
    const char *const *bad_cats[MAX_IN];
    memcpy(bad_cats, cats, sizeof bad_cats);
    bad_cats[0] = bad_labels;
    FAILS(nb_pipeline_transform(p, rows, fx.n_num, names, cols, fx.n_cat, cat_names, bad_cats, out, len),
          NB_INVALID_ARGUMENT, "`categorical_cols[0][4]` is not valid UTF-8");
    /* NULL pointers. */
    FAILS(nb_pipeline_transform(NULL, rows, fx.n_num, names, cols, fx.n_cat, cat_names, cats, out, len),
          NB_NULL_POINTER, "`p`");
    FAILS(nb_pipeline_transform(p, rows, fx.n_num, NULL, cols, fx.n_cat, cat_names, cats, out, len), NB_NULL_POINTER,
          "`numeric_names`");
    FAILS(nb_pipeline_transform(p, rows, fx.n_num, names, NULL, fx.n_cat, cat_names, cats, out, len), NB_NULL_POINTER,
          "`numeric_cols`");
    FAILS(nb_pipeline_transform(p, rows, fx.n_num, names, cols, fx.n_cat, NULL, cats, out, len), NB_NULL_POINTER,
          "`categorical_names`");
    FAILS(nb_pipeline_transform(p, rows, fx.n_num, names, cols, fx.n_cat, cat_names, NULL, out, len),
          NB_NULL_POINTER, "`categorical_cols`");
    FAILS(nb_pipeline_transform(p, rows, fx.n_num, names, cols, fx.n_cat, cat_names, cats, NULL, len),
          NB_NULL_POINTER, "`out`");
    bad_names[2] = NULL;
    FAILS(nb_pipeline_transform(p, rows, fx.n_num, bad_names, cols, fx.n_cat, cat_names, cats, out, len),
          NB_NULL_POINTER, "`numeric_names[2]`");
    bad_cols[0] = NULL;
    FAILS(nb_pipeline_transform(p, rows, fx.n_num, names, bad_cols, fx.n_cat, cat_names, cats, out, len),
          NB_NULL_POINTER, "`numeric_cols[0]`");
    bad_cats[0] = NULL;
    FAILS(nb_pipeline_transform(p, rows, fx.n_num, names, cols, fx.n_cat, cat_names, bad_cats, out, len),
          NB_NULL_POINTER, "`categorical_cols[0]`");
    CHECK(untouched(out, len));

    /* The other functions. */
    size_t n = 424242;
    char *name = (char *)"untouched";
    FAILS(nb_pipeline_output_name(p, fx.n_out, &name), NB_NOT_FOUND, "out of range");
    CHECK(strcmp(name, "untouched") == 0);
    FAILS(nb_pipeline_output_name(p, 0, NULL), NB_NULL_POINTER, "`out_name`");
    FAILS(nb_pipeline_output_name(NULL, 0, &name), NB_NULL_POINTER, "`p`");
    FAILS(nb_pipeline_n_outputs(p, NULL), NB_NULL_POINTER, "`out`");
    FAILS(nb_pipeline_n_outputs(NULL, &n), NB_NULL_POINTER, "`p`");
    CHECK(n == 424242);
    char *json = NULL;
    FAILS(nb_pipeline_to_json(NULL, &json), NB_NULL_POINTER, "`p`");
    FAILS(nb_pipeline_to_json(p, NULL), NB_NULL_POINTER, "`out_json`");
    CHECK(json == NULL);
    nb_pipeline_free(NULL);
    nb_pipeline_free(p);
}

#define ENVELOPE(kind, version, payload) \
    "{\"format\":\"nextbest\",\"kind\":\"" kind "\",\"version\":" #version ",\"payload\":" payload "}"
#define NUMERIC_FIT(scale)                                                                            \
    "{\"name\":\"x\",\"log1p\":false,\"clip\":null,\"fill\":0.0,\"indicator\":false,\"center\":0.0," \
    "\"scale\":" scale ",\"bin_edges\":null}"

static void test_pipeline_documents(void) {
    nb_pipeline *sentinel = (nb_pipeline *)&sentinel, *p = sentinel;
    /* A small valid document, then broken ones. */
    OK(nb_pipeline_from_json(ENVELOPE("feature_pipeline", 1, "{\"numeric\":[" NUMERIC_FIT("2.0") "],\"categorical\":[]}"),
                             &p));
    const char *names[] = {"x"};
    const double x[] = {3.0, NAN};
    const double *cols[] = {x};
    double out[2];
    OK(nb_pipeline_transform(p, 2, 1, names, cols, 0, NULL, NULL, out, 2));
    CHECK(out[0] == 1.5 && out[1] == 0.0);
    nb_pipeline_free(p);
    p = sentinel;

    /* handle_unknown "error": an unseen or missing value fails, naming the row; out untouched. */
    OK(nb_pipeline_from_json(
        ENVELOPE("feature_pipeline", 1,
                 "{\"numeric\":[],\"categorical\":[{\"name\":\"k\",\"encoding\":\"onehot\",\"labels\":[\"a\",\"b\"],"
                 "\"missing\":false,\"other\":false,\"handle_unknown\":\"error\"}]}"),
        &p));
    const char *k_name[] = {"k"};
    const char *seen[] = {"b", "a"}, *unseen[] = {"a", "q"}, *missing[] = {"a", NULL};
    const char *const *k_seen[] = {seen}, *const *k_unseen[] = {unseen}, *const *k_missing[] = {missing};
    double k_out[4];
    OK(nb_pipeline_transform(p, 2, 0, NULL, NULL, 1, k_name, k_seen, k_out, 4));
    CHECK(k_out[0] == 0.0 && k_out[1] == 1.0 && k_out[2] == 1.0 && k_out[3] == 0.0);
    fill(k_out, 4);
    FAILS(nb_pipeline_transform(p, 2, 0, NULL, NULL, 1, k_name, k_unseen, k_out, 4), NB_NOT_FOUND,
          "row 1 is \"q\", a value not seen at fit");
    FAILS(nb_pipeline_transform(p, 2, 0, NULL, NULL, 1, k_name, k_missing, k_out, 4), NB_NOT_FOUND,
          "row 1 is missing");
    CHECK(untouched(k_out, 4));
    nb_pipeline_free(p);
    p = sentinel;

    FAILS(nb_pipeline_from_json(ENVELOPE("feature_pipeline", 1, "{\"numeric\":[" NUMERIC_FIT("-2.0") "],\"categorical\":[]}"),
                                &p),
          NB_BAD_DOCUMENT, "scale");
    FAILS(nb_pipeline_from_json(ENVELOPE("feature_pipeline", 1, "{\"numeric\":[],\"categorical\":[]}"), &p),
          NB_BAD_DOCUMENT, "no column");
    FAILS(nb_pipeline_from_json(ENVELOPE("feature_pipeline", 999, "{}"), &p), NB_UNSUPPORTED_VERSION, "999");
    FAILS(nb_pipeline_from_json(ENVELOPE("feature_pipeline", 2, "{\"numeric\":[],\"categorical\":[]}"), &p),
          NB_UNSUPPORTED_VERSION, "feature_pipeline document version 2 is not supported");
    FAILS(nb_pipeline_from_json("{\"format\":\"nextbest\",", &p), NB_BAD_DOCUMENT, "not a nextbest document");
    FAILS(nb_pipeline_from_json("", &p), NB_BAD_DOCUMENT, "not a nextbest document");
    FAILS(nb_pipeline_from_json("garbage", &p), NB_BAD_DOCUMENT, "not a nextbest document");
    FAILS(nb_pipeline_from_json(ENVELOPE("feature_pipeline", 1, "{\"numeric\":\"\xff\"}"), &p), NB_BAD_DOCUMENT,
          "UTF-8");
    FAILS(nb_pipeline_from_json(ENVELOPE("feature_pipeline", 1, "{\"numeric\":[],\"categorical\":[],\"extra\":1}"),
                                &p),
          NB_BAD_DOCUMENT, "extra");

    /* A bandit's document is of another kind. */
    nb_bandit *b = NULL;
    char *bandit_json = NULL;
    OK(nb_bandit_new(2, NULL, 1, 1, 1, 7, &b));
    OK(nb_bandit_to_json(b, &bandit_json));
    FAILS(nb_pipeline_from_json(bandit_json, &p), NB_WRONG_KIND, "holds a \"thompson_bandit\", not a \"feature_pipeline\"");
    /* ... and a pipeline's document is not a bandit. */
    nb_bandit *sentinel_b = (nb_bandit *)&sentinel_b, *c = sentinel_b;
    FAILS(nb_bandit_from_json(fx.json, &c), NB_WRONG_KIND, "feature_pipeline");
    CHECK(c == sentinel_b);
    nb_string_free(bandit_json);
    nb_bandit_free(b);

    FAILS(nb_pipeline_from_json(NULL, &p), NB_NULL_POINTER, "`json`");
    FAILS(nb_pipeline_from_json(fx.json, NULL), NB_NULL_POINTER, "`out`");
    CHECK(p == sentinel);
}

/* ---- pipeline: one handle, four threads -------------------------------------------------- */

#define THREADS 4
#define BIG_ROWS 3000 /* above the size at which a transform is spread over worker threads */

typedef struct {
    const nb_pipeline *p;
    const double *num[MAX_IN];
    const char *const *cat[MAX_IN];
    const double *reference;
    int errors;
} job;

static void *transformer(void *arg) {
    job *j = arg;
    double *out = malloc(BIG_ROWS * fx.n_out * sizeof(double));
    double one[MAX_OUT];
    char *name = NULL;
    for (int round = 0; round < 20 && out != NULL; round++) {
        if (nb_pipeline_transform(j->p, BIG_ROWS, fx.n_num, fx.num_names, j->num, fx.n_cat, fx.cat_names, j->cat,
                                  out, BIG_ROWS * fx.n_out) != NB_OK ||
            memcmp(out, j->reference, BIG_ROWS * fx.n_out * sizeof(double)) != 0)
            j->errors++;
        /* One row at a time, at a row that differs per round. */
        size_t r = (size_t)round % fx.n_rows;
        if (transform_rows(j->p, r, 1, one, fx.n_out) != NB_OK ||
            memcmp(one, j->reference + r * fx.n_out, fx.n_out * sizeof(double)) != 0)
            j->errors++;
        if (nb_pipeline_output_name(j->p, (size_t)round % fx.n_out, &name) != NB_OK ||
            strcmp(name, fx.out_names[(size_t)round % fx.n_out]) != 0)
            j->errors++;
        nb_string_free(name);
        name = NULL;
        /* An error on this thread leaves its own message. */
        if (nb_pipeline_transform(j->p, BIG_ROWS, fx.n_num, fx.num_names, j->num, fx.n_cat, fx.cat_names, j->cat,
                                  out, BIG_ROWS * fx.n_out - 1) != NB_SHAPE_MISMATCH ||
            strstr(nb_last_error_message(), "output buffer") == NULL)
            j->errors++;
    }
    if (out == NULL) j->errors++;
    free(out);
    return NULL;
}

static void test_pipeline_threads(void) {
    nb_pipeline *p = load_pipeline();
    if (p == NULL) return;
    /* BIG_ROWS rows cycling through the fixture's rows, and their outputs computed once. */
    static double num[MAX_IN][BIG_ROWS];
    static const char *cat[MAX_IN][BIG_ROWS];
    double *reference = malloc(BIG_ROWS * fx.n_out * sizeof(double));
    job jobs[THREADS];
    memset(jobs, 0, sizeof jobs);
    for (size_t r = 0; r < BIG_ROWS; r++) {
        for (size_t i = 0; i < fx.n_num; i++) num[i][r] = fx.num[i][r % fx.n_rows];
        for (size_t i = 0; i < fx.n_cat; i++) cat[i][r] = fx.cat[i][r % fx.n_rows];
    }
    for (int t = 0; t < THREADS; t++) {
        jobs[t].p = p;
        jobs[t].reference = reference;
        for (size_t i = 0; i < fx.n_num; i++) jobs[t].num[i] = num[i];
        for (size_t i = 0; i < fx.n_cat; i++) jobs[t].cat[i] = cat[i];
    }
    if (reference == NULL) {
        CHECK(0);
        return;
    }
    OK(nb_pipeline_transform(p, BIG_ROWS, fx.n_num, fx.num_names, jobs[0].num, fx.n_cat, fx.cat_names, jobs[0].cat,
                             reference, BIG_ROWS * fx.n_out));
    for (size_t r = 0; r < BIG_ROWS; r += fx.n_rows) check_rows(reference + r * fx.n_out, 0,
                                                                 r + fx.n_rows <= BIG_ROWS ? fx.n_rows : BIG_ROWS - r,
                                                                 "big batch");
    pthread_t th[THREADS];
    for (int t = 0; t < THREADS; t++) CHECK(pthread_create(&th[t], NULL, transformer, &jobs[t]) == 0);
    for (int t = 0; t < THREADS; t++) CHECK(pthread_join(th[t], NULL) == 0);
    for (int t = 0; t < THREADS; t++) {
        if (jobs[t].errors) fprintf(stderr, "thread %d: %d errors\n", t, jobs[t].errors);
        CHECK(jobs[t].errors == 0);
    }
    free(reference);
    nb_pipeline_free(p);
}

/* ---- transaction features ---------------------------------------------------------------- */

#define DAY 86400
#define AS_OF ((int64_t)20000 * DAY)
#define N_TX 11

/* A hand-made log, in no particular order. Customer 99 has only a transaction after AS_OF, and
 * customer 7 one more: both are ignored. */
static const int64_t tx_ids[N_TX] = {42, 7, 13, 7, 42, 99, 7, 42, 7, 7, 13};
static const char *const tx_str_ids[N_TX] = {"c-42", "c-7", "c-13", "c-7", "c-42", "c-99",
                                             "c-7",  "c-42", "c-7", "c-7", "c-13"};
static const int64_t tx_days_ago_x2[N_TX] = {2, 4, 1, 20, 10, -6, 80, 200, 90, -2, 60}; /* half days */
static const double tx_amounts[N_TX] = {-30.0, -50.0, 200.0, 1000.0, -70.0, 10.0, 1000.0, 500.0, -20.0, -999.0, -5.0};
static const char *const tx_categories[N_TX] = {"groceries", "groceries", "transfer", "salary", NULL, "gift",
                                                "salary",    "salary",    "transport", "groceries", "groceries"};
static const double tx_balances[N_TX] = {170.0, 950.0, 200.0, 1000.0, 200.0, 10.0, 0.0, 270.0, -1000.0, -49.0, 195.0};

static int64_t tx_timestamps[N_TX];

/* Column `name` of f, or n_cols when absent. */
static size_t feature_col(const nb_features *f, const char *name) {
    size_t n = 0;
    OK(nb_features_n_cols(f, &n));
    for (size_t j = 0; j < n; j++) {
        char *s = NULL;
        OK(nb_features_name(f, j, &s));
        int found = s != NULL && strcmp(s, name) == 0;
        nb_string_free(s);
        if (found) return j;
    }
    return n;
}

static double value(const nb_features *f, size_t row, const char *name) {
    size_t n_cols = 0, j = feature_col(f, name);
    const double *v = NULL;
    OK(nb_features_n_cols(f, &n_cols));
    OK(nb_features_values(f, &v));
    if (j >= n_cols || v == NULL) {
        fprintf(stderr, "no feature column %s\n", name);
        CHECK(0);
        return -1e300;
    }
    return v[row * n_cols + j];
}

static void test_transactions(void) {
    for (int i = 0; i < N_TX; i++) tx_timestamps[i] = AS_OF - tx_days_ago_x2[i] * (DAY / 2);

    nb_transaction_options o = nb_transaction_options_default();
    CHECK(o.n_windows == 3 && o.windows_days != NULL);
    if (o.windows_days != NULL) CHECK(o.windows_days[0] == 30 && o.windows_days[1] == 90 && o.windows_days[2] == 365);
    CHECK(o.top_categories == 20 && o.months == 12 && o.recurring_min_months == 3 && o.n_threads == 0);
    CHECK(o.recurring_tolerance == 0.1 && o.salary_change_fraction == 0.2 && o.large_inflow_multiple == 3.0);
    CHECK(o.new_payment_days == 120);

    /* Integer ids, with categories and balances. */
    nb_features *f = NULL;
    OK(nb_transaction_features(N_TX, tx_ids, tx_timestamps, tx_amounts, AS_OF, tx_categories, tx_balances, &o, &f));
    if (f == NULL) return;
    size_t rows = 0, cols = 0;
    OK(nb_features_n_rows(f, &rows));
    OK(nb_features_n_cols(f, &cols));
    CHECK(rows == 3);
    /* 4 recency + 3 windows x 6 + 10 + 2 category shares and share_other + 1 + 3 x 3 balances */
    CHECK(cols == 4 + 18 + 10 + 3 + 10);
    int64_t id = -1;
    OK(nb_features_id_int(f, 0, &id));
    CHECK(id == 7);
    OK(nb_features_id_int(f, 1, &id));
    CHECK(id == 13);
    OK(nb_features_id_int(f, 2, &id));
    CHECK(id == 42);
    char *first = NULL;
    OK(nb_features_name(f, 0, &first));
    CHECK(first != NULL && strcmp(first, "days_since_last") == 0);
    nb_string_free(first);
    CHECK(feature_col(f, "share_groceries") < cols && feature_col(f, "share_transport") < cols);
    CHECK(feature_col(f, "share_salary") == cols); /* credits only: no debit share */

    /* Customer 7 (row 0): debits 50 (2 days ago) and 20 (45 days), salary 1000 at 10 and 40
     * days; the -999 tomorrow is ignored. */
    CHECK(value(f, 0, "days_since_last") == 2.0);
    CHECK(value(f, 0, "days_since_last_credit") == 10.0);
    CHECK(value(f, 0, "days_since_last_debit") == 2.0);
    CHECK(value(f, 0, "days_since_first") == 45.0);
    CHECK(value(f, 0, "credit_count_30d") == 1.0 && value(f, 0, "credit_sum_30d") == 1000.0);
    CHECK(value(f, 0, "debit_count_30d") == 1.0 && value(f, 0, "debit_sum_30d") == 50.0);
    CHECK(value(f, 0, "credit_count_90d") == 2.0 && value(f, 0, "credit_sum_90d") == 2000.0);
    CHECK(value(f, 0, "debit_count_90d") == 2.0 && value(f, 0, "debit_mean_90d") == 35.0);
    CHECK(close_to(value(f, 0, "share_groceries"), 50.0 / 70.0));
    CHECK(close_to(value(f, 0, "share_transport"), 20.0 / 70.0));
    CHECK(value(f, 0, "balance_last") == 950.0);
    CHECK(value(f, 0, "balance_min_30d") == 950.0 && value(f, 0, "balance_max_90d") == 1000.0);
    /* Customer 13 (row 1): a credit of 200 half a day ago, a debit of 5 at 30 days (not < 30). */
    CHECK(value(f, 1, "days_since_last") == 0.5);
    CHECK(value(f, 1, "credit_sum_30d") == 200.0 && value(f, 1, "debit_count_30d") == 0.0);
    CHECK(isnan(value(f, 1, "debit_mean_30d")) && value(f, 1, "debit_count_90d") == 1.0);
    CHECK(value(f, 1, "share_groceries") == 1.0 && value(f, 1, "share_other") == 0.0);
    /* Customer 42 (row 2): debits 30 and 70 (no category) within 5 days, salary 100 days ago. */
    CHECK(value(f, 2, "days_since_last") == 1.0 && value(f, 2, "days_since_first") == 100.0);
    CHECK(value(f, 2, "credit_count_30d") == 0.0 && value(f, 2, "credit_sum_30d") == 0.0);
    CHECK(isnan(value(f, 2, "credit_mean_30d")));
    CHECK(value(f, 2, "debit_count_30d") == 2.0 && value(f, 2, "debit_sum_30d") == 100.0);
    CHECK(value(f, 2, "credit_count_365d") == 1.0 && value(f, 2, "credit_sum_365d") == 500.0);
    CHECK(close_to(value(f, 2, "share_groceries"), 0.3) && close_to(value(f, 2, "share_other"), 0.7));
    CHECK(value(f, 2, "balance_last") == 170.0);

    /* Accessor errors leave the out-parameters untouched. */
    id = 424242;
    FAILS(nb_features_id_int(f, 3, &id), NB_NOT_FOUND, "row index 3 is out of range for 3 rows");
    CHECK(id == 424242);
    char *s = (char *)"untouched";
    FAILS(nb_features_id_str(f, 0, &s), NB_INVALID_ARGUMENT, "nb_features_id_int");
    FAILS(nb_features_name(f, cols, &s), NB_NOT_FOUND, "out of range");
    CHECK(strcmp(s, "untouched") == 0);
    const double *values = NULL;
    size_t n = 424242;
    FAILS(nb_features_values(NULL, &values), NB_NULL_POINTER, "`f`");
    FAILS(nb_features_values(f, NULL), NB_NULL_POINTER, "`out`");
    CHECK(values == NULL);
    FAILS(nb_features_n_rows(NULL, &n), NB_NULL_POINTER, "`f`");
    FAILS(nb_features_n_rows(f, NULL), NB_NULL_POINTER, "`out`");
    FAILS(nb_features_n_cols(NULL, &n), NB_NULL_POINTER, "`f`");
    FAILS(nb_features_n_cols(f, NULL), NB_NULL_POINTER, "`out`");
    CHECK(n == 424242);
    FAILS(nb_features_name(NULL, 0, &s), NB_NULL_POINTER, "`f`");
    FAILS(nb_features_name(f, 0, NULL), NB_NULL_POINTER, "`out_name`");
    FAILS(nb_features_id_int(NULL, 0, &id), NB_NULL_POINTER, "`f`");
    FAILS(nb_features_id_int(f, 0, NULL), NB_NULL_POINTER, "`out`");
    FAILS(nb_features_id_str(NULL, 0, &s), NB_NULL_POINTER, "`f`");
    FAILS(nb_features_id_str(f, 0, NULL), NB_NULL_POINTER, "`out_id`");
    CHECK(strcmp(s, "untouched") == 0);

    /* The same log with NULL categories, balances and options: the defaults, no shares and no
     * balance columns; the shared columns are unchanged. */
    nb_features *g = NULL;
    OK(nb_transaction_features(N_TX, tx_ids, tx_timestamps, tx_amounts, AS_OF, NULL, NULL, NULL, &g));
    if (g != NULL) {
        size_t g_cols = 0;
        OK(nb_features_n_cols(g, &g_cols));
        CHECK(g_cols == 4 + 18 + 10);
        CHECK(feature_col(g, "share_other") == g_cols && feature_col(g, "balance_last") == g_cols);
        const char *same[] = {"days_since_first", "credit_sum_90d", "debit_sum_30d", "net_flow_monthly_mean"};
        for (int k = 0; k < 4; k++)
            for (size_t r = 0; r < 3; r++) CHECK(value(g, r, same[k]) == value(f, r, same[k]));
        nb_features_free(g);
    }

    /* String ids: byte-wise order ("c-13" < "c-42" < "c-7"), same values. */
    nb_features *h = NULL;
    o.n_threads = 2;
    OK(nb_transaction_features_str(N_TX, tx_str_ids, tx_timestamps, tx_amounts, AS_OF, tx_categories, tx_balances, &o,
                                   &h));
    if (h != NULL) {
        const char *want[3] = {"c-13", "c-42", "c-7"};
        const size_t int_row[3] = {1, 2, 0};
        size_t h_rows = 0, h_cols = 0;
        OK(nb_features_n_rows(h, &h_rows));
        OK(nb_features_n_cols(h, &h_cols));
        CHECK(h_rows == 3 && h_cols == cols);
        const double *hv = NULL, *fv = NULL;
        OK(nb_features_values(h, &hv));
        OK(nb_features_values(f, &fv));
        for (size_t r = 0; r < 3 && h_rows == 3 && h_cols == cols; r++) {
            char *sid = NULL;
            OK(nb_features_id_str(h, r, &sid));
            CHECK(sid != NULL && strcmp(sid, want[r]) == 0);
            nb_string_free(sid);
            /* Bit for bit, NaN included. */
            CHECK(memcmp(hv + r * cols, fv + int_row[r] * cols, cols * sizeof(double)) == 0);
        }
        id = 424242;
        FAILS(nb_features_id_int(h, 0, &id), NB_INVALID_ARGUMENT, "nb_features_id_str");
        CHECK(id == 424242);
        s = (char *)"untouched";
        FAILS(nb_features_id_str(h, 3, &s), NB_NOT_FOUND, "row index 3");
        CHECK(strcmp(s, "untouched") == 0);
        nb_features_free(h);
    }
    nb_features_free(f);
    nb_features_free(NULL);
}

static void test_transaction_errors(void) {
    nb_features *sentinel = (nb_features *)&sentinel, *f = sentinel;
    nb_transaction_options o = nb_transaction_options_default();
    double amounts[N_TX], balances[N_TX];
    memcpy(amounts, tx_amounts, sizeof amounts);
    memcpy(balances, tx_balances, sizeof balances);

    amounts[3] = NAN;
    FAILS(nb_transaction_features(N_TX, tx_ids, tx_timestamps, amounts, AS_OF, NULL, NULL, NULL, &f), NB_NON_FINITE,
          "amounts: row 3 is NaN");
    FAILS(nb_transaction_features_str(N_TX, tx_str_ids, tx_timestamps, amounts, AS_OF, NULL, NULL, NULL, &f),
          NB_NON_FINITE, "amounts: row 3");
    balances[5] = -INFINITY;
    FAILS(nb_transaction_features(N_TX, tx_ids, tx_timestamps, tx_amounts, AS_OF, NULL, balances, NULL, &f),
          NB_NON_FINITE, "balances: row 5");
    /* Before every transaction; no transaction at all. */
    FAILS(nb_transaction_features(N_TX, tx_ids, tx_timestamps, tx_amounts, AS_OF - 1000 * DAY, NULL, NULL, NULL, &f),
          NB_EMPTY, "no transaction at or before as_of");
    FAILS(nb_transaction_features(0, NULL, NULL, NULL, AS_OF, NULL, NULL, NULL, &f), NB_EMPTY, "no rows");
    FAILS(nb_transaction_features_str(0, NULL, NULL, NULL, AS_OF, NULL, NULL, NULL, &f), NB_EMPTY, "no rows");
    /* Options out of range. */
    nb_transaction_options bad = o;
    bad.n_windows = 0;
    FAILS(nb_transaction_features(N_TX, tx_ids, tx_timestamps, tx_amounts, AS_OF, NULL, NULL, &bad, &f),
          NB_INVALID_ARGUMENT, "windows_days");
    bad = o;
    bad.windows_days = NULL;
    FAILS(nb_transaction_features(N_TX, tx_ids, tx_timestamps, tx_amounts, AS_OF, NULL, NULL, &bad, &f),
          NB_NULL_POINTER, "`options->windows_days`");
    const uint32_t twice[2] = {30, 30};
    bad = o;
    bad.windows_days = twice;
    bad.n_windows = 2;
    FAILS(nb_transaction_features(N_TX, tx_ids, tx_timestamps, tx_amounts, AS_OF, NULL, NULL, &bad, &f),
          NB_INVALID_ARGUMENT, "appears twice");
    bad = o;
    bad.recurring_tolerance = NAN;
    FAILS(nb_transaction_features(N_TX, tx_ids, tx_timestamps, tx_amounts, AS_OF, NULL, NULL, &bad, &f),
          NB_NON_FINITE, "recurring_tolerance");
    bad = o;
    bad.months = 0;
    FAILS(nb_transaction_features(N_TX, tx_ids, tx_timestamps, tx_amounts, AS_OF, NULL, NULL, &bad, &f),
          NB_INVALID_ARGUMENT, "months");
    bad = o;
    bad.large_inflow_multiple = 1.0;
    FAILS(nb_transaction_features(N_TX, tx_ids, tx_timestamps, tx_amounts, AS_OF, NULL, NULL, &bad, &f),
          NB_INVALID_ARGUMENT, "large_inflow_multiple");
    /* Strings: a missing id, invalid UTF-8. */
    const char *ids[N_TX], *cats[N_TX];
    memcpy(ids, tx_str_ids, sizeof ids);
    memcpy(cats, tx_categories, sizeof cats);
    ids[2] = NULL;
    FAILS(nb_transaction_features_str(N_TX, ids, tx_timestamps, tx_amounts, AS_OF, NULL, NULL, NULL, &f),
          NB_INVALID_ARGUMENT, "customer_ids: row 2 is missing");
    ids[2] = "c-\xff";
    FAILS(nb_transaction_features_str(N_TX, ids, tx_timestamps, tx_amounts, AS_OF, NULL, NULL, NULL, &f),
          NB_INVALID_ARGUMENT, "`customer_ids[2]` is not valid UTF-8");
    cats[7] = "caf\xe9";
    FAILS(nb_transaction_features(N_TX, tx_ids, tx_timestamps, tx_amounts, AS_OF, cats, NULL, NULL, &f),
          NB_INVALID_ARGUMENT, "`categories[7]` is not valid UTF-8");
    /* NULL pointers. */
    FAILS(nb_transaction_features(N_TX, NULL, tx_timestamps, tx_amounts, AS_OF, NULL, NULL, NULL, &f),
          NB_NULL_POINTER, "`customer_ids`");
    FAILS(nb_transaction_features(N_TX, tx_ids, NULL, tx_amounts, AS_OF, NULL, NULL, NULL, &f), NB_NULL_POINTER,
          "`timestamps`");
    FAILS(nb_transaction_features(N_TX, tx_ids, tx_timestamps, NULL, AS_OF, NULL, NULL, NULL, &f), NB_NULL_POINTER,
          "`amounts`");
    FAILS(nb_transaction_features(N_TX, tx_ids, tx_timestamps, tx_amounts, AS_OF, NULL, NULL, NULL, NULL),
          NB_NULL_POINTER, "`out`");
    FAILS(nb_transaction_features_str(N_TX, NULL, tx_timestamps, tx_amounts, AS_OF, NULL, NULL, NULL, &f),
          NB_NULL_POINTER, "`customer_ids`");
    FAILS(nb_transaction_features_str(N_TX, tx_str_ids, tx_timestamps, tx_amounts, AS_OF, NULL, NULL, NULL, NULL),
          NB_NULL_POINTER, "`out`");
    CHECK(f == sentinel);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s tests/fixtures/pipeline_small.json tests/fixtures/pipeline_small_expected.txt\n",
                argv[0]);
        return 2;
    }
    if (!load_fixture(argv[1], argv[2])) {
        free_fixture();
        check_report("test_features");
        return 2;
    }
    test_pipeline_fixture();
    test_pipeline_errors();
    test_pipeline_documents();
    test_pipeline_threads();
    test_transactions();
    test_transaction_errors();
    free_fixture();
    return check_report("test_features");
}
