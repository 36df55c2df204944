/* bench_report.c — `dl2o bench` output: a Markdown table, JSON, and an SVG
 * plot of success rate against budget (one line per method), written by hand
 * so no plotting dependency is needed. */
#include <math.h>
#include <string.h>

#include "bench.h"

static const bench_cell *cell(const bench_table *t, int m, int b)
{
    return &t->cells[(size_t)m * t->n_budgets + b];
}

void dl2o_bench_markdown(FILE *fp, const bench_table *t)
{
    fprintf(fp, "## %s: %u held-out instances (seed %llu), local solver %s\n\n", t->family,
            t->instances, (unsigned long long)t->seed, t->solver);
    fprintf(fp, "Weights: `%s`. Mean best-known f* = %.6g. Success: f <= f* + 1e-3 (1 + |f*|).\n",
            t->weights, t->mean_fstar);
    for (int b = 0; b < t->n_budgets; b++) {
        fprintf(fp, "\n### Budget %ld evaluations\n\n", t->budgets[b]);
        fprintf(fp, "| method | mean f | mean gap | success | mean evals | ms / instance |\n");
        fprintf(fp, "|---|---:|---:|---:|---:|---:|\n");
        for (int m = 0; m < dl2o_bench_method_count; m++) {
            const bench_cell *c = cell(t, m, b);
            if (!c->count) {
                fprintf(fp, "| %s | — | — | — | — | — |\n", dl2o_bench_methods[m].name);
                continue;
            }
            fprintf(fp, "| %s | %.4f | %.4f | %.2f | %.1f | %.2f |\n", dl2o_bench_methods[m].name,
                    c->mean_f, c->mean_gap, c->success, c->mean_evals, 1e3 * c->seconds);
        }
    }
    if (t->lasso)
        fprintf(fp, "\nEvaluations to reach f* + 1e-6 (1 + |f*|), %s, max 20000: median cold %.1f "
                "(reached %d/%u), median warm %.1f (reached %d/%u); warm counts the "
                "initializer's evaluations.\n", t->solver, t->median_cold, t->reached_cold,
                t->instances, t->median_warm, t->reached_warm, t->instances);
}

static void json_str(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fprintf(fp, "\\%c", *s);
        else if ((unsigned char)*s < 0x20) fprintf(fp, "\\u%04x", (unsigned char)*s);
        else fputc(*s, fp);
    }
    fputc('"', fp);
}

static void json_num(FILE *fp, double v)
{
    if (isfinite(v)) fprintf(fp, "%.17g", v);
    else fprintf(fp, "null");
}

void dl2o_bench_json(FILE *fp, const bench_table *t)
{
    fprintf(fp, "{\"family\": ");
    json_str(fp, t->family);
    fprintf(fp, ", \"weights\": ");
    json_str(fp, t->weights);
    fprintf(fp, ", \"solver\": ");
    json_str(fp, t->solver);
    fprintf(fp, ", \"instances\": %u, \"seed\": %llu, \"mean_fstar\": ", t->instances,
            (unsigned long long)t->seed);
    json_num(fp, t->mean_fstar);
    fprintf(fp, ",\n \"results\": [");
    for (int m = 0; m < dl2o_bench_method_count; m++)
        for (int b = 0; b < t->n_budgets; b++) {
            const bench_cell *c = cell(t, m, b);
            fprintf(fp, "%s\n  {\"method\": ", m || b ? "," : "");
            json_str(fp, dl2o_bench_methods[m].name);
            fprintf(fp, ", \"budget\": %ld, \"instances_run\": %d, \"mean_f\": ", t->budgets[b], c->count);
            json_num(fp, c->count ? c->mean_f : NAN);
            fprintf(fp, ", \"mean_gap\": ");
            json_num(fp, c->count ? c->mean_gap : NAN);
            fprintf(fp, ", \"success\": ");
            json_num(fp, c->count ? c->success : NAN);
            fprintf(fp, ", \"mean_evals\": ");
            json_num(fp, c->count ? c->mean_evals : NAN);
            fprintf(fp, ", \"seconds_per_instance\": ");
            json_num(fp, c->count ? c->seconds : NAN);
            fputc('}', fp);
        }
    fprintf(fp, "\n ]");
    if (t->lasso) {
        fprintf(fp, ",\n \"lasso_target\": {\"median_evals_cold\": ");
        json_num(fp, t->median_cold);
        fprintf(fp, ", \"median_evals_warm\": ");
        json_num(fp, t->median_warm);
        fprintf(fp, ", \"reached_cold\": %d, \"reached_warm\": %d}", t->reached_cold, t->reached_warm);
    }
    fprintf(fp, "}\n");
}

void dl2o_bench_svg(FILE *fp, const bench_table *t)
{
    static const char *colors[] = {"#888888", "#1f77b4", "#17becf", "#ff7f0e", "#bcbd22",
                                   "#8c564b", "#e377c2", "#9467bd", "#2ca02c", "#d62728"};
    const double W = 760, H = 420, L = 60, R = 230, T = 40, B = 50;
    double pw = W - L - R, ph = H - T - B;
    double lo = log10((double)t->budgets[0]), hi = log10((double)t->budgets[t->n_budgets - 1]);
    if (hi - lo < 1e-9) lo -= 0.5, hi += 0.5;
    fprintf(fp, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
            "font-family=\"sans-serif\" font-size=\"12\">\n", W, H);
    fprintf(fp, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    fprintf(fp, "<text x=\"%.0f\" y=\"22\" font-size=\"14\">%s: success rate vs. evaluation "
            "budget (%u instances)</text>\n", L, t->family, t->instances);
    fprintf(fp, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" "
            "stroke=\"black\"/>\n", L, T, pw, ph);
    for (int k = 0; k <= 4; k++) {
        double y = T + ph * (1.0 - k / 4.0);
        fprintf(fp, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>\n",
                L, y, L + pw, y, L - 6, y + 4, k / 4.0);
    }
    for (int b = 0; b < t->n_budgets; b++) {
        double x = L + pw * (log10((double)t->budgets[b]) - lo) / (hi - lo);
        fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%ld</text>\n", x,
                T + ph + 18, t->budgets[b]);
    }
    fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">evaluations (log scale)</text>\n",
            L + pw / 2, H - 10);
    for (int m = 0; m < dl2o_bench_method_count; m++) {
        const char *col = colors[m % (int)(sizeof colors / sizeof colors[0])];
        fprintf(fp, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", col);
        for (int b = 0; b < t->n_budgets; b++) {
            const bench_cell *c = cell(t, m, b);
            if (!c->count) continue;
            double x = L + pw * (log10((double)t->budgets[b]) - lo) / (hi - lo);
            fprintf(fp, "%.1f,%.1f ", x, T + ph * (1.0 - c->success));
        }
        double ly = T + 14 + 18.0 * m;
        fprintf(fp, "\"/>\n<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"%s\" "
                "stroke-width=\"2\"/><text x=\"%.0f\" y=\"%.1f\">%s</text>\n", W - R + 15, ly,
                W - R + 35, ly, col, W - R + 40, ly + 4, dl2o_bench_methods[m].name);
    }
    fprintf(fp, "</svg>\n");
}
