/* run_util.h — helpers of the resume and determinism tests: run the dl2o
 * command as a child (with its own environment, signals), compare files. */
#ifndef DL2O_RUN_UTIL_H
#define DL2O_RUN_UTIL_H

#include <stddef.h>
#include <sys/types.h>

/* Starts argv (argv[0] a path) with env additions "NAME=value" ("NAME=" to
 * unset), NULL-terminated, or NULL. stdout goes to /dev/null; stderr to a
 * pipe whose read end is *err_fd when err_fd is not NULL, else to our
 * stderr. Returns the pid, or -1. */
pid_t run_spawn(char *const argv[], char *const env[], int *err_fd);

/* Waits for pid: its exit status, or 128 + the signal that ended it. */
int run_wait(pid_t pid);

/* run_spawn + run_wait. */
int run_cmd(char *const argv[], char *const env[]);

/* Reads err_fd until a line starting with `prefix` arrives (1) or EOF (0).
 * The text read is appended to log (size bytes, kept terminated). */
int run_read_until(int err_fd, const char *prefix, char *log, size_t size);
/* Reads err_fd to EOF and closes it. */
void run_drain(int err_fd, char *log, size_t size);

/* 1 when files a and b hold the same datasets (names, element sizes,
 * shapes, bytes); else 0 with the first difference in why. */
int same_datasets(const char *a, const char *b, char *why, size_t size);
/* 1 when both files exist with the same bytes. */
int same_bytes(const char *a, const char *b);
/* Names in dir that contain ".tmp" (temporary files left behind). */
int count_tmp_files(const char *dir);
int file_exists(const char *path);

#endif
