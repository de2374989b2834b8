/* One nb_bandit shared by 8 threads: no update is lost, and concurrent reads, decisions,
 * saves and error messages neither crash nor interfere. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define THREADS 8
#define ROUNDS 20000
#define ARMS 5

static nb_bandit *shared;
static int thread_errors[THREADS];

static void *learner(void *arg) {
    int t = *(int *)arg;
    for (int i = 0; i < ROUNDS; i++) {
        size_t arm;
        if (nb_bandit_select(shared, NULL, &arm) != NB_OK || nb_bandit_update(shared, arm, 1.0) != NB_OK)
            thread_errors[t]++;
    }
    return NULL;
}

static void *reader(void *arg) {
    int t = *(int *)arg;
    const uint8_t mask[ARMS] = {1, 0, 1, 0, 1};
    const uint8_t none[ARMS] = {0, 0, 0, 0, 0};
    char expected[64];
    for (int i = 0; i < 200; i++) {
        size_t many[32];
        double p[ARMS];
        char *json = NULL;
        if (nb_bandit_select_many(shared, 32, mask, many) != NB_OK) thread_errors[t]++;
        for (int k = 0; k < 32; k++)
            if (many[k] % 2 != 0) thread_errors[t]++;
        if (nb_bandit_arm_probabilities(shared, NULL, p) != NB_OK) thread_errors[t]++;
        if (nb_bandit_to_json(shared, &json) != NB_OK || strstr(json, "thompson_bandit") == NULL)
            thread_errors[t]++;
        nb_string_free(json);
        /* Error messages are per thread: each thread sees its own. */
        snprintf(expected, sizeof expected, "arm index %d is out of range", 100 + t);
        if (nb_bandit_update(shared, (size_t)(100 + t), 1.0) != NB_NOT_FOUND ||
            strstr(nb_last_error_message(), expected) == NULL)
            thread_errors[t]++;
        if (nb_bandit_select(shared, none, &many[0]) != NB_NO_ELIGIBLE_ARM) thread_errors[t]++;
    }
    return NULL;
}

static void run(void *(*fn)(void *), int n, int *ids) {
    pthread_t th[THREADS];
    for (int t = 0; t < n; t++) CHECK(pthread_create(&th[t], NULL, fn, &ids[t]) == 0);
    for (int t = 0; t < n; t++) CHECK(pthread_join(th[t], NULL) == 0);
}

int main(void) {
    int ids[THREADS];
    for (int t = 0; t < THREADS; t++) ids[t] = t;
    const double prior = 2.0;
    OK(nb_bandit_new(ARMS, NULL, prior, 1, 1, 17, &shared));

    run(learner, THREADS, ids);
    double alpha[ARMS], beta[ARMS], mean[ARMS], lower[ARMS], upper[ARMS];
    OK(nb_bandit_posterior(shared, alpha, beta, mean, lower, upper));
    double total = 0;
    for (int a = 0; a < ARMS; a++) {
        total += alpha[a];
        CHECK(beta[a] == 1.0); /* every reward was 1 */
    }
    printf("test_threads: alphas sum to %.1f, expected %.1f\n", total, prior * ARMS + THREADS * ROUNDS);
    CHECK(total == prior * ARMS + (double)THREADS * ROUNDS);

    /* Readers, deciders and savers alongside learners. */
    pthread_t learners[THREADS / 2];
    for (int t = 0; t < THREADS / 2; t++) CHECK(pthread_create(&learners[t], NULL, learner, &ids[t]) == 0);
    run(reader, THREADS / 2, ids + THREADS / 2);
    for (int t = 0; t < THREADS / 2; t++) CHECK(pthread_join(learners[t], NULL) == 0);
    OK(nb_bandit_posterior(shared, alpha, beta, mean, lower, upper));
    total = 0;
    for (int a = 0; a < ARMS; a++) total += alpha[a];
    CHECK(total == prior * ARMS + (double)THREADS * ROUNDS + (double)(THREADS / 2) * ROUNDS);

    for (int t = 0; t < THREADS; t++) {
        if (thread_errors[t]) fprintf(stderr, "thread %d: %d errors\n", t, thread_errors[t]);
        CHECK(thread_errors[t] == 0);
    }
    nb_bandit_free(shared);
    return check_report("test_threads");
}
