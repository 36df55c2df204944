#include "progress.h"

#include <stdio.h>
#include <unistd.h>

#include "common.h"

void dl2o_progress_start(dl2o_progress *p, const char *label, long total, long line_every,
                         int enabled)
{
    p->label = label;
    p->total = total > 0 ? total : 1;
    p->line_every = line_every > 0 ? line_every : p->total;
    p->next_line = p->line_every;
    p->enabled = enabled;
    p->tty = enabled && isatty(fileno(stderr));
    p->t0 = dl2o_now();
    p->last_draw = 0.0;
}

static void draw(dl2o_progress *p, long done, const char *extra, int final)
{
    double el = dl2o_now() - p->t0;
    if (p->tty) {
        const int W = 30;
        int fill = (int)(W * (double)done / p->total);
        char bar[32];
        for (int i = 0; i < W; i++) bar[i] = i < fill ? '#' : '.';
        bar[W] = '\0';
        fprintf(stderr, "\r%-6s [%s] %ld/%ld %6.1fs %s\033[K%s", p->label, bar, done, p->total,
                el, extra ? extra : "", final ? "\n" : "");
    } else {
        fprintf(stderr, "%s %ld/%ld %.1fs %s\n", p->label, done, p->total, el, extra ? extra : "");
    }
    fflush(stderr);
}

void dl2o_progress_update(dl2o_progress *p, long done, const char *extra)
{
    if (!p->enabled) return;
    if (p->tty) {
        double now = dl2o_now();
        if (now - p->last_draw < 0.1) return;
        p->last_draw = now;
        draw(p, done, extra, 0);
    } else if (done >= p->next_line && done < p->total) {
        while (p->next_line <= done) p->next_line += p->line_every;
        draw(p, done, extra, 0);
    }
}

void dl2o_progress_finish(dl2o_progress *p, const char *extra)
{
    if (p->enabled) draw(p, p->total, extra, 1);
}
