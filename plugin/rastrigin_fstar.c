/* rastrigin_fstar.c — best-known optimum of a rastrigin-N instance by lattice
 * enumeration (DESIGN.md, Benchmark protocol).
 *
 * f(x) = 1/2 |Ax - b|^2 - alpha sum_i c_i cos(2 pi x_i) + alpha n. Each x has a
 * nearest point y of the lattice of cosine minima (y_i in Z where c_i >= 0,
 * Z + 1/2 where c_i < 0), with d = x - y in [-1/2, 1/2]^n, and then
 *   f(x) = 1/2 |Ax - b|^2 + alpha sum_i (1 - |c_i|)
 *          + alpha sum_i |c_i| (1 - cos(2 pi d_i)),
 * where 1 - cos(2 pi d) >= 8 d^2 on |d| <= 1/2. With D = diag(16 alpha |c|):
 *   f(x) >= F0 + 1/2 q(y),  F0 = alpha sum_i (1 - |c_i|),
 *   q(y) = min_x |Ax - b|^2 + (x - y)' D (x - y) = |Ry - z|^2 + min_x |Ax - b|^2,
 * with R'R = G = D - D (A'A + D)^-1 D. So every x better than an incumbent
 * f_inc has its nearest lattice point in the ellipsoid |Ry - z|^2 < 2 (f_inc -
 * F0). That is the design's ellipsoid 1/2 |Ay - b|^2 < f_inc - F0, widened by
 * exactly as much as the step from y to x can gain (G <= A'A), so nothing
 * better is left outside it, and no margin has to be guessed.
 *
 * The ellipsoid's lattice points are enumerated by Fincke-Pohst sphere
 * decoding on R, in Schnorr-Euchner order, and ranked by f at the Newton point
 * of their cell; the best are polished with LD_LBFGS in the box. A better
 * polished point shrinks the ellipsoid, and the next round polishes the next
 * best ranked points, until every point in it has been polished, or rounds run
 * out. Polishing from a cell does not always find that cell's best minimum
 * (where |c_i| is small a cell can hold several), so the result is the best
 * known, not a certificate. Deterministic: no randomness beyond the seeded
 * multistart that gives the first incumbent. */
#include "reference.h"

#include <math.h>
#include <nlopt.h>
#include <stdlib.h>
#include <string.h>

#include "datagen.h"
#include "family.h"

#define TWO_PI 6.283185307179586476925286766559
/* Points polished per round, rounds, and search nodes per enumeration: bounds
 * that keep one instance well under a second at n = 10 (tests measure it). */
#define FSTAR_POLISH 256
#define FSTAR_ROUNDS 8
#define FSTAR_NODE_CAP 2000000L
#define FSTAR_STARTS 50

typedef struct lattice {
    const dl2o_family *fam;
    const double *theta;
    int n;
    double *R;     /* (n, n) upper triangular, R'R = G */
    double *z;     /* (n) */
    double *u;     /* (n) Newton point of the cell of y: xhat = u + M y ... */
    double *Mt;    /* (n, n) ... with M stored transposed (row k = column k) */
    double *shift; /* (n) 0 or 1/2: y_i = shift_i + integer */
    double *mlo, *mhi; /* (n) integer range of y_i - shift_i: cells meeting the box */
    double r2;     /* enumerate |Ry - z|^2 <= r2 */
    double thr;    /* leaves scoring <= thr were polished in an earlier round */
    long nodes;
    int complete;  /* 0 once the node cap stopped the enumeration */
    double *y;     /* (n) the point being built */
    double *xp;    /* (n + 1, n) partial Newton points; row n is u */
    double *xh;    /* (n) scratch */
    /* The FSTAR_POLISH best-scoring leaves: a max-heap on score. */
    int count;
    double *hs;    /* (FSTAR_POLISH) */
    double *hy;    /* (FSTAR_POLISH, n) */
} lattice;

/* In place: a (n, n) symmetric becomes upper R with R'R = a (lower part left
 * as is). A pivot below `floor` is raised to it; with floor = 0 a non-positive
 * pivot fails (-1). */
