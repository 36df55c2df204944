/* test_schedule_rng.c — noise schedules and the reproducible RNG.
 *
 *   test_schedule_rng schedule   cosine/linear schedules, data-to-noise check
 *   test_schedule_rng rng        xoshiro256** streams, uniforms, normals, below()
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "rng.h"
#include "schedule.h"
#include "testutil.h"

/* ---- schedules ---------------------------------------------------------------- */

static double cosine_f(double u)
{
    double c = cos((u + 0.008) / 1.008 * 1.5707963267948966);
    return c * c;
}

/* The invariants every schedule must keep. */
static void check_schedule(const dl2o_schedule *s, const char *what)
{
    int T = s->T, bad_beta = 0, bad_alpha = 0, bad_ab = 0, not_decreasing = 0;
    CHECK_MSG(s->beta && s->alpha && s->alpha_bar, "%s: arrays not allocated", what);
    if (!s->beta || !s->alpha || !s->alpha_bar) return;
    for (int t = 0; t < T; t++) {
        bad_beta += !(s->beta[t] > 0.0 && s->beta[t] < 1.0);
        bad_alpha += s->alpha[t] != 1.0 - s->beta[t];
        bad_ab += !(s->alpha_bar[t] > 0.0 && s->alpha_bar[t] < 1.0);
        if (t > 0) {
            not_decreasing += !(s->alpha_bar[t] < s->alpha_bar[t - 1]);
            bad_ab += !dl2o_test_close(s->alpha_bar[t], s->alpha_bar[t - 1] * s->alpha[t], 0,
                                       1e-14);
        }
    }
    CHECK_MSG(bad_beta == 0, "%s: %d betas outside (0, 1)", what, bad_beta);
    CHECK_MSG(bad_alpha == 0, "%s: %d alphas != 1 - beta", what, bad_alpha);
    CHECK_MSG(bad_ab == 0, "%s: %d alpha_bar outside (0, 1) or not the running product", what,
              bad_ab);
    CHECK_MSG(not_decreasing == 0, "%s: alpha_bar not strictly decreasing at %d steps", what,
              not_decreasing);
    CHECK_MSG(s->alpha_bar[0] == s->alpha[0], "%s: alpha_bar[0] != alpha[0]", what);
    CHECK_MSG(s->alpha_bar[T - 1] <= DL2O_ALPHA_BAR_END_MAX,
              "%s: alpha_bar[T-1] = %.3g does not reach noise", what, s->alpha_bar[T - 1]);
    CHECK(DL2O_ALPHA_BAR_END_MAX == 1e-3);
    CHECK_MSG(s->beta_start == s->beta[0] && s->beta_end == s->beta[T - 1],
              "%s: beta_start/beta_end (%g, %g) are not beta[0], beta[T-1] (%g, %g)", what,
              s->beta_start, s->beta_end, s->beta[0], s->beta[T - 1]);
}

