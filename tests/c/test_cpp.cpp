// The header from C++: included twice (include guard), extern "C" linkage, no warnings.
#include "nextbest.h"
#include "nextbest.h"

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

static int failures = 0;

static void check(bool ok, const char *what) {
    if (!ok) {
        failures++;
        std::fprintf(stderr, "test_cpp: CHECK failed: %s (%s)\n", what, nb_last_error_message());
    }
}

int main() {
    check(std::string(nb_version()) == NEXTBEST_VERSION, "version");
    const char *names[] = {"card", "loan", "savings"};
    nb_bandit *b = nullptr;
    check(nb_bandit_new(3, names, 1.0, 1.0, 1.0, 42, &b) == NB_OK, "new");
    size_t arm = 0;
    check(nb_bandit_select(b, nullptr, &arm) == NB_OK && arm < 3, "select");
    check(nb_bandit_update(b, arm, 1.0) == NB_OK, "update");
    std::vector<double> p(3);
    check(nb_bandit_arm_probabilities(b, nullptr, p.data()) == NB_OK, "probabilities");
    check(nb_bandit_update(b, 0, 2.0) == NB_INVALID_ARGUMENT, "bad reward");
    check(std::strstr(nb_last_error_message(), "outside [0, 1]") != nullptr, "message");
    char *json = nullptr;
    check(nb_bandit_to_json(b, &json) == NB_OK, "to_json");
    nb_bandit *c = nullptr;
    check(nb_bandit_from_json(json, &c) == NB_OK, "from_json");
    nb_string_free(json);
    nb_bandit_free(c);
    nb_bandit_free(b);

    nb_gaussian_bandit *g = nullptr;
    check(nb_gaussian_bandit_new(2, nullptr, 0.0, 0.0, 0.0, 1.0, 1, &g) == NB_OK, "gaussian new");
    check(nb_gaussian_bandit_update(g, 1, 120.5) == NB_OK, "gaussian update");
    nb_gaussian_bandit_free(g);

    // Features: the options struct by value, a pipeline, a transaction log.
    nb_transaction_options o = nb_transaction_options_default();
    check(o.n_windows == 3 && o.windows_days[0] == 30, "options");
    const char *doc =
        "{\"format\":\"nextbest\",\"kind\":\"feature_pipeline\",\"version\":1,\"payload\":{\"numeric\":[],"
        "\"categorical\":[{\"name\":\"k\",\"encoding\":\"ordinal\",\"labels\":[\"a\",\"b\"],\"missing\":true,"
        "\"other\":true,\"handle_unknown\":\"other\"}]}}";
    nb_pipeline *pipe = nullptr;
    check(nb_pipeline_from_json(doc, &pipe) == NB_OK, "pipeline from_json");
    const char *k_name[] = {"k"};
    const char *k[] = {"b", nullptr, "zz"};
    const char *const *cols[] = {k};
    std::vector<double> out(3);
    check(nb_pipeline_transform(pipe, 3, 0, nullptr, nullptr, 1, k_name, cols, out.data(), out.size()) == NB_OK &&
              out[0] == 1.0 && out[1] == 2.0 && out[2] == 3.0,
          "pipeline transform");
    nb_pipeline_free(pipe);
    const int64_t ids[] = {5, 5};
    const int64_t ts[] = {86400 * 10, 86400 * 11};
    const double amounts[] = {-10.0, 20.0};
    nb_features *f = nullptr;
    check(nb_transaction_features(2, ids, ts, amounts, 86400 * 12, nullptr, nullptr, &o, &f) == NB_OK, "features");
    size_t rows = 0;
    check(nb_features_n_rows(f, &rows) == NB_OK && rows == 1, "features rows");
    nb_features_free(f);

    // Models: a generic handle from a document, one row scored.
    const char *model_doc =
        "{\"format\":\"nextbest\",\"kind\":\"logistic_regression\",\"version\":1,\"payload\":{\"coef\":[1.0],"
        "\"intercept\":0.0,\"reference\":[0.0],\"feature_names\":[\"x\"],\"params\":{\"l2\":1.0,\"l1\":0.0,"
        "\"class_weight\":{\"type\":\"none\"},\"fit_intercept\":true,\"max_iter\":200,\"tol\":1e-8},"
        "\"report\":{\"converged\":true,\"n_iter\":1,\"objective\":0.0,\"gradient\":0.0,\"solver\":\"newton\"}}}";
    nb_model *m = nullptr;
    check(nb_model_from_json(model_doc, &m) == NB_OK, "model from_json");
    const double row[] = {0.0};
    double proba = -1.0;
    check(nb_model_predict_proba(m, row, 1, 1, &proba, 1) == NB_OK && proba == 0.5, "model predict_proba");
    std::vector<int64_t> raising(1), lowering(1);
    std::vector<double> raising_c(1), lowering_c(1);
    check(nb_model_reason_codes(m, row, 1, 1, 1, raising.data(), raising_c.data(), lowering.data(), lowering_c.data(),
                                1) == NB_OK &&
              raising[0] == -1 && lowering[0] == -1,
          "model reason codes");
    nb_model_free(m);
    nb_scoring_pipeline *sp = nullptr;
    check(nb_scoring_pipeline_from_json(model_doc, &sp) == NB_WRONG_KIND && sp == nullptr, "scoring wrong kind");
    nb_scoring_pipeline_free(sp);

    std::printf("test_cpp: %d failed\n", failures);
    return failures == 0 ? 0 : 1;
}
