/* Every function of nextbest.h: happy paths and every kind of bad input, checking the status,
 * the message, that out-parameters are untouched on failure and that a failed call leaves the
 * bandit as it was. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define SENTINEL ((size_t)424242)

static char *beta_json(const nb_bandit *b) {
    char *json = NULL;
    OK(nb_bandit_to_json(b, &json));
    return json;
}

static char *gauss_json(const nb_gaussian_bandit *g) {
    char *json = NULL;
    OK(nb_gaussian_bandit_to_json(g, &json));
    return json;
}

static int same_json(char *a, char *b) {
    int same = a != NULL && b != NULL && strcmp(a, b) == 0;
    nb_string_free(a);
    nb_string_free(b);
    return same;
}

static double sum(const double *v, size_t n) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += v[i];
    return s;
}

static void test_version(void) {
    char expected[64];
    snprintf(expected, sizeof expected, "%d.%d.%d", NEXTBEST_VERSION_MAJOR, NEXTBEST_VERSION_MINOR,
             NEXTBEST_VERSION_PATCH);
    CHECK(strcmp(expected, NEXTBEST_VERSION) == 0);
    CHECK(strcmp(nb_version(), NEXTBEST_VERSION) == 0);
    CHECK(nb_last_error_message() != NULL);
    CHECK(strcmp(nb_last_error_message(), "") == 0); /* nothing has failed yet */
    nb_string_free(NULL);
    nb_bandit_free(NULL);
    nb_gaussian_bandit_free(NULL);
}