static void test_kind(dl2o_schedule_kind kind, int T)
{
    char what[64];
    snprintf(what, sizeof what, "%s T=%d", dl2o_schedule_kind_name(kind), T);
    dl2o_schedule s;
    dl2o_status st = dl2o_schedule_init(&s, kind, T, 0.0, 0.0);
    CHECK_MSG(st == DL2O_OK, "%s: %s", what, dl2o_last_error());
    if (st != DL2O_OK) return;
    CHECK(s.T == T && s.kind == kind);
    check_schedule(&s, what);
    int bad = 0;
    if (kind == DL2O_SCHEDULE_COSINE) {
        /* Nichol & Dhariwal: alpha_bar[t] = f((t+1)/T) / f(0) until beta hits the 0.999 clip. */
        for (int t = 0; t < T; t++) {
            if (s.beta[t] >= 0.999) {
                bad += t != T - 1; /* only the last step may clip */
                continue;
            }
            bad += !dl2o_test_close(s.alpha_bar[t], cosine_f((t + 1.0) / T) / cosine_f(0.0), 1e-15,
                                    1e-9);
            bad += t > 0 && !(s.beta[t] >= s.beta[t - 1]);
        }
        CHECK_MSG(bad == 0, "%s: %d steps differ from the cosine formula", what, bad);
        /* f(1) = 0, so the last beta is always the clip value. */
        CHECK_MSG(s.beta[T - 1] == 0.999, "%s: last beta %.17g, expected the 0.999 clip", what,
                  s.beta[T - 1]);
    } else {
        /* Linear in t, from the classic 1e-4..0.02 scaled by 1000/T; the end
         * is capped at 0.999 (as cosine clips) where the scaled value reaches 1. */
        double scale = 1000.0 / T, b0 = 1e-4 * scale, b1 = 0.02 * scale;
        if (b1 > 0.999) b1 = 0.999;
        CHECK_MSG(dl2o_test_close(s.beta[0], b0, 0, 1e-12), "%s: beta[0] = %g, expected %g", what,
                  s.beta[0], b0);
        CHECK_MSG(dl2o_test_close(s.beta[T - 1], b1, 0, 1e-12), "%s: beta[T-1] = %g, expected %g",
                  what, s.beta[T - 1], b1);
        double step = (s.beta[T - 1] - s.beta[0]) / (T - 1);
        for (int t = 1; t < T; t++)
            bad += !dl2o_test_close(s.beta[t] - s.beta[t - 1], step, 1e-15, 1e-6);
        CHECK_MSG(bad == 0, "%s: %d beta steps are not linear", what, bad);
    }
    dl2o_schedule_free(&s);
    CHECK(s.beta == NULL && s.alpha == NULL && s.alpha_bar == NULL);
    dl2o_schedule_free(&s); /* twice is harmless */
}

static void expect_rejected(dl2o_schedule_kind kind, int T, double b0, double b1, const char *what)
{
    dl2o_schedule s;
    memset(&s, 0xff, sizeof s); /* init must not rely on a clean struct */
    dl2o_clear_error();
    dl2o_status st = dl2o_schedule_init(&s, kind, T, b0, b1);
    CHECK_MSG(st == DL2O_EINVAL, "%s: status %d, expected DL2O_EINVAL", what, (int)st);
    CHECK_MSG(dl2o_last_error()[0] != '\0', "%s: no error message", what);
    CHECK_MSG(s.beta == NULL, "%s: arrays left allocated after a failure", what);
    dl2o_schedule_free(&s); /* safe after a failed init */
}

