/* Replays tests/golden/thompson.txt through the C interface: the same seeds must give the
 * same decisions and probabilities as core/tests/golden.rs (see the file's header comment).
 * Usage: test_golden <path to tests/golden/thompson.txt> */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define MAX_ITEMS 4096

typedef struct {
    int gaussian;
    size_t n_arms;
    double discount;
    unsigned long long seed;
    size_t n_updates;
    size_t upd_arm[MAX_ITEMS];
    double upd_reward[MAX_ITEMS];
    uint8_t eligible[MAX_ITEMS];
    size_t n_select, n_many;
    size_t want_select[MAX_ITEMS], want_many[MAX_ITEMS];
    double want_prob[MAX_ITEMS];
    size_t n_prob;
} scenario;

static char line[1 << 16];

static void replay(const scenario *s, const char *header) {
    size_t got_select[MAX_ITEMS], got_many[MAX_ITEMS];
    double got_prob[MAX_ITEMS];
    nb_bandit *b = NULL;
    nb_gaussian_bandit *g = NULL;
    if (s->gaussian) {
        if (!OK(nb_gaussian_bandit_new(s->n_arms, NULL, 0, 0, 0, s->discount, s->seed, &g))) return;
        for (size_t i = 0; i < s->n_updates; i++) OK(nb_gaussian_bandit_update(g, s->upd_arm[i], s->upd_reward[i]));
        for (size_t i = 0; i < s->n_select; i++) OK(nb_gaussian_bandit_select(g, NULL, &got_select[i]));
        OK(nb_gaussian_bandit_select_many(g, s->n_many, s->eligible, got_many));
        OK(nb_gaussian_bandit_arm_probabilities(g, NULL, got_prob));
        nb_gaussian_bandit_free(g);
    } else {
        if (!OK(nb_bandit_new(s->n_arms, NULL, 1, 1, s->discount, s->seed, &b))) return;
        for (size_t i = 0; i < s->n_updates; i++) OK(nb_bandit_update(b, s->upd_arm[i], s->upd_reward[i]));
        for (size_t i = 0; i < s->n_select; i++) OK(nb_bandit_select(b, NULL, &got_select[i]));
        OK(nb_bandit_select_many(b, s->n_many, s->eligible, got_many));
        OK(nb_bandit_arm_probabilities(b, NULL, got_prob));
        nb_bandit_free(b);
    }
    int bad = 0;
    for (size_t i = 0; i < s->n_select; i++) bad |= got_select[i] != s->want_select[i];
    if (bad) fprintf(stderr, "select differs: %s\n", header);
    CHECK(!bad);
    bad = 0;
    for (size_t i = 0; i < s->n_many; i++) bad |= got_many[i] != s->want_many[i];
    if (bad) fprintf(stderr, "select_many differs: %s\n", header);
    CHECK(!bad);
    CHECK(s->n_prob == s->n_arms);
    for (size_t i = 0; i < s->n_prob && i < s->n_arms; i++) {
        if (!(fabs(got_prob[i] - s->want_prob[i]) <= 1e-12)) {
            fprintf(stderr, "probabilities differ: %s: arm %zu: %.17g vs %.17g\n", header, i, got_prob[i],
                    s->want_prob[i]);
            CHECK(0);
        }
    }
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s tests/golden/thompson.txt\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[1], "r");
    if (f == NULL) {
        perror(argv[1]);
        return 2;
    }
    static scenario s;
    static char *tok[MAX_ITEMS + 2];
    int scenarios = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "scenario", 8) != 0) continue;
        char header[256];
        strncpy(header, line, sizeof header - 1);
        header[sizeof header - 1] = '\0';
        header[strcspn(header, "\n")] = '\0';
        size_t n = split(line, tok, 8);
        CHECK(n == 5);
        if (n != 5) break;
        memset(&s, 0, sizeof s);
        s.gaussian = strcmp(tok[1], "gaussian") == 0;
        CHECK(s.gaussian || strcmp(tok[1], "beta") == 0);
        s.n_arms = strtoul(tok[2], NULL, 10);
        s.discount = strtod(tok[3], NULL);
        s.seed = strtoull(tok[4], NULL, 10);
        CHECK(s.n_arms > 0 && s.n_arms <= MAX_ITEMS);
        int section = 0; /* select, select_many, probabilities: in that order */
        while (fgets(line, sizeof line, f) != NULL) {
            n = split(line, tok, MAX_ITEMS + 2);
            if (n == 0) continue;
            if (strcmp(tok[0], "end") == 0) break;
            if (strcmp(tok[0], "updates") == 0) {
                s.n_updates = strtoul(tok[1], NULL, 10);
                CHECK(s.n_updates <= MAX_ITEMS);
                for (size_t i = 0; i < s.n_updates && fgets(line, sizeof line, f); i++) {
                    split(line, tok, 2);
                    s.upd_arm[i] = strtoul(tok[0], NULL, 10);
                    s.upd_reward[i] = strtod(tok[1], NULL);
                }
            } else if (strcmp(tok[0], "eligible") == 0) {
                CHECK(n - 1 == s.n_arms);
                for (size_t i = 1; i < n; i++) s.eligible[i - 1] = strcmp(tok[i], "1") == 0;
            } else if (section == 0) {
                s.n_select = strtoul(tok[1], NULL, 10);
                CHECK(n - 2 == s.n_select);
                for (size_t i = 2; i < n; i++) s.want_select[i - 2] = strtoul(tok[i], NULL, 10);
                section++;
            } else if (section == 1) {
                s.n_many = strtoul(tok[1], NULL, 10);
                CHECK(n - 2 == s.n_many);
                for (size_t i = 2; i < n; i++) s.want_many[i - 2] = strtoul(tok[i], NULL, 10);
                section++;
            } else {
                s.n_prob = n - 1;
                for (size_t i = 1; i < n; i++) s.want_prob[i - 1] = strtod(tok[i], NULL);
                section++;
            }
        }
        CHECK(section == 3);
        replay(&s, header);
        scenarios++;
    }
    fclose(f);
    printf("test_golden: %d scenarios\n", scenarios);
    CHECK(scenarios > 0);
    return check_report("test_golden");
}