static int cholesky(int n, double *a, double floor)
{
    for (int k = 0; k < n; k++) {
        double d = a[(size_t)k * n + k];
        for (int i = 0; i < k; i++) d -= a[(size_t)i * n + k] * a[(size_t)i * n + k];
        if (!(d > floor)) {
            if (!(floor > 0.0)) return -1;
            d = floor;
        }
        d = sqrt(d);
        a[(size_t)k * n + k] = d;
        for (int j = k + 1; j < n; j++) {
            double s = a[(size_t)k * n + j];
            for (int i = 0; i < k; i++) s -= a[(size_t)i * n + k] * a[(size_t)i * n + j];
            a[(size_t)k * n + j] = s / d;
        }
    }
    return 0;
}

/* R'R v = v in place, R from cholesky(). */
static void chol_solve(int n, const double *R, double *v)
{
    for (int i = 0; i < n; i++) { /* R' w = v */
        double s = v[i];
        for (int k = 0; k < i; k++) s -= R[(size_t)k * n + i] * v[k];
        v[i] = s / R[(size_t)i * n + i];
    }
    for (int i = n - 1; i >= 0; i--) { /* R v = w */
        double s = v[i];
        for (int k = i + 1; k < n; k++) s -= R[(size_t)i * n + k] * v[k];
        v[i] = s / R[(size_t)i * n + i];
    }
}

static void clamp_box(const dl2o_family *fam, const double *v, double *x)
{
    for (int j = 0; j < fam->n; j++) x[j] = fmin(fmax(v[j], fam->lower[j]), fam->upper[j]);
}

static void heap_push(lattice *L, double score)
{
    int n = L->n, i;
    if (L->count == FSTAR_POLISH) {
        if (!(score < L->hs[0])) return;
        i = 0; /* replace the worst, sift down */
        for (;;) {
            int c = 2 * i + 1;
            if (c >= L->count) break;
            if (c + 1 < L->count && L->hs[c + 1] > L->hs[c]) c++;
            if (!(L->hs[c] > score)) break;
            L->hs[i] = L->hs[c];
            memcpy(L->hy + (size_t)i * n, L->hy + (size_t)c * n, (size_t)n * sizeof *L->hy);
            i = c;
        }
    } else {
        i = L->count++; /* sift up */
        while (i > 0 && L->hs[(i - 1) / 2] < score) {
            L->hs[i] = L->hs[(i - 1) / 2];
            memcpy(L->hy + (size_t)i * n, L->hy + (size_t)((i - 1) / 2) * n,
                   (size_t)n * sizeof *L->hy);
            i = (i - 1) / 2;
        }
    }
    L->hs[i] = score;
    memcpy(L->hy + (size_t)i * n, L->y, (size_t)n * sizeof *L->hy);
}

/* Level k of the search tree: y_{k+1..n-1} are fixed and `used` is their
 * share of |Ry - z|^2. Values of y_k go nearest-to-centre first, so a capped
 * search has seen the most central points. */
static void enumerate(lattice *L, int k, double used)
{
    int n = L->n;
    if (k < 0) {
        clamp_box(L->fam, L->xp, L->xh);
        double s = dl2o_family_eval(L->fam, L->theta, L->xh, NULL);
        if (s > L->thr) heap_push(L, s);
        return;
    }
    const double *Rk = L->R + (size_t)k * n;
    double t = L->z[k];
    for (int j = k + 1; j < n; j++) t -= Rk[j] * L->y[j];
    double rho = L->r2 - used;
    if (!(rho >= 0.0)) return;
    double c = t / Rk[k] - L->shift[k], half = sqrt(rho) / Rk[k];
    double lo = fmax(ceil(c - half), L->mlo[k]), hi = fmin(floor(c + half), L->mhi[k]);
    if (!(lo <= hi)) return;
    double m0 = fmin(fmax(nearbyint(c), lo), hi);
    int up = c >= m0; /* which neighbour of m0 is nearer the centre */
    for (double d = 0.0;; d += 1.0) {
        int any = 0;
        for (int side = 0; side < (d > 0.0 ? 2 : 1); side++) {
            double m = (side == 0) == up ? m0 + d : m0 - d;
            if (d == 0.0) m = m0;
            if (m < lo || m > hi) continue;
            any = 1;
            if (++L->nodes > FSTAR_NODE_CAP) {
                L->complete = 0;
                return;
            }
            double yk = L->shift[k] + m, e = Rk[k] * yk - t;
            const double *col = L->Mt + (size_t)k * n, *above = L->xp + (size_t)(k + 1) * n;
            double *row = L->xp + (size_t)k * n;
            for (int i = 0; i < n; i++) row[i] = above[i] + col[i] * yk;
            L->y[k] = yk;
            enumerate(L, k - 1, used + e * e);
            if (!L->complete) return;
        }
        if (!any) break;
    }
}