static void test_schedule(void)
{
    static const int Ts[] = {2, 10, 20, 21, 100, 1000, DL2O_T_MAX};
    for (size_t i = 0; i < sizeof Ts / sizeof *Ts; i++) {
        test_kind(DL2O_SCHEDULE_COSINE, Ts[i]);
        test_kind(DL2O_SCHEDULE_LINEAR, Ts[i]);
    }

    /* The classic unscaled 1e-4..0.02 range does not reach noise at T = 100
     * (alpha_bar_T ~ 0.36); at T = 1000 it does. */
    expect_rejected(DL2O_SCHEDULE_LINEAR, 100, 1e-4, 0.02, "linear 1e-4..0.02 at T=100");
    CHECK(strstr(dl2o_last_error(), "noise") != NULL);
    dl2o_schedule s;
    CHECK(dl2o_schedule_init(&s, DL2O_SCHEDULE_LINEAR, 1000, 1e-4, 0.02) == DL2O_OK);
    check_schedule(&s, "linear 1e-4..0.02 at T=1000");
    CHECK(s.beta[0] == 1e-4 && dl2o_test_close(s.beta[999], 0.02, 0, 1e-14));
    dl2o_schedule_free(&s);
    /* An explicit range that reaches noise at T = 100. */
    CHECK(dl2o_schedule_init(&s, DL2O_SCHEDULE_LINEAR, 100, 1e-3, 0.2) == DL2O_OK);
    check_schedule(&s, "linear 1e-3..0.2 at T=100");
    dl2o_schedule_free(&s);

    for (int k = 0; k < 2; k++) {
        dl2o_schedule_kind kind = k ? DL2O_SCHEDULE_LINEAR : DL2O_SCHEDULE_COSINE;
        expect_rejected(kind, 1, 0, 0, "T=1");
        expect_rejected(kind, 0, 0, 0, "T=0");
        expect_rejected(kind, -5, 0, 0, "T=-5");
        expect_rejected(kind, DL2O_T_MAX + 1, 0, 0, "T=T_MAX+1");
    }
    expect_rejected((dl2o_schedule_kind)7, 100, 0, 0, "unknown kind");
    expect_rejected(DL2O_SCHEDULE_LINEAR, 1000, -1e-4, 0.02, "negative beta_start");
    expect_rejected(DL2O_SCHEDULE_LINEAR, 1000, 0.0, 0.02, "zero beta_start");
    expect_rejected(DL2O_SCHEDULE_LINEAR, 1000, 0.02, 1e-4, "beta_end < beta_start");
    expect_rejected(DL2O_SCHEDULE_LINEAR, 1000, 1e-4, 1.0, "beta_end = 1");
    expect_rejected(DL2O_SCHEDULE_LINEAR, 1000, NAN, 0.02, "NaN beta_start");
    expect_rejected(DL2O_SCHEDULE_LINEAR, 1000, 1e-4, NAN, "NaN beta_end");
    expect_rejected(DL2O_SCHEDULE_LINEAR, 1000, 1e-4, INFINITY, "Inf beta_end");

    /* Names. */
    dl2o_schedule_kind kind = DL2O_SCHEDULE_LINEAR;
    CHECK(strcmp(dl2o_schedule_kind_name(DL2O_SCHEDULE_COSINE), "cosine") == 0);
    CHECK(strcmp(dl2o_schedule_kind_name(DL2O_SCHEDULE_LINEAR), "linear") == 0);
    CHECK(dl2o_schedule_kind_parse("cosine", &kind) == 0 && kind == DL2O_SCHEDULE_COSINE);
    CHECK(dl2o_schedule_kind_parse("linear", &kind) == 0 && kind == DL2O_SCHEDULE_LINEAR);
    CHECK(dl2o_schedule_kind_parse("Cosine", &kind) == -1 && kind == DL2O_SCHEDULE_LINEAR);
    CHECK(dl2o_schedule_kind_parse("", &kind) == -1);
    CHECK(dl2o_schedule_kind_parse("linear ", &kind) == -1);
    CHECK(dl2o_schedule_kind_parse(NULL, &kind) == -1);
}

/* ---- RNG ------------------------------------------------------------------------ */

