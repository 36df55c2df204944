/* data_io.h — the training data file (HDF5, "dl2o-data" version 1).
 *
 * The layout is specified in weights/FORMAT.md. Saving is atomic and loading
 * strict, exactly as for weight files (model_io.h).
 */
#ifndef DL2O_DATA_IO_H
#define DL2O_DATA_IO_H

#include "dataset.h"
#include "dl2o.h"

/* Writes d to path. Refuses (DL2O_EINVAL, DL2O_ENONFINITE) a data set the
 * loader would reject. I/O failures: DL2O_EIO. */
dl2o_status dl2o_dataset_save(const dl2o_dataset *d, const char *path);

/* Reads path into d (overwritten, not freed first). On success free d with
 * dl2o_dataset_free; on failure d is left zeroed. Errors: DL2O_EIO,
 * DL2O_EFORMAT, DL2O_ENOMEM. */
dl2o_status dl2o_dataset_load(const char *path, dl2o_dataset *d);

#endif