typedef struct by_score {
    double s;
    int i;
} by_score;

static int cmp_score(const void *a, const void *b)
{
    const by_score *p = a, *q = b;
    return (p->s > q->s) - (p->s < q->s);
}

/* Polishes the heap's points, best score first; updates *best and x. */
static void polish(lattice *L, nlopt_opt opt, double *best, double *x)
{
    int n = L->n;
    by_score order[FSTAR_POLISH];
    for (int i = 0; i < L->count; i++) order[i] = (by_score){L->hs[i], i};
    qsort(order, (size_t)L->count, sizeof *order, cmp_score);
    for (int r = 0; r < L->count; r++) {
        const double *y = L->hy + (size_t)order[r].i * n;
        for (int i = 0; i < n; i++) {
            double s = L->u[i];
            for (int k = 0; k < n; k++) s += L->Mt[(size_t)k * n + i] * y[k];
            L->xh[i] = s;
        }
        clamp_box(L->fam, L->xh, L->xh);
        double f = dl2o_local_run(opt, L->fam, L->theta, L->xh);
        if (isfinite(f) && f < *best) {
            *best = f;
            memcpy(x, L->xh, (size_t)n * sizeof *x);
        }
    }
}

/* The matrices of the bound and of the Newton points; -1 when A'A + D or
 * the Hessian at the cosine minima is singular (the lattice does not apply). */
static int setup(lattice *L, double *work)
{
    int n = L->n;
    const double *A = L->theta, *b = A + (size_t)n * n, *c = b + n;
    const double alpha = DL2O_RASTRIGIN_ALPHA;
    double *P = work, *K = P + (size_t)n * n, *v = K + (size_t)n * n, *w = v + n;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
            double s = 0.0;
            for (int r = 0; r < n; r++) s += A[(size_t)r * n + i] * A[(size_t)r * n + j];
            P[(size_t)i * n + j] = s;
        }
        double s = 0.0;
        for (int r = 0; r < n; r++) s += A[(size_t)r * n + i] * b[r];
        w[i] = s;
    }
    /* G = D - D K^-1 D and h = D K^-1 A'b, K = A'A + D: q(y) = y'Gy - 2h'y + const. */
    memcpy(K, P, (size_t)n * n * sizeof *K);
    for (int i = 0; i < n; i++) K[(size_t)i * n + i] += 16.0 * alpha * fabs(c[i]);
    if (cholesky(n, K, 0.0) != 0) return -1;
    for (int j = 0; j < n; j++) {
        double dj = 16.0 * alpha * fabs(c[j]);
        memset(v, 0, (size_t)n * sizeof *v);
        v[j] = dj;
        chol_solve(n, K, v);
        for (int i = 0; i < n; i++)
            L->R[(size_t)i * n + j] = (i == j ? dj : 0.0) - 16.0 * alpha * fabs(c[i]) * v[i];
    }
    double gmax = 0.0;
    for (int i = 0; i < n; i++) {
        for (int j = i + 1; j < n; j++) { /* symmetrize the roundoff */
            double s = 0.5 * (L->R[(size_t)i * n + j] + L->R[(size_t)j * n + i]);
            L->R[(size_t)i * n + j] = L->R[(size_t)j * n + i] = s;
        }
        gmax = fmax(gmax, L->R[(size_t)i * n + i]);
    }
    /* G is only semidefinite where some c_i = 0; a floor this small stretches
     * those directions far beyond the box, which bounds them anyway. */
    if (!(gmax > 0.0) || cholesky(n, L->R, 1e-13 * gmax) != 0) return -1;
    memcpy(v, w, (size_t)n * sizeof *v);
    chol_solve(n, K, v);
    for (int i = 0; i < n; i++) { /* z = R'^-1 h */
        double s = 16.0 * alpha * fabs(c[i]) * v[i];
        for (int k = 0; k < i; k++) s -= L->R[(size_t)k * n + i] * L->z[k];
        L->z[i] = s / L->R[(size_t)i * n + i];
    }
    /* Newton step from y with the cosines' curvature at their minima:
     * xhat = H^-1 (A'b + C y), H = A'A + C, C = diag(4 pi^2 alpha |c|). */
    memcpy(K, P, (size_t)n * n * sizeof *K);
    for (int i = 0; i < n; i++) K[(size_t)i * n + i] += TWO_PI * TWO_PI * alpha * fabs(c[i]);
    if (cholesky(n, K, 0.0) != 0) return -1;
    memcpy(L->u, w, (size_t)n * sizeof *L->u);
    chol_solve(n, K, L->u);
    for (int k = 0; k < n; k++) {
        double *col = L->Mt + (size_t)k * n;
        memset(col, 0, (size_t)n * sizeof *col);
        col[k] = TWO_PI * TWO_PI * alpha * fabs(c[k]);
        chol_solve(n, K, col);
    }
    for (int i = 0; i < n; i++) {
        L->shift[i] = c[i] < 0.0 ? 0.5 : 0.0;
        /* Cells within 1/2 of the box: the nearest lattice point of any x in it. */
        L->mlo[i] = ceil(L->fam->lower[i] - 0.5 - L->shift[i]);
        L->mhi[i] = floor(L->fam->upper[i] + 0.5 - L->shift[i]);
    }
    return 0;
}

