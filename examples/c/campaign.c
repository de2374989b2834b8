/* A cross-sell campaign with libnextbest: five offers with (hidden) acceptance rates; watch the
 * allocation move to the best offer, log each decision's propensity, save and reload the state.
 * Build: cc -I bindings-c/include examples/c/campaign.c -L target/release -lnextbest */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "nextbest.h"

#define OFFERS 5
#define FAIL(call) do { if ((call) != NB_OK) { fprintf(stderr, "%s: %s\n", #call, nb_last_error_message()); return 1; } } while (0)

static double uniform(uint64_t *s) { /* xorshift64*: the simulated customers */
    *s ^= *s >> 12, *s ^= *s << 25, *s ^= *s >> 27;
    return (double)((*s * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

int main(void) {
    const char *offers[OFFERS] = {"credit_card", "personal_loan", "savings", "mortgage", "insurance"};
    const double accept[OFFERS] = {0.04, 0.02, 0.07, 0.01, 0.03};
    nb_bandit *b = NULL;
    FAIL(nb_bandit_new(OFFERS, offers, 1.0, 1.0, 1.0, 2024, &b));
    uint64_t rng = 88172645463325252ULL;
    double p[OFFERS], savings_value = 0.0; /* an off-policy estimate from the logged propensities */
    printf("wave  %13s %13s %13s %13s %13s  accepted\n", offers[0], offers[1], offers[2], offers[3], offers[4]);
    for (int wave = 1; wave <= 5; wave++) {
        int shown[OFFERS] = {0}, accepted = 0;
        for (int customer = 0; customer < 2000; customer++) {
            size_t arm;
            FAIL(nb_bandit_arm_probabilities(b, NULL, p)); /* the propensity to log */
            FAIL(nb_bandit_select(b, NULL, &arm));
            double reward = uniform(&rng) < accept[arm] ? 1.0 : 0.0;
            if (customer < 2 && wave % 2 == 1) /* in production, log every decision like this */
                printf("  log: wave %d customer %d offer %s propensity %.3f reward %.0f\n", wave,
                       customer, offers[arm], p[arm], reward);
            if (arm == 2) savings_value += reward / p[arm] / 10000;
            FAIL(nb_bandit_update(b, arm, reward));
            shown[arm]++;
            accepted += (int)reward;
        }
        printf("%4d ", wave);
        for (int i = 0; i < OFFERS; i++) printf(" %12.1f%%", 100.0 * shown[i] / 2000);
        printf("  %d\n", accepted);
    }
    printf("always offering savings would accept %.3f; estimated from the log (inverse propensity): %.3f\n",
           accept[2], savings_value);

    char *json = NULL;
    nb_bandit *reloaded = NULL;
    FAIL(nb_bandit_to_json(b, &json));
    FAIL(nb_bandit_from_json(json, &reloaded));
    size_t next, next_reloaded;
    FAIL(nb_bandit_select(b, NULL, &next));
    FAIL(nb_bandit_select(reloaded, NULL, &next_reloaded));
    printf("saved %zu bytes of JSON; reloaded bandit picks %s, the original %s\n",
           strlen(json), offers[next_reloaded], offers[next]);
    nb_string_free(json);
    nb_bandit_free(reloaded);
    nb_bandit_free(b);
    return next == next_reloaded ? 0 : 1;
}