static void test_rng(void)
{
    /* xoshiro256** known answer: state {1, 2, 3, 4} (reference implementation). */
    dl2o_rng r = {{1, 2, 3, 4}, 0.0, 0};
    static const uint64_t kat[6] = {11520ull, 0ull, 1509978240ull, 1215971899390074240ull,
                                    1216172134540287360ull, 607988272756665600ull};
    for (int i = 0; i < 6; i++) {
        uint64_t v = dl2o_rng_next(&r);
        CHECK_MSG(v == kat[i], "xoshiro256** output %d: %llu, expected %llu", i,
                  (unsigned long long)v, (unsigned long long)kat[i]);
    }
    /* Pinned seeding: data files and weights are reproducible across versions
     * only while these stay (splitmix64 of seed, stream, index). */
    dl2o_rng_init(&r, 42, DL2O_STREAM_THETA, 0);
    CHECK(dl2o_rng_next(&r) == 0x3a3c0206b99d7eaeull);
    CHECK(dl2o_rng_next(&r) == 0xfcf889b2fe26e197ull);
    CHECK(dl2o_rng_next(&r) == 0x39d40a0c0e33fcd0ull);
    dl2o_rng_init(&r, 0, 0, 0);
    CHECK(dl2o_rng_next(&r) == 0x8c4986f3f0e565d5ull);

    /* Same (seed, stream, index): bitwise the same draws of every kind. */
    dl2o_rng a, b;
    dl2o_rng_init(&a, 123, DL2O_STREAM_NOISE, 77);
    dl2o_rng_init(&b, 123, DL2O_STREAM_NOISE, 77);
    int same = 1;
    for (int i = 0; i < 1000; i++) {
        double ua = dl2o_rng_uniform(&a), ub = dl2o_rng_uniform(&b);
        double na = dl2o_rng_normal(&a), nb = dl2o_rng_normal(&b);
        same &= memcmp(&ua, &ub, sizeof ua) == 0 && memcmp(&na, &nb, sizeof na) == 0;
        same &= dl2o_rng_below(&a, 1000003) == dl2o_rng_below(&b, 1000003);
    }
    CHECK_MSG(same, "same (seed, stream, index) gave different draws");
    /* Re-init resets a pending Box-Muller spare. */
    dl2o_rng_init(&a, 5, 1, 1);
    double first = dl2o_rng_normal(&a);
    dl2o_rng_init(&a, 5, 1, 1);
    CHECK(dl2o_rng_normal(&a) == first);

    /* Different seeds, streams and indices, including neighbours and swaps of
     * the keys, give unrelated sequences. */
    static const uint64_t keys[][3] = {
        {1, 1, 0}, {1, 1, 1}, {1, 2, 0}, {2, 1, 0}, {0, 1, 1}, {1, 0, 1}, {0, 0, 0},
        {1, 1, 2}, {1, 8, 0}, {UINT64_MAX, 1, 0}, {1, 1, UINT64_MAX}, {1, 2, 1},
    };
    enum { NK = sizeof keys / sizeof *keys, L = 8 };
    uint64_t seq[NK][L];
    for (int k = 0; k < NK; k++) {
        dl2o_rng_init(&a, keys[k][0], keys[k][1], keys[k][2]);
        for (int i = 0; i < L; i++) seq[k][i] = dl2o_rng_next(&a);
    }
    for (int k = 0; k < NK; k++)
        for (int l = k + 1; l < NK; l++) {
            int shared = 0;
            for (int i = 0; i < L; i++)
                for (int j = 0; j < L; j++) shared += seq[k][i] == seq[l][j];
            CHECK_MSG(shared == 0, "keys %d and %d share %d of their first %d draws", k, l, shared,
                      L);
        }

    /* Uniforms: in [0, 1), mean 1/2, variance 1/12, even deciles. */
    enum { N = 100000 };
    dl2o_rng_init(&a, 2718, DL2O_STREAM_SAMPLE, 0);
    double s1 = 0, s2 = 0;
    int out_of_range = 0, bins[10] = {0};
    for (int i = 0; i < N; i++) {
        double u = dl2o_rng_uniform(&a);
        out_of_range += !(u >= 0.0 && u < 1.0);
        s1 += u;
        s2 += u * u;
        if (u >= 0.0 && u < 1.0) bins[(int)(u * 10)]++;
    }
    double mean = s1 / N, var = s2 / N - mean * mean;
    CHECK_MSG(out_of_range == 0, "%d uniforms outside [0, 1)", out_of_range);
    CHECK_MSG(fabs(mean - 0.5) < 5 * sqrt(1.0 / 12 / N), "uniform mean %.5f", mean);
    CHECK_MSG(fabs(var - 1.0 / 12) < 5 * sqrt(1.0 / 180 / N), "uniform variance %.5f", var);
    double chi2 = 0;
    for (int k = 0; k < 10; k++) chi2 += (bins[k] - N / 10.0) * (bins[k] - N / 10.0) / (N / 10.0);
    CHECK_MSG(chi2 < 33.7, "uniform deciles chi^2 = %.2f (9 dof, p < 1e-4)", chi2);

    /* Normals: mean 0, variance 1, skewness 0, kurtosis 3, P(|z| < 1). */
    dl2o_rng_init(&a, 31415, DL2O_STREAM_NOISE, 3);
    double m1 = 0, m2 = 0, m3 = 0, m4 = 0, inside = 0;
    int nonfinite = 0;
    for (int i = 0; i < N; i++) {
        double z = dl2o_rng_normal(&a);
        nonfinite += !isfinite(z);
        m1 += z;
        m2 += z * z;
        m3 += z * z * z;
        m4 += z * z * z * z;
        inside += fabs(z) < 1.0;
    }
    CHECK(nonfinite == 0);
    m1 /= N, m2 /= N, m3 /= N, m4 /= N, inside /= N;
    CHECK_MSG(fabs(m1) < 5 / sqrt((double)N), "normal mean %.5f", m1);
    CHECK_MSG(fabs(m2 - m1 * m1 - 1) < 5 * sqrt(2.0 / N), "normal variance %.5f", m2 - m1 * m1);
    CHECK_MSG(fabs(m3) < 5 * sqrt(15.0 / N), "normal skewness %.5f", m3);
    CHECK_MSG(fabs(m4 - 3) < 5 * sqrt(96.0 / N), "normal 4th moment %.5f", m4);
    CHECK_MSG(fabs(inside - 0.682689492137086) < 5 * sqrt(0.25 / N), "P(|z| < 1) = %.5f", inside);
    /* Consecutive normals (the Box-Muller pair) are uncorrelated. */
    dl2o_rng_init(&a, 31415, DL2O_STREAM_NOISE, 4);
    double cross = 0;
    for (int i = 0; i < N / 2; i++) cross += dl2o_rng_normal(&a) * dl2o_rng_normal(&a);
    CHECK_MSG(fabs(cross / (N / 2)) < 5 / sqrt(N / 2.0), "pair correlation %.5f", cross / (N / 2));

    /* below(n): always in [0, n), every value reached, roughly uniform. */
    static const uint64_t ns[] = {1, 2, 3, 7, 10, 1000003, (1ull << 32) + 1, (1ull << 63) + 1,
                                  UINT64_MAX};
    dl2o_rng_init(&a, 99, DL2O_STREAM_BATCH, 0);
    for (size_t k = 0; k < sizeof ns / sizeof *ns; k++) {
        int bad = 0;
        uint64_t hi = 0;
        for (int i = 0; i < 10000; i++) {
            uint64_t v = dl2o_rng_below(&a, ns[k]);
            bad += v >= ns[k];
            if (v > hi) hi = v;
        }
        CHECK_MSG(bad == 0, "below(%llu): %d values out of range", (unsigned long long)ns[k], bad);
        if (ns[k] > 10000) CHECK(hi > ns[k] / 2); /* not stuck in the low half */
    }
    int counts[7] = {0}, outside = 0;
    for (int i = 0; i < 70000; i++) {
        uint64_t v = dl2o_rng_below(&a, 7);
        if (v < 7) counts[v]++;
        else outside++;
    }
    CHECK_MSG(outside == 0, "below(7): %d values out of range", outside);
    double c2 = 0;
    for (int k = 0; k < 7; k++) c2 += (counts[k] - 10000.0) * (counts[k] - 10000.0) / 10000.0;
    CHECK_MSG(c2 < 27.9, "below(7) chi^2 = %.2f (6 dof, p < 1e-4)", c2);
    for (int k = 0; k < 7; k++) CHECK(counts[k] > 0);
}

int main(int argc, char **argv)
{
    if (argc != 2 || (strcmp(argv[1], "schedule") && strcmp(argv[1], "rng"))) {
        fprintf(stderr, "usage: %s schedule|rng\n", argv[0]);
        return 2;
    }
    if (strcmp(argv[1], "schedule") == 0) test_schedule();
    else test_rng();
    return dl2o_test_finish(argv[1]);
}