double dl2o_rastrigin_fstar(const dl2o_family *fam, const double *theta, uint64_t seed,
                            uint64_t index, int starts, double *x)
{
    int n = fam->n;
    const double *c = theta + (size_t)n * n + n;
    double best = dl2o_local_best(fam, theta, seed, index, starts < FSTAR_STARTS ? starts : FSTAR_STARTS,
                                  1000, x, NULL);
    if (!isfinite(best)) { /* every run failed: start from the box centre */
        for (int j = 0; j < n; j++) x[j] = 0.5 * (fam->lower[j] + fam->upper[j]);
        best = dl2o_family_eval(fam, theta, x, NULL);
    }
    size_t nn = (size_t)n * n;
    double *mem = malloc((3 * nn + 8 * (size_t)n + (size_t)(n + 1) * n +
                          (size_t)FSTAR_POLISH * (n + 1)) * sizeof *mem);
    dl2o_instance inst = {fam, theta};
    nlopt_opt opt = dl2o_local_create(fam, dl2o_instance_objective, &inst, 1000);
    if (!mem || !opt) {
        free(mem);
        if (opt) nlopt_destroy(opt);
        return NAN;
    }
    lattice L = {.fam = fam, .theta = theta, .n = n};
    double *p = mem;
    L.R = p, p += nn;
    L.Mt = p, p += nn;
    L.z = p, p += n;
    L.u = p, p += n;
    L.shift = p, p += n;
    L.mlo = p, p += n;
    L.mhi = p, p += n;
    L.y = p, p += n;
    L.xh = p, p += n;
    L.xp = p, p += (size_t)(n + 1) * n;
    L.hs = p, p += FSTAR_POLISH;
    L.hy = p, p += (size_t)FSTAR_POLISH * n;
    double *work = malloc((2 * nn + 2 * (size_t)n) * sizeof *work);
    if (!work) {
        free(mem);
        nlopt_destroy(opt);
        return NAN;
    }
    int ok = setup(&L, work) == 0;
    free(work);
    double F0 = 0.0;
    for (int i = 0; i < n; i++) F0 += DL2O_RASTRIGIN_ALPHA * (1.0 - fabs(c[i]));
    L.thr = -INFINITY;
    for (int round = 0; ok && round < FSTAR_ROUNDS; round++) {
        double slack = best - F0, before = best;
        if (!(slack > 0.0)) break; /* nothing in the box can beat best */
        /* A hair wider than the bound, for roundoff in R and z. */
        L.r2 = 2.0 * slack * (1.0 + 1e-9) + 1e-9;
        L.nodes = 0;
        L.complete = 1;
        L.count = 0;
        memcpy(L.xp + nn, L.u, (size_t)n * sizeof *L.xp);
        enumerate(&L, n - 1, 0.0);
        if (L.count == 0) break;
        polish(&L, opt, &best, x);
        if (!L.complete) {
            /* Capped: the next, smaller ellipsoid is searched afresh, and
             * is no smaller if nothing improved. */
            if (!(best < before)) break;
            L.thr = -INFINITY;
            continue;
        }
        /* Complete: every leaf scoring <= hs[0] is polished, and the next
         * ellipsoid is inside this one. A heap not full held them all. */
        if (L.count < FSTAR_POLISH) break;
        L.thr = L.hs[0];
    }
    free(mem);
    nlopt_destroy(opt);
    return best;
}
