/* progress.h — progress on stderr: a redrawn bar on a TTY, otherwise a plain
 * line each time `done` crosses a multiple of line_every. */
#ifndef DL2O_PROGRESS_H
#define DL2O_PROGRESS_H

typedef struct dl2o_progress {
    const char *label;
    long total, line_every, next_line;
    int enabled, tty;
    double t0, last_draw;
} dl2o_progress;

void dl2o_progress_start(dl2o_progress *p, const char *label, long total, long line_every,
                         int enabled);
void dl2o_progress_update(dl2o_progress *p, long done, const char *extra);
void dl2o_progress_finish(dl2o_progress *p, const char *extra);

#endif