static void test_beta_new(void) {
    const char *names[] = {"card", "loan", "savings", "mortgage"};
    const char *dup[] = {"card", "loan", "card"};
    const char *with_null[] = {"card", NULL, "loan"};
    const char *bad_utf8[] = {"card", "\xff\xfe", "loan"};
    const char *empty[] = {"card", ""};
    char long_name[2000];
    memset(long_name, 'x', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    const char *too_long[] = {"card", long_name};
    nb_bandit *sentinel = (nb_bandit *)&long_name; /* never dereferenced */
    nb_bandit *b = sentinel;

    FAILS(nb_bandit_new(0, NULL, 1, 1, 1, 1, &b), NB_EMPTY, "at least one arm");
    FAILS(nb_bandit_new(0, names, 1, 1, 1, 1, &b), NB_EMPTY, "at least one arm");
    FAILS(nb_bandit_new(3, dup, 1, 1, 1, 1, &b), NB_INVALID_ARGUMENT, "duplicate arm name \"card\"");
    FAILS(nb_bandit_new(3, with_null, 1, 1, 1, 1, &b), NB_NULL_POINTER, "names[1]");
    FAILS(nb_bandit_new(3, bad_utf8, 1, 1, 1, 1, &b), NB_INVALID_ARGUMENT, "names[1]");
    FAILS(nb_bandit_new(2, empty, 1, 1, 1, 1, &b), NB_INVALID_ARGUMENT, "empty");
    FAILS(nb_bandit_new(2, too_long, 1, 1, 1, 1, &b), NB_INVALID_ARGUMENT, "longer than");
    FAILS(nb_bandit_new(4, names, 0, 1, 1, 1, &b), NB_INVALID_ARGUMENT, "prior_alpha");
    FAILS(nb_bandit_new(4, names, 1, -2, 1, 1, &b), NB_INVALID_ARGUMENT, "prior_beta");
    FAILS(nb_bandit_new(4, names, NAN, 1, 1, 1, &b), NB_NON_FINITE, "prior_alpha");
    FAILS(nb_bandit_new(4, names, 1, INFINITY, 1, 1, &b), NB_NON_FINITE, "prior_beta");
    FAILS(nb_bandit_new(4, names, 1, 1, 0, 1, &b), NB_INVALID_ARGUMENT, "discount");
    FAILS(nb_bandit_new(4, names, 1, 1, 1.5, 1, &b), NB_INVALID_ARGUMENT, "discount");
    FAILS(nb_bandit_new(4, names, 1, 1, -0.5, 1, &b), NB_INVALID_ARGUMENT, "discount");
    FAILS(nb_bandit_new(4, names, 1, 1, NAN, 1, &b), NB_INVALID_ARGUMENT, "discount");
    FAILS(nb_bandit_new(4, names, 1, 1, 1, 1, NULL), NB_NULL_POINTER, "`out`");
    FAILS(nb_bandit_new(1000000, NULL, 1, 1, 1, 1, &b), NB_INVALID_ARGUMENT, "limit");
    CHECK(b == sentinel);

    /* A count no allocation can hold: today core panics (caught: NB_PANIC); a check before
     * allocating would make it NB_INVALID_ARGUMENT. Either way it must not crash. */
    nb_status s = nb_bandit_new(SIZE_MAX, NULL, 1, 1, 1, 1, &b);
    CHECK(s == NB_PANIC || s == NB_INVALID_ARGUMENT);
    CHECK(nb_last_error_message()[0] != '\0');
    if (s == NB_PANIC) CHECK(strstr(nb_last_error_message(), "internal panic: ") != NULL);
    CHECK(b == sentinel);

    /* Named arms. */
    OK(nb_bandit_new(4, names, 1, 1, 1, 42, &b));
    size_t n = 0, idx = SENTINEL;
    OK(nb_bandit_n_arms(b, &n));
    CHECK(n == 4);
    OK(nb_bandit_arm_index(b, "savings", &idx));
    CHECK(idx == 2);
    char *name = NULL;
    OK(nb_bandit_arm_name(b, 3, &name));
    CHECK(name != NULL && strcmp(name, "mortgage") == 0);
    nb_string_free(name);
    nb_bandit_free(b);

    /* Unnamed arms are "0".."n-1". */
    OK(nb_bandit_new(3, NULL, 2, 3, 0.99, 7, &b));
    OK(nb_bandit_arm_index(b, "2", &idx));
    CHECK(idx == 2);
    nb_bandit_free(b);
}

static void test_beta_decisions(void) {
    const char *names[] = {"card", "loan", "savings", "mortgage"};
    const uint8_t zeros[4] = {0, 0, 0, 0};
    const uint8_t only2[4] = {0, 0, 7, 0}; /* any nonzero byte is eligible */
    const uint8_t odd[4] = {0, 1, 0, 1};
    nb_bandit *b = NULL;
    OK(nb_bandit_new(4, names, 1, 1, 1, 99, &b));
    OK(nb_bandit_update(b, 0, 1.0));
    OK(nb_bandit_update(b, 1, 0.0));
    OK(nb_bandit_update(b, 2, 0.25));

    size_t arm = SENTINEL;
    OK(nb_bandit_select(b, NULL, &arm));
    CHECK(arm < 4);
    OK(nb_bandit_select(b, only2, &arm));
    CHECK(arm == 2);

    size_t many[64];
    OK(nb_bandit_select_many(b, 64, odd, many));
    for (size_t i = 0; i < 64; i++) CHECK(many[i] == 1 || many[i] == 3);
    OK(nb_bandit_select_many(b, 0, NULL, NULL)); /* n = 0: the array may be NULL */

    size_t slate[4] = {SENTINEL, SENTINEL, SENTINEL, SENTINEL};
    OK(nb_bandit_top_k(b, 4, NULL, slate));
    int seen[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < 4; i++) {
        CHECK(slate[i] < 4);
        if (slate[i] < 4) seen[slate[i]]++;
    }
    CHECK(seen[0] == 1 && seen[1] == 1 && seen[2] == 1 && seen[3] == 1);
    OK(nb_bandit_top_k(b, 2, odd, slate));
    CHECK((slate[0] == 1 && slate[1] == 3) || (slate[0] == 3 && slate[1] == 1));

    double p[4];
    OK(nb_bandit_arm_probabilities(b, NULL, p));
    CHECK(fabs(sum(p, 4) - 1.0) < 1e-9);
    CHECK(p[0] > p[1]); /* one success against one failure */
    OK(nb_bandit_arm_probabilities(b, odd, p));
    CHECK(p[0] == 0.0 && p[2] == 0.0 && p[1] > 0.0 && p[3] > 0.0);
    CHECK(fabs(sum(p, 4) - 1.0) < 1e-9);

    /* Failures leave the bandit and the out-parameters untouched. */
    char *before = beta_json(b);
    arm = SENTINEL;
    FAILS(nb_bandit_select(b, zeros, &arm), NB_NO_ELIGIBLE_ARM, "eligible");
    CHECK(arm == SENTINEL);
    FAILS(nb_bandit_select(b, NULL, NULL), NB_NULL_POINTER, "`out_arm`");
    FAILS(nb_bandit_select(NULL, NULL, &arm), NB_NULL_POINTER, "`b`");
    many[0] = SENTINEL;
    FAILS(nb_bandit_select_many(b, 8, zeros, many), NB_NO_ELIGIBLE_ARM, "eligible");
    CHECK(many[0] == SENTINEL);
    FAILS(nb_bandit_select_many(b, 8, NULL, NULL), NB_NULL_POINTER, "`out_arms`");
    FAILS(nb_bandit_select_many(NULL, 8, NULL, many), NB_NULL_POINTER, "`b`");
    slate[0] = SENTINEL;
    FAILS(nb_bandit_top_k(b, 0, NULL, slate), NB_INVALID_ARGUMENT, "k must be");
    FAILS(nb_bandit_top_k(b, 3, odd, slate), NB_INVALID_ARGUMENT, "k must be");
    FAILS(nb_bandit_top_k(b, 2, zeros, slate), NB_NO_ELIGIBLE_ARM, "eligible");
    CHECK(slate[0] == SENTINEL);
    FAILS(nb_bandit_top_k(b, 2, NULL, NULL), NB_NULL_POINTER, "`out_arms`");
    FAILS(nb_bandit_top_k(NULL, 2, NULL, slate), NB_NULL_POINTER, "`b`");
    p[0] = -1.0;
    FAILS(nb_bandit_arm_probabilities(b, zeros, p), NB_NO_ELIGIBLE_ARM, "eligible");
    CHECK(p[0] == -1.0);
    FAILS(nb_bandit_arm_probabilities(b, NULL, NULL), NB_NULL_POINTER, "`out`");
    FAILS(nb_bandit_arm_probabilities(NULL, NULL, p), NB_NULL_POINTER, "`b`");
    CHECK(same_json(before, beta_json(b)));
    nb_bandit_free(b);
}

static void test_beta_updates(void) {
    const char *names[] = {"card", "loan", "savings"};
    nb_bandit *b = NULL;
    OK(nb_bandit_new(3, names, 1, 1, 1, 5, &b));
    OK(nb_bandit_update(b, 0, 1.0));
    OK(nb_bandit_update(b, 1, 0.0));
    OK(nb_bandit_update(b, 2, 0.5));
    const size_t arms[] = {0, 0, 2};
    const double rewards[] = {1.0, 0.0, 1.0};
    OK(nb_bandit_update_many(b, 3, arms, rewards));
    OK(nb_bandit_update_many(b, 0, NULL, NULL));

    double alpha[3], beta[3], mean[3], lower[3], upper[3];
    OK(nb_bandit_posterior(b, alpha, beta, mean, lower, upper));
    CHECK(alpha[0] == 3.0 && beta[0] == 2.0);
    CHECK(alpha[1] == 1.0 && beta[1] == 2.0);
    CHECK(alpha[2] == 2.5 && beta[2] == 1.5);
    for (int i = 0; i < 3; i++) {
        CHECK(fabs(mean[i] - alpha[i] / (alpha[i] + beta[i])) < 1e-12);
        CHECK(0.0 < lower[i] && lower[i] < mean[i] && mean[i] < upper[i] && upper[i] < 1.0);
    }

    char *before = beta_json(b);
    FAILS(nb_bandit_update(b, 3, 1.0), NB_NOT_FOUND, "out of range");
    FAILS(nb_bandit_update(b, 0, NAN), NB_NON_FINITE, "finite");
    FAILS(nb_bandit_update(b, 0, INFINITY), NB_NON_FINITE, "finite");
    FAILS(nb_bandit_update(b, 1, 1.5), NB_INVALID_ARGUMENT, "outside [0, 1]");
    FAILS(nb_bandit_update(b, 1, -0.1), NB_INVALID_ARGUMENT, "\"loan\"");
    FAILS(nb_bandit_update(NULL, 0, 1.0), NB_NULL_POINTER, "`b`");
    const size_t arms_ok[] = {0, 1, 2};
    const double bad_reward[] = {1.0, 2.0, 0.0};
    const double nan_reward[] = {1.0, NAN, 0.0};
    const size_t bad_arm[] = {0, 9, 2};
    FAILS(nb_bandit_update_many(b, 3, arms_ok, bad_reward), NB_INVALID_ARGUMENT, "row 1");
    FAILS(nb_bandit_update_many(b, 3, arms_ok, nan_reward), NB_NON_FINITE, "row 1");
    FAILS(nb_bandit_update_many(b, 3, bad_arm, rewards), NB_NOT_FOUND, "row 1");
    FAILS(nb_bandit_update_many(b, 3, NULL, rewards), NB_NULL_POINTER, "`arms`");
    FAILS(nb_bandit_update_many(b, 3, arms, NULL), NB_NULL_POINTER, "`rewards`");
    FAILS(nb_bandit_update_many(NULL, 3, arms, rewards), NB_NULL_POINTER, "`b`");
    CHECK(same_json(before, beta_json(b)));

    const char *what[5] = {"`alpha`", "`beta`", "`mean`", "`lower`", "`upper`"};
    for (int k = 0; k < 5; k++) {
        double *o[5] = {alpha, beta, mean, lower, upper};
        o[k] = NULL;
        alpha[0] = -1.0;
        FAILS(nb_bandit_posterior(b, o[0], o[1], o[2], o[3], o[4]), NB_NULL_POINTER, what[k]);
        CHECK(k == 0 || alpha[0] == -1.0); /* nothing written */
    }
    FAILS(nb_bandit_posterior(NULL, alpha, beta, mean, lower, upper), NB_NULL_POINTER, "`b`");
    nb_bandit_free(b);
}

static void test_beta_arms(void) {
    const char *names[] = {"card", "loan", "savings"};
    nb_bandit *b = NULL;
    OK(nb_bandit_new(3, names, 1, 1, 1, 11, &b));
    OK(nb_bandit_update(b, 0, 1.0));
    OK(nb_bandit_update(b, 1, 0.0));
    OK(nb_bandit_update(b, 2, 1.0));
    OK(nb_bandit_update(b, 2, 1.0));
    double a0[4], b0[4], m[4], lo[4], hi[4];
    OK(nb_bandit_posterior(b, a0, b0, m, lo, hi));

    size_t idx = SENTINEL, n = 0;
    OK(nb_bandit_add_arm(b, "mortgage", 2, 5, &idx));
    CHECK(idx == 3);
    double a1[4], b1[4];
    OK(nb_bandit_posterior(b, a1, b1, m, lo, hi));
    CHECK(a1[0] == a0[0] && a1[1] == a0[1] && a1[2] == a0[2] && a1[3] == 2.0);
    CHECK(b1[0] == b0[0] && b1[1] == b0[1] && b1[2] == b0[2] && b1[3] == 5.0);

    idx = SENTINEL;
    char *before = beta_json(b);
    FAILS(nb_bandit_add_arm(b, "loan", 1, 1, &idx), NB_INVALID_ARGUMENT, "duplicate arm name \"loan\"");
    FAILS(nb_bandit_add_arm(b, "", 1, 1, &idx), NB_INVALID_ARGUMENT, "empty");
    FAILS(nb_bandit_add_arm(b, "x", 0, 1, &idx), NB_INVALID_ARGUMENT, "prior_alpha");
    FAILS(nb_bandit_add_arm(b, "x", 1, NAN, &idx), NB_NON_FINITE, "prior_beta");
    FAILS(nb_bandit_add_arm(b, "\xc3", 1, 1, &idx), NB_INVALID_ARGUMENT, "UTF-8");
    FAILS(nb_bandit_add_arm(b, NULL, 1, 1, &idx), NB_NULL_POINTER, "`name`");
    FAILS(nb_bandit_add_arm(b, "x", 1, 1, NULL), NB_NULL_POINTER, "`out_index`");
    FAILS(nb_bandit_add_arm(NULL, "x", 1, 1, &idx), NB_NULL_POINTER, "`b`");
    CHECK(idx == SENTINEL);
    FAILS(nb_bandit_remove_arm(b, 4), NB_NOT_FOUND, "out of range");
    FAILS(nb_bandit_remove_arm(NULL, 0), NB_NULL_POINTER, "`b`");
    FAILS(nb_bandit_arm_index(b, "pension", &idx), NB_NOT_FOUND, "unknown arm \"pension\"");
    FAILS(nb_bandit_arm_index(b, NULL, &idx), NB_NULL_POINTER, "`name`");
    FAILS(nb_bandit_arm_index(b, "card", NULL), NB_NULL_POINTER, "`out`");
    FAILS(nb_bandit_arm_index(NULL, "card", &idx), NB_NULL_POINTER, "`b`");
    CHECK(idx == SENTINEL);
    char *name = (char *)"untouched";
    FAILS(nb_bandit_arm_name(b, 4, &name), NB_NOT_FOUND, "out of range");
    CHECK(strcmp(name, "untouched") == 0);
    FAILS(nb_bandit_arm_name(b, 0, NULL), NB_NULL_POINTER, "`out_name`");
    FAILS(nb_bandit_arm_name(NULL, 0, &name), NB_NULL_POINTER, "`b`");
    FAILS(nb_bandit_n_arms(b, NULL), NB_NULL_POINTER, "`out`");
    FAILS(nb_bandit_n_arms(NULL, &n), NB_NULL_POINTER, "`b`");
    CHECK(same_json(before, beta_json(b)));

    /* Retiring "loan" moves the later arms down and keeps their state. */
    OK(nb_bandit_remove_arm(b, 1));
    OK(nb_bandit_n_arms(b, &n));
    CHECK(n == 3);
    OK(nb_bandit_arm_index(b, "savings", &idx));
    CHECK(idx == 1);
    double a2[3], b2[3];
    OK(nb_bandit_posterior(b, a2, b2, m, lo, hi));
    CHECK(a2[0] == a1[0] && a2[1] == a1[2] && a2[2] == a1[3]);
    CHECK(b2[0] == b1[0] && b2[1] == b1[2] && b2[2] == b1[3]);
    OK(nb_bandit_remove_arm(b, 2));
    OK(nb_bandit_remove_arm(b, 0));
    FAILS(nb_bandit_remove_arm(b, 0), NB_INVALID_ARGUMENT, "last arm");
    OK(nb_bandit_arm_name(b, 0, &name));
    CHECK(strcmp(name, "savings") == 0);
    nb_string_free(name);
    nb_bandit_free(b);
}

static void test_beta_round_trip(void) {
    nb_bandit *b = NULL, *c = NULL;
    OK(nb_bandit_new(5, NULL, 1, 1, 0.95, 2024, &b));
    for (int i = 0; i < 200; i++) {
        size_t arm;
        OK(nb_bandit_select(b, NULL, &arm));
        OK(nb_bandit_update(b, arm, (i % 3 == 0) ? 1.0 : 0.0));
    }
    char *json = beta_json(b);
    OK(nb_bandit_from_json(json, &c));
    CHECK(same_json(json, beta_json(c)));
    for (int i = 0; i < 100; i++) {
        size_t x = 0, y = 1;
        OK(nb_bandit_select(b, NULL, &x));
        OK(nb_bandit_select(c, NULL, &y));
        CHECK(x == y);
        OK(nb_bandit_update(b, x, 0.5));
        OK(nb_bandit_update(c, y, 0.5));
    }
    CHECK(same_json(beta_json(b), beta_json(c)));

    char *out = NULL;
    FAILS(nb_bandit_to_json(NULL, &out), NB_NULL_POINTER, "`b`");
    FAILS(nb_bandit_to_json(b, NULL), NB_NULL_POINTER, "`out_json`");
    CHECK(out == NULL);
    nb_bandit *d = NULL;
    FAILS(nb_bandit_from_json(NULL, &d), NB_NULL_POINTER, "`json`");
    json = beta_json(b);
    FAILS(nb_bandit_from_json(json, NULL), NB_NULL_POINTER, "`out`");
    nb_string_free(json);
    CHECK(d == NULL);
    nb_bandit_free(b);
    nb_bandit_free(c);
}

#define ENVELOPE(kind, version, payload) \
    "{\"format\":\"nextbest\",\"kind\":\"" kind "\",\"version\":" #version ",\"payload\":" payload "}"
#define RNG "[\"1\",\"2\",\"3\",\"4\"]"
#define BETA_ARM(name, alpha, succ) \
    "{\"name\":\"" name "\",\"state\":{\"prior\":{\"alpha\":" alpha ",\"beta\":1.0},\"successes\":" succ ",\"failures\":0.0}}"
#define BETA_DOC(discount, rng, arms) \
    ENVELOPE("thompson_bandit", 1, "{\"named\":true,\"discount\":" discount ",\"default_prior\":{\"alpha\":1.0,\"beta\":1.0},\"rng_state\":" rng ",\"arms\":[" arms "]}")

/* Builds {"...","arms":[A, A, ...]} with n copies of one arm, each with a distinct name. */
static char *many_arms_doc(size_t n) {
    size_t cap = 128 + n * 96;
    char *doc = malloc(cap);
    size_t len = (size_t)snprintf(doc, cap, "%s",
                                  "{\"format\":\"nextbest\",\"kind\":\"thompson_bandit\",\"version\":1,"
                                  "\"payload\":{\"named\":true,\"discount\":1.0,\"default_prior\":{\"alpha\":1.0,\"beta\":1.0},"
                                  "\"rng_state\":[\"1\",\"2\",\"3\",\"4\"],\"arms\":[");
    for (size_t i = 0; i < n; i++) {
        len += (size_t)snprintf(doc + len, cap - len,
                                "%s{\"name\":\"a%zu\",\"state\":{\"prior\":{\"alpha\":1.0,\"beta\":1.0},"
                                "\"successes\":0.0,\"failures\":0.0}}",
                                i ? "," : "", i);
    }
    snprintf(doc + len, cap - len, "]}}");
    return doc;
}

static void test_hostile_documents(void) {
    nb_bandit *sentinel = (nb_bandit *)&sentinel, *b = sentinel;
    const char *good = BETA_DOC("1.0", RNG, BETA_ARM("card", "1.0", "2.0") "," BETA_ARM("loan", "1.0", "0.0"));
    OK(nb_bandit_from_json(good, &b));
    nb_bandit_free(b);
    b = sentinel;

    char truncated[64];
    memcpy(truncated, good, sizeof truncated - 1);
    truncated[sizeof truncated - 1] = '\0';
    FAILS(nb_bandit_from_json(truncated, &b), NB_BAD_DOCUMENT, "not a nextbest document");
    FAILS(nb_bandit_from_json("", &b), NB_BAD_DOCUMENT, "not a nextbest document");
    FAILS(nb_bandit_from_json("hello, world", &b), NB_BAD_DOCUMENT, "not a nextbest document");
    FAILS(nb_bandit_from_json("[1, 2, 3]", &b), NB_BAD_DOCUMENT, "not a nextbest document");
    FAILS(nb_bandit_from_json("{\"format\":\"other\",\"kind\":\"thompson_bandit\",\"version\":1,\"payload\":{}}", &b),
          NB_BAD_DOCUMENT, "format");
    FAILS(nb_bandit_from_json("{\"format\":\"nextbest\",\"kind\":\"thompson_bandit\",\"version\":1,\"payload\":{\xff}}", &b),
          NB_BAD_DOCUMENT, "UTF-8");

    /* Another kind: a Gaussian bandit's document. */
    nb_gaussian_bandit *g = NULL;
    OK(nb_gaussian_bandit_new(2, NULL, 0, 0, 0, 1, 3, &g));
    char *gdoc = gauss_json(g);
    FAILS(nb_bandit_from_json(gdoc, &b), NB_WRONG_KIND, "gaussian_thompson_bandit");
    nb_string_free(gdoc);
    nb_gaussian_bandit_free(g);

    FAILS(nb_bandit_from_json(ENVELOPE("thompson_bandit", 999, "{}"), &b), NB_UNSUPPORTED_VERSION, "999");
    FAILS(nb_bandit_from_json(ENVELOPE("thompson_bandit", 0, "{}"), &b), NB_UNSUPPORTED_VERSION, "version 0");
    FAILS(nb_bandit_from_json(ENVELOPE("thompson_bandit", -1, "{}"), &b), NB_BAD_DOCUMENT, "not a nextbest document");

    /* Hostile values. */
    FAILS(nb_bandit_from_json(BETA_DOC("1.0", RNG, BETA_ARM("card", "1.0", "1e308")), &b), NB_BAD_DOCUMENT, "successes");
    FAILS(nb_bandit_from_json(BETA_DOC("1.0", RNG, BETA_ARM("card", "1.0", "1e999")), &b), NB_BAD_DOCUMENT, "out of range");
    FAILS(nb_bandit_from_json(BETA_DOC("1.0", RNG, BETA_ARM("card", "1.0", "-1.0")), &b), NB_BAD_DOCUMENT, "successes");
    FAILS(nb_bandit_from_json(BETA_DOC("1.0", RNG, BETA_ARM("card", "-1.0", "0.0")), &b), NB_BAD_DOCUMENT, "prior_alpha");
    FAILS(nb_bandit_from_json(BETA_DOC("1.0", RNG, BETA_ARM("card", "NaN", "0.0")), &b), NB_BAD_DOCUMENT, "not a nextbest document");
    FAILS(nb_bandit_from_json(BETA_DOC("1.0", RNG, BETA_ARM("card", "\"1\"", "0.0")), &b), NB_BAD_DOCUMENT, "invalid payload");
    FAILS(nb_bandit_from_json(BETA_DOC("1.0", RNG, BETA_ARM("card", "1.0", "0.0") "," BETA_ARM("card", "1.0", "0.0")), &b),
          NB_BAD_DOCUMENT, "duplicate");
    FAILS(nb_bandit_from_json(BETA_DOC("1.0", RNG, BETA_ARM("", "1.0", "0.0")), &b), NB_BAD_DOCUMENT, "empty");
    FAILS(nb_bandit_from_json(BETA_DOC("1.0", RNG, ""), &b), NB_BAD_DOCUMENT, "no arms");
    FAILS(nb_bandit_from_json(BETA_DOC("2.0", RNG, BETA_ARM("card", "1.0", "0.0")), &b), NB_BAD_DOCUMENT, "discount");
    FAILS(nb_bandit_from_json(BETA_DOC("1.0", "[\"0\",\"0\",\"0\",\"0\"]", BETA_ARM("card", "1.0", "0.0")), &b), NB_BAD_DOCUMENT, "all zero");
    FAILS(nb_bandit_from_json(BETA_DOC("1.0", "[1,2,3]", BETA_ARM("card", "1.0", "0.0")), &b), NB_BAD_DOCUMENT, "invalid payload");
    FAILS(nb_bandit_from_json(BETA_DOC("1.0", "[-1,2,3,4]", BETA_ARM("card", "1.0", "0.0")), &b), NB_BAD_DOCUMENT, "invalid payload");
    FAILS(nb_bandit_from_json(BETA_DOC("1.0", "[1e30,2,3,4]", BETA_ARM("card", "1.0", "0.0")), &b), NB_BAD_DOCUMENT, "invalid payload");
    FAILS(nb_bandit_from_json(ENVELOPE("thompson_bandit", 1,
                                       "{\"named\":true,\"discount\":1.0,\"rng_state\":[\"1\",\"2\",\"3\",\"4\"],\"arms\":[],\"extra\":1}"),
                              &b),
          NB_BAD_DOCUMENT, "extra");

    /* Huge arrays. */
    char *doc = many_arms_doc(100001);
    FAILS(nb_bandit_from_json(doc, &b), NB_BAD_DOCUMENT, "exceed");
    free(doc);
    size_t big = 1000 * 24 + 64;
    doc = malloc(big);
    size_t len = (size_t)snprintf(doc, big, "%s", "{\"format\":\"nextbest\",\"kind\":\"thompson_bandit\",\"version\":1,"
                                                  "\"payload\":{\"named\":true,\"discount\":1.0,\"rng_state\":[1");
    for (int i = 0; i < 1000; i++) len += (size_t)snprintf(doc + len, big - len, ",%d", i + 2);
    snprintf(doc + len, big - len, "],\"arms\":[]}}");
    FAILS(nb_bandit_from_json(doc, &b), NB_BAD_DOCUMENT, "invalid payload");
    free(doc);
    size_t huge = (64u << 20) + 16; /* over the 64 MiB limit: refused before parsing */
    doc = malloc(huge + 1);
    memset(doc, ' ', huge);
    doc[huge] = '\0';
    FAILS(nb_bandit_from_json(doc, &b), NB_BAD_DOCUMENT, "exceeds the limit");
    free(doc);

    /* Deep nesting. */
    size_t depth = 100000;
    const char *prefix = "{\"format\":\"nextbest\",\"kind\":\"thompson_bandit\",\"version\":1,\"payload\":";
    doc = malloc(strlen(prefix) + 2 * depth + 2);
    strcpy(doc, prefix);
    len = strlen(prefix);
    memset(doc + len, '[', depth);
    memset(doc + len + depth, ']', depth);
    doc[len + 2 * depth] = '}';
    doc[len + 2 * depth + 1] = '\0';
    FAILS(nb_bandit_from_json(doc, &b), NB_BAD_DOCUMENT, "recursion");
    free(doc);

    CHECK(b == sentinel);
}

static void test_gaussian(void) {
    const char *names[] = {"card", "loan", "savings"};
    const uint8_t two[3] = {1, 0, 1};
    nb_gaussian_bandit *sentinel = (nb_gaussian_bandit *)&sentinel, *g = sentinel;

    FAILS(nb_gaussian_bandit_new(0, NULL, 0, 0, 0, 1, 1, &g), NB_EMPTY, "at least one arm");
    FAILS(nb_gaussian_bandit_new(3, names, 0, -1, 1, 1, 1, &g), NB_INVALID_ARGUMENT, "prior strength");
    FAILS(nb_gaussian_bandit_new(3, names, 0, 1, 0, 1, 1, &g), NB_INVALID_ARGUMENT, "prior scale");
    FAILS(nb_gaussian_bandit_new(3, names, NAN, 1, 1, 1, 1, &g), NB_NON_FINITE, "prior mean");
    FAILS(nb_gaussian_bandit_new(3, names, 0, NAN, 1, 1, 1, &g), NB_NON_FINITE, "prior strength");
    FAILS(nb_gaussian_bandit_new(3, names, 0, 0, 0, 0, 1, &g), NB_INVALID_ARGUMENT, "discount");
    FAILS(nb_gaussian_bandit_new(3, names, 0, 0, 0, 1, 1, NULL), NB_NULL_POINTER, "`out`");
    const char *dup[] = {"a", "a"};
    FAILS(nb_gaussian_bandit_new(2, dup, 0, 0, 0, 1, 1, &g), NB_INVALID_ARGUMENT, "duplicate");
    const char *with_null[] = {"a", NULL};
    FAILS(nb_gaussian_bandit_new(2, with_null, 0, 0, 0, 1, 1, &g), NB_NULL_POINTER, "names[1]");
    CHECK(g == sentinel);

    /* Uninformative prior (strength 0: mean and scale ignored, even NaN). */
    OK(nb_gaussian_bandit_new(3, names, NAN, 0, NAN, 1, 8, &g));
    double p[3];
    OK(nb_gaussian_bandit_arm_probabilities(g, NULL, p)); /* all unexplored: uniform */
    CHECK(fabs(p[0] - 1.0 / 3) < 1e-12 && fabs(p[1] - 1.0 / 3) < 1e-12);
    const size_t arms[] = {0, 0, 1, 1, 2, 2, 2};
    const double rewards[] = {10, 12, 100, 80, -3, 4, 5.5};
    OK(nb_gaussian_bandit_update_many(g, 7, arms, rewards));
    OK(nb_gaussian_bandit_update(g, 0, 11));
    OK(nb_gaussian_bandit_arm_probabilities(g, NULL, p));
    CHECK(fabs(sum(p, 3) - 1.0) < 1e-9 && p[1] > p[0] && p[1] > p[2]);
    OK(nb_gaussian_bandit_arm_probabilities(g, two, p));
    CHECK(p[1] == 0.0 && fabs(sum(p, 3) - 1.0) < 1e-9);
    size_t arm = SENTINEL, many[16], slate[2];
    OK(nb_gaussian_bandit_select(g, two, &arm));
    CHECK(arm == 0 || arm == 2);
    OK(nb_gaussian_bandit_select_many(g, 16, NULL, many));
    for (int i = 0; i < 16; i++) CHECK(many[i] < 3);
    OK(nb_gaussian_bandit_top_k(g, 2, two, slate));
    CHECK((slate[0] == 0 && slate[1] == 2) || (slate[0] == 2 && slate[1] == 0));

    double count[3], rmean[3], rstd[3], mean[3], lower[3], upper[3];
    OK(nb_gaussian_bandit_posterior(g, count, rmean, rstd, mean, lower, upper));
    CHECK(count[0] == 3.0 && count[1] == 2.0 && count[2] == 3.0);
    CHECK(fabs(rmean[0] - 11.0) < 1e-12 && fabs(rmean[1] - 90.0) < 1e-12);
    CHECK(fabs(rstd[0] - 1.0) < 1e-12);
    for (int i = 0; i < 3; i++) CHECK(lower[i] < mean[i] && mean[i] < upper[i]);

    size_t idx = SENTINEL, n = 0;
    OK(nb_gaussian_bandit_add_arm(g, "pension", 50, 2, 10, &idx));
    CHECK(idx == 3);
    OK(nb_gaussian_bandit_add_arm(g, "fx", 0, 0, 0, &idx));
    CHECK(idx == 4);
    OK(nb_gaussian_bandit_n_arms(g, &n));
    CHECK(n == 5);
    OK(nb_gaussian_bandit_remove_arm(g, 4));
    OK(nb_gaussian_bandit_arm_index(g, "pension", &idx));
    CHECK(idx == 3);
    char *name = NULL;
    OK(nb_gaussian_bandit_arm_name(g, 1, &name));
    CHECK(name && strcmp(name, "loan") == 0);
    nb_string_free(name);
    double c2[4], m2[4], s2[4], mu2[4], lo2[4], hi2[4];
    OK(nb_gaussian_bandit_posterior(g, c2, m2, s2, mu2, lo2, hi2));
    CHECK(c2[0] == count[0] && c2[1] == count[1] && c2[2] == count[2] && c2[3] == 0.0);
    CHECK(isnan(m2[3]) && mu2[3] == 50.0);

    /* Errors leave it unchanged. */
    char *before = gauss_json(g);
    const uint8_t zeros4[4] = {0, 0, 0, 0};
    FAILS(nb_gaussian_bandit_update(g, 0, NAN), NB_NON_FINITE, "finite");
    FAILS(nb_gaussian_bandit_update(g, 0, 1e200), NB_INVALID_ARGUMENT, "1e100");
    FAILS(nb_gaussian_bandit_update(g, 4, 1.0), NB_NOT_FOUND, "out of range");
    const size_t bad_arms[] = {0, 7, 1};
    const double ok_rewards[] = {1, 2, 3};
    FAILS(nb_gaussian_bandit_update_many(g, 3, bad_arms, ok_rewards), NB_NOT_FOUND, "row 1");
    FAILS(nb_gaussian_bandit_update_many(g, 3, NULL, ok_rewards), NB_NULL_POINTER, "`arms`");
    FAILS(nb_gaussian_bandit_select(g, zeros4, &arm), NB_NO_ELIGIBLE_ARM, "eligible");
    FAILS(nb_gaussian_bandit_select_many(g, 4, zeros4, many), NB_NO_ELIGIBLE_ARM, "eligible");
    FAILS(nb_gaussian_bandit_top_k(g, 5, NULL, slate), NB_INVALID_ARGUMENT, "k must be");
    FAILS(nb_gaussian_bandit_arm_probabilities(g, zeros4, p), NB_NO_ELIGIBLE_ARM, "eligible");
    FAILS(nb_gaussian_bandit_add_arm(g, "card", 0, 0, 0, &idx), NB_INVALID_ARGUMENT, "duplicate");
    FAILS(nb_gaussian_bandit_add_arm(g, "x", 0, -3, 1, &idx), NB_INVALID_ARGUMENT, "prior strength");
    FAILS(nb_gaussian_bandit_remove_arm(g, 9), NB_NOT_FOUND, "out of range");
    FAILS(nb_gaussian_bandit_arm_index(g, "nope", &idx), NB_NOT_FOUND, "unknown arm");
    FAILS(nb_gaussian_bandit_arm_name(g, 9, &name), NB_NOT_FOUND, "out of range");
    for (int k = 0; k < 6; k++) {
        double *o[6] = {c2, m2, s2, mu2, lo2, hi2};
        const char *what[6] = {"`count`", "`reward_mean`", "`reward_std`", "`mean`", "`lower`", "`upper`"};
        o[k] = NULL;
        FAILS(nb_gaussian_bandit_posterior(g, o[0], o[1], o[2], o[3], o[4], o[5]), NB_NULL_POINTER, what[k]);
    }
    /* NULL for every other pointer argument. */
    FAILS(nb_gaussian_bandit_select(NULL, NULL, &arm), NB_NULL_POINTER, "`b`");
    FAILS(nb_gaussian_bandit_select(g, NULL, NULL), NB_NULL_POINTER, "`out_arm`");
    FAILS(nb_gaussian_bandit_select_many(NULL, 2, NULL, many), NB_NULL_POINTER, "`b`");
    FAILS(nb_gaussian_bandit_select_many(g, 2, NULL, NULL), NB_NULL_POINTER, "`out_arms`");
    FAILS(nb_gaussian_bandit_top_k(NULL, 2, NULL, slate), NB_NULL_POINTER, "`b`");
    FAILS(nb_gaussian_bandit_top_k(g, 2, NULL, NULL), NB_NULL_POINTER, "`out_arms`");
    FAILS(nb_gaussian_bandit_update(NULL, 0, 1.0), NB_NULL_POINTER, "`b`");
    FAILS(nb_gaussian_bandit_update_many(NULL, 3, arms, ok_rewards), NB_NULL_POINTER, "`b`");
    FAILS(nb_gaussian_bandit_update_many(g, 3, arms, NULL), NB_NULL_POINTER, "`rewards`");
    FAILS(nb_gaussian_bandit_arm_probabilities(NULL, NULL, p), NB_NULL_POINTER, "`b`");
    FAILS(nb_gaussian_bandit_arm_probabilities(g, NULL, NULL), NB_NULL_POINTER, "`out`");
    FAILS(nb_gaussian_bandit_n_arms(NULL, &n), NB_NULL_POINTER, "`b`");
    FAILS(nb_gaussian_bandit_n_arms(g, NULL), NB_NULL_POINTER, "`out`");
    FAILS(nb_gaussian_bandit_arm_index(NULL, "card", &idx), NB_NULL_POINTER, "`b`");
    FAILS(nb_gaussian_bandit_arm_index(g, NULL, &idx), NB_NULL_POINTER, "`name`");
    FAILS(nb_gaussian_bandit_arm_index(g, "card", NULL), NB_NULL_POINTER, "`out`");
    FAILS(nb_gaussian_bandit_arm_name(NULL, 0, &name), NB_NULL_POINTER, "`b`");
    FAILS(nb_gaussian_bandit_arm_name(g, 0, NULL), NB_NULL_POINTER, "`out_name`");
    FAILS(nb_gaussian_bandit_add_arm(NULL, "x", 0, 0, 0, &idx), NB_NULL_POINTER, "`b`");
    FAILS(nb_gaussian_bandit_add_arm(g, NULL, 0, 0, 0, &idx), NB_NULL_POINTER, "`name`");
    FAILS(nb_gaussian_bandit_add_arm(g, "x", 0, 0, 0, NULL), NB_NULL_POINTER, "`out_index`");
    FAILS(nb_gaussian_bandit_remove_arm(NULL, 0), NB_NULL_POINTER, "`b`");
    FAILS(nb_gaussian_bandit_posterior(NULL, c2, m2, s2, mu2, lo2, hi2), NB_NULL_POINTER, "`b`");
    char *out = NULL;
    FAILS(nb_gaussian_bandit_to_json(NULL, &out), NB_NULL_POINTER, "`b`");
    FAILS(nb_gaussian_bandit_to_json(g, NULL), NB_NULL_POINTER, "`out_json`");
    CHECK(same_json(before, gauss_json(g)));

    /* Round trip, and documents of the wrong kind or with hostile values. */
    char *json = gauss_json(g);
    nb_gaussian_bandit *h = NULL;
    OK(nb_gaussian_bandit_from_json(json, &h));
    CHECK(same_json(json, gauss_json(h)));
    for (int i = 0; i < 50; i++) {
        size_t x = 0, y = 1;
        OK(nb_gaussian_bandit_select(g, NULL, &x));
        OK(nb_gaussian_bandit_select(h, NULL, &y));
        CHECK(x == y);
    }
    CHECK(same_json(gauss_json(g), gauss_json(h)));
    nb_gaussian_bandit_free(h);
    nb_gaussian_bandit *k = sentinel;
    FAILS(nb_gaussian_bandit_from_json(NULL, &k), NB_NULL_POINTER, "`json`");
    json = gauss_json(g);
    FAILS(nb_gaussian_bandit_from_json(json, NULL), NB_NULL_POINTER, "`out`");
    nb_string_free(json);
    nb_bandit *beta = NULL;
    OK(nb_bandit_new(2, NULL, 1, 1, 1, 1, &beta));
    json = beta_json(beta);
    FAILS(nb_gaussian_bandit_from_json(json, &k), NB_WRONG_KIND, "thompson_bandit");
    nb_string_free(json);
    nb_bandit_free(beta);
#define GAUSS_DOC(state) \
    ENVELOPE("gaussian_thompson_bandit", 1, "{\"named\":false,\"discount\":1.0,\"default_prior\":{\"type\":\"uninformative\"},\"rng_state\":[\"1\",\"2\",\"3\",\"4\"],\"arms\":[{\"name\":\"0\",\"state\":" state "}]}")
    OK(nb_gaussian_bandit_from_json(GAUSS_DOC("{\"prior\":{\"type\":\"uninformative\"},\"count\":2.0,\"mean\":1.0,\"m2\":1.0}"), &h));
    nb_gaussian_bandit_free(h);
    FAILS(nb_gaussian_bandit_from_json(GAUSS_DOC("{\"prior\":{\"type\":\"uninformative\"},\"count\":1e308,\"mean\":1.0,\"m2\":1.0}"), &k),
          NB_BAD_DOCUMENT, "count");
    FAILS(nb_gaussian_bandit_from_json(GAUSS_DOC("{\"prior\":{\"type\":\"uninformative\"},\"count\":2,\"mean\":1.0,\"m2\":-1.0}"), &k),
          NB_BAD_DOCUMENT, "m2");
    FAILS(nb_gaussian_bandit_from_json(GAUSS_DOC("{\"prior\":{\"type\":\"informative\",\"mean\":0,\"strength\":-1,\"scale\":1},\"count\":0,\"mean\":0,\"m2\":0}"), &k),
          NB_BAD_DOCUMENT, "prior strength");
    FAILS(nb_gaussian_bandit_from_json(GAUSS_DOC("{\"prior\":{\"type\":\"psychic\"},\"count\":0,\"mean\":0,\"m2\":0}"), &k),
          NB_BAD_DOCUMENT, "invalid payload");
    FAILS(nb_gaussian_bandit_from_json(ENVELOPE("gaussian_thompson_bandit", 999, "{}"), &k), NB_UNSUPPORTED_VERSION, "999");
    FAILS(nb_gaussian_bandit_from_json("{\"format\":", &k), NB_BAD_DOCUMENT, "not a nextbest document");
    CHECK(k == sentinel);
    nb_gaussian_bandit_free(g);
}

int main(void) {
    test_version();
    test_beta_new();
    test_beta_decisions();
    test_beta_updates();
    test_beta_arms();
    test_beta_round_trip();
    test_hostile_documents();
    test_gaussian();
    return check_report("test_bandit");
}
