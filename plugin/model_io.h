/* model_io.h — the weight file (HDF5, "dl2o-weights" version 1).
 *
 * The layout is specified in weights/FORMAT.md. Saving is atomic: the file
 * is written to "<path>.tmp.XXXXXX" in the same directory, flushed, and
 * renamed over path; on failure nothing is left behind and an earlier file
 * at path is untouched. Loading is strict: every attribute, type, rank and
 * shape is checked before use, and a malformed file is an error with a
 * message "<path>: <what is wrong>; <what to do>", never a crash.
 *
 * HDF5's own error printing is silenced during both calls. The calls are as
 * thread-safe as the HDF5 library they are linked against.
 */
#ifndef DL2O_MODEL_IO_H
#define DL2O_MODEL_IO_H

#include "dl2o.h"
#include "model.h"

/* Writes m to path. An empty m->created is written as the current UTC time;
 * a NULL m->training_json as "{}". Refuses (DL2O_EINVAL, DL2O_ENONFINITE)
 * a model the loader would reject: non-finite values, std <= 0,
 * lower >= upper, inconsistent sizes. I/O failures: DL2O_EIO. */
dl2o_status dl2o_model_save(const dl2o_model *m, const char *path);

/* The same, calling extra(w, extra_data) after the model is written and
 * before the file is committed, so that a caller can add its own groups to
 * the same atomic file (plugin/checkpoint.c adds /train_state). */
struct dl2o_h5_writer;
typedef dl2o_status (*dl2o_model_extra)(struct dl2o_h5_writer *w, const void *extra_data);
dl2o_status dl2o_model_save_with(const dl2o_model *m, const char *path, dl2o_model_extra extra,
                                 const void *extra_data);

/* Reads path into m (which is overwritten, not freed first). On success
 * free m with dl2o_model_free; on failure m is left zeroed. Errors:
 * DL2O_EIO (cannot open/read), DL2O_EFORMAT (malformed, unknown version),
 * DL2O_ENOMEM. */
dl2o_status dl2o_model_load(const char *path, dl2o_model *m);

#endif
